"""Returns (RMAs) and their state machine (DESIGN.md §4).

    initiated ─→ routed (hub | warehouse) ─→ dropped_off ─→ inspected ─→ disposed
        │            │  └─(warehouse route: the brand's warehouse received it)──→ disposed
        └────────────┴─→ cancelled

Every allowed move is one row of `MOVES`, and every status change goes through
`_transition`: a conditional UPDATE (`WHERE status = <from>`) whose row count decides
races, plus the event for the timeline. The hub workflow (assign to a hub with a drop-off
code, receive by code, inspect, dispose) adds services that call `_transition` with the
moves already in the table."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from closo.actors import Actor
from closo.exceptions import Conflict, DomainError
from fulfillment.models import Channel, Event, ReturnItem, ReturnStatus, Sku
from fulfillment.services.events import event_record
from hubs.models import PostalCode

S = ReturnStatus
Route = ReturnItem.Route
Disposition = ReturnItem.Disposition
RefundStatus = ReturnItem.RefundStatus


class InvalidReturnTransition(Conflict):
    code = "invalid_transition"


class ReturnExists(Conflict):
    code = "return_exists"


class UnknownSku(DomainError):
    code = "unknown_sku"


class InvalidZip(DomainError):
    code = "invalid_zip"


class ReasonRequired(DomainError):
    code = "reason_required"


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


def _label(status: str) -> str:
    return S(status).label.lower()


def move_for(*, from_status: str, to_status: str, route: str) -> Move:
    """The move from `from_status` to `to_status` for a return on `route` (its route once
    moved), or InvalidReturnTransition naming both states."""
    edges = [m for m in MOVES if m.source == from_status and m.target == to_status]
    for move in edges:
        if move.route is None or move.route == route:
            return move
    if edges and route:
        message = (
            f"A return on the {Route(route).label.lower()} route that is {_label(from_status)} "
            f"cannot become {_label(to_status)}."
        )
    elif edges:
        message = f"A return that is {_label(from_status)} cannot become {_label(to_status)} without a route."
    else:
        message = f"A return that is {_label(from_status)} cannot become {_label(to_status)}."
    raise InvalidReturnTransition(message, fields={"from_status": from_status, "to_status": to_status})


def _check_changes(move: Move, changes: dict) -> None:
    """The caller must pass exactly the fields the move takes, with valid values: a
    mismatch is a bug in the calling service, not bad input."""
    missing = sorted(name for name in move.takes if changes.get(name) in (None, ""))
    unexpected = sorted(set(changes) - move.takes)
    if missing or unexpected:
        raise TypeError(
            f"{move.source} → {move.target} takes {sorted(move.takes)}; missing {missing}, unexpected {unexpected}."
        )
    for name, value in changes.items():
        choices = ReturnItem._meta.get_field(name).choices
        if choices and value not in {key for key, _ in choices}:
            raise ValueError(f"{value!r} is not a valid {name}.")


def _event_data(values: dict) -> dict:
    return {name: value.pk if isinstance(value, models.Model) else value for name, value in values.items()}


@transaction.atomic
def _transition(item: ReturnItem, to_status: str, *, actor: Actor, detail: str = "", **changes) -> ReturnItem:
    """Move `item` from the status it was read with to `to_status`, setting `changes`,
    and record the event. The UPDATE only matches while the row still has that status,
    so of two concurrent moves from one state exactly one wins; the other gets
    InvalidReturnTransition (409). `item` is updated in place and returned."""
    from_status = item.status
    move = move_for(from_status=from_status, to_status=to_status, route=changes.get("route", item.route))
    _check_changes(move, changes)
    detail = detail.strip()
    if move.needs_reason and not detail:
        raise ReasonRequired(
            f"Say why the return is {_label(to_status)}.", fields={"reason": ["This field is required."]}
        )
    values = {**changes, **move.sets, "status": to_status, "updated_at": timezone.now()}
    # The route only changes on the way into `routed`, so matching the status pins it too.
    updated = ReturnItem.objects.filter(pk=item.pk, status=from_status).update(**values)
    if updated != 1:
        current = ReturnItem.objects.filter(pk=item.pk).values_list("status", flat=True).first() or from_status
        raise InvalidReturnTransition(
            f"This return is {_label(current)} now (it was {_label(from_status)}): "
            f"it cannot become {_label(to_status)}. Reload to see what changed.",
            fields={"from_status": current, "to_status": to_status},
        )
    for name, value in values.items():
        setattr(item, name, value)
    event_record(
        subject=item,
        kind=move.event,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        detail=detail,
        data=_event_data({**changes, **move.sets}),
    )
    return item


# --- writes ---

ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")
CREATED_VIA = {
    Channel.API: "Created through the API.",
    Channel.PORTAL: "Created in the portal.",
    Channel.CSV: "Imported from a CSV file.",
    Channel.WEBHOOK: "Received from a webhook.",
}


@transaction.atomic
def return_create(
    *,
    rma_ref: str,
    sku_code: str,
    customer_zip: str,
    customer_name: str = "",
    customer_email: str = "",
    reason: str = "",
    channel: str = Channel.API,
    actor: Actor,
) -> ReturnItem:
    """Record a return as `initiated`, placed at its ZIP's centroid. The RMA reference is
    unique: a second create (even a concurrent one) gets ReturnExists (409)."""
    rma_ref = rma_ref.strip()
    sku_code = sku_code.strip()
    sku = Sku.objects.filter(code=sku_code).first()
    if sku is None:
        raise UnknownSku(
            f"There is no SKU “{sku_code}” in your catalogue.", fields={"sku": [f"Unknown SKU code “{sku_code}”."]}
        )
    match = ZIP_RE.match(customer_zip.strip())
    postal = PostalCode.objects.filter(code=match.group(1)).first() if match else None
    if postal is None:
        raise InvalidZip(
            f"“{customer_zip.strip()}” is not a US ZIP code we know.",
            fields={"customer_zip": ["Enter a US ZIP code, e.g. 78702."]},
        )
    if ReturnItem.objects.filter(rma_ref=rma_ref).exists():
        raise _exists(rma_ref)
    try:
        with transaction.atomic():
            item = ReturnItem.objects.create(
                rma_ref=rma_ref,
                sku=sku,
                customer_name=customer_name.strip(),
                customer_email=customer_email.strip(),
                customer_zip=postal.code,
                lat=postal.lat,
                lon=postal.lon,
                reason=reason.strip(),
                channel=channel,
            )
    except IntegrityError:  # a concurrent create of the same RMA committed first
        raise _exists(rma_ref) from None
    event_record(
        subject=item,
        kind="created",
        actor=actor,
        to_status=item.status,
        detail=CREATED_VIA.get(channel, ""),
        data={"sku": sku.code, "customer_zip": postal.code, "channel": channel},
    )
    return item


def _exists(rma_ref: str) -> ReturnExists:
    return ReturnExists(
        f"A return with RMA “{rma_ref}” already exists.", fields={"rma_ref": ["A return with this RMA already exists."]}
    )


@transaction.atomic
def return_route_to_warehouse(*, item: ReturnItem, actor: Actor) -> ReturnItem:
    """initiated → routed on the warehouse route: the customer ships it to the brand."""
    return _transition(item, S.ROUTED, actor=actor, detail="Routed to the brand's warehouse.", route=Route.WAREHOUSE)


@transaction.atomic
def return_warehouse_received(*, item: ReturnItem, actor: Actor) -> ReturnItem:
    """routed (warehouse route) → disposed as `to_warehouse`: the brand's warehouse has it."""
    return _transition(item, S.DISPOSED, actor=actor, detail="Received at the brand's warehouse.")


