"""Returns (RMAs) and their moves (DESIGN.md §4; the table is fulfillment.machines.RETURNS).

    initiated ─→ routed (hub | warehouse) ─→ dropped_off ─→ inspected ─→ disposed
        │            │  └─(warehouse route: the brand's warehouse received it)──→ disposed
        └────────────┴─→ cancelled

Every status change is `RETURNS.transition`: a conditional UPDATE (`WHERE status = <from>`)
whose row count decides races, the party check, the hub tasks the move opens and closes,
and the event for the timeline. The services here add what a move needs around it: the
checks, the drop-off code, the locks."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django_tenants.utils import schema_context

from brands.models import Brand, RefundReadyAt
from brands.selectors.brands import brand_of_connection
from closo import attempts
from closo.actors import Actor
from closo.exceptions import DomainError, HubNotActive, Invalid, InvalidTransition, WrongHub
from closo.locks import lock_one, lock_rows
from fulfillment.exceptions import (
    CodeCancelled,
    CodeExpired,
    CodeUsed,
    HubNotServing,
    InvalidZip,
    NotLocalEligible,
    ReturnExists,
    UnknownCode,
    UnknownHub,
    UnknownSku,
)
from fulfillment.machines import REFUNDS, RETURNS
from fulfillment.models import Channel, EventKind, ReturnItem, ReturnStatus, Sku
from fulfillment.services import notify, routing
from fulfillment.services.events import after_commit_in_brand, event_record
from fulfillment.services.ledger import ledger_refund_ready, ledger_return_routed, ledger_route_withdrawn
from hubs.models import EMAIL_INVALID_MESSAGE, ZIP_INVALID_MESSAGE, Hub, HubStatus, HubTask, PostalCode

S = ReturnStatus
Route = ReturnItem.Route
Disposition = ReturnItem.Disposition
RefundStatus = ReturnItem.RefundStatus


# --- writes ---


def return_mark_inspected(*, item: ReturnItem, hub: Hub, actor: Actor, detail: str, custody: dict) -> ReturnItem:
    """dropped_off → inspected, at `hub`; `custody` (inspection, version, grades, photo
    hashes) goes on the event. Called by the inspection submit, in its transaction; a brand
    whose refund is ready at inspection has it ready in the same transaction."""
    RETURNS.transition(item, S.INSPECTED, actor=actor, detail=detail, at_hub=hub, event_data=custody)
    _refund_ready_if(item=item, moment=RefundReadyAt.INSPECTION, at_hub=hub, actor=actor)
    return item


def return_dispose(*, item: ReturnItem, disposition: str, hub: Hub, actor: Actor, detail: str) -> ReturnItem:
    """inspected → disposed with `disposition` (in_local_stock, to_warehouse, liquidated,
    recycled). Disposed to the warehouse meets a "when the warehouse has it" refund rule:
    the hub packs it for the warehouse and no later step of Closo's sees it arrive."""
    RETURNS.transition(item, S.DISPOSED, actor=actor, detail=detail, at_hub=hub, disposition=disposition)
    if disposition == Disposition.TO_WAREHOUSE:
        _refund_ready_if(item=item, moment=RefundReadyAt.WAREHOUSE, at_hub=hub, actor=actor)
    return item


# What the refund-ready event says, by the brand's rule that was met.
REFUND_READY_DETAIL = {
    RefundReadyAt.DROPOFF: "Refund ready: the hub received the return (your rule: at drop-off).",
    RefundReadyAt.INSPECTION: "Refund ready: the return was inspected (your rule: at inspection).",
    RefundReadyAt.WAREHOUSE: "Refund ready: the return is bound for your warehouse or there (your rule: warehouse).",
}


def _refund_ready_if(
    *, item: ReturnItem, moment: str, actor: Actor, at_hub: Hub | None = None, brand: Brand | None = None
) -> None:
    """pending → ready (REFUNDS) when `moment` is the brand's rule (Brand.refund_ready_at;
    `brand`: the return's, default the connection's), in the caller's transaction, so the
    move that meets the rule and the refund readiness commit together. A refund decided
    already (refunded, denied) is left alone."""
    rule = (brand or brand_of_connection()).refund_ready_at
    if rule != moment or item.refund_status != RefundStatus.PENDING:
        return
    REFUNDS.transition(
        item,
        RefundStatus.READY,
        actor=actor,
        detail=REFUND_READY_DETAIL[moment],
        at_hub=at_hub,
        event_data={"rule": moment},
    )
    ledger_refund_ready(item=item)
    if item.customer_email:
        after_commit_in_brand(lambda: notify.refund_ready(return_id=item.pk))


ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")
CREATED_VIA = {
    Channel.API: "Created through the API.",
    Channel.PORTAL: "Created in the portal.",
    Channel.CSV: "Imported from a CSV file.",
    Channel.WEBHOOK: "Received from a webhook.",
}


