from __future__ import annotations

import datetime

from django.db.models import Aggregate, Count, DurationField, F, Q


def _bars(counts: dict, choices) -> list[dict]:
    """[{value, label, count, percent}] in the choices' order, percent of the largest."""
    top = max(counts.values(), default=0) or 1
    return [
        {
            "value": value,
            "label": label,
            "count": counts.get(value, 0),
            "percent": round(100 * counts.get(value, 0) / top),
        }
        for value, label in choices
    ]


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5) over an expression (an interval here)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def duration_words(value: datetime.timedelta | None) -> str:
    """A median as people read it: “45 min”, “5.5 h”, “3.2 days”; “—” without one."""
    if value is None:
        return "—"
    minutes = value.total_seconds() / 60
    if minutes < 90:
        return f"{max(minutes, 0):.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def refund_ready_times() -> dict:
    """Median time to refund-ready on each path, in one query: the hub path from drop-off
    (dropped_off_at → refund_ready_at), the warehouse path from routing (routed_at →
    refund_ready_at: Closo does not see a warehouse return leave the customer), with how
    many returns each median is over."""
    from fulfillment.models import ReturnItem

    Route = ReturnItem.Route
    hub = Q(route=Route.HUB, dropped_off_at__isnull=False, refund_ready_at__isnull=False)
    warehouse = Q(route=Route.WAREHOUSE, routed_at__isnull=False, refund_ready_at__isnull=False)
    row = ReturnItem.objects.aggregate(
        hub_median=Median(F("refund_ready_at") - F("dropped_off_at"), filter=hub),
        hub_n=Count("pk", filter=hub),
        warehouse_median=Median(F("refund_ready_at") - F("routed_at"), filter=warehouse),
        warehouse_n=Count("pk", filter=warehouse),
    )
    return {
        path: {"median": row[f"{path}_median"], "words": duration_words(row[f"{path}_median"]), "n": row[f"{path}_n"]}
        for path in ("hub", "warehouse")
    }


def workspace_overview() -> dict:
    """What the brand portal's overview shows, in six queries (run on the brand's schema)."""
    from fulfillment.models import Backorder, BackorderStatus, RegionLimit, ReturnItem, ReturnStatus, Sku
    from inspections.models import StandardVersion

    backorders = dict(Backorder.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    returns = dict(ReturnItem.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    skus = Sku.objects.aggregate(total=Count("pk"), local=Count("pk", filter=Q(local_returns_enabled=True)))
    return {
        "sku_count": skus["total"],
        "local_sku_count": skus["local"],
        "backorder_bars": _bars(backorders, BackorderStatus.choices),
        "backorder_count": sum(backorders.values()),
        "return_bars": _bars(returns, ReturnStatus.choices),
        "return_count": sum(returns.values()),
        "published_standard_count": StandardVersion.objects.filter(status=StandardVersion.Status.PUBLISHED)
        .values("standard")
        .distinct()
        .count(),
        "region_count": RegionLimit.objects.filter(is_active=True).count(),
        "refund_times": refund_ready_times(),
    }
