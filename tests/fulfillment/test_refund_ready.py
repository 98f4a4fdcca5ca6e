"""Refund at the hub: the brand's rule (Brand.refund_ready_at) says when a return's refund
is ready — at drop-off, at inspection, or at the warehouse — and the move that meets it
makes it ready, with an event, in its transaction."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from brands.models import Brand, RefundReadyAt
from fulfillment.models import EventKind, ReturnItem, Sku
from fulfillment.services import returns as services
from portals.selectors.brand_overview import refund_ready_times
from tests.factories import BRAND, HUB

SKU = "WB-15-SAGE"
CUSTODY = {"inspection": 1}


@pytest.fixture
def sku(brand_a, in_brand) -> Sku:
    with in_brand(brand_a):
        return Sku.objects.create(code=SKU, title="Weighted blanket, sage", price=120)


def rule(brand, value) -> Brand:
    Brand.objects.filter(pk=brand.pk).update(refund_ready_at=value)
    return Brand.objects.get(pk=brand.pk)


def at_hub(brand, in_brand, hub, rma="RMA-1") -> ReturnItem:
    with in_brand(brand):
        item = services.return_create(rma_ref=rma, sku_code=SKU, customer_zip="78702", hub=hub, actor=BRAND)
    _, item = services.return_receive_dropoff(code=item.dropoff_code, hub=hub, actor=HUB)
    return item


def refund(brand, in_brand, item) -> tuple[str, bool, list[str]]:
    with in_brand(brand):
        row = ReturnItem.objects.get(pk=item.pk)
        ready = list(row.events.filter(kind=EventKind.REFUND_READY).values_list("detail", flat=True))
    return row.refund_status, row.refund_ready_at is not None, ready


def test_rule_dropoff_the_hub_receiving_it_makes_the_refund_ready(brand_a, in_brand, sku, active_hub):
    brand = rule(brand_a, RefundReadyAt.DROPOFF)
    item = at_hub(brand, in_brand, active_hub)
    status, stamped, ready = refund(brand, in_brand, item)
    assert (status, stamped) == ("ready", True)
    assert ready == ["Refund ready: the hub received the return (your rule: at drop-off)."]
    with in_brand(brand):
        event = ReturnItem.objects.get(pk=item.pk).events.get(kind=EventKind.REFUND_READY)
    assert (event.hub_id, event.actor_label, event.data["rule"]) == (active_hub.pk, HUB.label, "dropoff")


def test_rule_inspection_waits_for_the_inspection(brand_a, in_brand, sku, active_hub):
    brand = rule(brand_a, RefundReadyAt.INSPECTION)
    item = at_hub(brand, in_brand, active_hub)
    assert refund(brand, in_brand, item)[0] == "pending"
    with in_brand(brand), transaction.atomic():  # the inspection submit's transaction
        item = ReturnItem.objects.get(pk=item.pk)
        services.return_mark_inspected(item=item, hub=active_hub, actor=HUB, detail="Graded", custody=CUSTODY)
    assert refund(brand, in_brand, item)[:2] == ("ready", True)


def test_rule_warehouse_the_warehouse_receiving_it_makes_it_ready(brand_a, in_brand, sku, active_hub):
    brand = rule(brand_a, RefundReadyAt.WAREHOUSE)
    with in_brand(brand):
        item = services.return_create(
            rma_ref="RMA-W", sku_code=SKU, customer_zip="78702", route="warehouse", actor=BRAND
        )
        assert item.refund_status == "pending"
        services.return_warehouse_received(item=item, actor=BRAND)
    assert refund(brand, in_brand, item)[:2] == ("ready", True)


@pytest.mark.parametrize(("disposition", "expected"), [("to_warehouse", "ready"), ("in_local_stock", "pending")])
def test_rule_warehouse_a_hub_return_is_ready_when_disposed_to_the_warehouse(
    brand_a, in_brand, sku, active_hub, disposition, expected
):
    brand = rule(brand_a, RefundReadyAt.WAREHOUSE)
    item = at_hub(brand, in_brand, active_hub)
    with in_brand(brand), transaction.atomic():  # the inspection submit's transaction
        item = ReturnItem.objects.get(pk=item.pk)
        services.return_mark_inspected(item=item, hub=active_hub, actor=HUB, detail="Graded", custody=CUSTODY)
        assert item.refund_status == "pending"  # inspected is not the rule
        services.return_dispose(item=item, disposition=disposition, hub=active_hub, actor=HUB, detail="Graded")
    assert refund(brand, in_brand, item)[0] == expected


def test_a_refund_decided_already_is_left_alone(brand_a, in_brand, sku, active_hub):
    brand = rule(brand_a, RefundReadyAt.DROPOFF)
    with in_brand(brand):
        item = services.return_create(rma_ref="RMA-1", sku_code=SKU, customer_zip="78702", hub=active_hub, actor=BRAND)
        services.return_refund_update(item=item, refund_status="refunded", actor=BRAND)
    services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    assert refund(brand, in_brand, item) == ("refunded", False, [])


def test_a_ready_refund_can_still_be_decided(brand_a, in_brand, sku, active_hub):
    brand = rule(brand_a, RefundReadyAt.DROPOFF)
    item = at_hub(brand, in_brand, active_hub)
    with in_brand(brand):
        item = ReturnItem.objects.get(pk=item.pk)
        services.return_refund_update(item=item, refund_status="refunded", actor=BRAND)
    assert refund(brand, in_brand, item)[0] == "refunded"


def test_the_returns_list_and_api_filter_on_refund_ready(
    brand_a, in_brand, sku, active_hub, api_client, host_client, alice
):
    brand = rule(brand_a, RefundReadyAt.DROPOFF)
    ready = at_hub(brand, in_brand, active_hub, "RMA-READY")
    with in_brand(brand):
        services.return_create(rma_ref="RMA-PENDING", sku_code=SKU, customer_zip="78702", actor=BRAND)
    body = api_client(brand_a).get("/api/v1/returns/?refund_status=ready").json()
    assert [row["rma_ref"] for row in body["results"]] == ["RMA-READY"]
    assert body["results"][0]["refund_ready_at"] is not None
    page = host_client(brand_a.host, alice).get("/returns/?refund_status=ready").content.decode()
    assert "RMA-READY" in page and "RMA-PENDING" not in page
    assert ready.pk


def test_the_overview_shows_the_median_time_to_refund_ready_by_path(
    brand_a, in_brand, sku, active_hub, host_client, alice, django_assert_max_num_queries
):
    brand = rule(brand_a, RefundReadyAt.DROPOFF)
    now = timezone.now()
    with in_brand(brand):
        for n, hours in enumerate((1, 2, 30)):  # hub path: dropped off → ready
            item = services.return_create(
                rma_ref=f"H{n}", sku_code=SKU, customer_zip="78702", route="manual", actor=BRAND
            )
            ReturnItem.objects.filter(pk=item.pk).update(
                route="hub", dropped_off_at=now - datetime.timedelta(hours=hours), refund_ready_at=now
            )
        for n, days in enumerate((4, 6)):  # warehouse path: routed → ready
            item = services.return_create(
                rma_ref=f"W{n}", sku_code=SKU, customer_zip="78702", route="warehouse", actor=BRAND
            )
            ReturnItem.objects.filter(pk=item.pk).update(
                routed_at=now - datetime.timedelta(days=days), refund_ready_at=now
            )
        services.return_create(rma_ref="P", sku_code=SKU, customer_zip="78702", route="warehouse", actor=BRAND)
        times = refund_ready_times()
    assert (times["hub"]["median"], times["hub"]["n"]) == (datetime.timedelta(hours=2), 3)
    assert (times["warehouse"]["median"], times["warehouse"]["n"]) == (datetime.timedelta(days=5), 2)
    client = host_client(brand_a.host, alice)
    client.get(reverse("brand_home"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("brand_home")).content.decode()
    assert "2.0 h" in page and "5.0 days" in page and "routed → refund ready" in page
    assert "Closo does not see the customer hand a" in page


def test_the_overview_without_refund_ready_returns_shows_dashes(brand_a, host_client, alice):
    page = host_client(brand_a.host, alice).get(reverse("brand_home")).content.decode()
    assert "Time to refund-ready" in page and "median of 0 returns" in page