class CreateRoute(models.TextChoices):
    """How `return_create` routes the new return."""

    AUTO = "auto", "Automatically (the best hub, else the warehouse)"
    HUB = "hub", "To the hub named"
    WAREHOUSE = "warehouse", "To the warehouse"
    MANUAL = "manual", "Not yet: I route it myself later"


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
    hub: Hub | None = None,
    route: str = "",
    actor: Actor,
) -> ReturnItem:
    """Record a return, placed at its ZIP's centroid, and route it in the same transaction
    (a route that fails leaves no return behind): with `hub` (or route `hub`), to that hub
    (`return_assign_to_hub`); with route `warehouse`, to the warehouse; with route `manual`,
    not at all (it stays `initiated` for the brand to route by hand); by default
    (route "" or `auto`) automatically (`return_route_auto`). Every field is checked before
    anything is written and all problems are raised together (`fields`), so a form shows
    them in one go. The RMA reference is unique: a second create (even a concurrent one)
    gets ReturnExists (409)."""
    route = route or (CreateRoute.HUB if hub is not None else CreateRoute.AUTO)
    rma_ref = (rma_ref or "").strip()
    sku_code = (sku_code or "").strip()
    customer_zip = (customer_zip or "").strip()
    customer_email = (customer_email or "").strip()
    problems = _Problems()

    if not rma_ref:
        problems.add("rma_ref", "Enter your returns app's reference, e.g. RMA-10452.")
    sku = Sku.objects.filter(code=sku_code).first() if sku_code else None
    if sku is None:
        problems.add(
            "sku",
            f"Unknown SKU code “{sku_code}”." if sku_code else "Enter a SKU code from your catalogue.",
            UnknownSku,
            message=f"There is no SKU “{sku_code}” in your catalogue.",
        )
    match = ZIP_RE.match(customer_zip)
    postal = PostalCode.objects.filter(code=match.group(1)).first() if match else None
    if postal is None:
        problems.add(
            "customer_zip", ZIP_INVALID_MESSAGE, InvalidZip, message=f"“{customer_zip}” is not a US ZIP code we know."
        )
    if customer_email:
        try:
            validate_email(customer_email)
        except ValidationError:
            problems.add("customer_email", EMAIL_INVALID_MESSAGE)
    if route not in CreateRoute.values:
        problems.add("route", f"“{route}” is not a route: choose {', '.join(CreateRoute.values)}.")
    elif route == CreateRoute.HUB and hub is None:
        problems.add("hub", "Name the hub (its id) to route the return to a hub.")
    elif route != CreateRoute.HUB and hub is not None:
        problems.add("hub", f"A hub goes with the route “hub”, not “{route}”.")
    if hub is not None and sku is not None and postal is not None:
        current = Hub.objects.filter(pk=hub.pk).first()
        refusal = _hub_refusal(hub=current, sku=sku, lat=postal.lat, lon=postal.lon, customer_zip=postal.code)
        if refusal is not None:
            problems.add("hub", refusal.message, type(refusal))
    if rma_ref and ReturnItem.objects.filter(rma_ref=rma_ref).exists():
        exists = _exists(rma_ref)
        problems.add("rma_ref", exists.fields["rma_ref"][0], ReturnExists, message=exists.message)
    problems.raise_any()  # every problem at once, so a form shows them all in one go
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
        kind=EventKind.CREATED,
        actor=actor,
        to_status=item.status,
        detail=CREATED_VIA.get(channel, ""),
        data={"sku": sku.code, "customer_zip": postal.code, "channel": channel},
    )
    if route == CreateRoute.HUB:
        return_assign_to_hub(item=item, hub=hub, actor=actor)
    elif route == CreateRoute.WAREHOUSE:
        return_route_to_warehouse(item=item, actor=actor)
    elif route == CreateRoute.AUTO:
        return_route_auto(item=item, actor=actor)
    return item


