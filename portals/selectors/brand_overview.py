from __future__ import annotations

from django.db.models import Count, Q


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


def workspace_overview() -> dict:
    """What the brand portal's overview shows, in five queries (run on the brand's schema)."""
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
    }
