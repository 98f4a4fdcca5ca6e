"""From a fulfillment Event (every state move writes one) to outbound deliveries.

MAPPING is the one table that says which moves are sent, as what type. The deliveries are
written in the move's own transaction (a rolled-back move sends nothing) and their first
attempt is queued after commit (django-q2 `async_task`), on the brand's schema.

The payload is built once per event, from the subject as the move left it, and the same
bytes go to every subscribed endpoint:
    {"id": "evt_…", "type": "backorder.allocated", "api_version": "2026-11-01",
     "created_at": "…", "data": {…}}
`data` holds the subject's public fields (ids, references, statuses, dates): no customer
contact details, nothing of another brand.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from fulfillment.models import Allocation, Backorder, Event, EventKind, ReturnItem, StockUnit
from inspections.models import Inspection
from webhooks.models import API_VERSION, Delivery, Endpoint, EventType

BACKORDER, RETURN, UNIT = "backorder", "return_item", "unit"

# (subject, event kind) → outbound type. Nothing else is sent.
MAPPING: dict[tuple[str, str], str] = {
    (BACKORDER, EventKind.CREATED): EventType.BACKORDER_CREATED,
    (BACKORDER, EventKind.PROMISE_CHANGED): EventType.BACKORDER_PROMISE_CHANGED,
    (BACKORDER, EventKind.ALLOCATED): EventType.BACKORDER_ALLOCATED,
    (BACKORDER, EventKind.HANDED_OFF): EventType.HANDOFF_COMPLETED,
    (RETURN, EventKind.ROUTED): EventType.RETURN_ROUTED,
    (RETURN, EventKind.DROPPED_OFF): EventType.RETURN_RECEIVED,  # at a hub
    (RETURN, EventKind.RECEIVED): EventType.RETURN_RECEIVED,  # at the brand's warehouse
    (RETURN, EventKind.INSPECTED): EventType.INSPECTION_COMPLETED,
    (RETURN, EventKind.REFUND_READY): EventType.RETURN_REFUND_READY,
    (UNIT, EventKind.RELEASED): EventType.UNIT_RELEASED,  # status "available", or "held" for review
    (UNIT, EventKind.APPROVED): EventType.UNIT_RELEASED,  # a held unit approved: now "available"
    (UNIT, EventKind.MISSING): EventType.UNIT_MISSING,
}


def _subject(event: Event) -> str | None:
    for name in (BACKORDER, RETURN, UNIT):
        if getattr(event, f"{name}_id") is not None:
            return name
    return None  # a purchase order's events are not sent


def outbound_type(event: Event) -> str | None:
    subject = _subject(event)
    return MAPPING.get((subject, event.kind)) if subject else None


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def _backorder(pk: int) -> dict:
    b = Backorder.objects.select_related("sku").get(pk=pk)
    return {
        "backorder": {
            "id": b.pk,
            "order_ref": b.order_ref,
            "sku": b.sku.code,
            "qty": b.qty,
            "status": b.status,
            "fill_source": b.fill_source,
            "placed_at": _date(b.placed_at),
            "promised_ship_by": _date(b.promised_ship_by),
            "customer_zip": b.customer_zip,
        }
    }


def _allocation(backorder_id: int) -> dict | None:
    a = Allocation.objects.filter(backorder_id=backorder_id).order_by("-pk").first()
    if a is None:
        return None
    return {
        "id": a.pk,
        "unit": a.unit_id,
        "hub": a.hub_id,
        "method": a.method,
        "status": a.status,
        "due_at": _date(a.due_at),
        "handed_off_at": _date(a.handed_off_at),
        "tracking": a.tracking,
    }


def _return(pk: int) -> dict:
    r = ReturnItem.objects.select_related("sku").get(pk=pk)
    return {
        "return": {
            "id": r.pk,
            "rma_ref": r.rma_ref,
            "sku": r.sku.code,
            "status": r.status,
            "route": r.route,
            "hub": r.hub_id,
            "disposition": r.disposition,
            "refund_status": r.refund_status,
            "routed_at": _date(r.routed_at),
            "dropped_off_at": _date(r.dropped_off_at),
            "refund_ready_at": _date(r.refund_ready_at),
        }
    }


def _unit(pk: int) -> dict:
    u = StockUnit.objects.select_related("sku", "return_item").get(pk=pk)
    return {
        "unit": {
            "id": u.pk,
            "label": u.label,
            "sku": u.sku.code,
            "hub": u.hub_id,
            "condition": u.condition,
            "status": u.status,
            "return": u.return_item_id,
            "rma_ref": u.return_item.rma_ref,
            "inspection": u.inspection_id,
            "hold_until": _date(u.hold_until),
        }
    }


def _inspection(return_id: int) -> dict | None:
    i = Inspection.objects.filter(return_item_id=return_id).first()
    if i is None:
        return None
    return {
        "id": i.pk,
        "hub": i.hub_id,
        "computed_grade": i.computed_grade,
        "final_grade": i.final_grade,
        "disposition": i.disposition,
        "started_at": _date(i.started_at),
        "submitted_at": _date(i.submitted_at),
    }


def event_data(event: Event, event_type: str) -> dict:
    """The payload's `data` for `event`, read from its subject as the move left it."""
    subject = _subject(event)
    builders: dict[str, Callable[[int], dict]] = {BACKORDER: _backorder, RETURN: _return, UNIT: _unit}
    data = builders[subject](getattr(event, f"{subject}_id"))
    if event_type in (EventType.BACKORDER_ALLOCATED, EventType.HANDOFF_COMPLETED):
        data["allocation"] = _allocation(event.backorder_id)
    if event_type == EventType.INSPECTION_COMPLETED:
        data["inspection"] = _inspection(event.return_item_id)
    data["change"] = {"from_status": event.from_status, "to_status": event.to_status, "hub": event.hub_id}
    return data


def payload_body(*, event_id: str, event_type: str, created_at, data: dict) -> str:
    """The JSON sent (compact, keys in a fixed order): signed as is, stored as is."""
    payload = {
        "id": event_id,
        "type": event_type,
        "api_version": API_VERSION,
        "created_at": created_at.isoformat(),
        "data": data,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"))


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def deliveries_for_event(*, event: Event) -> list[Delivery]:
    """One pending delivery per active endpoint subscribed to `event`'s outbound type,
    in the caller's transaction; each first attempt queued after commit."""
    event_type = outbound_type(event)
    if event_type is None:
        return []
    endpoints = list(
        Endpoint.objects.filter(is_active=True, event_types__contains=[event_type]).values_list("pk", flat=True)
    )
    if not endpoints:
        return []
    event_id = new_event_id()
    body = payload_body(
        event_id=event_id,
        event_type=event_type,
        created_at=event.created_at or timezone.now(),
        data=event_data(event, event_type),
    )
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            endpoint_id=pk,
            event_id=event_id,
            event_type=event_type,
            body=body,
            source_event=event,
            next_attempt_at=now,
        )
        for pk in endpoints
    )
    deliveries_enqueue_on_commit([d.pk for d in deliveries])
    return deliveries


def deliveries_enqueue_on_commit(delivery_ids: list[int]) -> None:
    """Queue the first attempt of each delivery when the current transaction commits."""
    schema_name = connection.schema_name

    def enqueue() -> None:
        from django_q.tasks import async_task

        for pk in delivery_ids:
            async_task("webhooks.tasks.delivery_send", schema_name, pk, task_name=f"webhook-{schema_name}-{pk}")

    transaction.on_commit(enqueue, robust=True)