@transaction.atomic
def return_route_auto(*, item: ReturnItem, actor: Actor) -> ReturnItem:
    """initiated → routed where `routing.route_decide` says: the best hub (with a drop-off
    code, and the customer e-mailed after commit), else the warehouse; the reason and both
    routes' costs are stored on the return. A hub that stops taking returns between the
    decision and the assignment (suspended meanwhile) sends the return to the warehouse,
    saying so. Hub capacity is read, not locked: two returns created at the same moment
    may both take a hub's last place today (capacity is a daily target, not a hard limit)."""
    decision = routing.route_decide(item=item)
    if decision.hub is not None:
        try:
            with transaction.atomic():
                return return_assign_to_hub(item=item, hub=decision.hub, actor=actor, reason=decision.reason)
        except (HubNotActive, HubNotServing, NotLocalEligible) as exc:
            item.refresh_from_db(fields=[*ROUTE_FIELDS, "status", "updated_at"])
            return return_route_to_warehouse(
                item=item, actor=actor, reason=f"{decision.hub.name} could not take it: {exc.message}"
            )
    return return_route_to_warehouse(item=item, actor=actor, reason=decision.reason)


@transaction.atomic
def return_unroute(*, item: ReturnItem, reason: str, actor: Actor) -> ReturnItem:
    """routed → initiated (UNROUTED): the route withdrawn before the item was handed in;
    its drop-off code dies with its task (a hub typing it is told it was cancelled).
    `reason` is required. Locks the open tasks, then the return (LOCK_ORDER), like a cancel."""
    brand = brand_of_connection()
    lock_rows(HubTask.objects.filter(brand=brand, return_item_id=item.pk, status=HubTask.Status.OPEN))
    lock_one(ReturnItem, pk=item.pk)
    RETURNS.transition(item, S.INITIATED, actor=actor, detail=reason, event_data={"hub": item.hub_id})
    ledger_route_withdrawn(item=item)
    return item


def _exists(rma_ref: str) -> ReturnExists:
    return ReturnExists(
        f"A return “{rma_ref}” already exists.", fields={"rma_ref": ["A return with this reference already exists."]}
    )


