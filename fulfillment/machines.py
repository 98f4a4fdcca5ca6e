"""The state machines of the fulfillment app: every allowed move of a return, in one table.

initiated ─→ routed (hub | warehouse) ─→ dropped_off ─→ inspected ─→ disposed
    │            │  └─(warehouse route: the brand's warehouse received it)──→ disposed
    └────────────┴─→ cancelled
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fulfillment.models import ReturnItem, ReturnStatus

S = ReturnStatus
Route = ReturnItem.Route
Disposition = ReturnItem.Disposition


@dataclass(frozen=True, eq=False)
class Move:
    """One allowed edge of the return state machine.

    `route`: the route the return is on once moved (None: any, including none yet).
    `takes`: the fields the caller must set with the move (e.g. the hub and drop-off code).
    `sets`: the fields the move itself sets (the caller passes nothing for them).
    `needs_reason`: the move's `detail` (the why) must not be blank."""

    source: str
    target: str
    event: str
    route: str | None = None
    takes: frozenset[str] = frozenset()
    sets: Mapping[str, str] = field(default_factory=dict)
    needs_reason: bool = False


# The whole state machine. Nothing leaves disposed or cancelled.
MOVES: tuple[Move, ...] = (
    Move(S.INITIATED, S.ROUTED, "routed", route=Route.WAREHOUSE, takes=frozenset({"route"})),
    Move(S.INITIATED, S.ROUTED, "routed", route=Route.HUB, takes=frozenset({"route", "hub", "dropoff_code"})),
    Move(S.INITIATED, S.CANCELLED, "cancelled", needs_reason=True),
    Move(S.ROUTED, S.DROPPED_OFF, "dropped_off", route=Route.HUB),
    Move(S.ROUTED, S.DISPOSED, "received", route=Route.WAREHOUSE, sets={"disposition": Disposition.TO_WAREHOUSE}),
    Move(S.ROUTED, S.CANCELLED, "cancelled", needs_reason=True),
    Move(S.DROPPED_OFF, S.INSPECTED, "inspected", route=Route.HUB),
    Move(S.INSPECTED, S.DISPOSED, "disposed", route=Route.HUB, takes=frozenset({"disposition"})),
)


TERMINAL = frozenset({S.DISPOSED, S.CANCELLED})
