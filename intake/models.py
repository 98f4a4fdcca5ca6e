"""Inbound integrations of one brand (tenant schema): the secrets its storefront and
returns platform sign their webhooks with, and one row per delivery received — the
record of seen delivery ids (a unique index, written in the same transaction as the
delivery's effects, so a redelivery is a no-op) and the log the brand browses."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from closo.fields import shared_fk


class Source(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    RETURNS = "returns", "Returns webhook"
    LOOP = "loop", "Loop"


class IntegrationSecret(models.Model):
    """A webhook signing secret. Kept in clear (an HMAC needs it), never shown back in
    full: pages and the API show `last4`. Setting a new one replaces the old at once."""

    class Kind(models.TextChoices):
        SHOPIFY = "shopify", "Shopify webhook secret"
        RETURNS = "returns", "Returns platform secret (generic webhook and Loop)"

    kind = models.CharField(max_length=16, choices=Kind.choices, unique=True)
    secret = models.CharField(max_length=255)
    set_at = models.DateTimeField(auto_now=True)
    set_by = shared_fk(settings.AUTH_USER_MODEL)
    set_by_label = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} …{self.last4}"

    @property
    def last4(self) -> str:
        return self.secret[-4:]


class Delivery(models.Model):
    """One webhook delivery accepted (signature verified). (source, delivery_id) is
    unique: the row is inserted first in the transaction that applies the delivery, so of
    concurrent deliveries of one id one applies it and the others find it taken. Rows older
    than INTAKE_RETENTION_DAYS are pruned (intake.services.deliveries.deliveries_prune)."""

    class Outcome(models.TextChoices):
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"

    source = models.CharField(max_length=16, choices=Source.choices)
    delivery_id = models.CharField(max_length=120)
    topic = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PROCESSED)
    summary = models.CharField(max_length=300, blank=True, help_text="e.g. “2 created, 1 skipped”.")
    lines = models.JSONField(
        default=list, blank=True, help_text="[{ref, action: created|skipped|cancelled|exists, reason}] per line."
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "delivery_id"], name="intake_delivery_source_id_unique")
        ]
        indexes = [models.Index(fields=["-received_at", "-id"], name="intake_delivery_newest")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.topic} {self.delivery_id}"