class _Problems:
    """The problems of one input, collected field by field and raised together: the
    first problem's class is the error (input errors are added before conflicts); with
    one problem, its own message."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.found: list[tuple[type[DomainError], str]] = []

    def add(self, field: str, text: str, kind: type[DomainError] = Invalid, *, message: str = "") -> None:
        self.fields.setdefault(field, []).append(text)
        self.found.append((kind, message or text))

    def raise_any(self) -> None:
        if not self.found:
            return
        kind, message = self.found[0]
        if len(self.found) > 1:
            message = "Some fields are invalid: " + ", ".join(self.fields) + "."
        raise kind(message, fields=self.fields)


# What a routing move writes (re-read when a drawn code collides and the move rolled back).
ROUTE_FIELDS = ("route", "hub", "dropoff_code", "route_reason", "cost_local", "cost_warehouse", "routed_at")


def route_costs() -> dict:
    """What each route costs this brand now (its settings), stored with every routing
    decision for the savings ledger."""
    brand = brand_of_connection()
    return {"cost_local": brand.cost_local_route, "cost_warehouse": brand.cost_warehouse_route}


@transaction.atomic
def return_route_to_warehouse(*, item: ReturnItem, actor: Actor, reason: str = "") -> ReturnItem:
    """initiated → routed on the warehouse route: the customer ships it to the brand.
    `reason`: why, in words (the automatic routing's explanation; by hand otherwise)."""
    reason = reason or f"Routed to the warehouse by hand ({actor.label})."
    RETURNS.transition(
        item,
        S.ROUTED,
        actor=actor,
        detail=reason,
        route=Route.WAREHOUSE,
        route_reason=reason[:300],
        **route_costs(),
    )
    ledger_return_routed(item=item)
    return item


@transaction.atomic
def return_warehouse_received(*, item: ReturnItem, actor: Actor) -> ReturnItem:
    """routed (warehouse route) → disposed as `to_warehouse`: the brand's warehouse has it
    (and the refund is ready, for a brand whose rule is "when the warehouse has it")."""
    RETURNS.transition(item, S.DISPOSED, actor=actor, detail="Received at the brand's warehouse.")
    _refund_ready_if(item=item, moment=RefundReadyAt.WAREHOUSE, actor=actor)
    return item


@transaction.atomic
def return_cancel(*, item: ReturnItem, reason: str, actor: Actor) -> ReturnItem:
    """initiated or routed → cancelled, with the reason on the timeline; a hub's drop-off
    task is cancelled with it (its code then answers `code_cancelled`). Locks the return's
    open tasks, then the return (LOCK_ORDER: HubTask → ReturnItem), the order receiving
    and inspecting lock them in, so a cancel racing either waits instead of deadlocking."""
    brand = brand_of_connection()
    lock_rows(HubTask.objects.filter(brand=brand, return_item_id=item.pk, status=HubTask.Status.OPEN))
    lock_one(ReturnItem, pk=item.pk)
    RETURNS.transition(item, S.CANCELLED, actor=actor, detail=reason)
    ledger_route_withdrawn(item=item)
    return item


REFUND_DECISIONS = (RefundStatus.REFUNDED, RefundStatus.DENIED)


@transaction.atomic
def return_refund_update(*, item: ReturnItem, refund_status: str, actor: Actor) -> ReturnItem:
    """Decide a refund (refunded or denied) once, pending or ready; the return's status is
    unchanged. One REFUNDS.transition, so of two concurrent decisions one is recorded."""
    if refund_status not in REFUND_DECISIONS:
        raise ValueError(f"{refund_status!r} is not a refund decision.")
    previous = item.refund_status
    try:
        if previous in REFUND_DECISIONS:
            raise InvalidTransition("decided")
        return REFUNDS.transition(
            item,
            refund_status,
            actor=actor,
            detail=f"Refund {RefundStatus(refund_status).label.lower()}.",
            event_data={"refund_status": refund_status, "previous": previous},
        )
    except InvalidTransition:
        current = ReturnItem.objects.filter(pk=item.pk).values_list("refund_status", flat=True).first()
        raise InvalidTransition(
            f"The refund is already {RefundStatus(current or previous).label.lower()}: "
            f"it cannot become {RefundStatus(refund_status).label.lower()}.",
            fields={"from_refund_status": current, "to_refund_status": refund_status},
        ) from None


def hub_returns_reroute(*, hub: Hub, actor: Actor) -> list[ReturnItem]:
    """Route again every return of this brand (the connection's schema) routed to `hub`
    and not yet dropped off — found through the hub's open drop-off tasks — because `hub`
    stopped taking returns (suspended): each is unrouted (its code dies with its task) and
    routed automatically again (a new code at another hub, or the warehouse), and the
    customer told after commit. One transaction per return, so one that fails (or moved
    meanwhile: received, cancelled) leaves the others re-routed. Returns those re-routed."""
    brand = brand_of_connection()
    ids = list(
        HubTask.objects.filter(brand=brand, hub=hub, kind=HubTask.Kind.DROPOFF, status=HubTask.Status.OPEN)
        .order_by("pk")
        .values_list("return_item_id", flat=True)
    )
    done = []
    for pk in ids:
        with transaction.atomic():
            item = ReturnItem.objects.select_related("sku").filter(pk=pk).first()
            if item is None or item.status != S.ROUTED or item.hub_id != hub.pk:
                continue
            try:
                return_unroute(item=item, reason=f"{hub.name} is not taking returns any more (suspended).", actor=actor)
            except InvalidTransition:
                continue  # received or cancelled meanwhile: nothing to re-route
            return_route_auto(item=item, actor=actor)
            if item.route == Route.WAREHOUSE:
                reason = item.route_reason
                after_commit_in_brand(
                    lambda pk=item.pk, reason=reason: notify.dropoff_withdrawn(return_id=pk, reason=reason)
                )
        done.append(item)
    return done


# --- hub routing and drop-off ---

# Drop-off codes: what a customer reads out or shows, and a hub types. No 0/O, 1/I/L.
DROPOFF_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DROPOFF_CODE_LENGTH = 8
DROPOFF_CODE_VALID = timedelta(days=14)
DROPOFF_CODE_ATTEMPTS = 10
INSPECT_WITHIN = timedelta(days=1)
_CODE_RE = re.compile(rf"^[{DROPOFF_CODE_ALPHABET}]{{{DROPOFF_CODE_LENGTH}}}$")


def dropoff_code_new() -> str:
    """A random code: 31⁸ ≈ 8.5·10¹¹ possibilities, so guessing one is hopeless."""
    return "".join(secrets.choice(DROPOFF_CODE_ALPHABET) for _ in range(DROPOFF_CODE_LENGTH))


def dropoff_code_normalize(raw: str) -> str:
    """What a person types, as stored: upper case, without spaces or dashes."""
    return re.sub(r"[\s-]+", "", raw or "").upper()


def _hub_field(message: str) -> dict:
    return {"hub": [message]}


def _hub_refusal(
    *, hub: Hub | None, sku: Sku, lat: float | None, lon: float | None, customer_zip: str
) -> DomainError | None:
    """Why `hub` (as read now; None: it does not exist) cannot take a return of `sku`
    from `customer_zip` (at lat/lon), or None: it must be active and serve the ZIP, and
    the SKU must be eligible."""
    if hub is None:
        return UnknownHub("There is no such hub.", fields=_hub_field("Choose one of the active hubs."))
    if hub.status != HubStatus.ACTIVE:
        message = f"{hub.name} is not taking returns ({hub.get_status_display().lower()}). Choose an active hub."
        return HubNotActive(message, fields=_hub_field(message))
    if not sku.local_returns_enabled:
        message = (
            f"{sku.code} is not eligible for local returns. Route it to your warehouse, "
            "or turn on local returns for this SKU."
        )
        return NotLocalEligible(message, fields=_hub_field(message))
    serving = lat is not None and Hub.objects.active().serving(lat, lon).filter(pk=hub.pk).exists()
    if not serving:
        message = (
            f"{hub.name} does not serve ZIP {customer_zip}: it takes returns within "
            f"{hub.service_radius_miles} mi of {hub.zip_code}."
        )
        return HubNotServing(message, fields=_hub_field(message))
    return None


@transaction.atomic
def return_assign_to_hub(*, item: ReturnItem, hub: Hub, actor: Actor, reason: str = "") -> ReturnItem:
    """initiated → routed to `hub`: the one service that assigns a return to a hub (the
    portal, the API and the fulfillment engine call it). The hub must be active and serve
    the customer's ZIP, and the SKU must be eligible for local returns. Issues a unique
    drop-off code valid DROPOFF_CODE_VALID and opens the hub's drop-off task in the same
    transaction; a code that collides with any brand's (the unique indexes decide, also
    in a race) is drawn again."""
    RETURNS.move_for(item, S.ROUTED, {"route": Route.HUB})  # invalid_transition first
    hub = Hub.objects.filter(pk=hub.pk).first()  # its status now, not as the caller read it
    refusal = _hub_refusal(hub=hub, sku=item.sku, lat=item.lat, lon=item.lon, customer_zip=item.customer_zip)
    if refusal is not None:
        raise refusal
    reason = reason or f"Routed to {hub.name} by hand ({actor.label})."
    costs = route_costs()
    for _ in range(DROPOFF_CODE_ATTEMPTS):
        code = dropoff_code_new()
        try:
            # The move and the drop-off task it opens in one savepoint: a code already taken
            # (by any brand, or by a concurrent assignment) fails at a unique index and is
            # drawn again.
            with transaction.atomic():
                RETURNS.transition(
                    item,
                    S.ROUTED,
                    actor=actor,
                    detail=f"{reason} Drop-off code issued.",
                    task_args={"due_at": timezone.now() + DROPOFF_CODE_VALID},
                    route=Route.HUB,
                    hub=hub,
                    dropoff_code=code,
                    route_reason=reason[:300],
                    **costs,
                )
        except IntegrityError as exc:
            if not _code_taken(exc):
                raise  # not the code: a real error
            item.refresh_from_db(fields=[*ROUTE_FIELDS, "status", "updated_at"])
            continue
        ledger_return_routed(item=item)
        after_commit_in_brand(lambda: notify.dropoff_instructions(return_id=item.pk))
        return item
    raise RuntimeError(f"No unique drop-off code in {DROPOFF_CODE_ATTEMPTS} draws.")


# The unique indexes a drawn code can collide with: the hub task index's, across brands,
# and the return's own in this brand (PostgreSQL's name for `unique=True`).
_CODE_INDEXES = frozenset({"hubtask_code_unique", f"{ReturnItem._meta.db_table}_dropoff_code_key"})


def _code_taken(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) in _CODE_INDEXES


def return_receive_dropoff(*, code: str, hub: Hub, actor: Actor) -> tuple[Brand, ReturnItem]:
    """A hub receives a return by its drop-off code (see _receive_dropoff). Wrong codes —
    unknown, or another hub's — count against the member who typed them
    (closo.attempts.HUB_CODE): the one that reaches the limit, and every code while locked,
    get `too_many_attempts` (429) before any lookup. Counted after the transaction ended,
    so call this outside a transaction (pages and APIs do)."""
    who = (attempts.HUB_CODE, f"{hub.pk}:{actor.user.pk if actor.user is not None else actor.label}")
    refusal = attempts.check(who)
    if refusal is not None:
        raise refusal.error()
    try:
        return _receive_dropoff(code=code, hub=hub, actor=actor)
    except (UnknownCode, WrongHub):
        refusal = attempts.record(*who)
        if refusal is not None:
            raise refusal.error() from None
        raise


@transaction.atomic
def _receive_dropoff(*, code: str, hub: Hub, actor: Actor) -> tuple[Brand, ReturnItem]:
    """routed → dropped_off, a custody event at `hub`, the drop-off task done and an
    inspection task opened, all in one transaction, whatever schema the connection is on.
    The receiving hub must be active, checked before the code is looked up (a hub that is
    not yet vetted cannot probe codes); then the code: unknown, already received (or
    cancelled), expired, for another hub (which one is not said). Locks the drop-off task
    (the only way in from a code), then the return (LOCK_ORDER: HubTask → ReturnItem), so
    of two concurrent receipts one wins and the other is told the code was used."""
    hub = Hub.objects.get(pk=hub.pk)  # its status now, not as the caller read it
    if hub.status != HubStatus.ACTIVE:
        raise HubNotActive(
            f"{hub.name} is {hub.get_status_display().lower()}: it cannot receive returns.",
            fields={"code": ["Your hub is not active."]},
        )
    code = dropoff_code_normalize(code)
    task = None
    if _CODE_RE.match(code):
        # At most one task has a code (hubtask_code_unique), whatever its brand.
        task = lock_one(
            HubTask.objects.select_related("brand"), kind=HubTask.Kind.DROPOFF, code=code, brand__is_active=True
        )
    if task is None:
        raise UnknownCode(
            f"“{code}” is not a drop-off code we know. Check it with the customer: "
            f"codes are {DROPOFF_CODE_LENGTH} letters and digits.",
            fields={"code": ["Unknown drop-off code."]},
        )
    if task.status == HubTask.Status.DONE:
        when = date_format(timezone.localtime(task.closed_at), "M j, H:i") if task.closed_at else ""
        raise CodeUsed(
            f"This code was already used: the return was received{' on ' + when if when else ''}. "
            "Don't take the item again.",
            fields={"code": ["Already received."]},
        )
    if task.status == HubTask.Status.CANCELLED:
        raise CodeCancelled(
            "The brand cancelled this return: don't take the item. The customer should contact the brand.",
            fields={"code": ["Return cancelled."]},
        )
    now = timezone.now()
    if task.due_at is not None and task.due_at < now:
        raise CodeExpired(
            f"This code expired on {date_format(timezone.localtime(task.due_at), 'M j')}. "
            "Don't take the item: the customer should contact the brand for a new one.",
            fields={"code": ["Expired."]},
        )
    if task.hub_id != hub.pk:
        raise WrongHub(
            "This code is for another hub, not yours. Don't take the item: the customer's "
            "drop-off instructions name the hub to bring it to.",
            fields={"code": ["For another hub."]},
        )
    brand = task.brand
    with schema_context(brand.schema_name):
        item = lock_one(ReturnItem.objects.select_related("sku"), pk=task.return_item_id)
        if item is None:
            raise ReturnItem.DoesNotExist(f"The drop-off task {task.pk} indexes no return.")
        RETURNS.transition(
            item,
            S.DROPPED_OFF,
            actor=actor,
            detail=f"Received at {hub.name} with the drop-off code.",
            at_hub=hub,
            task_args={"due_at": now + INSPECT_WITHIN},
        )
        _refund_ready_if(item=item, moment=RefundReadyAt.DROPOFF, at_hub=hub, actor=actor, brand=brand)
    item.hub = hub
    return brand, item


# --- reads ---
