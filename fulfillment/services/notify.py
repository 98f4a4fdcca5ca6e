"""Customer e-mails of the local loop, sent through Django's e-mail backend (console by
default; SMTP from the environment, docs/deployment.md).

Each function takes ids, reads the rows as they are now and sends one message; callers
schedule it with `events.after_commit_in_brand`, so nothing is sent for a change that
rolled back, and a mail server that fails is logged without undoing the change. A row
without a customer e-mail sends nothing."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from brands.selectors.brands import brand_of_connection
from fulfillment.models import (
    Allocation,
    Backorder,
    BackorderStatus,
    Event,
    EventKind,
    Promise,
    ReturnItem,
    ReturnStatus,
)
from fulfillment.qr import qr_png
from hubs.models import Hub, HubTask


def _send(*, to: str, subject: str, template: str, context: dict, attachments: tuple = ()) -> bool:
    """`attachments`: (filename, content, mimetype) triples, e.g. a QR code's PNG."""
    if not to:
        return False
    brand = brand_of_connection()
    body = render_to_string(f"fulfillment/emails/{template}.txt", {"brand": brand, **context})
    EmailMessage(f"{brand.name}: {subject}", body, None, [to], attachments=list(attachments)).send()
    return True


def unit_found(*, allocation_id: int) -> bool:
    """ "A unit was found near you": the pickup place, its hours, the code and the due date."""
    allocation = Allocation.objects.select_related("backorder__sku", "unit").get(pk=allocation_id)
    backorder = allocation.backorder
    hub = Hub.objects.get(pk=allocation.hub_id)
    return _send(
        to=backorder.customer_email,
        subject=f"your {backorder.sku.title} is ready near you",
        template="unit_found",
        context={"allocation": allocation, "backorder": backorder, "hub": hub},
    )


def handed_off(*, allocation_id: int) -> bool:
    """ "Handed off": picked up at the hub, or on its way with a courier or a carrier (with
    the tracking number)."""
    allocation = Allocation.objects.select_related("backorder__sku", "unit").get(pk=allocation_id)
    backorder = allocation.backorder
    hub = Hub.objects.get(pk=allocation.hub_id)
    picked_up = allocation.method == Allocation.Method.PICKUP
    subject = (
        f"you picked up your {backorder.sku.title}"
        if picked_up
        else f"your {backorder.sku.title} is on its way (tracking {allocation.tracking})"
    )
    return _send(
        to=backorder.customer_email,
        subject=subject,
        template="handed_off",
        context={"allocation": allocation, "backorder": backorder, "hub": hub, "picked_up": picked_up},
    )


def allocation_expired(*, allocation_id: int) -> bool:
    """ "Your pickup window passed": the hold on the unit ended and the order is back in
    the queue (the customer hears again when another unit is found)."""
    allocation = Allocation.objects.select_related("backorder__sku", "unit").get(pk=allocation_id)
    backorder = allocation.backorder
    hub = Hub.objects.get(pk=allocation.hub_id)
    return _send(
        to=backorder.customer_email,
        subject=f"your pickup window for {backorder.sku.title} passed",
        template="allocation_expired",
        context={"allocation": allocation, "backorder": backorder, "hub": hub},
    )


_SLIP_REASONS = {
    "local_unit": "a unit nearby will be handed over to you.",
    "local_return": "fewer Like-New returns than expected reached the hubs near you.",
    "restock": "the restock it waits for is running later than planned.",
    "none": "fewer units than expected reached us, near you and at the warehouse.",
}


def promise_changed(*, backorder_id: int, before) -> bool:
    """ "Your ship date moved": the date the customer was told (`before`), the new one (or
    that no date can be promised now) and why, from the newest promise's source. Nothing is
    sent once the backorder is no longer waiting (a unit was found meanwhile)."""
    backorder = Backorder.objects.select_related("sku").get(pk=backorder_id)
    if backorder.status != BackorderStatus.WAITING:
        return False
    current = Promise.objects.filter(backorder=backorder).order_by("-created_at", "-pk").first()
    source = current.source if current is not None else "none"
    subject = (
        f"your {backorder.sku.title} now ships by {backorder.promised_ship_by:%b %-d}"
        if backorder.promised_ship_by
        else f"a new ship date for your {backorder.sku.title}"
    )
    return _send(
        to=backorder.customer_email,
        subject=subject,
        template="promise_changed",
        context={"backorder": backorder, "before": before, "reason": _SLIP_REASONS.get(source, _SLIP_REASONS["none"])},
    )


def dropoff_instructions(*, return_id: int) -> bool:
    """ "Drop-off instructions": the hub's name, address and hours, the code (in the text,
    and as a QR code in an attached PNG the hub can scan from the customer's phone), and
    until when it is valid. Sent when a return is routed to a hub (by hand, automatically,
    or again after its route was withdrawn: then it says why the old code is void).
    Nothing is sent for a return no longer routed to a hub (re-routed or cancelled since)."""
    item = ReturnItem.objects.select_related("sku", "hub").get(pk=return_id)
    if item.status != ReturnStatus.ROUTED or item.hub is None or not item.dropoff_code:
        return False
    task = HubTask.objects.filter(kind=HubTask.Kind.DROPOFF, code=item.dropoff_code).only("due_at").first()
    withdrawn = Event.objects.filter(return_item=item, kind=EventKind.UNROUTED).order_by("-pk").first()
    return _send(
        to=item.customer_email,
        subject=f"where to drop off your {item.sku.title}",
        template="dropoff_instructions",
        context={
            "item": item,
            "hub": item.hub,
            "due_at": task.due_at if task else None,
            "replaces": withdrawn.detail if withdrawn else "",
        },
        attachments=((f"dropoff-code-{item.dropoff_code}.png", qr_png(item.dropoff_code), "image/png"),),
    )


def dropoff_withdrawn(*, return_id: int, reason: str) -> bool:
    """ "Your drop-off changed": the hub the customer was sent to cannot take the return
    any more and no other hub can; the brand's warehouse takes it (the brand sends the
    shipping instructions, as for any warehouse return)."""
    item = ReturnItem.objects.select_related("sku").get(pk=return_id)
    return _send(
        to=item.customer_email,
        subject=f"a change to your {item.sku.title} return",
        template="dropoff_withdrawn",
        context={"item": item, "reason": reason},
    )
