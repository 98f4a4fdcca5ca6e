"""Sending deliveries: an attempt, its record, retries with backoff, disabling a failing
endpoint, redelivering by hand and the test event.

An attempt is three steps, so that no transaction is open during the HTTP call:
1. claim (its own transaction): the delivery moves pending → sending with a conditional
   UPDATE (DELIVERIES), so two workers never send one delivery at once; `next_attempt_at`
   becomes the lease's end, after which a claim that died mid-send is taken over;
2. POST (webhooks.network: SSRF-checked again, no redirects, a timeout);
3. record (its own transaction): the Attempt row, the delivery → delivered, or pending
   with the next retry due (backoff: WEBHOOKS_BACKOFF_BASE_SECONDS × 2^(n−1), capped at
   WEBHOOKS_BACKOFF_CAP_SECONDS; failed after WEBHOOKS_MAX_ATTEMPTS), the endpoint's
   failure count (F()), and the endpoint disabled after WEBHOOKS_DISABLE_AFTER_FAILURES
   failures in a row, its brand's admins e-mailed after commit.

A retry is a django-q2 schedule of type ONCE with `next_run` at the due time, created
after the record commits (django-q2 deletes it once run). The schedule only wakes the
task: the claim checks the time and the status, so a schedule that fires twice or early
sends nothing extra.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import time

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import WRITE_ROLES, Brand, BrandMembership
from brands.selectors.brands import brand_of_connection
from closo.actors import Actor
from closo.exceptions import InvalidTransition
from fulfillment.services.events import after_commit_in_brand
from webhooks import network
from webhooks.machines import DELIVERIES
from webhooks.models import PING, Attempt, Delivery, Endpoint
from webhooks.services.endpoints import endpoint_disable
from webhooks.services.events import new_event_id, payload_body

S = Delivery.Status
SENDER = Actor.system("webhooks")
LEASE_SLACK = datetime.timedelta(seconds=60)


def _setting(name: str, default):
    return getattr(settings, name, default)


def timeout_seconds() -> float:
    return float(_setting("WEBHOOKS_TIMEOUT_SECONDS", 10))


def max_attempts() -> int:
    return int(_setting("WEBHOOKS_MAX_ATTEMPTS", 8))


def disable_after() -> int:
    return int(_setting("WEBHOOKS_DISABLE_AFTER_FAILURES", 15))


def backoff(attempt: int) -> datetime.timedelta:
    """The wait after failed attempt number `attempt` (1, 2, …): 1 min, 2, 4, … capped."""
    base = float(_setting("WEBHOOKS_BACKOFF_BASE_SECONDS", 60))
    cap = float(_setting("WEBHOOKS_BACKOFF_CAP_SECONDS", 3600))
    return datetime.timedelta(seconds=min(base * 2 ** (attempt - 1), cap))


def signature_header(*, secret: str, body: str, timestamp: int) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _claim(*, delivery_id: int, manual: bool, actor: Actor, now: datetime.datetime) -> Delivery | None:
    """Step 1. Automatic: only a due, pending delivery of an active endpoint (else None).
    Manual: any delivery not being sent right now (InvalidTransition, 409, if it is)."""
    with transaction.atomic(durable=True):
        delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
        if delivery is None:
            return None
        lease = now + datetime.timedelta(seconds=timeout_seconds()) + LEASE_SLACK
        if delivery.status == S.SENDING and delivery.next_attempt_at and delivery.next_attempt_at <= now:
            # The worker that claimed it died mid-send: take it over.
            DELIVERIES.transition(delivery, S.PENDING, actor=SENDER, next_attempt_at=now)
        if not manual:
            if delivery.status != S.PENDING or (delivery.next_attempt_at and delivery.next_attempt_at > now):
                return None
            if not delivery.endpoint.is_active:
                DELIVERIES.transition(delivery, S.FAILED, actor=actor)
                return None
        try:
            DELIVERIES.transition(delivery, S.SENDING, actor=actor, next_attempt_at=lease)
        except InvalidTransition:
            if manual:
                raise
            return None  # another worker claimed it first
        return delivery


def _disabled_notice_on_commit(*, endpoint: Endpoint, failures: int) -> None:
    """E-mail the brand's owners and admins that `endpoint` was disabled, after commit."""
    endpoint_id, url = endpoint.pk, endpoint.url

    def send() -> None:
        brand = brand_of_connection()
        admins = list(
            BrandMembership.objects.filter(brand=brand, role__in=WRITE_ROLES, user__is_active=True)
            .order_by("user__email")
            .values_list("user__email", flat=True)
        )
        if not admins:
            return
        link = f"https://{brand.host}{reverse('webhook_detail', args=[endpoint_id])}"
        body = render_to_string(
            "webhooks/emails/endpoint_disabled.txt",
            {"brand": brand, "url": url, "failures": failures, "link": link},
        )
        send_mail(f"{brand.name}: webhook endpoint disabled", body, None, admins)

    after_commit_in_brand(send)


