from __future__ import annotations

from django.shortcuts import render

from brands.decorators import brand_member_required
from portals.selectors.brand_overview import workspace_overview


@brand_member_required
def brand_home(request):
    brand = request.tenant
    context = {
        **workspace_overview(),
        "member_count": brand.memberships.count(),
        "active_key_count": brand.api_keys.active().count(),
        "section": "home",
    }
    return render(request, "brands/home.html", context)
