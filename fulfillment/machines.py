"""The state machines of the fulfillment app: every allowed move of every stateful model,
one table each (closo.statemachine). Services change a status only through
`<MACHINE>.transition(...)`; the table says who may make each move (`by`), the event it
records (EventKind) and the hub tasks it opens and closes (BRAND_ROW_TASKS).

Parties: BRAND is the brand's people and systems (portal, API keys); HUB is a hub member
in the hub portal or hub API; SYSTEM is Closo's own automation (matching, timers,
workers, the demo loader). SYSTEM is allowed only where automation acts on its own;
custody moves — what only a person holding the item can attest — are the hub's alone.

Returns::

    initiated ─→ routed (hub | warehouse) ─→ dropped_off ─→ inspected ─→ disposed
        │            │  └─(warehouse route: the brand's warehouse received it)──→ disposed
        └────────────┴─→ cancelled

Backorders::

    waiting ─→ allocated ─→ handed_off ─→ fulfilled
       ├──────────┴─→ cancelled | refunded
       └─(a received restock, shipped from the warehouse)─→ fulfilled

Stock units::

    held ─(approve)─→ available ⇄ reserved ─→ handed_off
      └─(reject)─→ to_warehouse ←─(shelf timer)─┘  └─→ missing ─(found in a count)─→ available

Allocations: active ─→ handed_off | expired | cancelled. Refunds (a return's
refund_status): pending ─→ ready ─→ refunded | denied (or decided straight from pending).

Purchase orders: expected ─→ received | cancelled. Imports: pending ─→ running ─→ done.
"""

from __future__ import annotations

from django.utils import timezone

from closo.actors import Party
from closo.statemachine import Move, StateMachine
from fulfillment.models import (
    Allocation,
    Backorder,
    BackorderStatus,
    EventKind,
    ImportJob,
    InboundSupply,
    ReturnItem,
    ReturnStatus,
    StockUnit,
)
from fulfillment.services.events import event_record
from hubs.models import HubTask
from hubs.services.tasks import BRAND_ROW_TASKS

K = EventKind
T = HubTask.Kind
BRAND, HUB, SYSTEM = Party.BRAND, Party.HUB, Party.SYSTEM

S = ReturnStatus
Route = ReturnItem.Route
Disposition = ReturnItem.Disposition

RETURNS = StateMachine(
    model=ReturnItem,
    noun="return",
    status_labels=ReturnStatus,
    event_kinds=EventKind,
    events=event_record,
    tasks=BRAND_ROW_TASKS,
    moves=(
        # Routing and cancelling are the brand's decisions; SYSTEM too, because the
        # fulfillment engine routes new returns and a returns platform's webhook cancels.
        Move(
            S.INITIATED,
            S.ROUTED,
            K.ROUTED,
            by={BRAND, SYSTEM},
            when={"route": Route.WAREHOUSE},
            takes={"route", "route_reason", "cost_local", "cost_warehouse"},
            sets={"routed_at": timezone.now},
        ),
        Move(
            S.INITIATED,
            S.ROUTED,
            K.ROUTED,
            by={BRAND, SYSTEM},
            when={"route": Route.HUB},
            takes={"route", "hub", "dropoff_code", "route_reason", "cost_local", "cost_warehouse"},
            sets={"routed_at": timezone.now},
            opens=(T.DROPOFF,),
        ),
        # A route withdrawn before the item was handed in (its hub was suspended, or the
        # brand routes it again by hand): the drop-off code dies with its task.
        Move(
            S.ROUTED,
            S.INITIATED,
            K.UNROUTED,
            by={BRAND, SYSTEM},
            needs_reason=True,
            sets={"route": "", "hub": None, "dropoff_code": None},
            cancels=(T.DROPOFF,),
        ),
        Move(S.INITIATED, S.CANCELLED, K.CANCELLED, by={BRAND, SYSTEM}, needs_reason=True),
        Move(S.ROUTED, S.CANCELLED, K.CANCELLED, by={BRAND, SYSTEM}, needs_reason=True, cancels=(T.DROPOFF,)),
        # The brand's own warehouse says it arrived (its WMS acts through a brand API key).
        Move(
            S.ROUTED,
            S.DISPOSED,
            K.RECEIVED,
            by={BRAND},
            when={"route": Route.WAREHOUSE},
            sets={"disposition": Disposition.TO_WAREHOUSE},
        ),
        # Custody at a hub: only the hub that holds the item can say it took it, inspected
        # it and where it goes (the grade's disposition, at the inspection's submit).
        Move(
            S.ROUTED,
            S.DROPPED_OFF,
            K.DROPPED_OFF,
            by={HUB},
            when={"route": Route.HUB},
            sets={"dropped_off_at": timezone.now},
            closes=(T.DROPOFF,),
            opens=(T.INSPECT,),
        ),
        Move(S.DROPPED_OFF, S.INSPECTED, K.INSPECTED, by={HUB}, when={"route": Route.HUB}, closes=(T.INSPECT,)),
        Move(S.INSPECTED, S.DISPOSED, K.DISPOSED, by={HUB}, when={"route": Route.HUB}, takes={"disposition"}),
    ),
)

