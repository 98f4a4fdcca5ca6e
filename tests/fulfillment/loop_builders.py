"""Builders for local-loop tests: a unit on a hub's shelf, a backorder waiting nearby."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from closo.actors import Actor
from fulfillment.models import Backorder, ReturnItem, StockUnit
from hubs.models import HubTask
from hubs.services.tasks import BRAND_ROW_TASKS

SYSTEM = Actor.system("tests")


def shelve(brand, sku, hub, n=1, *, rma: str = "", label: str = "") -> StockUnit:
    """An available unit of `sku` on `hub`'s shelf with its shelf task, as a Like-New
    release leaves it (RMA-S<n>, label T<n> unless given). Call inside the brand's schema."""
    item = ReturnItem.objects.create(
        rma_ref=rma or f"RMA-S{n}", sku=sku, customer_zip="78702", status="disposed", route="hub", hub=hub
    )
    with transaction.atomic():
        unit = StockUnit.objects.create(
            sku=sku,
            hub=hub,
            return_item=item,
            inspection_id=1,
            label=label or f"T{n}",
            condition="like_new",
            hold_until=timezone.now() + datetime.timedelta(days=14),
        )
        BRAND_ROW_TASKS.open(unit, HubTask.Kind.SHELF)
    return unit


def waiting(sku, ref="#1", zip_code="78702", lat=30.263, lon=-97.715, placed_at=None, **values) -> Backorder:
    """A waiting backorder of `sku` placed 21 days ago (unless `placed_at`), at a point near
    Eastside Porch unless given (the ORM only: nothing is matched)."""
    return Backorder.objects.create(
        order_ref=ref,
        sku=sku,
        value=120,
        customer_zip=zip_code,
        lat=lat,
        lon=lon,
        placed_at=placed_at or timezone.now() - datetime.timedelta(days=21),
        **values,
    )


def released(sku, hub, ages_days, *, prefix: str = "H") -> None:
    """Like-New releases of `sku` at `hub`, `ages_days` ago, already handed off: the history
    the promise model learns its local rate from. Call inside the brand's schema."""
    now = timezone.now()
    start = StockUnit.objects.count()
    for i, age in enumerate(ages_days, start=start):
        item = ReturnItem.objects.create(
            rma_ref=f"RMA-{prefix}{i}", sku=sku, customer_zip="78702", status="disposed", route="hub", hub=hub
        )
        unit = StockUnit.objects.create(
            sku=sku,
            hub=hub,
            return_item=item,
            inspection_id=1,
            label=f"{prefix}{i}",
            condition="like_new",
            status="handed_off",
        )
        StockUnit.objects.filter(pk=unit.pk).update(created_at=now - datetime.timedelta(days=age))
