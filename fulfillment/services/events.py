from __future__ import annotations

from closo.actors import Actor
from fulfillment.models import Backorder, Event, InboundSupply, ReturnItem, StockUnit


def event_record(
    *,
    subject: Backorder | ReturnItem | InboundSupply | StockUnit,
    kind: str,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    detail: str = "",
    data: dict | None = None,
    hub=None,
) -> Event:
    """Append one event to `subject`'s timeline (with the hub where it happened, for custody
    steps at a hub). Call it inside the service's transaction."""
    field = {Backorder: "backorder", ReturnItem: "return_item", InboundSupply: "supply", StockUnit: "unit"}[
        type(subject)
    ]
    return Event.objects.create(
        **{field: subject},
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor.user,
        actor_label=actor.label,
        detail=detail[:500],
        data=data or {},
        hub=hub,
    )
