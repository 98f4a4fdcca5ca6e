"""Inbound supply: restock purchase orders on their way to the brand's warehouse.
`expected → received` (the units join the SKU's available quantity) or
`expected → cancelled`; every change writes an event on the order's timeline.

A received restock then serves the customers waiting for the SKU (`restock_fill`, after
commit): the warehouse ships its stock to the waiting backorders in promise order
(matching's order: earliest promised ship-by first), each `waiting → fulfilled` with
fill_source `restock` — the warehouse ships the day it receives (within the promise
model's RESTOCK_SHIP_DAYS), and the backorder's promise is settled then."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from closo.actors import Actor
from closo.locks import lock_one, lock_rows
from fulfillment.exceptions import DateInPast, MinValue, SupplyExists
from fulfillment.machines import BACKORDERS, SUPPLY
from fulfillment.models import Backorder, BackorderStatus, EventKind, InboundSupply, Sku
from fulfillment.selectors.availability import availability_changed
from fulfillment.selectors.matching import BACKORDER_ORDER
from fulfillment.selectors.skus import sku_by_code
from fulfillment.selectors.supply import supply_earliest_date
from fulfillment.services.events import after_commit_in_brand, event_record
from fulfillment.services.ledger import ledger_backorder_filled
from fulfillment.services.promises import promise_settle, promises_refresh_later

Status = InboundSupply.Status


@transaction.atomic
def supply_create(*, sku_code: str, qty: int, expected_date: datetime.date, po_ref: str, actor: Actor) -> InboundSupply:
    """Record a restock PO. `po_ref` is unique (409 `supply_exists`, also when two creates
    race: the unique index decides); the date may not be in the past (`date_in_past`)."""
    sku = sku_by_code(sku_code)
    if qty < 1:
        raise MinValue("Order at least one unit.", fields={"qty": ["Enter 1 or more."]})
    if expected_date < supply_earliest_date():
        raise DateInPast(
            "The expected date is in the past.", fields={"expected_date": ["Enter today or a later date."]}
        )
    if InboundSupply.objects.filter(po_ref=po_ref).exists():
        raise _exists(po_ref)
    try:
        with transaction.atomic():
            supply = InboundSupply.objects.create(po_ref=po_ref, sku=sku, qty=qty, expected_date=expected_date)
    except IntegrityError:
        raise _exists(po_ref) from None
    event_record(
        subject=supply,
        kind=EventKind.CREATED,
        actor=actor,
        to_status=Status.EXPECTED,
        detail=f"{qty} × {sku.code} expected {expected_date.isoformat()}",
        data={"qty": qty, "sku": sku.code, "expected_date": expected_date.isoformat()},
    )
    promises_refresh_later(sku_id=sku.pk)
    return supply


def _exists(po_ref: str) -> SupplyExists:
    return SupplyExists(
        f"A purchase order “{po_ref}” is already recorded.", fields={"po_ref": ["This PO reference is already used."]}
    )


@transaction.atomic
def supply_receive(*, supply: InboundSupply, actor: Actor) -> InboundSupply:
    """The restock arrived: expected → received (SUPPLY.transition: of two concurrent
    requests one wins, the other gets invalid_transition), and its units are added to the
    SKU's available quantity (with F(), in the same transaction, so they are added once).
    Locks the order, then its SKU (closo.locks order)."""
    lock_one(InboundSupply, pk=supply.pk)
    SUPPLY.transition(
        supply,
        Status.RECEIVED,
        actor=actor,
        detail=f"{supply.qty} units added to available stock",
        event_data={"qty": supply.qty},
    )
    lock_one(Sku, pk=supply.sku_id)
    Sku.objects.filter(pk=supply.sku_id).update(
        available_qty=F("available_qty") + supply.qty, updated_at=timezone.now()
    )
    availability_changed()
    sku_id = supply.sku_id
    after_commit_in_brand(lambda: restock_fill(sku_id=sku_id, actor=RESTOCKER))
    promises_refresh_later(sku_id=sku_id)
    return supply


RESTOCKER = Actor.system("restock")


@transaction.atomic
def restock_fill(*, sku_id: int, actor: Actor = RESTOCKER) -> int:
    """Ship the SKU's warehouse stock to its waiting backorders, best promise first, as far
    as it goes (a backorder whose qty the stock left cannot cover waits, and so does
    everyone behind it: the queue is not jumped): each waiting → fulfilled (fill_source
    restock, its promise settled), the stock taken off `available_qty`. Backorders a
    matcher holds right now are skipped (SKIP LOCKED; matching is serving them). Locks the
    backorders, then the SKU (closo.locks order). Returns how many were fulfilled."""
    waiting = lock_rows(
        Backorder.objects.filter(sku_id=sku_id, status=BackorderStatus.WAITING).order_by(*BACKORDER_ORDER, "pk"),
        skip_locked=True,
    )
    if not waiting:
        return 0
    sku = lock_one(Sku, pk=sku_id)
    stock, shipped = sku.available_qty, 0
    # lock_rows locks in primary-key order; serve in promise order.
    never = datetime.date.max
    for backorder in sorted(waiting, key=lambda b: (b.promised_ship_by or never, -b.priority, b.placed_at, b.pk)):
        if backorder.qty > stock:
            break
        BACKORDERS.transition(
            backorder,
            BackorderStatus.FULFILLED,
            actor=actor,
            detail=f"Shipped from the warehouse's restock ({backorder.qty} × {sku.code}).",
            fill_source=Backorder.FillSource.RESTOCK,
            event_data={"qty": backorder.qty},
        )
        promise_settle(backorder=backorder)
        ledger_backorder_filled(backorder=backorder)
        stock -= backorder.qty
        shipped += backorder.qty
    if shipped:
        Sku.objects.filter(pk=sku_id).update(available_qty=F("available_qty") - shipped, updated_at=timezone.now())
        availability_changed()
    return shipped


@transaction.atomic
def supply_cancel(*, supply: InboundSupply, reason: str, actor: Actor) -> InboundSupply:
    """The restock will not come: expected → cancelled, with the reason on the timeline
    (reason_required when blank)."""
    supply = SUPPLY.transition(supply, Status.CANCELLED, actor=actor, detail=reason)
    promises_refresh_later(sku_id=supply.sku_id)
    return supply


# --- reads ---
