"""Stock units: returned items on a hub's shelf (DESIGN.md §5, "Release and match").

    held ──(brand approves)──→ available ─→ reserved ─→ handed_off
      └──(brand rejects)──→ to_warehouse ←──(hold timer expires)──┘

`unit_release` is the one way a unit comes into being: a Like-New inspection at a hub
puts the item on that hub's shelf with a label. The fulfillment engine's matching starts
from the unit this service returns. Every later move is `UNITS.transition`
(fulfillment.machines), which also closes and opens the unit's hub tasks."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

from brands.selectors.brands import brand_of_connection
from closo.actors import Actor
from closo.exceptions import InvalidTransition, ReasonRequired
from closo.locks import lock_one, lock_rows
from fulfillment.machines import UNITS
from fulfillment.models import EventKind, StockUnit
from fulfillment.selectors.units import hold_required
from fulfillment.services.events import after_commit_in_brand, event_record
from fulfillment.services.matching import unit_match
from fulfillment.services.promises import promises_refresh_later
from hubs.models import Hub, HubTask
from hubs.services.tasks import BRAND_ROW_TASKS


def unit_label(brand, unit_id: int) -> str:
    """The shelf label of unit `unit_id` of `brand`: e.g. NOR2-0042 for Northwind (brand id
    2). Unit ids count per brand schema, and one hub shelves units of many brands, so the
    label starts with the brand's letters and id: two brands' units never share a label."""
    letters = "".join(ch for ch in brand.slug.upper() if ch.isalpha())[:3] or "U"
    return f"{letters}{brand.pk}-{unit_id:04d}"


def _next_unit_id() -> int:
    # The label is derived from the id, so the id is drawn first and the row is inserted
    # once, complete (no placeholder label to update, no second write).
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [StockUnit._meta.db_table])
        return cursor.fetchone()[0]


@transaction.atomic
def unit_release(*, inspection, actor: Actor) -> StockUnit:
    """Put the item `inspection` (an inspections.Inspection) passed onto its hub's shelf:
    a StockUnit labelled from its id, `available` — or `held` for the brand's approval when
    the hub's reputation is below the brand's threshold — with its event, and the hub's
    SHELF task in the same transaction. One unit per return (a second release fails on
    the unique return, rolling back the caller's transaction)."""
    brand = brand_of_connection()
    # Reputation moves with every audit decision: read the hub row as it is now.
    hub = Hub.objects.get(pk=inspection.hub_id)
    item = inspection.return_item
    reputation = hub.reputation
    held = hold_required(hub, brand)
    now = timezone.now()
    unit_id = _next_unit_id()
    unit = StockUnit.objects.create(
        id=unit_id,
        sku_id=item.sku_id,
        hub=hub,
        return_item=item,
        inspection_id=inspection.pk,
        label=unit_label(brand, unit_id),
        condition=inspection.final_grade,
        status=StockUnit.Status.HELD if held else StockUnit.Status.AVAILABLE,
        hold_until=now + datetime.timedelta(days=brand.shelf_days),
    )
    if held:
        detail = (
            f"Shelved as {unit.label}, held for {brand.name}'s approval: {hub.name}'s reputation "
            f"{reputation:.0%} is below the brand's {brand.reputation_threshold:.0%}."
        )
    else:
        detail = f"Shelved as {unit.label} at {hub.name}, available for a local hand-off."
    event_record(
        subject=unit,
        kind=EventKind.RELEASED,
        actor=actor,
        to_status=unit.status,
        detail=detail,
        data={
            "inspection": inspection.pk,
            "return": item.pk,
            "label": unit.label,
            "condition": unit.condition,
            "reputation": round(reputation, 4),
            "threshold": brand.reputation_threshold,
        },
        hub=hub,
    )
    BRAND_ROW_TASKS.open(unit, HubTask.Kind.SHELF)
    if unit.status == StockUnit.Status.AVAILABLE:
        after_commit_in_brand(lambda: unit_match(unit_id=unit.pk))
    promises_refresh_later(sku_id=unit.sku_id)  # a release is local supply, and teaches the rate
    return unit


@transaction.atomic
def unit_approve(*, unit: StockUnit, actor: Actor) -> StockUnit:
    """held → available: the brand accepts the hub's Like-New grade, so the unit joins
    local stock. One UNITS.transition from `held`: two approvals, or an approval racing a
    rejection, change it once; the other gets invalid_transition (409)."""
    unit = UNITS.transition(
        unit,
        StockUnit.Status.AVAILABLE,
        actor=actor,
        detail=f"{unit.label} is local stock.",
        event_data={"inspection": unit.inspection_id},
    )
    after_commit_in_brand(lambda: unit_match(unit_id=unit.pk))
    promises_refresh_later(sku_id=unit.sku_id)
    return unit


@transaction.atomic
def unit_reject(*, unit: StockUnit, reason: str, actor: Actor) -> StockUnit:
    """held → to_warehouse, with the reason: the brand does not accept the hub's grade, so
    the unit leaves the hub's shelf for the warehouse and its shelf task closes. Locks the
    shelf task, then the unit (closo.locks order: a hub's suspension locks its tasks before
    the brand rows they index)."""
    if not (reason or "").strip():
        raise ReasonRequired(
            "Say why the unit goes to the warehouse instead of local stock.",
            fields={"reason": ["A reason is required to reject."]},
        )
    if unit.status != StockUnit.Status.HELD:
        # available → to_warehouse is the hold timer's move, not a rejection.
        raise InvalidTransition(
            f"Unit {unit.label} is {UNITS.label(unit.status)}: only a held unit can be rejected.",
            fields={"from_status": unit.status, "to_status": StockUnit.Status.TO_WAREHOUSE},
        )
    lock_rows(
        HubTask.objects.filter(
            brand=brand_of_connection(),
            return_item_id=unit.return_item_id,
            kind=HubTask.Kind.SHELF,
            status=HubTask.Status.OPEN,
        )
    )
    lock_one(StockUnit, pk=unit.pk)
    return UNITS.transition(
        unit,
        StockUnit.Status.TO_WAREHOUSE,
        actor=actor,
        detail=reason,
        event_data={"inspection": unit.inspection_id},
    )
