"""Deliveries against a real HTTP receiver on 127.0.0.1: success, retries with backoff on a
500 and on a timeout, disabling after N failures with the admins e-mailed, redeliver, the
test event, and signatures checked by the receiver snippet of docs/integrations.md."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core import mail
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from closo.exceptions import InvalidTransition
from fulfillment.models import Channel, Sku
from fulfillment.services.backorders import backorder_create
from webhooks import tasks
from webhooks.models import API_VERSION, Attempt, Delivery, EventType
from webhooks.services import deliveries as services
from webhooks.services.deliveries import backoff, signature_header

CREATED = EventType.BACKORDER_CREATED


def take_backorder(actor, order_ref="#1001-1"):
    Sku.objects.get_or_create(code="WB-15", defaults={"title": "Weighted blanket", "price": 120})
    return backorder_create(
        order_ref=order_ref,
        sku_code="WB-15",
        customer_zip="78701",
        value="120.00",
        customer_email="ana@example.com",
        channel=Channel.API,
        actor=actor,
    )


@pytest.fixture
def delivered_event(acme, receiver, make_endpoint, alice_actor, django_capture_on_commit_callbacks):
    """An endpoint subscribed to backorder.created and one backorder taken: its delivery,
    queued after commit."""
    endpoint = make_endpoint(receiver.url, CREATED)
    queued_before = set(OrmQ.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        backorder = take_backorder(alice_actor)
    delivery = Delivery.objects.get(endpoint=endpoint)
    queued = [q.task for q in OrmQ.objects.exclude(pk__in=queued_before)]
    return endpoint, backorder, delivery, queued


def test_an_event_is_queued_after_commit_and_delivered_signed(delivered_event, acme, receiver, docs_verify):
    endpoint, _, delivery, queued = delivered_event
    assert [(t["func"], t["args"]) for t in queued] == [
        ("webhooks.tasks.delivery_send", (acme.schema_name, delivery.pk))
    ]

    result = tasks.delivery_send(*queued[0]["args"])

    assert result == {"delivery": delivery.pk, "sent": True, "succeeded": True, "code": 200}
    [request] = receiver.requests
    assert request.path == "/closo/hooks"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Closo-Event-Id"] == delivery.event_id
    assert docs_verify["verify"](endpoint.secret, request.headers["Closo-Signature"], request.body) is True
    payload = json.loads(request.body)
    assert set(payload) == {"id", "type", "api_version", "created_at", "data"}
    assert (payload["id"], payload["type"], payload["api_version"]) == (delivery.event_id, CREATED, API_VERSION)
    assert payload["data"]["backorder"]["order_ref"] == "#1001-1"
    assert payload["data"]["backorder"]["status"] == "waiting"
    assert payload["data"]["change"] == {"from_status": "", "to_status": "waiting", "hub": None}
    assert "ana@example.com" not in request.body.decode()  # no customer contact details
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_response_code) == ("succeeded", 1, 200)
    [attempt] = delivery.attempts.all()
    assert (attempt.succeeded, attempt.response_code, attempt.response_excerpt, attempt.error) == (True, 200, "ok", "")


def test_the_docs_snippet_rejects_a_replay_a_wrong_secret_and_a_changed_body(
    delivered_event, acme, receiver, docs_verify
):
    endpoint, _, _, queued = delivered_event
    tasks.delivery_send(*queued[0]["args"])
    [request] = receiver.requests
    verify, header, body = docs_verify["verify"], request.headers["Closo-Signature"], request.body
    assert verify(endpoint.secret, header, body) is True

    old = signature_header(secret=endpoint.secret, body=body.decode(), timestamp=int(time.time()) - 301)
    assert verify(endpoint.secret, old, body) is False  # correctly signed, but 5 minutes old
    real_time = docs_verify["time"]

    class Later:
        @staticmethod
        def time():
            return real_time.time() + 301

    docs_verify["time"] = Later  # the real header, replayed 5 minutes later
    assert verify(endpoint.secret, header, body) is False
    docs_verify["time"] = real_time
    assert verify("whsec_other", header, body) is False
    assert verify(endpoint.secret, header, body.replace(b"#1001-1", b"#1001-2")) is False
    assert verify(endpoint.secret, "v1=abc", body) is False


def test_a_500_is_retried_on_the_backoff_schedule_then_delivered(
    delivered_event, acme, receiver, django_capture_on_commit_callbacks
):
    endpoint, _, delivery, _ = delivered_event
    receiver.plan = [(500, 0, b'{"error": "database down"}')]
    start = timezone.now()
    schedules_before = set(Schedule.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        first = services.delivery_send(delivery_id=delivery.pk, now=start)

    assert (first.succeeded, first.response_code, first.error) == (False, 500, "HTTP 500")
    assert first.response_excerpt == '{"error": "database down"}'
    due = first.next_retry_at
    assert dt.timedelta(seconds=59) < due - start < dt.timedelta(seconds=62)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at, delivery.attempt_count) == ("pending", due, 1)
    [schedule] = Schedule.objects.exclude(pk__in=schedules_before)
    assert (schedule.func, schedule.schedule_type, schedule.next_run) == (
        "webhooks.tasks.delivery_send",
        Schedule.ONCE,
        due,
    )
    assert eval(schedule.args) == (acme.schema_name, delivery.pk)  # django-q2 stores repr(args)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1

    # The schedule firing early (or twice) sends nothing; at the due time it sends.
    assert services.delivery_send(delivery_id=delivery.pk, now=due - dt.timedelta(seconds=5)) is None
    assert len(receiver.requests) == 1
    second = services.delivery_send(delivery_id=delivery.pk, now=due)

    assert (second.number, second.succeeded, second.response_code) == (2, True, 200)
    assert services.delivery_send(delivery_id=delivery.pk, now=due) is None  # delivered: nothing more
    assert len(receiver.requests) == 2
    assert receiver.requests[0].headers["Closo-Event-Id"] == receiver.requests[1].headers["Closo-Event-Id"]
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, endpoint.consecutive_failures) == ("succeeded", 2, 0)


def test_backoff_doubles_from_a_minute_and_is_capped_at_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_receiver_slower_than_the_timeout_fails_the_attempt_and_is_retried(
    delivered_event, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    _, _, delivery, _ = delivered_event
    receiver.plan = [(200, 2.0, b"too late")]
    start = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        attempt = services.delivery_send(delivery_id=delivery.pk, now=start)

    assert (attempt.succeeded, attempt.response_code) == (False, None)
    assert attempt.error == "Timed out after 0.5 s."
    assert 450 <= attempt.duration_ms < 2000
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert dt.timedelta(seconds=59) < delivery.next_attempt_at - start < dt.timedelta(seconds=62)


def test_the_last_allowed_attempt_fails_the_delivery(delivered_event, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    _, _, delivery, _ = delivered_event
    receiver.plan = [(503, 0, b""), (503, 0, b"")]
    first = services.delivery_send(delivery_id=delivery.pk)
    second = services.delivery_send(delivery_id=delivery.pk, now=first.next_retry_at)
    assert second.next_retry_at is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("failed", 2, None)


def test_an_endpoint_is_disabled_after_n_failures_in_a_row_and_the_admins_are_emailed(
    delivered_event, acme, receiver, settings, alice_actor, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    endpoint, _, delivery, _ = delivered_event
    receiver.plan = [(500, 0, b"")] * 3
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            attempt = services.delivery_send(delivery_id=delivery.pk, now=now)
            now = attempt.next_retry_at or now

    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (False, 3)
    assert endpoint.disabled_reason == "Disabled after 3 failed attempts in a row."
    assert (delivery.status, attempt.next_retry_at) == ("failed", None)
    # (the customer's own e-mails about the backorder aside)
    [message] = [m for m in mail.outbox if "webhook" in m.subject]
    assert message.to == ["alice@acme.test"]  # the brand's owners and admins, not its viewer
    assert message.subject == "Acme Apparel: webhook endpoint disabled"
    assert endpoint.url in message.body
    assert f"/webhooks/{endpoint.pk}/" in message.body

    # Disabled: new events are not sent to it, and nothing more goes out.
    with django_capture_on_commit_callbacks(execute=True):
        take_backorder(alice_actor, order_ref="#1002-1")
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1
    assert len(receiver.requests) == 3


def test_redeliver_sends_the_same_event_again_now(delivered_event, receiver, alice_actor):
    _, _, delivery, _ = delivered_event
    services.delivery_send(delivery_id=delivery.pk)

    attempt = services.delivery_redeliver(delivery=delivery, actor=alice_actor)

    assert (attempt.number, attempt.trigger, attempt.succeeded) == (2, Attempt.Trigger.MANUAL, True)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["Closo-Event-Id"] == second.headers["Closo-Event-Id"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)


def test_a_delivery_being_sent_cannot_be_redelivered(delivered_event, alice_actor):
    _, _, delivery, _ = delivered_event
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, next_attempt_at=timezone.now() + dt.timedelta(minutes=1)
    )
    with pytest.raises(InvalidTransition):
        services.delivery_redeliver(delivery=delivery, actor=alice_actor)


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(delivered_event, receiver):
    _, _, delivery, _ = delivered_event
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    attempt = services.delivery_send(delivery_id=delivery.pk)
    assert attempt.succeeded and len(receiver.requests) == 1


def test_send_test_event_posts_a_ping_at_once_to_a_disabled_endpoint_too(
    acme, receiver, make_endpoint, alice_actor, docs_verify
):
    endpoint = make_endpoint(receiver.url, EventType.UNIT_MISSING)
    endpoint.is_active = False
    endpoint.save()

    attempt = services.endpoint_send_test(endpoint=endpoint, actor=alice_actor)

    assert (attempt.trigger, attempt.succeeded, attempt.response_code) == ("test", True, 200)
    [request] = receiver.requests
    payload = json.loads(request.body)
    assert payload["type"] == "ping"
    assert payload["data"] == {"endpoint": endpoint.pk, "message": "Test event sent by alice@acme.test."}
    assert docs_verify["verify"](endpoint.secret, request.headers["Closo-Signature"], request.body)


def test_a_failed_test_event_is_not_retried(acme, receiver, make_endpoint, alice_actor):
    endpoint = make_endpoint(receiver.url, EventType.UNIT_MISSING)
    receiver.plan = [(404, 0, b"not here")]
    attempt = services.endpoint_send_test(endpoint=endpoint, actor=alice_actor)
    assert (attempt.succeeded, attempt.next_retry_at, attempt.delivery.status) == (False, None, "failed")


def test_a_rotated_secret_signs_the_next_attempt(acme, receiver, make_endpoint, alice_actor, docs_verify):
    from webhooks.services.endpoints import endpoint_rotate_secret

    endpoint = make_endpoint(receiver.url, CREATED)
    old = endpoint.secret
    endpoint = endpoint_rotate_secret(endpoint=endpoint, actor=alice_actor)
    services.endpoint_send_test(endpoint=endpoint, actor=alice_actor)
    [request] = receiver.requests
    assert endpoint.secret != old
    assert docs_verify["verify"](endpoint.secret, request.headers["Closo-Signature"], request.body)
    assert not docs_verify["verify"](old, request.headers["Closo-Signature"], request.body)


def test_a_redirect_is_not_followed_and_fails_the_attempt(acme, receiver, make_endpoint, alice_actor):
    endpoint = make_endpoint(receiver.url, CREATED)
    receiver.plan = [(302, 0, b"")]
    attempt = services.endpoint_send_test(endpoint=endpoint, actor=alice_actor)
    assert (attempt.succeeded, attempt.response_code) == (False, 302)
    assert attempt.error.startswith("Redirect to")
    assert len(receiver.requests) == 1


def test_the_due_sweep_sends_a_retry_whose_schedule_was_lost(delivered_event, receiver, acme):
    """`manage.py webhooks_send_due`: a delivery pending past its retry time is sent once;
    one not yet due is left for later."""
    from io import StringIO

    from django.core.management import call_command

    _, _, delivery, _ = delivered_event
    receiver.plan = [(500, 0, b"")]
    first = services.delivery_send(delivery_id=delivery.pk)
    assert services.deliveries_send_due()["sent"] == 0  # not due yet
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=first.next_retry_at - dt.timedelta(minutes=5))

    out = StringIO()
    call_command("webhooks_send_due", stdout=out)

    assert "1 attempt(s) sent, 1 delivered." in out.getvalue()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, len(receiver.requests)) == ("succeeded", 2, 2)


def test_the_scheduled_sweep_leaves_a_delivery_due_only_minutes_ago_to_its_own_schedule(
    delivered_event, receiver, acme
):
    from webhooks.services.deliveries import SWEEP_OVERDUE
    from webhooks.tasks import deliveries_sweep

    _, _, delivery, _ = delivered_event
    receiver.plan = [(500, 0, b""), (200, 0, b"")]
    assert services.delivery_send(delivery_id=delivery.pk).succeeded is False
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=1))
    assert deliveries_sweep()["sent"] == 0  # due a minute ago: its own schedule sends it
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - SWEEP_OVERDUE - dt.timedelta(minutes=1)
    )
    assert deliveries_sweep()["sent"] == 1  # overdue: its schedule was lost
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