def _schedule_retry_on_commit(*, delivery_id: int, when: datetime.datetime) -> None:
    schema_name = connection.schema_name

    def schedule_it() -> None:
        from django_q.models import Schedule
        from django_q.tasks import schedule

        schedule(
            "webhooks.tasks.delivery_send",
            schema_name,
            delivery_id,
            schedule_type=Schedule.ONCE,
            next_run=when,
        )

    transaction.on_commit(schedule_it, robust=True)


def _record(
    *,
    delivery: Delivery,
    outcome: network.Outcome,
    trigger: str,
    started_at: datetime.datetime,
    actor: Actor,
) -> Attempt:
    """Step 3: the attempt, the delivery's next state, the endpoint's failure count."""
    with transaction.atomic(durable=True):
        now = timezone.now()
        number = delivery.attempt_count + 1  # this claim is the only writer while sending
        Delivery.objects.filter(pk=delivery.pk).update(
            attempt_count=F("attempt_count") + 1, last_attempt_at=started_at, last_response_code=outcome.response_code
        )
        endpoint = delivery.endpoint
        next_retry_at = None
        if outcome.succeeded:
            Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
            DELIVERIES.transition(delivery, S.SUCCEEDED, actor=actor)
        else:
            Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
            endpoint.refresh_from_db(fields=["consecutive_failures", "is_active"])
            if endpoint.is_active and endpoint.consecutive_failures >= disable_after():
                reason = f"Disabled after {endpoint.consecutive_failures} failed attempts in a row."
                if endpoint_disable(endpoint=endpoint, reason=reason, actor=SENDER):
                    _disabled_notice_on_commit(endpoint=endpoint, failures=endpoint.consecutive_failures)
                endpoint.refresh_from_db(fields=["is_active"])
            retries_left = delivery.event_type != PING and number < max_attempts()
            if retries_left and endpoint.is_active:
                next_retry_at = now + backoff(number)
                DELIVERIES.transition(delivery, S.PENDING, actor=actor, next_attempt_at=next_retry_at)
                _schedule_retry_on_commit(delivery_id=delivery.pk, when=next_retry_at)
            else:
                DELIVERIES.transition(delivery, S.FAILED, actor=actor)
        return Attempt.objects.create(
            delivery=delivery,
            number=number,
            trigger=trigger,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            succeeded=outcome.succeeded,
            response_code=outcome.response_code,
            response_excerpt=outcome.excerpt,
            error=outcome.error[:300],
            next_retry_at=next_retry_at,
        )


