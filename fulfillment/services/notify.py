"""Customer e-mails of the local loop, sent through Django's e-mail backend (console by
default; SMTP from the environment, docs/deployment.md).

Each function takes ids, reads the rows as they are now and sends one message; callers
schedule it with `matching.after_commit_in_brand`, so nothing is sent for a change that
rolled back, and a mail server that fails is logged without undoing the change. A row
without a customer e-mail sends nothing."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string

from brands.selectors.brands import brand_of_connection
from fulfillment.models import Allocation
from hubs.models import Hub


def _send(*, to: str, subject: str, template: str, context: dict) -> bool:
    if not to:
        return False
    brand = brand_of_connection()
    body = render_to_string(f"fulfillment/emails/{template}.txt", {"brand": brand, **context})
    send_mail(f"{brand.name}: {subject}", body, None, [to])
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
