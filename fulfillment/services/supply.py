"""Inbound supply: restock purchase orders on their way to the brand's warehouse.
`expected → received` (the units join the SKU's available quantity) or
`expected → cancelled`; every change writes an event on the order's timeline."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from closo.actors import Actor
from closo.exceptions import InvalidTransition, Required
from fulfillment.exceptions import DateInPast, MinValue, SupplyExists
from fulfillment.models import InboundSupply, Sku
from fulfillment.selectors.skus import sku_by_code
from fulfillment.selectors.supply import supply_earliest_date
from fulfillment.services.events import event_record

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
        kind="created",
        actor=actor,
        to_status=Status.EXPECTED,
        detail=f"{qty} × {sku.code} expected {expected_date.isoformat()}",
        data={"qty": qty, "sku": sku.code, "expected_date": expected_date.isoformat()},
    )
    return supply


def _exists(po_ref: str) -> SupplyExists:
    return SupplyExists(
        f"A purchase order “{po_ref}” is already recorded.", fields={"po_ref": ["This PO reference is already used."]}
    )


def _transition(*, supply: InboundSupply, to: str, **values) -> InboundSupply:
    """Move `supply` from expected to `to` with a conditional UPDATE: of two concurrent
    requests only one matches the row, the other sees its new status and gets a 409."""
    now = timezone.now()
    updated = InboundSupply.objects.filter(pk=supply.pk, status=Status.EXPECTED).update(
        status=to, updated_at=now, **values
    )
    if not updated:
        current = InboundSupply.objects.filter(pk=supply.pk).values_list("status", flat=True).first()
        label = Status(current).label.lower() if current else "gone"
        raise InvalidTransition(
            f"This purchase order is {label}; only an expected one can be {Status(to).label.lower()}.",
            fields={"status": [f"Currently {label}."]},
        )
    supply.refresh_from_db()
    return supply


@transaction.atomic
def supply_receive(*, supply: InboundSupply, actor: Actor) -> InboundSupply:
    """The restock arrived: expected → received, and its units are added to the SKU's
    available quantity (with F(), in the same transaction, so they are added once)."""
    now = timezone.now()
    supply = _transition(supply=supply, to=Status.RECEIVED, received_at=now)
    Sku.objects.filter(pk=supply.sku_id).update(available_qty=F("available_qty") + supply.qty, updated_at=now)
    event_record(
        subject=supply,
        kind="received",
        actor=actor,
        from_status=Status.EXPECTED,
        to_status=Status.RECEIVED,
        detail=f"{supply.qty} units added to available stock",
        data={"qty": supply.qty},
    )
    return supply


@transaction.atomic
def supply_cancel(*, supply: InboundSupply, reason: str, actor: Actor) -> InboundSupply:
    """The restock will not come: expected → cancelled, with the reason on the timeline."""
    reason = reason.strip()
    if not reason:
        raise Required("Say why the order is cancelled.", fields={"reason": ["Enter a reason."]})
    supply = _transition(supply=supply, to=Status.CANCELLED)
    event_record(
        subject=supply,
        kind="cancelled",
        actor=actor,
        from_status=Status.EXPECTED,
        to_status=Status.CANCELLED,
        detail=reason,
    )
    return supply


# --- reads ---
