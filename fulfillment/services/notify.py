"""Customer e-mails of the local loop, sent through Django's e-mail backend (console by
default; SMTP from the environment, docs/deployment.md), each as HTML and plain text in the
brand's name, logo and colour, with a signed link to the customer's status page
(fulfillment/customer.py), and logged in the brand's e-mail log (EmailLog, /emails/).

Each public function takes ids, reads the rows as they are now and sends one message;
callers schedule it with `events.after_commit_in_brand`, so nothing is sent for a change
that rolled back. A mail server that fails is logged (EmailLog outcome "failed" with the
error) and never raised, so the change that asked for the e-mail stands. A row without a
customer e-mail sends nothing.

The `*_message` builders take rows (saved or not) and say what would be sent: the portal's
previews render them with sample rows (fulfillment/email_samples.py)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from brands.models import Brand
from brands.selectors.brands import brand_of_connection
from fulfillment.customer import branding, status_url
from fulfillment.models import (
    Allocation,
    Backorder,
    BackorderStatus,
    EmailLog,
    Event,
    EventKind,
    Promise,
    ReturnItem,
    ReturnStatus,
)
from fulfillment.qr import qr_png
from hubs.models import Hub, HubTask

logger = logging.getLogger(__name__)
Kind = EmailLog.Kind


@dataclass
class Message:
    """One customer e-mail before rendering: its kind (the template's name), recipient,
    subject (without the brand prefix), template context and the row it is about."""

    kind: str
    to: str
    subject: str
    context: dict
    backorder: Backorder | None = None
    return_item: ReturnItem | None = None
    attachments: tuple = field(default=())  # (filename, content, mimetype)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    status_url: str


def render(message: Message, *, brand: Brand, link: str | None = None) -> Rendered:
    """Subject, text and HTML of `message` in `brand`'s name and colours. `link`: the status
    page's address (default: a signed link to the message's saved row)."""
    if link is None:
        if message.backorder is not None:
            link = status_url(brand=brand, backorder_id=message.backorder.pk)
        else:
            link = status_url(brand=brand, return_id=message.return_item.pk)
    subject = f"{brand.name}: {message.subject}"
    context = {"brand": brand, **branding(brand), "status_url": link, "subject": subject, **message.context}
    text = render_to_string(f"fulfillment/emails/{message.kind}.txt", context)
    html = render_to_string(f"fulfillment/emails/{message.kind}.html", context)
    return Rendered(subject=subject, text=text, html=html, status_url=link)


def _send(message: Message) -> bool:
    """Render, send and log `message`; False when there is no address or the server failed."""
    if not message.to:
        return False
    brand = brand_of_connection()
    rendered = render(message, brand=brand)
    mail = EmailMultiAlternatives(rendered.subject, rendered.text, None, [message.to])
    mail.attach_alternative(rendered.html, "text/html")
    for attachment in message.attachments:
        mail.attach(*attachment)
    outcome, error = EmailLog.Outcome.SENT, ""
    try:
        mail.send()
    except Exception as exc:  # any transport failure (SMTP, DNS, TLS, timeout) is logged, not raised
        logger.exception("Customer e-mail %s to %s failed", message.kind, message.to)
        outcome, error = EmailLog.Outcome.FAILED, f"{type(exc).__name__}: {exc}"[:500]
    EmailLog.objects.create(
        kind=message.kind,
        to=message.to,
        subject=rendered.subject[:300],
        backorder=message.backorder,
        return_item=message.return_item,
        outcome=outcome,
        error=error,
    )
    return outcome == EmailLog.Outcome.SENT


# --- backorders ---


def backorder_confirmed_message(*, backorder: Backorder) -> Message:
    """ "We have your backorder": what was ordered and the ship-by date promised."""
    return Message(
        kind=Kind.BACKORDER_CONFIRMED,
        to=backorder.customer_email,
        subject=f"your {backorder.sku.title} is on backorder",
        context={"backorder": backorder},
        backorder=backorder,
    )


def backorder_confirmed(*, backorder_id: int) -> bool:
    """Sent when a backorder with a customer e-mail is created. Nothing is sent when it is
    no longer open by then (cancelled in the meantime)."""
    backorder = Backorder.objects.select_related("sku").get(pk=backorder_id)
    if backorder.status not in (BackorderStatus.WAITING, BackorderStatus.ALLOCATED):
        return False
    return _send(backorder_confirmed_message(backorder=backorder))


def unit_found_message(*, allocation: Allocation, hub: Hub) -> Message:
    backorder = allocation.backorder
    return Message(
        kind=Kind.UNIT_FOUND,
        to=backorder.customer_email,
        subject=f"your {backorder.sku.title} is ready near you",
        context={"allocation": allocation, "backorder": backorder, "hub": hub},
        backorder=backorder,
    )


def unit_found(*, allocation_id: int) -> bool:
    """ "A unit was found near you": the pickup place, its hours, the code and the due date."""
    allocation = Allocation.objects.select_related("backorder__sku", "unit").get(pk=allocation_id)
    return _send(unit_found_message(allocation=allocation, hub=Hub.objects.get(pk=allocation.hub_id)))


def handed_off_message(*, allocation: Allocation, hub: Hub) -> Message:
    backorder = allocation.backorder
    picked_up = allocation.method == Allocation.Method.PICKUP
    subject = (
        f"you picked up your {backorder.sku.title}"
        if picked_up
        else f"your {backorder.sku.title} is on its way (tracking {allocation.tracking})"
    )
    return Message(
        kind=Kind.HANDED_OFF,
        to=backorder.customer_email,
        subject=subject,
        context={"allocation": allocation, "backorder": backorder, "hub": hub, "picked_up": picked_up},
        backorder=backorder,
    )


def handed_off(*, allocation_id: int) -> bool:
    """ "Handed off": picked up at the hub, or on its way with a courier or a carrier (with
    the tracking number)."""
    allocation = Allocation.objects.select_related("backorder__sku", "unit").get(pk=allocation_id)
    return _send(handed_off_message(allocation=allocation, hub=Hub.objects.get(pk=allocation.hub_id)))


def allocation_expired_message(*, allocation: Allocation, hub: Hub) -> Message:
    backorder = allocation.backorder
    return Message(
        kind=Kind.ALLOCATION_EXPIRED,
        to=backorder.customer_email,
        subject=f"your pickup window for {backorder.sku.title} passed",
        context={"allocation": allocation, "backorder": backorder, "hub": hub},
        backorder=backorder,
    )


def allocation_expired(*, allocation_id: int) -> bool:
    """ "Your pickup window passed": the hold on the unit ended and the order is back in
    the queue (the customer hears again when another unit is found)."""
    allocation = Allocation.objects.select_related("backorder__sku", "unit").get(pk=allocation_id)
    return _send(allocation_expired_message(allocation=allocation, hub=Hub.objects.get(pk=allocation.hub_id)))


_SLIP_REASONS = {
    "local_unit": "a unit nearby will be handed over to you.",
    "local_return": "fewer Like-New returns than expected reached the hubs near you.",
    "restock": "the restock it waits for is running later than planned.",
    "none": "fewer units than expected reached us, near you and at the warehouse.",
}


def promise_changed_message(*, backorder: Backorder, before: dt.date, source: str) -> Message:
    subject = (
        f"your {backorder.sku.title} now ships by {backorder.promised_ship_by:%b %-d}"
        if backorder.promised_ship_by
        else f"a new ship date for your {backorder.sku.title}"
    )
    return Message(
        kind=Kind.PROMISE_CHANGED,
        to=backorder.customer_email,
        subject=subject,
        context={"backorder": backorder, "before": before, "reason": _SLIP_REASONS.get(source, _SLIP_REASONS["none"])},
        backorder=backorder,
    )


def promise_changed(*, backorder_id: int, before) -> bool:
    """ "Your ship date moved": the date the customer was told (`before`), the new one (or
    that no date can be promised now) and why, from the newest promise's source. Nothing is
    sent once the backorder is no longer waiting (a unit was found meanwhile)."""
    backorder = Backorder.objects.select_related("sku").get(pk=backorder_id)
    if backorder.status != BackorderStatus.WAITING:
        return False
    current = Promise.objects.filter(backorder=backorder).order_by("-created_at", "-pk").first()
    source = current.source if current is not None else "none"
    return _send(promise_changed_message(backorder=backorder, before=before, source=source))


# --- returns ---


def dropoff_instructions_message(*, item: ReturnItem, due_at: dt.datetime | None, replaces: str = "") -> Message:
    return Message(
        kind=Kind.DROPOFF_INSTRUCTIONS,
        to=item.customer_email,
        subject=f"where to drop off your {item.sku.title}",
        context={
            "item": item,
            "hub": item.hub,
            "due_at": due_at,
            "replaces": replaces,
            "code_display": f"{item.dropoff_code[:4]}-{item.dropoff_code[4:]}",
            "valid_until": f"Valid until {timezone.localtime(due_at):%A, %B %-d}." if due_at else "",
        },
        return_item=item,
        attachments=((f"dropoff-code-{item.dropoff_code}.png", qr_png(item.dropoff_code), "image/png"),),
    )


def dropoff_instructions(*, return_id: int) -> bool:
    """ "Drop-off instructions": the hub's name, address and hours, the code (in the text,
    and as a QR code in an attached PNG the hub can scan from the customer's phone; the
    status page shows it too), and until when it is valid. Sent when a return is routed to
    a hub (by hand, automatically, or again after its route was withdrawn: then it says why
    the old code is void). Nothing is sent for a return no longer routed to a hub
    (re-routed or cancelled since)."""
    item = ReturnItem.objects.select_related("sku", "hub").get(pk=return_id)
    if item.status != ReturnStatus.ROUTED or item.hub is None or not item.dropoff_code:
        return False
    task = HubTask.objects.filter(kind=HubTask.Kind.DROPOFF, code=item.dropoff_code).only("due_at").first()
    withdrawn = Event.objects.filter(return_item=item, kind=EventKind.UNROUTED).order_by("-pk").first()
    return _send(
        dropoff_instructions_message(
            item=item, due_at=task.due_at if task else None, replaces=withdrawn.detail if withdrawn else ""
        )
    )


def dropoff_withdrawn_message(*, item: ReturnItem, reason: str) -> Message:
    return Message(
        kind=Kind.DROPOFF_WITHDRAWN,
        to=item.customer_email,
        subject=f"a change to your {item.sku.title} return",
        context={"item": item, "reason": reason},
        return_item=item,
    )


def dropoff_withdrawn(*, return_id: int, reason: str) -> bool:
    """ "Your drop-off changed": the hub the customer was sent to cannot take the return
    any more and no other hub can; the brand's warehouse takes it (the brand sends the
    shipping instructions, as for any warehouse return)."""
    item = ReturnItem.objects.select_related("sku").get(pk=return_id)
    return _send(dropoff_withdrawn_message(item=item, reason=reason))


def refund_ready_message(*, item: ReturnItem) -> Message:
    return Message(
        kind=Kind.REFUND_READY,
        to=item.customer_email,
        subject=f"your refund for the {item.sku.title} is ready",
        context={"item": item},
        return_item=item,
    )


def refund_ready(*, return_id: int) -> bool:
    """ "Your refund is ready": the return met the brand's refund rule (received at a hub,
    inspected, or at the warehouse). Nothing is sent when the refund was denied since."""
    item = ReturnItem.objects.select_related("sku").get(pk=return_id)
    if item.refund_status not in (ReturnItem.RefundStatus.READY, ReturnItem.RefundStatus.REFUNDED):
        return False
    return _send(refund_ready_message(item=item))