@transaction.atomic
def return_cancel(*, item: ReturnItem, reason: str, actor: Actor) -> ReturnItem:
    """initiated or routed → cancelled, with the reason on the timeline."""
    return _transition(item, S.CANCELLED, actor=actor, detail=reason)


REFUND_DECISIONS = (RefundStatus.REFUNDED, RefundStatus.DENIED)


@transaction.atomic
def return_refund_update(*, item: ReturnItem, refund_status: str, actor: Actor) -> ReturnItem:
    """Decide a pending refund (refunded or denied) once; the return's status is
    unchanged. Conditional on `pending`, so two concurrent decisions record one."""
    if refund_status not in REFUND_DECISIONS:
        raise ValueError(f"{refund_status!r} is not a refund decision.")
    now = timezone.now()
    updated = ReturnItem.objects.filter(pk=item.pk, refund_status=RefundStatus.PENDING).update(
        refund_status=refund_status, updated_at=now
    )
    if updated != 1:
        current = ReturnItem.objects.filter(pk=item.pk).values_list("refund_status", flat=True).first()
        raise InvalidReturnTransition(
            f"The refund is already {RefundStatus(current or item.refund_status).label.lower()}: "
            f"it cannot become {RefundStatus(refund_status).label.lower()}.",
            fields={"from_refund_status": current, "to_refund_status": refund_status},
        )
    previous, item.refund_status, item.updated_at = item.refund_status, refund_status, now
    event_record(
        subject=item,
        kind="refund",
        actor=actor,
        detail=f"Refund {RefundStatus(refund_status).label.lower()}.",
        data={"refund_status": refund_status, "previous": previous},
    )
    return item