def delivery_send(
    *,
    delivery_id: int,
    actor: Actor = SENDER,
    trigger: str = Attempt.Trigger.AUTOMATIC,
    now: datetime.datetime | None = None,
) -> Attempt | None:
    """One attempt of a delivery: claim, POST, record (see the module docstring). Call it
    outside any transaction. Automatic (the worker): None when it is not due, not pending
    or its endpoint is disabled. Manual or test: sends now, whatever its state, unless it
    is being sent (InvalidTransition, 409)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id=delivery_id, manual=trigger != Attempt.Trigger.AUTOMATIC, actor=actor, now=now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    started_at = timezone.now()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Closo-Webhooks/1",
        "Closo-Event-Id": delivery.event_id,
        "Closo-Signature": signature_header(secret=endpoint.secret, body=delivery.body, timestamp=timestamp),
    }
    outcome = network.post(endpoint.url, body=delivery.body.encode(), headers=headers, timeout=timeout_seconds())
    return _record(delivery=delivery, outcome=outcome, trigger=trigger, started_at=started_at, actor=actor)


def delivery_redeliver(*, delivery: Delivery, actor: Actor) -> Attempt:
    """Send `delivery` again now, with the same event id and body (signed afresh)."""
    return delivery_send(delivery_id=delivery.pk, actor=actor, trigger=Attempt.Trigger.MANUAL)


def endpoint_send_test(*, endpoint: Endpoint, actor: Actor) -> Attempt:
    """A `ping` event sent to `endpoint` at once (also when it is disabled: check it before
    enabling it again). Never retried."""
    with transaction.atomic(durable=True):
        event_id = new_event_id()
        now = timezone.now()
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_type=PING,
            body=payload_body(
                event_id=event_id,
                event_type=PING,
                created_at=now,
                data={"endpoint": endpoint.pk, "message": f"Test event sent by {actor.label}."},
            ),
            next_attempt_at=now,
        )
    return delivery_send(delivery_id=delivery.pk, actor=actor, trigger=Attempt.Trigger.TEST)


def deliveries_send_due(
    *, now: datetime.datetime | None = None, limit: int = 500, overdue: datetime.timedelta = datetime.timedelta(0)
) -> dict[str, int]:
    """The safety net for retries whose schedule was lost (a broker flushed, an on-commit
    hook that failed): over every active brand, one automatic attempt of each delivery due
    by `now` − `overdue` (pending, or sending with its lease run out), oldest first, at most
    `limit` per brand. The claim makes it safe next to the workers. Call it outside a
    transaction."""
    now = now or timezone.now()
    counts = {"brands": 0, "sent": 0, "delivered": 0}
    brands = Brand.objects.filter(is_active=True).exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).order_by("pk")
    for brand in brands:
        with schema_context(brand.schema_name):
            due = (
                Delivery.objects.filter(status__in=(S.PENDING, S.SENDING), next_attempt_at__lte=now - overdue)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:limit]
            )
            for delivery_id in list(due):
                attempt = delivery_send(delivery_id=delivery_id, now=now)
                if attempt is not None:
                    counts["sent"] += 1
                    counts["delivered"] += attempt.succeeded
        counts["brands"] += 1
    return counts


# The sweep's own schedule (created by `migrate`, like the engine's): every few minutes, the
# deliveries overdue by more than SWEEP_OVERDUE — those whose own schedule was lost, not
# those a worker is about to send.
SWEEP_SCHEDULE_NAME = "webhooks: send overdue deliveries"
SWEEP_FUNC = "webhooks.tasks.deliveries_sweep"
SWEEP_MINUTES = 5
SWEEP_OVERDUE = datetime.timedelta(minutes=10)
SWEEP_LIMIT = 100


def deliveries_sweep_schedule_ensure() -> bool:
    """Create the sweep's django-q2 schedule once; True if it was created now. Public schema."""
    from django_q.models import Schedule

    _, created = Schedule.objects.update_or_create(
        name=SWEEP_SCHEDULE_NAME,
        defaults={"func": SWEEP_FUNC, "schedule_type": Schedule.MINUTES, "minutes": SWEEP_MINUTES, "repeats": -1},
    )
    return created
