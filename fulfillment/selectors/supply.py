from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from fulfillment.models import Event, InboundSupply

Status = InboundSupply.Status


CHART_WEEKS = 8


# Brands have no time zone of their own: a date is "in the past" only once it has ended
# everywhere, i.e. in the last time zone on Earth (UTC−12; the "Etc/" sign is inverted).
LAST_TIME_ZONE = ZoneInfo("Etc/GMT+12")


def supply_earliest_date() -> datetime.date:
    """The earliest expected date accepted: today, somewhere on Earth."""
    return timezone.now().astimezone(LAST_TIME_ZONE).date()


def supply_search(
    *,
    sku: str = "",
    status: str = "",
    expected_after: datetime.date | None = None,
    expected_before: datetime.date | None = None,
) -> QuerySet[InboundSupply]:
    """Purchase orders with their SKU (one query per page), filtered as the list page and
    the API do: SKU code, status, expected date within [after, before]."""
    queryset = InboundSupply.objects.select_related("sku")
    if sku:
        queryset = queryset.filter(sku__code=sku)
    if status:
        queryset = queryset.filter(status=status)
    if expected_after:
        queryset = queryset.filter(expected_date__gte=expected_after)
    if expected_before:
        queryset = queryset.filter(expected_date__lte=expected_before)
    return queryset


def supply_with_events() -> QuerySet[InboundSupply]:
    return InboundSupply.objects.select_related("sku").prefetch_related(
        Prefetch("events", queryset=Event.objects.order_by("created_at", "pk"))
    )


def supply_weekly_expected(*, today: datetime.date | None = None, weeks: int = CHART_WEEKS) -> dict:
    """Units still expected per week (Monday to Sunday) for `weeks` weeks from this one,
    and what is overdue (expected before today, neither received nor cancelled). One query."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=today.weekday())
    end = start + datetime.timedelta(weeks=weeks)
    rows = (
        InboundSupply.objects.filter(status=Status.EXPECTED, expected_date__lt=end)
        .values("expected_date")
        .annotate(units=Sum("qty"))
        .order_by()
    )
    buckets = [0] * weeks
    overdue = 0
    for row in rows:
        if row["expected_date"] < today:
            overdue += row["units"]
        else:
            buckets[(row["expected_date"] - start).days // 7] += row["units"]
    peak = max(buckets) or 1
    return {
        "weeks": [
            {
                "start": start + datetime.timedelta(weeks=i),
                "end": start + datetime.timedelta(weeks=i, days=6),
                "units": units,
                "percent": round(100 * units / peak),
            }
            for i, units in enumerate(buckets)
        ],
        "total": sum(buckets),
        "overdue": overdue,
        "today": today,
    }
