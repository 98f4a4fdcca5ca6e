from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from fulfillment.models import Allocation, Backorder, BackorderStatus, Event, EventKind

BACKORDER_ORDERINGS = ("placed_at", "value", "promised_ship_by", "priority")


AGE_BUCKETS = ((0, 3), (4, 7), (8, 14), (15, 30), (31, None))


def backorders_list() -> QuerySet[Backorder]:
    """Backorders with their SKU and region: one query per page, whatever its size."""
    return Backorder.objects.select_related("sku", "region")


CURRENT_ALLOCATION = (Allocation.Status.ACTIVE, Allocation.Status.HANDED_OFF)


def backorder_detail() -> QuerySet[Backorder]:
    """Backorders with their SKU, region, events and `current_allocations` (the active or
    handed-off one, at most one by the database's constraints, with its unit and hub):
    a fixed number of queries. `Backorder.current_allocation` reads it."""
    current = Allocation.objects.filter(status__in=CURRENT_ALLOCATION).select_related("unit", "hub")
    return backorders_list().prefetch_related(
        "events", Prefetch("allocations", queryset=current, to_attr="current_allocations")
    )


def backorder_custody(*, backorder: Backorder) -> list[Event]:
    """The whole chain of custody of a backorder, oldest first: its own events, and — once a
    unit is promised to it — that unit's events and those of the return it came from
    (routing, drop-off, the inspection, shelving, reservation, hand-off). The return's photo
    steps stay on the return's own page: here the inspection's one event stands for them.
    One query."""
    subjects = Q(backorder=backorder)
    allocation = backorder.current_allocation
    if allocation is not None:
        subjects |= Q(unit_id=allocation.unit_id) | Q(return_item_id=allocation.unit.return_item_id)
    photo_steps = (EventKind.PHOTO_UPLOADED, EventKind.PHOTO_PROCESSED, EventKind.PHOTO_FAILED)
    return list(
        Event.objects.filter(subjects)
        .exclude(kind__in=photo_steps)
        .select_related("hub", "unit", "return_item")
        .order_by("created_at", "pk")
    )


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
