"""A brand's webhook endpoints: add, change, delete, rotate the secret, enable, disable."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from closo.actors import Actor
from webhooks import network
from webhooks.exceptions import EndpointRefused, NoEventTypes, UnknownEventType
from webhooks.machines import DELIVERIES
from webhooks.models import Delivery, Endpoint, EventType, new_secret

logger = logging.getLogger(__name__)


def url_check(url: str) -> str:
    """`url` stripped, if webhooks may go there now (https, a public address once resolved:
    webhooks.network); EndpointRefused (400) otherwise. Checked again at every attempt."""
    url = (url or "").strip()
    try:
        network.resolve(url)
    except network.Refused as refused:
        raise EndpointRefused(str(refused), fields={"url": [str(refused)]}) from None
    return url


def event_types_check(event_types: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(event_types or []))
    unknown = [t for t in chosen if t not in EventType.values]
    if unknown:
        raise UnknownEventType(
            f"Unknown event type(s): {', '.join(unknown)}.",
            fields={"event_types": [f"Choose among {', '.join(EventType.values)}."]},
        )
    if not chosen:
        raise NoEventTypes("Subscribe to at least one event type.", fields={"event_types": ["Choose at least one."]})
    return [t for t in EventType.values if t in chosen]  # the list's own order


@transaction.atomic
def endpoint_create(*, url: str, event_types: Iterable[str], description: str = "", actor: Actor) -> Endpoint:
    """Add an endpoint with a new signing secret (shown to its creator in the answer)."""
    return Endpoint.objects.create(
        url=url_check(url),
        event_types=event_types_check(event_types),
        description=(description or "").strip()[:200],
        created_by=actor.user,
    )


@transaction.atomic
def endpoint_update(
    *,
    endpoint: Endpoint,
    actor: Actor,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> Endpoint:
    """Change what is given (None: unchanged). `is_active` enables (failures count from 0
    again) or disables by hand. Two concurrent edits: the last one saved wins, field by
    field (update_fields); enabling and disabling are conditional updates."""
    endpoint.updated_by = actor.user
    fields = ["updated_at", "updated_by"]
    if url is not None:
        endpoint.url = url_check(url)
        fields.append("url")
    if event_types is not None:
        endpoint.event_types = event_types_check(event_types)
        fields.append("event_types")
    if description is not None:
        endpoint.description = description.strip()[:200]
        fields.append("description")
    endpoint.save(update_fields=fields)
    if is_active is True and not endpoint.is_active:
        endpoint_enable(endpoint=endpoint, actor=actor)
    elif is_active is False and endpoint.is_active:
        endpoint_disable(endpoint=endpoint, reason=f"Disabled by {actor.label}.", actor=actor)
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_enable(*, endpoint: Endpoint, actor: Actor) -> Endpoint:
    """Send to it again; its failure count starts from 0. Deliveries that failed while it
    was disabled stay failed: redeliver them from the log."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True,
        disabled_reason="",
        disabled_at=None,
        consecutive_failures=0,
        updated_at=timezone.now(),
        updated_by=actor.user,
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_disable(*, endpoint: Endpoint, reason: str, actor: Actor) -> bool:
    """Stop sending to it (conditional UPDATE: True only for the call that disabled it, so
    whoever disables it tells the admins once). Its waiting retries fail."""
    now = timezone.now()
    disabled = Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_reason=reason[:300], disabled_at=now, updated_at=now, updated_by=actor.user
    )
    if disabled:
        for delivery in Delivery.objects.filter(endpoint_id=endpoint.pk, status=Delivery.Status.PENDING):
            DELIVERIES.transition(delivery, Delivery.Status.FAILED, actor=actor)
    return bool(disabled)


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, actor: Actor) -> Endpoint:
    """A new signing secret, used from the next attempt on; the old one stops at once."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        secret=new_secret(), secret_rotated_at=timezone.now(), updated_at=timezone.now(), updated_by=actor.user
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, actor: Actor) -> None:
    """Remove it with its delivery log."""
    logger.info("Webhook endpoint %s (%s) deleted by %s", endpoint.pk, endpoint.url, actor.label)
    Endpoint.objects.filter(pk=endpoint.pk).delete()
