"""The brand's Discrepancies page: per hub holding its units, the units a shelf count could
not find (missing), the units no count has confirmed lately (unverified), and the hub's
count history (this brand's lines only)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from brands.decorators import brand_member_required
from fulfillment.selectors.counts import brand_discrepancies


@brand_member_required
def discrepancies(request):
    now = timezone.now()
    hubs = brand_discrepancies(brand=request.tenant, now=now)
    return render(
        request,
        "fulfillment/discrepancies.html",
        {
            "hubs": hubs,
            "missing_total": sum(len(h.missing) for h in hubs),
            "unverified_total": sum(len(h.unverified) for h in hubs),
            "verify_days": request.tenant.count_verify_days,
            "now": now,
            "section": "discrepancies",
        },
    )
