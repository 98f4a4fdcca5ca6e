"""The economics ledger (issue 11 §1): its arithmetic against the seed's figures, and the
rows the services write in the transaction of the move that causes them — a return
routed (its cost on each route), a refund ready, a backorder filled locally or by a
restock, a backorder cancelled — once per subject however often a call is retried."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from brands.models import Brand, RefundReadyAt
from fulfillment import economics
from fulfillment.models import Backorder, InboundSupply, LedgerEntry, ReturnItem, Sku
from fulfillment.services import backorders as backorder_services
from fulfillment.services import ledger
from fulfillment.services import returns as return_services
from fulfillment.services import supply as supply_services
from fulfillment.services.handoffs import handoff_confirm_pickup
from fulfillment.services.matching import unit_match
from tests.factories import BRAND, HUB
from tests.fulfillment.loop_builders import shelve, waiting

Kind = LedgerEntry.Kind
SKU = "WB-15-SAGE"


@pytest.fixture
def sku(brand_a, in_brand) -> Sku:
    with in_brand(brand_a):
        return Sku.objects.create(code=SKU, title="Weighted blanket, sage", price=120)


def entries(brand, in_brand, **filters) -> list[LedgerEntry]:
    with in_brand(brand):
        return list(LedgerEntry.objects.filter(**filters))


# --- the arithmetic, against the seed's figures ---


def test_a_return_costs_27_on_the_warehouse_route_and_5_at_a_hub(brand_a):
    brand = Brand.objects.get(pk=brand_a.pk)
    assert (brand.cost_warehouse_route, brand.cost_local_route) == (Decimal("27.00"), Decimal("5.00"))
    saving = economics.route_saving(route="hub", cost_local=Decimal(5), cost_warehouse=Decimal(27))
    assert saving == Decimal("22.00")
    assert economics.route_saving(route="warehouse", cost_local=Decimal(5), cost_warehouse=Decimal(27)) == 0


def test_a_cancelled_120_dollar_backorder_costs_140(brand_a):
    brand = Brand.objects.get(pk=brand_a.pk)
    cost = economics.cancellation_cost(
        value=Decimal("120.00"), support_cost=brand.support_cost, acquisition_cost=brand.acquisition_cost
    )
    assert cost == Decimal("140.00")


def test_a_30_day_wait_loses_about_45_percent_at_2_percent_a_day():
    assert economics.p_cancel_by(days=30, hazard_per_day=0.02) == pytest.approx(1 - 0.98**30)
    assert round(economics.p_cancel_by(days=30, hazard_per_day=0.02), 3) == 0.455
    assert economics.p_cancel_by(days=0, hazard_per_day=0.02) == 0.0


def test_revenue_kept_is_the_cancellation_loss_avoided_and_never_negative():
    kept = economics.revenue_kept(cost=Decimal("140.00"), hazard_per_day=0.02, restock_wait_days=30, actual_wait_days=2)
    expected = Decimal(140) * Decimal(str((1 - 0.98**30) - (1 - 0.98**2)))
    assert kept == economics.money(expected) == Decimal("58.09")
    assert economics.revenue_kept(cost=Decimal(140), hazard_per_day=0.02, restock_wait_days=2, actual_wait_days=5) == 0


# --- returns ---


def test_a_return_routed_to_a_hub_records_5_against_27_and_a_22_dollar_saving(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        item = return_services.return_create(
            rma_ref="RMA-1", sku_code=SKU, customer_zip="78702", hub=active_hub, actor=BRAND
        )
    [row] = entries(brand_a, in_brand, kind=Kind.RETURN_ROUTED)
    assert row.return_item_id == item.pk and row.source == "hub"
    assert (row.cost_actual, row.cost_other, row.savings) == (Decimal("5.00"), Decimal("27.00"), Decimal("22.00"))


def test_a_return_routed_to_the_warehouse_saves_nothing(brand_a, in_brand, sku):
    with in_brand(brand_a):
        return_services.return_create(
            rma_ref="RMA-1", sku_code=SKU, customer_zip="78702", route="warehouse", actor=BRAND
        )
    [row] = entries(brand_a, in_brand, kind=Kind.RETURN_ROUTED)
    assert (row.source, row.cost_actual, row.cost_other, row.savings) == (
        "warehouse",
        Decimal("27.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    )


def test_a_retried_ledger_call_never_writes_twice(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        item = return_services.return_create(
            rma_ref="RMA-1", sku_code=SKU, customer_zip="78702", hub=active_hub, actor=BRAND
        )
        backorder = waiting(Sku.objects.get(code=SKU))
        with transaction.atomic():
            ledger.ledger_return_routed(item=item)
            ledger.ledger_backorder_cancelled(backorder=backorder)
            ledger.ledger_backorder_cancelled(backorder=backorder)
        assert LedgerEntry.objects.filter(kind=Kind.RETURN_ROUTED).count() == 1
        assert LedgerEntry.objects.filter(kind=Kind.BACKORDER_CANCELLED).count() == 1


def test_the_ledger_refuses_to_write_outside_the_callers_transaction(brand_a, in_brand, sku):
    with in_brand(brand_a):
        backorder = waiting(Sku.objects.get(code=SKU))
    with in_brand(brand_a), pytest.raises(RuntimeError, match="transaction"):
        ledger.ledger_backorder_cancelled(backorder=backorder)


def test_a_withdrawn_route_removes_its_row_and_routing_again_rewrites_it(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        item = return_services.return_create(
            rma_ref="RMA-1", sku_code=SKU, customer_zip="78702", hub=active_hub, actor=BRAND
        )
        return_services.return_unroute(item=item, reason="Hub on holiday.", actor=BRAND)
        assert not LedgerEntry.objects.filter(kind=Kind.RETURN_ROUTED).exists()
        return_services.return_route_to_warehouse(item=ReturnItem.objects.get(pk=item.pk), actor=BRAND)
        [row] = LedgerEntry.objects.filter(kind=Kind.RETURN_ROUTED)
    assert (row.source, row.savings) == ("warehouse", Decimal("0.00"))


def test_a_return_cancelled_before_hand_in_leaves_no_route_cost(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        item = return_services.return_create(
            rma_ref="RMA-1", sku_code=SKU, customer_zip="78702", hub=active_hub, actor=BRAND
        )
        return_services.return_cancel(item=item, reason="Kept it after all.", actor=BRAND)
    assert entries(brand_a, in_brand) == []


def test_a_refund_ready_at_drop_off_records_the_days_since_the_return_was_created(brand_a, in_brand, sku, active_hub):
    Brand.objects.filter(pk=brand_a.pk).update(refund_ready_at=RefundReadyAt.DROPOFF)
    brand = Brand.objects.get(pk=brand_a.pk)
    with in_brand(brand):
        item = return_services.return_create(
            rma_ref="RMA-1", sku_code=SKU, customer_zip="78702", hub=active_hub, actor=BRAND
        )
        ReturnItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    return_services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    [row] = entries(brand, in_brand, kind=Kind.REFUND_READY)
    assert row.source == "hub" and row.days == pytest.approx(3, abs=0.01)


# --- backorders ---


def test_a_local_pickup_records_days_saved_against_the_restock_and_the_revenue_kept(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        blanket = Sku.objects.get(code=SKU)
        # The restock: expected 30 days after the order, plus the default lateness (2 days).
        placed = timezone.now() - datetime.timedelta(days=2)
        InboundSupply.objects.create(
            po_ref="PO-1", sku=blanket, qty=100, expected_date=timezone.localdate(placed) + datetime.timedelta(days=30)
        )
        backorder = waiting(blanket, placed_at=placed)
        unit = shelve(brand_a, blanket, active_hub)
        allocation = unit_match(unit_id=unit.pk)
    handoff_confirm_pickup(code=allocation.pickup_code, hub=active_hub, actor=HUB)
    [row] = entries(brand_a, in_brand, kind=Kind.BACKORDER_FILLED)
    assert (row.backorder_id, row.source) == (backorder.pk, "local_return")
    assert row.days == pytest.approx(2, abs=0.01)
    assert row.restock_days == pytest.approx(32, abs=0.01) and row.days_saved == pytest.approx(30, abs=0.01)
    assert row.cancellation_cost == Decimal("140.00")
    expected = economics.revenue_kept(
        cost=Decimal(140), hazard_per_day=0.02, restock_wait_days=row.restock_days, actual_wait_days=row.days
    )
    assert row.revenue_kept == expected and expected == Decimal("61.11")  # 140 × (0.98² − 0.98³²)


def test_a_local_fill_with_no_restock_expected_keeps_no_revenue_it_cannot_measure(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        blanket = Sku.objects.get(code=SKU)
        waiting(blanket)
        allocation = unit_match(unit_id=shelve(brand_a, blanket, active_hub).pk)
    handoff_confirm_pickup(code=allocation.pickup_code, hub=active_hub, actor=HUB)
    [row] = entries(brand_a, in_brand, kind=Kind.BACKORDER_FILLED)
    assert row.days == pytest.approx(21, abs=0.01)
    assert (row.restock_days, row.days_saved, row.revenue_kept) == (None, None, None)


def test_a_restock_fill_records_the_wait_and_no_revenue_kept(brand_a, in_brand, sku):
    with in_brand(brand_a):
        blanket = Sku.objects.get(code=SKU)
        backorder = waiting(blanket)
        Sku.objects.filter(pk=blanket.pk).update(available_qty=5)  # a received restock
        supply_services.restock_fill(sku_id=blanket.pk)
        assert Backorder.objects.get(pk=backorder.pk).status == "fulfilled"
    [row] = entries(brand_a, in_brand, kind=Kind.BACKORDER_FILLED)
    assert row.source == "restock" and row.days == pytest.approx(21, abs=0.01)
    assert (row.revenue_kept, row.days_saved) == (None, None)


def test_a_cancelled_backorder_records_its_140_dollar_loss(brand_a, in_brand, sku):
    with in_brand(brand_a):
        backorder = waiting(Sku.objects.get(code=SKU))
        backorder_services.backorder_cancel(backorder=backorder, reason="Waited too long.", actor=BRAND)
    [row] = entries(brand_a, in_brand, kind=Kind.BACKORDER_CANCELLED)
    assert (row.value, row.cancellation_cost) == (Decimal("120.00"), Decimal("140.00"))
    assert row.days == pytest.approx(21, abs=0.01)


def test_an_allocated_backorder_cancelled_records_its_loss_too(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        blanket = Sku.objects.get(code=SKU)
        backorder = waiting(blanket)
        unit_match(unit_id=shelve(brand_a, blanket, active_hub).pk)
        backorder = Backorder.objects.get(pk=backorder.pk)
        assert backorder.status == "allocated"
        backorder_services.backorder_cancel(backorder=backorder, reason="Changed their mind.", actor=BRAND)
    assert [row.cancellation_cost for row in entries(brand_a, in_brand, kind=Kind.BACKORDER_CANCELLED)] == [
        Decimal("140.00")
    ]
