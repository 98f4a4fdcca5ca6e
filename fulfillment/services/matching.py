"""Matching: a Like-New unit on a hub's shelf ↔ the best backorder waiting within reach
(DESIGN.md §5, "Release and match").

Two entry points, one rule. `unit_match` starts from a unit that became available (a
Like-New release, a held unit approved, an allocation that ended, a unit found again in a
count) and claims the best waiting backorder; `backorder_match` starts from a backorder
that started waiting (created, or its allocation ended) and claims the nearest available
unit. A backorder is within reach of a unit when it waits for the same SKU, its customer
lives within the unit's hub's service radius, the hub is active, and its region (if any)
is active and has the customer's consent where it requires it. Among those, the best is

    earliest promised ship-by date (none last) → highest priority → placed first → id.

Locks (closo.locks order StockUnit → Backorder → Allocation): the unit first, then the
backorder, both claimed with SKIP LOCKED so concurrent matchers never wait on each other —
each takes a different row, or none. The moves are the machines' conditional UPDATEs, and
the database allows one active allocation per unit and per backorder, so a bug here could
only fail, never allocate twice.

The allocation reserves the unit (its shelf task becomes a hand-off task carrying the
pickup code), allocates the backorder, and tells the customer after commit.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from brands.selectors.brands import brand_of_connection
from closo.actors import Actor, Party
from closo.exceptions import InvalidTransition
from closo.locks import lock_first, lock_one
from fulfillment.machines import ALLOCATIONS, BACKORDERS, UNITS
from fulfillment.models import Allocation, Backorder, BackorderStatus, StockUnit
from fulfillment.selectors.matching import BACKORDER_ORDER, backorders_within_reach, units_within_reach
from fulfillment.services import notify
from fulfillment.services.events import after_commit_in_brand
from fulfillment.services.promises import promises_refresh_later
from fulfillment.services.returns import dropoff_code_new
from hubs.models import Hub, HubStatus

MATCHER = Actor.system("matching")
CODE_ATTEMPTS = 10
# The unique indexes a drawn pickup code can collide with: the hub task index's (across
# brands) and the allocation's own.
_CODE_INDEXES = frozenset({"hubtask_code_unique", f"{Allocation._meta.db_table}_pickup_code_key"})

# What a claim reads of each candidate: its id and the columns it is ordered by.
CLAIM_FIELDS = ("pk", "promised_ship_by", "priority", "placed_at")


def _between_claims(unit: StockUnit, backorder: Backorder) -> None:
    """Called after both rows are claimed and before anything is written. A no-op; the
    race tests replace it to force another matcher in between (tests/fulfillment)."""


def _region_allows(backorder: Backorder) -> bool:
    region = backorder.region
    return region is None or (region.is_active and (not region.requires_consent or backorder.consent_local_return))


# --- writes ---


@transaction.atomic
def unit_match(*, unit_id: int, actor: Actor = MATCHER) -> Allocation | None:
    """Allocate the available unit `unit_id` to the best backorder within reach, or leave
    it on the shelf (None): it is not available (any more), its hub is not active, nobody
    within reach waits, or every candidate is being claimed by another matcher right now."""
    unit = lock_first(
        StockUnit.objects.select_related("hub", "return_item__sku").filter(
            pk=unit_id, status=StockUnit.Status.AVAILABLE
        ),
        order_by="pk",
    )
    if unit is None:
        return None  # taken meanwhile, or another matcher holds it and decides
    hub = unit.hub
    if hub.status != HubStatus.ACTIVE:
        return None  # a suspended hub's shelf is not matched
    # A customer who let this unit's hand-off expire is not offered the same unit again:
    # otherwise the oldest no-show would win it back forever and nobody else could.
    expired_here = Allocation.objects.filter(
        backorder=OuterRef("pk"), unit_id=unit.pk, status=Allocation.Status.EXPIRED
    )
    candidates = backorders_within_reach(sku_id=unit.sku_id, hub=hub).filter(~Exists(expired_here))
    # The claim reads only the columns it sorts on: under FOR UPDATE PostgreSQL sorts every
    # candidate in the box, and narrow rows halve that sort (bench/allocation.py). The
    # claimed row, now ours, is then read whole.
    claimed = lock_first(candidates.only(*CLAIM_FIELDS), order_by=BACKORDER_ORDER)
    if claimed is None:
        return None
    backorder = Backorder.objects.get(pk=claimed.pk)
    return _allocate(unit=unit, backorder=backorder, hub=hub, distance=claimed.distance_miles, actor=actor)


@transaction.atomic
def backorder_match(*, backorder_id: int, actor: Actor = MATCHER) -> Allocation | None:
    """Allocate the nearest available unit within reach to the waiting backorder
    `backorder_id` (oldest unit first among equals), or None."""
    backorder = Backorder.objects.select_related("region").filter(pk=backorder_id).first()
    if backorder is None or backorder.status != BackorderStatus.WAITING or backorder.lat is None:
        return None
    if not _region_allows(backorder):
        return None
    expired_here = Allocation.objects.filter(
        unit=OuterRef("pk"), backorder_id=backorder.pk, status=Allocation.Status.EXPIRED
    )
    candidates = units_within_reach(backorder).filter(~Exists(expired_here))  # the same no-show rule
    unit = lock_first(candidates.select_related("hub", "return_item__sku"), order_by=["distance_miles", "created_at"])
    if unit is None:
        return None
    claimed = lock_first(Backorder.objects.filter(pk=backorder_id, status=BackorderStatus.WAITING), order_by="pk")
    if claimed is None:
        return None  # allocated or cancelled meanwhile, or another matcher is on it
    hub = unit.hub
    return _allocate(unit=unit, backorder=claimed, hub=hub, distance=unit.distance_miles, actor=actor)


def _allocate(*, unit: StockUnit, backorder: Backorder, hub: Hub, distance: float, actor: Actor) -> Allocation:
    """Both rows are claimed: reserve the unit (shelf task → hand-off task with the pickup
    code), record the allocation, allocate the backorder; tell the customer after commit."""
    _between_claims(unit, backorder)
    brand = brand_of_connection()
    due = timezone.now() + datetime.timedelta(days=brand.handoff_due_days)
    miles = round(distance, 1)
    for _ in range(CODE_ATTEMPTS):
        code = dropoff_code_new()
        try:
            with transaction.atomic():
                UNITS.transition(
                    unit,
                    StockUnit.Status.RESERVED,
                    actor=actor,
                    detail=f"Reserved for {backorder.order_ref}, {miles} mi away; hand-off due by {due:%b %d}.",
                    at_hub=hub,
                    task_args={"code": code, "due_at": due},
                    event_data={"backorder": backorder.pk, "order_ref": backorder.order_ref},
                )
                allocation = Allocation.objects.create(
                    unit=unit, backorder=backorder, hub=hub, pickup_code=code, distance_miles=miles, due_at=due
                )
        except IntegrityError as exc:
            if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) not in _CODE_INDEXES:
                raise
            unit.refresh_from_db(fields=["status", "updated_at"])  # the savepoint rolled the move back
            continue
        break
    else:
        raise RuntimeError(f"No unique pickup code in {CODE_ATTEMPTS} draws.")
    BACKORDERS.transition(
        backorder,
        BackorderStatus.ALLOCATED,
        actor=actor,
        detail=f"Unit {unit.label} at {hub.name}, {miles} mi from the customer; hand-off due by {due:%b %d}.",
        at_hub=hub,
        fill_source=Backorder.FillSource.LOCAL_RETURN,
        event_data={"allocation": allocation.pk, "unit": unit.label, "hub": hub.pk, "distance_miles": miles},
    )
    after_commit_in_brand(lambda: notify.unit_found(allocation_id=allocation.pk))
    return allocation


class Outcome:
    """How an allocation ends without a hand-off, and what becomes of its two sides."""

    EXPIRED = Allocation.Status.EXPIRED
    CANCELLED = Allocation.Status.CANCELLED


def allocation_end(
    *,
    allocation: Allocation,
    outcome: str,
    actor: Actor,
    detail: str,
    unit_to: str = StockUnit.Status.AVAILABLE,
    backorder_to: str = BackorderStatus.WAITING,
    cancel_reason: str = "",
) -> Allocation:
    """End an active allocation without a hand-off: `outcome` expired (the timer) or
    cancelled; the unit goes to `unit_to` (back on the shelf, or missing) and the backorder
    to `backorder_to` (back to waiting, or cancelled / refunded by the brand). Whatever is
    left available or waiting is matched again after commit. Runs in the caller's
    transaction; locks unit → backorder → allocation (closo.locks order). An allocation no
    longer active raises InvalidTransition (409) — the sweep treats it as done already."""
    unit = lock_one(StockUnit, pk=allocation.unit_id)
    backorder = lock_one(Backorder, pk=allocation.backorder_id)
    allocation = lock_one(Allocation, pk=allocation.pk)
    if allocation.status != Allocation.Status.ACTIVE:
        raise InvalidTransition(
            f"The allocation is {ALLOCATIONS.label(allocation.status).lower()} already.",
            fields={"from_status": allocation.status, "to_status": outcome},
        )
    hub = Hub.objects.get(pk=allocation.hub_id)
    # The hub attests custody (the unit is missing); what follows from it — the allocation
    # ended, the customer back in the queue — is Closo's doing, recorded as such.
    follow = actor if actor.party != Party.HUB else Actor.system(f"matching, after {actor.label}")
    UNITS.transition(unit, unit_to, actor=actor, detail=detail, at_hub=hub, event_data={"allocation": allocation.pk})
    actor = follow
    ALLOCATIONS.transition(allocation, outcome, actor=actor)
    BACKORDERS.transition(
        backorder,
        backorder_to,
        actor=actor,
        detail=detail,
        event_data={"allocation": allocation.pk},
        **({"cancel_reason": cancel_reason} if backorder_to == BackorderStatus.CANCELLED else {}),
    )
    if unit_to == StockUnit.Status.AVAILABLE:
        after_commit_in_brand(lambda: unit_match(unit_id=unit.pk))
    if backorder_to == BackorderStatus.WAITING:
        after_commit_in_brand(lambda: backorder_match(backorder_id=backorder.pk))
    # A unit back on the shelf (or gone) and a customer back in the queue (or gone) move
    # the promises of everyone waiting for the SKU.
    promises_refresh_later(sku_id=backorder.sku_id)
    return allocation
