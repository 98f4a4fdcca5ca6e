"""A hub suspended: every return on its way to it (routed, not dropped off), in every
brand, is routed again — a new code at another hub, or the warehouse — and the customer
told; units on its shelf stop being matched."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from fulfillment.models import Backorder, EventKind, ReturnItem, Sku, StockUnit
from fulfillment.services import returns as services
from fulfillment.services.matching import backorder_match, unit_match
from hubs.models import Hub, HubStatus, HubTask
from hubs.services import registry as hub_services
from hubs.services.tasks import BRAND_ROW_TASKS
from tests.factories import BRAND, HUB, as_staff

SKU = "WB-15-SAGE"


@pytest.fixture
def skus(brand_a, brand_b, in_brand):
    for brand in (brand_a, brand_b):
        with in_brand(brand):
            Sku.objects.create(code=SKU, title="Weighted blanket, sage", price=120)


@pytest.fixture
def zilker(db) -> Hub:
    """A second active hub 2 mi away that serves 78702 too."""
    east = Hub.objects.get(name="Eastside Porch")
    return Hub.objects.create(
        name="Zilker Stoop",
        kind="neighbour",
        contact_email="zilker@hub.test",
        address="2 Barton Springs Rd",
        city="Austin",
        state="TX",
        zip_code="78704",
        lat=east.lat - 2 / 69.055,
        lon=east.lon,
        status=HubStatus.ACTIVE,
    )


def create(brand, in_brand, rma, **values) -> ReturnItem:
    with in_brand(brand):
        return services.return_create(
            rma_ref=rma,
            sku_code=SKU,
            customer_zip="78702",
            customer_email=f"{rma.lower()}@example.com",
            actor=BRAND,
            **values,
        )


def suspend(hub, stan, capture):
    with capture(execute=True):
        hub_services.hub_set_status(hub=hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")


def test_suspending_a_hub_reroutes_every_brands_returns_not_dropped_off(
    brand_a, brand_b, in_brand, skus, active_hub, zilker, stan, mailoutbox, django_capture_on_commit_callbacks
):
    a = create(brand_a, in_brand, "RMA-A", hub=active_hub)
    b = create(brand_b, in_brand, "RMA-B", hub=active_hub)
    a_at_zilker = create(brand_a, in_brand, "RMA-A2", hub=zilker)
    b_in = create(brand_b, in_brand, "RMA-B2", hub=active_hub)
    services.return_receive_dropoff(code=b_in.dropoff_code, hub=active_hub, actor=HUB)
    old_codes = {a.pk: a.dropoff_code, b.pk: b.dropoff_code}
    mailoutbox.clear()

    suspend(active_hub, stan, django_capture_on_commit_callbacks)

    for brand, item in ((brand_a, a), (brand_b, b)):
        with in_brand(brand):
            row = ReturnItem.objects.get(pk=item.pk)
            kinds = list(row.events.values_list("kind", flat=True))
            unrouted = row.events.get(kind=EventKind.UNROUTED)
        assert (row.status, row.hub_id) == ("routed", zilker.pk)
        assert row.dropoff_code != old_codes[item.pk]
        assert row.route_reason.startswith("Zilker Stoop: ")
        assert kinds == ["created", "routed", "unrouted", "routed"]
        assert unrouted.detail == "Eastside Porch is not taking returns any more (suspended)."
        assert unrouted.actor_label == f"re-routing, after {stan.email} suspended Eastside Porch"
        old = HubTask.objects.get(brand=brand, return_item_id=item.pk, code=old_codes[item.pk])
        assert old.status == HubTask.Status.CANCELLED
        assert HubTask.objects.get(brand=brand, return_item_id=item.pk, status="open").hub_id == zilker.pk
    # Untouched: the other hub's return, and the one already in the suspended hub's hands.
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=a_at_zilker.pk).dropoff_code == a_at_zilker.dropoff_code
    with in_brand(brand_b):
        assert ReturnItem.objects.get(pk=b_in.pk).status == "dropped_off"
    # Each customer gets the new instructions, saying why.
    mails = {m.to[0]: m for m in mailoutbox}
    assert set(mails) == {"rma-a@example.com", "rma-b@example.com"}
    assert "Your drop-off has changed: Eastside Porch is not taking returns" in mails["rma-a@example.com"].body
    assert "Zilker Stoop" in mails["rma-b@example.com"].body


def test_with_no_other_hub_the_returns_go_to_the_warehouse_and_the_customer_is_told(
    brand_a, in_brand, skus, active_hub, stan, mailoutbox, django_capture_on_commit_callbacks
):
    item = create(brand_a, in_brand, "RMA-A")
    assert item.hub_id == active_hub.pk
    mailoutbox.clear()
    suspend(active_hub, stan, django_capture_on_commit_callbacks)
    with in_brand(brand_a):
        row = ReturnItem.objects.get(pk=item.pk)
    assert (row.status, row.route, row.hub_id, row.dropoff_code) == ("routed", "warehouse", None, None)
    assert row.route_reason == "No active hub serves 78702."
    (mail,) = mailoutbox
    assert "can no longer be dropped off" in mail.body and "No active hub serves 78702." in mail.body
    assert HubTask.objects.get(code=item.dropoff_code).status == HubTask.Status.CANCELLED


def test_a_suspension_rolled_back_reroutes_nothing(brand_a, in_brand, skus, active_hub, zilker, stan):
    item = create(brand_a, in_brand, "RMA-A", hub=active_hub)
    # No commit callbacks run (the test transaction never commits): nothing re-routed.
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).hub_id == active_hub.pk


def test_units_on_a_suspended_hubs_shelf_are_not_matched(brand_a, in_brand, skus, active_hub, stan):
    with in_brand(brand_a):
        sku = Sku.objects.get(code=SKU)
        item = ReturnItem.objects.create(
            rma_ref="RMA-S", sku=sku, customer_zip="78702", status="disposed", route="hub", hub=active_hub
        )
        with transaction.atomic():
            unit = StockUnit.objects.create(
                sku=sku,
                hub=active_hub,
                return_item=item,
                inspection_id=1,
                label="T1",
                condition="like_new",
                hold_until=timezone.now() + datetime.timedelta(days=14),
            )
            BRAND_ROW_TASKS.open(unit, HubTask.Kind.SHELF)
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    with in_brand(brand_a):
        backorder = Backorder.objects.create(
            order_ref="#1",
            sku=sku,
            value=120,
            customer_zip="78702",
            lat=active_hub.lat,
            lon=active_hub.lon,
            placed_at=timezone.now(),
        )
        assert backorder_match(backorder_id=backorder.pk) is None
        assert unit_match(unit_id=unit.pk) is None
        assert StockUnit.objects.get(pk=unit.pk).status == "available"
        assert Backorder.objects.get(pk=backorder.pk).status == "waiting"
