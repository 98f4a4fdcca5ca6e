from __future__ import annotations

from django.db import models
from django.shortcuts import get_object_or_404

from brands.models import Brand
from fulfillment.models import StockUnit
from hubs.models import Hub


def units_all() -> models.QuerySet[StockUnit]:
    """Stock units with their SKU, hub and return in the same query."""
    return StockUnit.objects.select_related("sku", "hub", "return_item")


def units_held() -> models.QuerySet[StockUnit]:
    """Units waiting for the brand's approval, oldest first."""
    return units_all().filter(status=StockUnit.Status.HELD).order_by("created_at", "pk")


def unit_get(*, pk: int) -> StockUnit:
    return get_object_or_404(units_all(), pk=pk)


def hold_required(hub: Hub, brand: Brand) -> bool:
    """Whether a Like-New unit inspected at `hub` waits for `brand`'s approval: the hub's
    reputation is below the brand's threshold (equal is good standing). Pass a hub read
    in the releasing transaction, so an audit decided a moment ago counts."""
    return hub.reputation < brand.reputation_threshold
