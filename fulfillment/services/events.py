from __future__ import annotations

from collections.abc import Callable, Hashable

from django.db import connection, transaction
from django_tenants.utils import schema_context

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


def after_commit_in_brand(fn: Callable[[], object], *, once: Hashable | None = None) -> None:
    """Run `fn` after the current transaction commits, on the brand schema the connection
    is on now (the callback may run after a `schema_context` block has exited): matching
    what a move left available or waiting, and the customer e-mails. A failure after
    commit is logged, never raised into the request that committed; what it left undone
    (a unit available, a backorder waiting) the engine sweep matches again.

    `once`: work that needs doing once per transaction however many moves asked for it
    (re-evaluating one SKU's promises): an earlier pending callback with the same key in
    this schema is dropped, and this one runs in its place — last, so after the matching
    the same moves scheduled."""
    schema = connection.schema_name
    key = None if once is None else (schema, once)
    if key is not None and connection.in_atomic_block:
        for _, pending, _ in connection.run_on_commit:
            if getattr(pending, "closo_once", None) == key:
                pending.closo_once, pending.superseded = None, True

    def run() -> None:
        if run.superseded:
            return
        with schema_context(schema):
            fn()

    run.closo_once, run.superseded = key, False
    transaction.on_commit(run, robust=True)
