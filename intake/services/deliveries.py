"""The record of deliveries: claiming a delivery id (the dedupe) and pruning old ones."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from intake.models import Delivery

logger = logging.getLogger(__name__)


def delivery_claim(*, source: str, delivery_id: str, topic: str) -> Delivery | None:
    """Insert the delivery's row, or None when this (source, id) is already recorded.
    Must run inside the transaction that applies the delivery: the unique index holds a
    concurrent insert of the same id until this transaction ends, so of ten concurrent
    deliveries one applies it and nine get None (or, if it rolls back, the next applies it)."""
    if not connection.in_atomic_block:
        raise RuntimeError("delivery_claim() must run inside the transaction that applies the delivery.")
    try:
        with transaction.atomic():
            return Delivery.objects.create(source=source, delivery_id=delivery_id[:120], topic=topic[:64])
    except IntegrityError:
        return None


def delivery_seen(*, source: str, delivery_id: str) -> bool:
    """A quick read before the transaction: a redelivery answers at once."""
    return Delivery.objects.filter(source=source, delivery_id=delivery_id[:120]).exists()


def delivery_finish(delivery: Delivery, *, lines: list[dict], outcome: str = Delivery.Outcome.PROCESSED) -> Delivery:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line["action"]] = counts.get(line["action"], 0) + 1
    delivery.lines = lines
    delivery.outcome = outcome
    delivery.summary = ", ".join(f"{n} {action}" for action, n in counts.items()) or outcome
    delivery.save(update_fields=["lines", "outcome", "summary"])
    return delivery


def deliveries_prune(*, now: dt.datetime | None = None) -> int:
    """Delete this brand's delivery rows older than INTAKE_RETENTION_DAYS; how many.
    A delivery id redelivered after that is applied again (Shopify retries for 48 hours)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.INTAKE_RETENTION_DAYS)
    deleted, _ = Delivery.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def deliveries_prune_all(*, now: dt.datetime | None = None) -> int:
    """deliveries_prune in every brand's schema (the daily django-q2 schedule `intake
    prune`, created by intake_schedule_ensure). A brand that fails is logged and skipped."""
    total = 0
    for schema in Brand.objects.exclude(schema_name="public").values_list("schema_name", flat=True):
        try:
            with schema_context(schema):
                total += deliveries_prune(now=now)
        except Exception:
            logger.exception("Pruning the webhook deliveries of %s failed.", schema)
    return total


SCHEDULE_NAME = "intake: prune webhook deliveries"
SCHEDULE_FUNC = "intake.tasks.deliveries_prune_task"


def intake_schedule_ensure() -> bool:
    """The daily django-q2 schedule that prunes old deliveries, created once (by
    `migrate`); True if it was created now. Public schema."""
    from django_q.models import Schedule

    _, created = Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": SCHEDULE_FUNC, "schedule_type": Schedule.DAILY, "repeats": -1},
    )
    return created
