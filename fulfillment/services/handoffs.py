"""Hand-offs: a reserved unit leaves the hub for the customer whose backorder it fills
(issue 9, "Hand-off"; DESIGN.md §5).

Three ways, one outcome. The customer picks it up at the hub with the pickup code
(`handoff_confirm_pickup`, the default), or the hub gives it to a local courier or ships
it with a tracking number (`handoff_record`). Either way, in one transaction at the hub:

    allocation  active ─→ handed_off (method, tracking)
    unit        reserved ─→ handed_off            (closes the hub's hand-off task)
    backorder   allocated ─→ handed_off           (by the hub)

A pickup puts the unit in the customer's hands, so the backorder goes on to `fulfilled`
at once (Closo's consequence, recorded as such); a courier or a parcel is fulfilled when
the brand or its store says it was delivered (`backorder_fulfill`). The customer is told
after commit.

Locks (closo.locks order): StockUnit → Backorder → Allocation. A pickup code is resolved
to its brand through the hand-off HubTask (a public row, unique across brands), read
without a lock: the unit's move updates that task row, so locking it first would put
HubTask before StockUnit in this flow while the unit's move then writes it — the unit
row, locked first, is what serialises two confirms of one code."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django_tenants.utils import schema_context

from brands.models import Brand
from closo import attempts
from closo.actors import Actor
from closo.exceptions import HubNotActive, Invalid, InvalidTransition, Required, WrongHub
from closo.locks import lock_one
from fulfillment.exceptions import CodeCancelled, CodeExpired, CodeUsed, UnknownCode
from fulfillment.machines import ALLOCATIONS, BACKORDERS, UNITS
from fulfillment.models import Allocation, Backorder, BackorderStatus, StockUnit
from fulfillment.services import notify
from fulfillment.services.events import after_commit_in_brand
from fulfillment.services.ledger import ledger_backorder_filled
from fulfillment.services.promises import promise_settle
from fulfillment.services.returns import DROPOFF_CODE_ALPHABET, DROPOFF_CODE_LENGTH, dropoff_code_normalize
from hubs.models import Hub, HubStatus, HubTask

Method = Allocation.Method
_CODE_RE = re.compile(rf"^[{DROPOFF_CODE_ALPHABET}]{{{DROPOFF_CODE_LENGTH}}}$")
TRACKING_MAX = 120


def handoff_confirm_pickup(*, code: str, hub: Hub, actor: Actor) -> tuple[Brand, Allocation]:
    """The customer picks the unit up at `hub` with their pickup code (see _confirm_pickup).
    Wrong codes — unknown, or another hub's — count against the member who typed them with
    the drop-off codes' limit (closo.attempts.HUB_CODE, the same counter): the one that
    reaches the limit, and every code while locked, get `too_many_attempts` (429) before
    any lookup. Counted after the transaction ended, so call this outside a transaction
    (pages and APIs do)."""
    who = (attempts.HUB_CODE, f"{hub.pk}:{actor.user.pk if actor.user is not None else actor.label}")
    refusal = attempts.check(who)
    if refusal is not None:
        raise refusal.error()
    try:
        return _confirm_pickup(code=code, hub=hub, actor=actor)
    except (UnknownCode, WrongHub):
        refusal = attempts.record(*who)
        if refusal is not None:
            raise refusal.error() from None
        raise


def _used(allocation: Allocation | None = None, task: HubTask | None = None) -> CodeUsed:
    at = allocation.handed_off_at if allocation is not None else (task.closed_at if task is not None else None)
    when = f" on {date_format(timezone.localtime(at), 'M j, H:i')}" if at else ""
    return CodeUsed(
        f"This code was already used: the unit was handed over{when}. Don't hand anything over again.",
        fields={"code": ["Already picked up."]},
    )


def _expired(due_at) -> CodeExpired:
    return CodeExpired(
        f"This pickup code expired on {date_format(timezone.localtime(due_at), 'M j')}. Don't hand the unit "
        "over: the customer should contact the brand.",
        fields={"code": ["Expired."]},
    )


def _cancelled() -> CodeCancelled:
    return CodeCancelled(
        "This hand-off was cancelled: don't hand the unit over. The customer should contact the brand.",
        fields={"code": ["Hand-off cancelled."]},
    )


def _refusal_for(allocation: Allocation) -> Exception:
    """Why an allocation that is no longer active cannot be handed over."""
    if allocation.status == Allocation.Status.HANDED_OFF:
        return _used(allocation)
    if allocation.status == Allocation.Status.EXPIRED:
        return _expired(allocation.due_at)
    return _cancelled()


@transaction.atomic
def _confirm_pickup(*, code: str, hub: Hub, actor: Actor) -> tuple[Brand, Allocation]:
    """allocation active → handed_off (pickup), unit reserved → handed_off (its hand-off
    task done), backorder allocated → handed_off (the hub) → fulfilled (Closo: the customer
    has it), events at `hub` for each, in one transaction. The hub must be active (checked
    before the code is looked up); then the code: unknown, used, cancelled, expired (the
    allocation's timer ran, or its due time passed), another hub's (which is not said).
    Two confirms of one code: the unit row is locked first, so the second waits and is
    told the code was used."""
    hub = Hub.objects.get(pk=hub.pk)  # its status now, not as the caller read it
    if hub.status != HubStatus.ACTIVE:
        raise HubNotActive(
            f"{hub.name} is {hub.get_status_display().lower()}: it cannot hand units over.",
            fields={"code": ["Your hub is not active."]},
        )
    code = dropoff_code_normalize(code)
    task = None
    if _CODE_RE.match(code):
        # hubtask_code_unique: one task per code, whatever its brand. Not locked (see the module).
        task = (
            HubTask.objects.select_related("brand")
            .filter(kind=HubTask.Kind.HANDOFF, code=code, brand__is_active=True)
            .first()
        )
    if task is None:
        raise UnknownCode(
            f"“{code}” is not a pickup code we know. Check it with the customer: codes are "
            f"{DROPOFF_CODE_LENGTH} letters and digits, in the e-mail that told them their order is ready.",
            fields={"code": ["Unknown pickup code."]},
        )
    brand = task.brand
    with schema_context(brand.schema_name):
        allocation = Allocation.objects.filter(pickup_code=code).first()
        if allocation is None:
            raise Allocation.DoesNotExist(f"The hand-off task {task.pk} indexes no allocation.")
        if task.status == HubTask.Status.DONE or allocation.status == Allocation.Status.HANDED_OFF:
            raise _used(allocation, task)
        if allocation.status != Allocation.Status.ACTIVE:
            raise _refusal_for(allocation)  # expired (the timer ran) or cancelled
        if task.status == HubTask.Status.CANCELLED:
            raise _cancelled()
        if allocation.due_at < timezone.now():
            raise _expired(allocation.due_at)
        if task.hub_id != hub.pk or allocation.hub_id != hub.pk:
            raise WrongHub(
                "This pickup code is for another hub, not yours. Don't hand anything over: the customer's "
                "e-mail names the hub to go to.",
                fields={"code": ["For another hub."]},
            )
        unit, backorder, allocation = _lock_sides(allocation)
        if allocation.status != Allocation.Status.ACTIVE:
            raise _refusal_for(allocation)  # another confirm (or the timer) won while we waited
        _hand_off(
            unit=unit,
            backorder=backorder,
            allocation=allocation,
            hub=hub,
            actor=actor,
            method=Method.PICKUP,
            tracking="",
            detail=f"Picked up at {hub.name} by the customer with their pickup code.",
        )
        BACKORDERS.transition(
            backorder,
            BackorderStatus.FULFILLED,
            actor=Actor.system(f"hand-off, after {actor.label}"),
            detail="The customer has the unit in hand.",
            at_hub=hub,
            event_data={"allocation": allocation.pk},
        )
        promise_settle(backorder=backorder)
        ledger_backorder_filled(backorder=backorder)
    allocation.unit, allocation.backorder = unit, backorder  # read on the public schema by callers
    return brand, allocation


def _lock_sides(allocation: Allocation) -> tuple[StockUnit, Backorder, Allocation]:
    """Lock the unit, the backorder, then the allocation (closo.locks order), as they are now."""
    unit = lock_one(StockUnit.objects.select_related("sku"), pk=allocation.unit_id)
    backorder = lock_one(Backorder.objects.select_related("sku"), pk=allocation.backorder_id)
    return unit, backorder, lock_one(Allocation, pk=allocation.pk)


def _hand_off(
    *,
    unit: StockUnit,
    backorder: Backorder,
    allocation: Allocation,
    hub: Hub,
    actor: Actor,
    method: str,
    tracking: str,
    detail: str,
) -> None:
    """The three moves of a hand-off (all three rows are locked), and the customer told after commit."""
    ALLOCATIONS.transition(
        allocation,
        Allocation.Status.HANDED_OFF,
        actor=actor,
        method=method,
        **({"tracking": tracking} if tracking else {}),
    )
    data = {"allocation": allocation.pk, "method": method, **({"tracking": tracking} if tracking else {})}
    UNITS.transition(
        unit,
        StockUnit.Status.HANDED_OFF,
        actor=actor,
        detail=f"{detail} Backorder {backorder.order_ref}.",
        at_hub=hub,
        event_data={**data, "backorder": backorder.pk, "order_ref": backorder.order_ref},
    )
    BACKORDERS.transition(
        backorder,
        BackorderStatus.HANDED_OFF,
        actor=actor,
        detail=f"{detail} Unit {unit.label}.",
        at_hub=hub,
        event_data={**data, "unit": unit.label},
    )
    allocation_id = allocation.pk
    after_commit_in_brand(lambda: notify.handed_off(allocation_id=allocation_id))


@transaction.atomic
def handoff_record(*, allocation: Allocation, method: str, tracking: str, hub: Hub, actor: Actor) -> Allocation:
    """The hub gave the unit of `allocation` to a local courier or shipped it, with a
    tracking number (required): allocation, unit and backorder become handed_off; the
    backorder stays there until the brand (or its store) says it was delivered
    (`backorder_fulfill`). Only the allocation's own hub, while active. Locks unit →
    backorder → allocation; a second record, or one racing a pickup or the timer, gets
    invalid_transition (409)."""
    if method not in (Method.COURIER, Method.SHIP):
        raise Invalid(
            "Record a courier or a shipment here: a pickup is confirmed with the customer's code.",
            fields={"method": ["Choose courier or ship."]},
        )
    tracking = (tracking or "").strip()
    if not tracking:
        what = "the courier's job or tracking number" if method == Method.COURIER else "the carrier's tracking number"
        message = f"Enter {what}: the customer follows the parcel with it."
        raise Required(message, fields={"tracking": [message]})
    if len(tracking) > TRACKING_MAX:
        raise Invalid(
            f"A tracking number is at most {TRACKING_MAX} characters.",
            fields={"tracking": [f"At most {TRACKING_MAX} characters."]},
        )
    hub = Hub.objects.get(pk=hub.pk)
    if hub.status != HubStatus.ACTIVE:
        raise HubNotActive(
            f"{hub.name} is {hub.get_status_display().lower()}: it cannot hand units over.",
            fields={"method": ["Your hub is not active."]},
        )
    if allocation.hub_id != hub.pk:
        raise WrongHub("This hand-off belongs to another hub.", fields={"method": ["For another hub."]})
    unit, backorder, allocation = _lock_sides(allocation)
    if allocation.status != Allocation.Status.ACTIVE:
        raise InvalidTransition(
            f"This hand-off is {ALLOCATIONS.label(allocation.status).lower()} already: nothing to record.",
            fields={"from_status": allocation.status, "to_status": Allocation.Status.HANDED_OFF},
        )
    how = "Given to a local courier" if method == Method.COURIER else "Shipped by the hub"
    _hand_off(
        unit=unit,
        backorder=backorder,
        allocation=allocation,
        hub=hub,
        actor=actor,
        method=method,
        tracking=tracking,
        detail=f"{how} at {hub.name}, tracking {tracking}.",
    )
    return allocation


@transaction.atomic
def backorder_fulfill(*, backorder: Backorder, actor: Actor) -> Backorder:
    """handed_off → fulfilled: the brand (or its store) says the customer received the unit
    a courier took or the hub shipped. Locks the backorder; a backorder not handed off (or
    fulfilled already) gets invalid_transition (409)."""
    locked = lock_one(Backorder, pk=backorder.pk)
    allocation = locked.allocations.filter(status=Allocation.Status.HANDED_OFF).first()
    detail = "Delivered to the customer."
    if allocation is not None and allocation.tracking:
        detail = (
            f"Delivered to the customer ({allocation.get_method_display().lower()}, tracking {allocation.tracking})."
        )
    locked = BACKORDERS.transition(locked, BackorderStatus.FULFILLED, actor=actor, detail=detail)
    promise_settle(backorder=locked)
    ledger_backorder_filled(backorder=locked)
    return locked
