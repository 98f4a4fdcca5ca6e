"""Outbound webhooks (issue 12 §4): a brand's endpoints, the deliveries of its events to
them, and each delivery's attempts (the delivery log)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from closo.fields import shared_fk

API_VERSION = "2026-11-01"
SECRET_PREFIX = "whsec_"


class EventType(models.TextChoices):
    """What an endpoint can subscribe to (webhooks.events maps fulfillment events to these)."""

    BACKORDER_CREATED = "backorder.created", "Backorder created"
    BACKORDER_PROMISE_CHANGED = "backorder.promise_changed", "Backorder promise changed"
    BACKORDER_ALLOCATED = "backorder.allocated", "Backorder allocated a local unit"
    HANDOFF_COMPLETED = "handoff.completed", "Hand-off completed"
    RETURN_ROUTED = "return.routed", "Return routed"
    RETURN_RECEIVED = "return.received", "Return received"
    INSPECTION_COMPLETED = "inspection.completed", "Inspection completed"
    RETURN_REFUND_READY = "return.refund_ready", "Return ready to refund"
    UNIT_RELEASED = "unit.released", "Unit released to local stock"
    UNIT_MISSING = "unit.missing", "Unit missing"


PING = "ping"  # the "send test event" type: sent at once to one endpoint, never subscribed to


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Endpoint(models.Model):
    """A brand's receiver: where its subscribed events are POSTed, signed with `secret`.
    Disabled by hand or after WEBHOOKS_DISABLE_AFTER_FAILURES failed attempts in a row."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = ArrayField(models.CharField(max_length=40, choices=EventType.choices), default=list)
    # Kept readable (not hashed): every delivery is signed with it.
    secret = models.CharField(max_length=80, default=new_secret)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = shared_fk(settings.AUTH_USER_MODEL)
    updated_by = shared_fk(settings.AUTH_USER_MODEL, help_text="Who changed, enabled or rotated it last.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["is_active"], name="webhook_endpoint_active")]

    def __str__(self) -> str:
        return self.url

    @property
    def event_type_labels(self) -> list[str]:
        return [EventType(t).label if t in EventType.values else t for t in self.event_types]


class Delivery(models.Model):
    """One event sent to one endpoint: the exact body (signed afresh at each attempt), its
    status and when the next automatic attempt is due. Moves: webhooks.machines.DELIVERIES."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40, help_text="The payload's id and Closo-Event-Id.")
    event_type = models.CharField(max_length=40)
    body = models.TextField(help_text="The JSON sent, byte for byte at every attempt.")
    source_event = models.ForeignKey(
        "fulfillment.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Pending: when the next automatic attempt is due. Sending: lease end."
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"


class Attempt(models.Model):
    """One POST of a delivery: what came back (or why nothing did), and how long it took."""

    class Trigger(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "Redelivered by hand"
        TEST = "test", "Test event"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.AUTOMATIC)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    succeeded = models.BooleanField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True, help_text="When the retry it caused is due.")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number")]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
