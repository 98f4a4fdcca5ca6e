"""The local loop's core path, end to end in services: a unit on a shelf near a waiting
customer is allocated to them, with a pickup code on the hub's hand-off task."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from closo.actors import Actor
from fulfillment.models import Allocation, Backorder, ReturnItem, Sku, StockUnit
from fulfillment.services.matching import backorder_match, unit_match
from hubs.models import HubTask
from hubs.services.tasks import BRAND_ROW_TASKS

SYSTEM = Actor.system("tests")


def shelve(brand, sku, hub, n=1) -> StockUnit:
    item = ReturnItem.objects.create(
        rma_ref=f"RMA-S{n}", sku=sku, customer_zip="78702", status="disposed", route="hub", hub=hub
    )
    with transaction.atomic():
        unit = StockUnit.objects.create(
            sku=sku,
            hub=hub,
            return_item=item,
            inspection_id=1,
            label=f"T{n}",
            condition="like_new",
            hold_until=timezone.now() + datetime.timedelta(days=14),
        )
        BRAND_ROW_TASKS.open(unit, HubTask.Kind.SHELF)
    return unit


def waiting(sku, ref="#1", zip_code="78702", lat=30.263, lon=-97.715, **values) -> Backorder:
    return Backorder.objects.create(
        order_ref=ref,
        sku=sku,
        value=120,
        customer_zip=zip_code,
        lat=lat,
        lon=lon,
        placed_at=timezone.now() - datetime.timedelta(days=21),
        **values,
    )


def test_a_released_unit_goes_to_the_customer_waiting_nearby(brand_a, in_brand, active_hub):
    with in_brand(brand_a):
        sku = Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket", price=120)
        far = waiting(sku, "#far", zip_code="10001", lat=40.75, lon=-73.99)
        near = waiting(sku, "#near")
        unit = shelve(brand_a, sku, active_hub)
        allocation = unit_match(unit_id=unit.pk)
        assert allocation is not None and allocation.backorder_id == near.pk
        assert Backorder.objects.get(pk=near.pk).status == "allocated"
        assert Backorder.objects.get(pk=far.pk).status == "waiting"
        assert StockUnit.objects.get(pk=unit.pk).status == "reserved"
        task = HubTask.objects.get(brand=brand_a, return_item_id=unit.return_item_id, status="open")
        assert (task.kind, task.code) == ("handoff", allocation.pickup_code)
        assert unit_match(unit_id=unit.pk) is None  # reserved now: nothing more to do


def test_a_new_backorder_takes_a_unit_already_on_a_shelf(brand_a, in_brand, active_hub):
    with in_brand(brand_a):
        sku = Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket", price=120)
        unit = shelve(brand_a, sku, active_hub)
        backorder = waiting(sku)
        allocation = backorder_match(backorder_id=backorder.pk)
        assert allocation.unit_id == unit.pk
        assert Allocation.objects.get().status == "active"