# --- reads ---


def returns_all() -> models.QuerySet[ReturnItem]:
    """Returns with what lists and details show (SKU, hub) in the same query."""
    return ReturnItem.objects.select_related("sku", "hub")


def return_get(*, pk: int) -> ReturnItem:
    """One return of this brand (the connection is on the brand's schema), or 404."""
    return get_object_or_404(returns_all(), pk=pk)


def return_events(*, item: ReturnItem) -> models.QuerySet[Event]:
    """The chain of custody, oldest first."""
    return Event.objects.filter(return_item=item).order_by("created_at", "pk")


FUNNEL = (S.INITIATED, S.ROUTED, S.DROPPED_OFF, S.INSPECTED, S.DISPOSED, S.CANCELLED)


def return_status_counts(*, queryset: models.QuerySet[ReturnItem]) -> list[tuple[str, str, int]]:
    """[(status, label, count)] in state-machine order, in one query."""
    counts = queryset.order_by().aggregate(**{s: Count("pk", filter=Q(status=s)) for s in FUNNEL})
    return [(s, S(s).label, counts[s]) for s in FUNNEL]


def return_next_moves(*, item: ReturnItem) -> list[Move]:
    """The moves the table allows from where `item` is now, on its route (a move that
    sets the route is listed for each route)."""
    return [m for m in MOVES if m.source == item.status and (m.route in (None, item.route) or "route" in m.takes)]


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    state: str  # "done", "current", "todo" or "stopped" (cancelled)


def _path(route: str) -> list[str]:
    """The statuses a return on `route` passes through, read from MOVES."""
    path = [S.INITIATED]
    while True:
        following = [
            m.target for m in MOVES if m.source == path[-1] and m.target != S.CANCELLED and m.route in (None, route)
        ]
        if not following:
            return path
        path.append(following[0])


def return_steps(*, item: ReturnItem, events) -> list[Step]:
    """Where `item` is on its route's path (an unrouted return is shown on the hub path,
    the longer one). A cancelled return shows the steps it had reached, then Cancelled."""
    path = _path(item.route or Route.HUB)

    def label(status: str) -> str:
        if status == S.ROUTED and item.route:
            return f"Routed · {item.hub.name if item.hub else item.get_route_display()}"
        if status == S.DISPOSED and item.disposition:
            return f"Disposed · {item.get_disposition_display()}"
        return S(status).label

    if item.status == S.CANCELLED:
        cancelled_from = next(
            (e.from_status for e in reversed(list(events)) if e.to_status == S.CANCELLED), S.INITIATED
        )
        reached = path[: path.index(cancelled_from) + 1] if cancelled_from in path else [S.INITIATED]
        return [Step(s, label(s), "done") for s in reached] + [Step(S.CANCELLED, S.CANCELLED.label, "stopped")]
    at = path.index(item.status)
    return [Step(s, label(s), "done" if i < at else "current" if i == at else "todo") for i, s in enumerate(path)]