B = BackorderStatus

BACKORDERS = StateMachine(
    model=Backorder,
    noun="backorder",
    status_labels=BackorderStatus,
    event_kinds=EventKind,
    events=event_record,
    moves=(
        # Matching allocates (SYSTEM), or the brand does by hand; the hub hands the unit
        # over; the brand's store (or Closo, on the customer's confirmation) closes it.
        Move(B.WAITING, B.ALLOCATED, K.ALLOCATED, by={BRAND, SYSTEM}, takes={"fill_source"}),
        # An allocation that ends without a hand-off (expired, its unit missing, or the
        # brand took it back) returns the backorder to the queue, to be matched again.
        # (`sets`, not `takes`: a caller cannot pass the empty value, transition() refuses it.)
        Move(B.ALLOCATED, B.WAITING, K.ALLOCATION_ENDED, by={BRAND, SYSTEM}, sets={"fill_source": ""}),
        Move(B.ALLOCATED, B.HANDED_OFF, K.HANDED_OFF, by={HUB}),
        Move(B.HANDED_OFF, B.FULFILLED, K.FULFILLED, by={BRAND, SYSTEM}),
        # A received restock ships from the warehouse to the waiting customers (no hub involved).
        # (Only as a restock fill: "delivered" for a waiting backorder is still refused, 409.)
        Move(
            B.WAITING,
            B.FULFILLED,
            K.FULFILLED,
            by={BRAND, SYSTEM},
            when={"fill_source": Backorder.FillSource.RESTOCK},
            takes={"fill_source"},
        ),
        # A cancel or refund comes from the brand or its store's webhooks, never a hub.
        Move(B.WAITING, B.CANCELLED, K.CANCELLED, by={BRAND, SYSTEM}, needs_reason=True, takes={"cancel_reason"}),
        Move(B.ALLOCATED, B.CANCELLED, K.CANCELLED, by={BRAND, SYSTEM}, needs_reason=True, takes={"cancel_reason"}),
        Move(B.WAITING, B.REFUNDED, K.REFUNDED, by={BRAND, SYSTEM}),
        Move(B.ALLOCATED, B.REFUNDED, K.REFUNDED, by={BRAND, SYSTEM}),
    ),
)

P = InboundSupply.Status

SUPPLY = StateMachine(
    model=InboundSupply,
    noun="purchase order",
    status_labels=InboundSupply.Status,
    event_kinds=EventKind,
    events=event_record,
    moves=(
        # Receipt may come from the brand's WMS sync (SYSTEM); a cancel is a person's call.
        Move(P.EXPECTED, P.RECEIVED, K.RECEIVED, by={BRAND, SYSTEM}, sets={"received_at": timezone.now}),
        Move(P.EXPECTED, P.CANCELLED, K.CANCELLED, by={BRAND}, needs_reason=True),
    ),
)

U = StockUnit.Status

