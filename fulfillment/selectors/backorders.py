from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fulfillment.models import Backorder, BackorderStatus

BACKORDER_ORDERINGS = ("placed_at", "value", "promised_ship_by", "priority")


AGE_BUCKETS = ((0, 3), (4, 7), (8, 14), (15, 30), (31, None))


def backorders_list() -> QuerySet[Backorder]:
    """Backorders with their SKU and region: one query per page, whatever its size."""
    return Backorder.objects.select_related("sku", "region")


def backorder_age_histogram(*, queryset: QuerySet[Backorder] | None = None) -> list[dict]:
    """Backorders by days waited (0–3, 4–7, 8–14, 15–30, over 30), one query: those of
    `queryset` (the list's filters), or all waiting ones. Each bucket: label, count,
    percent of the largest bucket, and its filter bounds."""
    now = timezone.now()
    counts = {}
    for low, high in AGE_BUCKETS:
        window = Q(placed_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            window &= Q(placed_at__gt=now - dt.timedelta(days=high + 1))
        counts[f"b{low}"] = Count("pk", filter=window)
    if queryset is None:
        queryset = Backorder.objects.filter(status=BackorderStatus.WAITING)
    totals = queryset.order_by().aggregate(**counts)
    biggest = max(totals.values(), default=0) or 1
    return [
        {
            "label": f"{low}–{high} days" if high is not None else f"over {low - 1} days",
            "count": totals[f"b{low}"],
            "percent": round(100 * totals[f"b{low}"] / biggest),
            "min_age_days": low,
            "max_age_days": high,
        }
        for low, high in AGE_BUCKETS
    ]
