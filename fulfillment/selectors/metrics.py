"""The brand's economics and service figures (issue 11 §2): per ISO week and over all time,
aggregated in SQL from the ledger (fulfillment.models.LedgerEntry, written by the services
as things happen) — the dashboard, GET /api/v1/metrics and the simulator's summary read
`brand_metrics`. Four queries whatever the number of rows: the weeks (GROUP BY week), the
all-time totals, the queue's ageing, and promise accuracy (promise_accuracy, as is).

Weeks start on Monday in the brand's time zone (settings.TIME_ZONE). Medians are
PostgreSQL's percentile_cont(0.5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Aggregate, Avg, Count, FloatField, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from fulfillment.models import Backorder, BackorderStatus, LedgerEntry, ReturnItem
from fulfillment.selectors.promises import Accuracy, promise_accuracy

Kind = LedgerEntry.Kind
LOCAL = Backorder.FillSource.LOCAL_RETURN
RESTOCK = Backorder.FillSource.RESTOCK
HUB = ReturnItem.Route.HUB
WAREHOUSE = ReturnItem.Route.WAREHOUSE
ZERO = Decimal("0.00")

# Waiting backorders by age in whole days (today − the day placed): (label, lowest, highest).
AGE_BUCKETS = (
    ("0–2 days", 0, 2),
    ("3–7 days", 3, 7),
    ("8–14 days", 8, 14),
    ("15–30 days", 15, 30),
    ("over 30 days", 31, None),
)


class Median(Aggregate):
    """percentile_cont(0.5) WITHIN GROUP (ORDER BY expr): the continuous median."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class WeekMetrics:
    week: dt.date  # Monday of the ISO week
    filled_local: int
    filled_restock: int
    local_fill_rate: float | None
    median_days_to_fill_local: float | None
    median_days_to_fill_restock: float | None
    savings: Decimal
    revenue_kept: Decimal
    returns_local: int
    returns_warehouse: int
    refund_days_hub: float | None
    refund_days_warehouse: float | None
    cancellations: int
    cancellation_loss: Decimal = ZERO  # the cost C of that week's cancellations


@dataclass(frozen=True)
class BrandMetrics:
    weeks: tuple[WeekMetrics, ...]
    queue_ageing: tuple[tuple[str, int], ...]
    accuracy: Accuracy
    summary: dict[str, float | int | None]


def _figures() -> dict:
    """The aggregates, by the names WeekMetrics uses (a few more for the summary)."""
    routed, filled = Q(kind=Kind.RETURN_ROUTED), Q(kind=Kind.BACKORDER_FILLED)
    refund, cancelled = Q(kind=Kind.REFUND_READY), Q(kind=Kind.BACKORDER_CANCELLED)
    return {
        "filled_local": Count("pk", filter=filled & Q(source=LOCAL)),
        "filled_restock": Count("pk", filter=filled & Q(source=RESTOCK)),
        "median_days_to_fill_local": Median("days", filter=filled & Q(source=LOCAL)),
        "median_days_to_fill_restock": Median("days", filter=filled & Q(source=RESTOCK)),
        "savings": Sum("savings", filter=routed),
        "revenue_kept": Sum("revenue_kept", filter=filled),
        "returns_local": Count("pk", filter=routed & Q(source=HUB)),
        "returns_warehouse": Count("pk", filter=routed & Q(source=WAREHOUSE)),
        "refund_days_hub": Median("days", filter=refund & Q(source=HUB)),
        "refund_days_warehouse": Median("days", filter=refund & Q(source=WAREHOUSE)),
        "cancellations": Count("pk", filter=cancelled),
        "cancellation_loss": Sum("cancellation_cost", filter=cancelled),
        "cost_per_local_return": Avg("cost_actual", filter=routed & Q(source=HUB)),
        "cost_per_warehouse_return": Avg("cost_actual", filter=routed & Q(source=WAREHOUSE)),
    }


def _fill_rate(local: int, restock: int) -> float | None:
    return local / (local + restock) if local + restock else None


