"""Shopify order webhooks applied: backorders created for out-of-stock lines, cancelled
with their order or line. One delivery = one transaction: its dedupe row, its
backorders and its log line commit together or not at all."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Count, Q

from closo.actors import Actor, Party
from closo.exceptions import DomainError
from fulfillment.exceptions import BackorderExists
from fulfillment.models import OPEN_BACKORDER_STATUSES, Backorder, BackorderStatus, Channel, Sku
from fulfillment.services.backorders import backorder_cancel, backorder_create
from intake import shopify
from intake.models import Delivery, Source
from intake.services.deliveries import delivery_claim, delivery_finish

logger = logging.getLogger(__name__)

ACTOR = Actor(label="Shopify webhook", party=Party.SYSTEM)


def _free_stock(codes: set[str]) -> tuple[dict[str, int], set[str]]:
    """({code: available_qty − waiting backorders}, known codes) for `codes`: "in stock"
    as the availability check decides it (fulfillment.selectors.availability)."""
    rows = Sku.objects.filter(code__in=codes).annotate(
        waiting=Count("backorders", filter=Q(backorders__status=BackorderStatus.WAITING))
    )
    free = {sku.code: sku.available_qty - sku.waiting for sku in rows}
    return free, set(free)


def _line(step: shopify.Step, action: str, reason: str) -> dict:
    return {"ref": step.ref, "action": action, "reason": reason[:300]}


def _why(exc: DomainError) -> str:
    """The refusal as a log line: a summary ("Some fields are invalid: qty.") becomes each
    field's first problem ("qty: A whole number from 1 to 32,767.")."""
    details = "; ".join(f"{field}: {problems[0]}" for field, problems in exc.fields.items() if problems)
    return details if details and exc.message.startswith("Some fields are invalid") else exc.message


def _create(order: shopify.Order, step: shopify.Step) -> dict:
    line = step.line
    try:
        backorder_create(
            order_ref=step.ref,
            sku_code=line.sku,
            qty=line.qty,
            value=line.value,
            customer_zip=order.zip,
            customer_email=order.email,
            customer_name=order.customer_name,
            placed_at=order.placed_at,
            consent_local_return=order.consent,
            channel=Channel.WEBHOOK,
            actor=ACTOR,
        )
    except BackorderExists:
        return _line(step, "skipped", "already a backorder")
    except DomainError as exc:  # region not allowed, consent required, cap reached…
        return _line(step, "skipped", _why(exc))
    return _line(step, "created", step.reason)


def _cancel(backorder: Backorder, reason: str) -> dict:
    step = {"ref": backorder.order_ref, "action": "cancelled", "reason": reason}
    try:
        backorder_cancel(backorder=backorder, reason=reason, actor=ACTOR)
    except DomainError as exc:  # handed off meanwhile: too late to cancel here
        return {**step, "action": "skipped", "reason": f"not cancelled: {exc.message}"[:300]}
    return step


def _open_backorders(order_id: str) -> list[Backorder]:
    return list(
        Backorder.objects.filter(
            order_ref__startswith=shopify.order_ref_prefix(order_id), status__in=OPEN_BACKORDER_STATUSES
        ).order_by("pk")
    )


@transaction.atomic(durable=True)
def shopify_delivery_apply(*, webhook_id: str, topic: str, order: shopify.Order) -> Delivery | None:
    """Apply one verified `orders/*` delivery; None when this webhook id was applied
    before (then nothing is done). orders/create: a backorder per out-of-stock line;
    orders/updated: also cancels the backorders of lines no longer in the order;
    orders/cancelled: cancels the order's open backorders. A line the backorder rules
    refuse (region, consent, cap) is skipped with the reason, never failing the others."""
    delivery = delivery_claim(source=Source.SHOPIFY, delivery_id=webhook_id, topic=topic)
    if delivery is None:
        return None
    lines: list[dict] = []
    if topic == shopify.TOPIC_CANCEL:
        for backorder in _open_backorders(order.order_id):
            lines.append(_cancel(backorder, f"The Shopify order {order.name or order.order_id} was cancelled."))
        return delivery_finish(delivery, lines=lines)
    free, known = _free_stock({line.sku for line in order.lines if line.sku})
    refs = dict(
        Backorder.objects.filter(order_ref__startswith=shopify.order_ref_prefix(order.order_id)).values_list(
            "order_ref", "status"
        )
    )
    if topic == shopify.TOPIC_UPDATE:
        open_refs = {ref for ref, status in refs.items() if status in OPEN_BACKORDER_STATUSES}
        plan = shopify.plan_update(order, free=free, known=known, open_refs=open_refs, existing=set(refs))
    else:
        plan = shopify.plan_lines(order, free=free, known=known, existing=set(refs))
    to_cancel = {step.ref for step in plan.steps if step.action == shopify.CANCEL}
    cancelling = {b.order_ref: b for b in _open_backorders(order.order_id) if b.order_ref in to_cancel}
    for step in plan.steps:
        if step.action == shopify.CREATE:
            lines.append(_create(order, step))
        elif step.action == shopify.CANCEL:
            lines.append(_cancel(cancelling[step.ref], step.reason))
        else:
            lines.append(_line(step, "skipped", step.reason))
    return delivery_finish(delivery, lines=lines)


@transaction.atomic(durable=True)
def shopify_delivery_ignore(*, webhook_id: str, topic: str) -> Delivery | None:
    """A verified delivery of a topic we do not act on: logged as ignored (once)."""
    delivery = delivery_claim(source=Source.SHOPIFY, delivery_id=webhook_id, topic=topic)
    if delivery is None:
        return None
    logger.info("Shopify webhook %s (%s) ignored: not an order topic Closo acts on.", webhook_id, topic)
    return delivery_finish(delivery, lines=[], outcome=Delivery.Outcome.IGNORED)
