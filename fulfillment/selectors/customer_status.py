"""What a customer's status page shows (fulfillment/views/customer_status.py): one backorder
or one return, as its customer may see it — never internal notes, actors, other customers or
hub members. A fixed number of queries, however long the history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fulfillment.models import Allocation, Backorder, BackorderStatus, Event, EventKind, ReturnItem, ReturnStatus
from hubs.models import Hub, HubTask


@dataclass(frozen=True)
class PromiseStep:
    at: dt.datetime
    ship_by: dt.date | None
    note: str


@dataclass
class BackorderView:
    backorder: Backorder
    promises: list[PromiseStep] = field(default_factory=list)  # oldest first; the last is current
    allocation: Allocation | None = None  # the active (pickup pending) or the handed-off one
    hub: Hub | None = None

    @property
    def awaiting_pickup(self) -> bool:
        return (
            self.allocation is not None
            and self.allocation.status == Allocation.Status.ACTIVE
            and self.allocation.method == Allocation.Method.PICKUP
        )

    @property
    def headline(self) -> str:
        status = self.backorder.status
        if status == BackorderStatus.ALLOCATED:
            return "Ready for pickup" if self.awaiting_pickup else "On its way to you"
        if status in (BackorderStatus.HANDED_OFF, BackorderStatus.FULFILLED):
            if self.allocation is not None and self.allocation.method == Allocation.Method.PICKUP:
                return "Picked up"
            return "On its way to you" if status == BackorderStatus.HANDED_OFF else "Delivered"
        if status in (BackorderStatus.CANCELLED, BackorderStatus.REFUNDED):
            return "Cancelled" if status == BackorderStatus.CANCELLED else "Refunded"
        return "On backorder"


def backorder_status_view(*, backorder_id: int) -> BackorderView | None:
    """The backorder with its SKU, its promise history (the date given at creation, then
    each move) and its current or completed hand-off with the hub: four queries."""
    backorder = Backorder.objects.select_related("sku").filter(pk=backorder_id).first()
    if backorder is None:
        return None
    view = BackorderView(backorder=backorder)
    events = Event.objects.filter(
        backorder=backorder, kind__in=(EventKind.CREATED, EventKind.PROMISE_CHANGED)
    ).order_by("created_at", "pk")
    for event in events.only("kind", "data", "created_at"):
        data = event.data or {}
        if event.kind == EventKind.CREATED:
            view.promises.append(PromiseStep(event.created_at, _date(data.get("promised_ship_by")), "Order placed"))
        else:
            view.promises.append(PromiseStep(event.created_at, _date(data.get("to")), "Ship date moved"))
    if not view.promises:  # created before events carried the promise
        view.promises.append(PromiseStep(backorder.placed_at, backorder.promised_ship_by, "Order placed"))
    view.allocation = (
        Allocation.objects.select_related("hub")
        .filter(backorder=backorder, status__in=(Allocation.Status.ACTIVE, Allocation.Status.HANDED_OFF))
        .order_by("-created_at", "-pk")
        .first()
    )
    view.hub = view.allocation.hub if view.allocation is not None else None
    return view


@dataclass
class ReturnView:
    item: ReturnItem
    hub: Hub | None = None
    due_at: dt.datetime | None = None

    @property
    def awaiting_dropoff(self) -> bool:
        return self.item.status == ReturnStatus.ROUTED and self.hub is not None and bool(self.item.dropoff_code)

    @property
    def code_display(self) -> str:
        code = self.item.dropoff_code or ""
        return f"{code[:4]}-{code[4:]}"

    @property
    def headline(self) -> str:
        item = self.item
        if item.status == ReturnStatus.CANCELLED:
            return "Cancelled"
        if self.awaiting_dropoff:
            return "Ready to drop off"
        if item.status in (ReturnStatus.INITIATED, ReturnStatus.ROUTED):
            return "Ship it to us" if item.route == ReturnItem.Route.WAREHOUSE else "Return started"
        return "We have your return"


def return_status_view(*, return_id: int) -> ReturnView | None:
    """The return with its SKU and hub, and the drop-off's due date: two queries."""
    item = ReturnItem.objects.select_related("sku", "hub").filter(pk=return_id).first()
    if item is None:
        return None
    view = ReturnView(item=item, hub=item.hub)
    if view.awaiting_dropoff:
        task = HubTask.objects.filter(kind=HubTask.Kind.DROPOFF, code=item.dropoff_code).only("due_at").first()
        view.due_at = task.due_at if task else None
    return view


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