def _week(monday: dt.date, row: dict | None) -> WeekMetrics:
    row = row or {}
    local, restock = row.get("filled_local", 0), row.get("filled_restock", 0)
    return WeekMetrics(
        week=monday,
        filled_local=local,
        filled_restock=restock,
        local_fill_rate=_fill_rate(local, restock),
        median_days_to_fill_local=row.get("median_days_to_fill_local"),
        median_days_to_fill_restock=row.get("median_days_to_fill_restock"),
        savings=row.get("savings") or ZERO,
        revenue_kept=row.get("revenue_kept") or ZERO,
        returns_local=row.get("returns_local", 0),
        returns_warehouse=row.get("returns_warehouse", 0),
        refund_days_hub=row.get("refund_days_hub"),
        refund_days_warehouse=row.get("refund_days_warehouse"),
        cancellations=row.get("cancellations", 0),
        cancellation_loss=row.get("cancellation_loss") or ZERO,
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _round(value, places: int) -> float | None:
    return None if value is None else round(float(value), places)


def queue_ageing(*, today: dt.date) -> tuple[tuple[tuple[str, int], ...], int]:
    """The waiting backorders by age (AGE_BUCKETS) and their total, in one query."""
    figures = {"total": Count("pk")}
    for i, (_label, low, high) in enumerate(AGE_BUCKETS):
        # Age ≥ low ⇔ placed before the start of (today − low + 1); ≤ high ⇔ placed on or after (today − high).
        age = Q(placed_at__lt=_day_start(today - dt.timedelta(days=low - 1))) if low else Q()
        if high is not None:
            age &= Q(placed_at__gte=_day_start(today - dt.timedelta(days=high)))
        figures[f"a{i}"] = Count("pk", filter=age)
    row = Backorder.objects.filter(status=BackorderStatus.WAITING).order_by().aggregate(**figures)
    return tuple((label, row[f"a{i}"]) for i, (label, _low, _high) in enumerate(AGE_BUCKETS)), row["total"]


def brand_metrics(*, weeks: int = 12, today: dt.date | None = None) -> BrandMetrics:
    """The connection's brand's figures: `weeks` ISO weeks ending with the current one
    (oldest first, empty weeks included), the queue's ageing, promise accuracy, and an
    all-time summary (money to the cent, days to 0.1, shares to 0.001). Four queries."""
    if weeks < 1:
        raise ValueError("weeks is at least 1.")
    today = today or timezone.localdate()
    current = today - dt.timedelta(days=today.weekday())
    mondays = [current - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    zone = timezone.get_default_timezone()
    rows = (
        LedgerEntry.objects.filter(at__gte=_day_start(mondays[0]), at__lt=_day_start(current + dt.timedelta(days=7)))
        .annotate(week=TruncWeek("at", tzinfo=zone))
        .order_by()
        .values("week")
        .annotate(**_figures())
    )
    by_week = {timezone.localtime(row["week"], zone).date(): row for row in rows}
    total = LedgerEntry.objects.order_by().aggregate(**_figures())
    ageing, waiting = queue_ageing(today=today)
    accuracy = promise_accuracy()
    summary = {
        "local_fill_rate": _round(_fill_rate(total["filled_local"], total["filled_restock"]), 3),
        "median_days_to_fill_local": _round(total["median_days_to_fill_local"], 1),
        "median_days_to_fill_restock": _round(total["median_days_to_fill_restock"], 1),
        "promises_kept_share": _round(accuracy.kept_share, 3),
        "stated_confidence": _round(accuracy.stated, 3),
        "mean_slack_days": _round(accuracy.mean_slack_days, 1),
        "cost_per_local_return": _round(total["cost_per_local_return"], 2),
        "cost_per_warehouse_return": _round(total["cost_per_warehouse_return"], 2),
        "cancellations": total["cancellations"],
        "revenue_kept": _round(total["revenue_kept"] or ZERO, 2),
        "savings": _round(total["savings"] or ZERO, 2),
        "returns_local": total["returns_local"],
        "returns_warehouse": total["returns_warehouse"],
        "backorders_waiting": waiting,
    }
    return BrandMetrics(
        weeks=tuple(_week(monday, by_week.get(monday)) for monday in mondays),
        queue_ageing=ageing,
        accuracy=accuracy,
        summary=summary,
    )
