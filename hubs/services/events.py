from __future__ import annotations

from closo.actors import Actor
from hubs.models import Hub, HubEvent


def hub_event_record(
    *, subject: Hub, kind: str, actor: Actor, from_status: str, to_status: str, detail: str, data: dict, hub=None
) -> HubEvent:
    """The hub machine's event writer: one HubEvent per status move (who, from → to, why).
    The moves set only `status_changed_at`, already on the hub: `data` is not kept."""
    return HubEvent.objects.create(
        hub=subject, kind=kind, actor=actor.user, from_status=from_status, to_status=to_status, detail=detail
    )
