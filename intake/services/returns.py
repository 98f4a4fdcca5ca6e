"""Returns-platform webhooks applied: each return created and routed automatically
(fulfillment.services.returns.return_create), once."""

from __future__ import annotations

from django.db import transaction

from closo.actors import Actor, Party
from closo.exceptions import DomainError
from fulfillment.exceptions import ReturnExists
from fulfillment.models import Channel
from fulfillment.services.returns import return_create
from intake.models import Delivery, Source
from intake.returns import ReturnIn
from intake.services.deliveries import delivery_claim, delivery_finish

ALREADY = "already have it"


def _actor(source: str) -> Actor:
    return Actor(label=f"{Source(source).label} webhook", party=Party.SYSTEM)


def _create(item: ReturnIn, *, source: str) -> dict:
    return_create(
        rma_ref=item.rma_ref,
        sku_code=item.sku,
        customer_zip=item.customer_zip,
        customer_email=item.customer_email,
        customer_name=item.customer_name,
        reason=item.reason,
        channel=Channel.WEBHOOK,
        actor=_actor(source),
    )
    return {"ref": item.rma_ref, "action": "created", "reason": f"order {item.order_ref}" if item.order_ref else ""}


@transaction.atomic(durable=True)
def returns_delivery_apply(
    *, source: str, delivery_id: str, topic: str, items: list[ReturnIn], strict: bool
) -> Delivery | None:
    """Create the returns of one verified delivery; None when this delivery id was applied
    before. A return whose RMA reference exists is "already have it". With `strict` (the
    generic webhook: one return the sender built itself) any other refusal is raised —
    nothing is stored, the sender gets the 4xx and can fix and resend; otherwise (Loop: a
    return's lines, some perhaps not in the catalogue) the line is skipped with the reason."""
    delivery = delivery_claim(source=source, delivery_id=delivery_id, topic=topic)
    if delivery is None:
        return None
    lines = []
    for item in items:
        try:
            with transaction.atomic():
                lines.append(_create(item, source=source))
        except ReturnExists:
            lines.append({"ref": item.rma_ref, "action": "exists", "reason": ALREADY})
        except DomainError as exc:
            if strict:
                raise
            lines.append({"ref": item.rma_ref, "action": "skipped", "reason": exc.message[:300]})
    return delivery_finish(delivery, lines=lines)


@transaction.atomic(durable=True)
def returns_delivery_ignore(*, source: str, delivery_id: str, topic: str) -> Delivery | None:
    delivery = delivery_claim(source=source, delivery_id=delivery_id, topic=topic)
    if delivery is None:
        return None
    return delivery_finish(delivery, lines=[], outcome=Delivery.Outcome.IGNORED)
