"""Reads of the integrations page and API."""

from __future__ import annotations

from intake.models import Delivery, IntegrationSecret

LOG_SIZE = 50


def deliveries_latest(limit: int = LOG_SIZE) -> list[Delivery]:
    """The newest deliveries, newest first: one query whatever their number."""
    return list(Delivery.objects.order_by("-received_at", "-pk")[:limit])


def secrets_by_kind() -> dict[str, IntegrationSecret]:
    return {row.kind: row for row in IntegrationSecret.objects.select_related("set_by")}
