"""The brand's "Local fills" view: units on hub shelves, allocations by state, and fills
(hand-offs) per day this week. A fixed number of queries, however many rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from fulfillment.models import Allocation, StockUnit

U = StockUnit.Status
A = Allocation.Status
FILL_DAYS = 7


@dataclass(frozen=True)
class ShelfRow:
    hub_id: int
    hub_name: str
    hub_zip: str
    available: int
    reserved: int
    held: int

    @property
    def total(self) -> int:
        return self.available + self.reserved + self.held


def shelves_by_hub() -> list[ShelfRow]:
    """Units on shelves (available, reserved, held for approval) per hub, most first. One query."""
    on_shelf = (U.AVAILABLE, U.RESERVED, U.HELD)
    rows = (
        StockUnit.objects.filter(status__in=on_shelf)
        .values("hub_id", "hub__name", "hub__zip_code")
        .annotate(**{status: Count("pk", filter=Q(status=status)) for status in on_shelf})
        .order_by("hub__name", "hub_id")
    )
    shelves = [
        ShelfRow(
            hub_id=row["hub_id"],
            hub_name=row["hub__name"],
            hub_zip=row["hub__zip_code"],
            available=row[U.AVAILABLE],
            reserved=row[U.RESERVED],
            held=row[U.HELD],
        )
        for row in rows
    ]
    return sorted(shelves, key=lambda s: -s.total)


def allocations_by_status() -> list[tuple[str, str, int]]:
    """[(status, label, count)] for every allocation state, in the machine's order. One query."""
    counts = Allocation.objects.order_by().aggregate(**{s: Count("pk", filter=Q(status=s)) for s in A.values})
    return [(status, A(status).label, counts[status]) for status in A.values]


@dataclass(frozen=True)
class FillDay:
    day: dt.date
    count: int
    percent: int  # of the busiest day, for the bar's height


def fills_per_day(*, days: int = FILL_DAYS, now: dt.datetime | None = None) -> list[FillDay]:
    """Hand-offs per local day for the last `days` days (today last), zero days included. One query."""
    now = timezone.localtime(now or timezone.now())
    first = now.date() - dt.timedelta(days=days - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), now.tzinfo)
    found = dict(
        Allocation.objects.filter(status=A.HANDED_OFF, handed_off_at__gte=start)
        .annotate(day=TruncDate("handed_off_at", tzinfo=now.tzinfo))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    counts = [(first + dt.timedelta(days=i), found.get(first + dt.timedelta(days=i), 0)) for i in range(days)]
    busiest = max((n for _, n in counts), default=0) or 1
    return [FillDay(day=day, count=n, percent=round(100 * n / busiest)) for day, n in counts]


def allocations_open(*, limit: int = 50):
    """Active allocations, the soonest due first, with unit, SKU, backorder and hub: one query."""
    return (
        Allocation.objects.filter(status=A.ACTIVE)
        .select_related("unit__sku", "backorder", "hub")
        .order_by("due_at", "pk")[:limit]
    )
