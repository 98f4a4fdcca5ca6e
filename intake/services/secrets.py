"""Setting the brand's webhook secrets (portal page and API share this one service)."""

from __future__ import annotations

from django.db import transaction

from closo.actors import Actor
from closo.exceptions import Invalid
from fulfillment.models import ConfigChange
from fulfillment.services.config import config_change_record
from intake.models import IntegrationSecret

MIN_LENGTH, MAX_LENGTH = 16, 255


def _masked(secret: str | None) -> str | None:
    return f"…{secret[-4:]}" if secret else None


@transaction.atomic
def integration_secret_set(*, kind: str, secret: str, actor: Actor) -> IntegrationSecret:
    """Set (or rotate) the webhook secret of `kind`: deliveries signed with the old one are
    refused from the commit on. The kind's row is unique and written by update_or_create
    (which locks it), so two rotations at once leave one secret, the last to commit; each
    records the change in the brand's activity (area `integrations`) with only the last 4
    characters of old and new."""
    if kind not in IntegrationSecret.Kind.values:
        raise ValueError(f"{kind!r} is not a kind of integration secret.")
    secret = (secret or "").strip() if isinstance(secret, str) else ""
    if not MIN_LENGTH <= len(secret) <= MAX_LENGTH or any(ord(c) < 33 or ord(c) > 126 for c in secret):
        raise Invalid(
            f"The secret is {MIN_LENGTH} to {MAX_LENGTH} printable characters without spaces.",
            fields={"webhook_secret": [f"Paste the signing secret ({MIN_LENGTH}–{MAX_LENGTH} characters, no spaces)."]},
        )
    current = IntegrationSecret.objects.filter(kind=kind).first()
    old = current.secret if current else None
    if old == secret:
        return current
    row, _ = IntegrationSecret.objects.update_or_create(
        kind=kind, defaults={"secret": secret, "set_by": actor.user, "set_by_label": actor.label[:120]}
    )
    config_change_record(
        area=ConfigChange.Area.INTEGRATIONS,
        action=ConfigChange.Action.UPDATED if old else ConfigChange.Action.CREATED,
        subject=IntegrationSecret.Kind(kind).label,
        subject_id=row.pk,
        changes={"webhook_secret": [_masked(old), _masked(secret)]} if old else {"webhook_secret": _masked(secret)},
        actor=actor,
    )
    return row