UNITS = StateMachine(
    model=StockUnit,
    noun="stock unit",
    status_labels=StockUnit.Status,
    event_kinds=EventKind,
    events=event_record,
    tasks=BRAND_ROW_TASKS,
    moves=(
        # A held unit waits for the brand's review; only the brand approves or rejects it.
        Move(U.HELD, U.AVAILABLE, K.APPROVED, by={BRAND}),
        Move(U.HELD, U.TO_WAREHOUSE, K.REJECTED, by={BRAND}, needs_reason=True, closes=(T.SHELF,), opens=(T.PACK,)),
        # Matching reserves (SYSTEM) or the brand does by hand: the shelf task becomes a
        # hand-off task carrying the pickup code. Handing over is custody: the hub's alone.
        Move(U.AVAILABLE, U.RESERVED, K.RESERVED, by={BRAND, SYSTEM}, closes=(T.SHELF,), opens=(T.HANDOFF,)),
        # The allocation ended without a hand-off: the unit is back on the shelf. (Closo's
        # or the brand's consequence of an expiry or a cancel; a hub only attests custody.)
        Move(U.RESERVED, U.AVAILABLE, K.UNRESERVED, by={BRAND, SYSTEM}, cancels=(T.HANDOFF,), opens=(T.SHELF,)),
        Move(U.RESERVED, U.HANDED_OFF, K.HANDED_OFF, by={HUB}, closes=(T.HANDOFF,)),
        # The hold timer is Closo's sweep: the hub packs the unit for the warehouse.
        Move(U.AVAILABLE, U.TO_WAREHOUSE, K.EXPIRED, by={SYSTEM}, closes=(T.SHELF,), opens=(T.PACK,)),
        # A cycle count that cannot find a unit is the hub's word; so is finding it again.
        Move(U.AVAILABLE, U.MISSING, K.MISSING, by={HUB}, closes=(T.SHELF,)),
        Move(U.HELD, U.MISSING, K.MISSING, by={HUB}, closes=(T.SHELF,)),
        Move(U.RESERVED, U.MISSING, K.MISSING, by={HUB}, cancels=(T.HANDOFF,)),
        Move(U.MISSING, U.AVAILABLE, K.FOUND, by={HUB}, opens=(T.SHELF,)),
    ),
)

A = Allocation.Status

ALLOCATIONS = StateMachine(
    model=Allocation,
    noun="allocation",
    status_labels=Allocation.Status,
    events=None,  # its sides' moves (the backorder's and the unit's) write the events
    moves=(
        # Handing over is the hub's: a pickup by the customer's code has no tracking
        # number; a courier or a parcel needs one.
        Move(
            A.ACTIVE,
            A.HANDED_OFF,
            "handed_off",
            by={HUB},
            when={"method": Allocation.Method.PICKUP},
            takes={"method"},
            sets={"handed_off_at": timezone.now},
        ),
        *(
            Move(
                A.ACTIVE,
                A.HANDED_OFF,
                "handed_off",
                by={HUB},
                when={"method": method},
                takes={"method", "tracking"},
                sets={"handed_off_at": timezone.now},
            )
            for method in (Allocation.Method.COURIER, Allocation.Method.SHIP)
        ),
        Move(A.ACTIVE, A.EXPIRED, "expired", by={SYSTEM}, sets={"closed_at": timezone.now}),
        # The brand cancels the backorder, or Closo, when a count cannot find the unit.
        Move(A.ACTIVE, A.CANCELLED, "cancelled", by={BRAND, SYSTEM}, sets={"closed_at": timezone.now}),
    ),
)

RF = ReturnItem.RefundStatus

REFUNDS = StateMachine(
    model=ReturnItem,
    field="refund_status",
    noun="refund",
    status_labels=ReturnItem.RefundStatus,
    event_kinds=EventKind,
    events=event_record,
    moves=(
        # The brand's rule (Brand.refund_ready_at) met: drop-off, inspection or warehouse.
        Move(RF.PENDING, RF.READY, K.REFUND_READY, by={BRAND, HUB, SYSTEM}, sets={"refund_ready_at": timezone.now}),
        Move(RF.PENDING, RF.REFUNDED, K.REFUND, by={BRAND, SYSTEM}),
        Move(RF.PENDING, RF.DENIED, K.REFUND, by={BRAND, SYSTEM}),
        Move(RF.READY, RF.REFUNDED, K.REFUND, by={BRAND, SYSTEM}),
        Move(RF.READY, RF.DENIED, K.REFUND, by={BRAND, SYSTEM}),
    ),
)

J = ImportJob.Status

IMPORT_JOBS = StateMachine(
    model=ImportJob,
    noun="import",
    status_labels=ImportJob.Status,
    events=None,  # an import's progress is its own row (counts, errors); each row's service writes events
    moves=(
        # Steps run as the person who uploaded the file (the page) or by the worker.
        Move(J.PENDING, J.RUNNING, "started", by={BRAND, SYSTEM}),
        Move(J.PENDING, J.DONE, "finished", by={BRAND, SYSTEM}, sets={"finished_at": timezone.now}),
        Move(J.RUNNING, J.DONE, "finished", by={BRAND, SYSTEM}, sets={"finished_at": timezone.now}),
    ),
)
