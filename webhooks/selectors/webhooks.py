"""Reads shared by the webhook pages and API: always through this brand's schema, so an id
from another brand is simply not found (404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from webhooks.models import Attempt, Delivery, Endpoint


def endpoints() -> QuerySet[Endpoint]:
    return Endpoint.objects.order_by("pk")


def endpoint_get(pk: int) -> Endpoint:
    return get_object_or_404(Endpoint, pk=pk)


def delivery_get(pk: int) -> Delivery:
    return get_object_or_404(Delivery.objects.select_related("endpoint"), pk=pk)


def delivery_log(endpoint: Endpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries, newest first, each with its attempts (one more query for
    the whole page, whatever its length)."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .defer("body")
        .prefetch_related(Prefetch("attempts", queryset=Attempt.objects.order_by("number")))
        .order_by("-created_at", "-pk")
    )


def delivery_with_attempts(pk: int) -> Delivery:
    return get_object_or_404(
        Delivery.objects.prefetch_related(Prefetch("attempts", queryset=Attempt.objects.order_by("number"))), pk=pk
    )
