"""A hub's cycle count, the brand side (issue 9 §6, "the cure for ghost inventory"): what
one brand's units become when a hub counts its shelf. The count itself — across brands,
with its record (hubs.ShelfCount) — is portals.services.shelf_counts, which calls these
inside each brand's schema.

    found       → StockUnit.verified_at (no status change)
    not found   → missing, by the hub; an active allocation ends (cancelled), its backorder
                  back in the queue and matched again after commit
    found again → missing → available, by the hub; matched again after commit

Every function re-reads the unit in its brand's schema and refuses (UnitNotAtHub, 404) a
unit that is not at the counting hub, whatever the caller passed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction

from brands.selectors.brands import brand_of_connection
from closo.actors import Actor
from closo.locks import lock_one, lock_rows
from fulfillment.exceptions import UnitNotAtHub
from fulfillment.machines import UNITS
from fulfillment.models import Allocation, BackorderStatus, StockUnit
from fulfillment.services.events import after_commit_in_brand
from fulfillment.services.matching import Outcome, allocation_end, unit_match
from fulfillment.services.promises import promises_refresh_later
from hubs.models import Hub, HubTask

U = StockUnit.Status
# Where a unit is while a hub should have it on its shelf.
ON_SHELF = (U.HELD, U.AVAILABLE, U.RESERVED)


def unit_count_verify(*, unit_ids: Iterable[int], hub: Hub, at: datetime.datetime) -> int:
    """Record that `hub` found these units on its shelf at `at` (units of other hubs, or
    no longer on a shelf, are left alone). One UPDATE; returns how many were verified."""
    return StockUnit.objects.filter(pk__in=list(unit_ids), hub_id=hub.pk, status__in=ON_SHELF).update(verified_at=at)


def _unit_at(hub: Hub, unit_id: int) -> StockUnit:
    unit = StockUnit.objects.filter(pk=unit_id, hub_id=hub.pk).first()
    if unit is None:
        raise UnitNotAtHub("That unit is not on your shelf.")
    return unit


@transaction.atomic
def unit_report_missing(*, unit_id: int, hub: Hub, actor: Actor) -> StockUnit | None:
    """`hub` could not find unit `unit_id` in a count: it becomes missing (out of
    availability), by the hub. A reserved unit's allocation is cancelled and its backorder
    goes back to waiting, to be matched again after commit. Locks the unit's open shelf or
    hand-off task, then the unit (closo.locks order). None if the unit left the shelf
    meanwhile (handed off, sent to the warehouse, missing already): nothing to change."""
    unit = _unit_at(hub, unit_id)
    lock_rows(
        HubTask.objects.filter(
            brand=brand_of_connection(),
            return_item_id=unit.return_item_id,
            kind__in=(HubTask.Kind.SHELF, HubTask.Kind.HANDOFF),
            status=HubTask.Status.OPEN,
        )
    )
    unit = lock_one(StockUnit, pk=unit.pk)
    detail = f"Not found in a shelf count at {hub.name}; out of availability until it is found."
    if unit.status == U.RESERVED:
        allocation = Allocation.objects.get(unit=unit, status=Allocation.Status.ACTIVE)
        allocation_end(
            allocation=allocation,
            outcome=Outcome.CANCELLED,
            actor=actor,
            detail=detail + " The customer is back in the queue.",
            unit_to=U.MISSING,
            backorder_to=BackorderStatus.WAITING,
        )
        unit.refresh_from_db()
        return unit
    if unit.status not in (U.AVAILABLE, U.HELD):
        return None
    promises_refresh_later(sku_id=unit.sku_id)  # a unit within reach is gone
    return UNITS.transition(unit, U.MISSING, actor=actor, detail=detail, at_hub=hub)


@transaction.atomic
def unit_found_again(*, unit_id: int, hub: Hub, actor: Actor, at: datetime.datetime) -> StockUnit | None:
    """A unit `hub` reported missing is on its shelf after all: missing → available, by the
    hub, verified at `at`, and matched to a customer within reach after commit. Locks the
    unit. None if it is not missing (any more)."""
    _unit_at(hub, unit_id)
    unit = lock_one(StockUnit, pk=unit_id)
    if unit.status != U.MISSING:
        return None
    UNITS.transition(unit, U.AVAILABLE, actor=actor, detail=f"Found again in a shelf count at {hub.name}.", at_hub=hub)
    unit.verified_at = at
    unit.save(update_fields=["verified_at"])
    after_commit_in_brand(lambda: unit_match(unit_id=unit.pk))
    promises_refresh_later(sku_id=unit.sku_id)  # supply again, if no one takes it
    return unit
