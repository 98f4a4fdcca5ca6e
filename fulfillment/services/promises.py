"""Promises kept honest (issue 10 §3): every ship-by promise of a backorder is recorded
(`fulfillment.models.Promise`: the date, its confidence, its likeliest source, the model's
inputs, why it was made), re-evaluated when supply changes and daily, and settled (kept
or late, and by how many days) when the backorder is fulfilled.

- **Made** (`promise_make`, from backorder_create): a backorder created without
  `promised_ship_by` gets the model's promise (fulfillment/promise.py, at the brand's
  `promise_confidence`, within its region's max promise days); when no day reaches the
  confidence the date stays empty and the record says so (source `none`). A date the
  store gave is recorded as given (source `given`, no confidence).
- **Re-evaluated** (`promises_refresh`): the waiting backorders of one SKU whose current
  promise is the model's, best first, in one transaction, their rows claimed with SKIP
  LOCKED (one a matcher holds is being allocated, and left alone). A date that slips
  (later, or none any more) moves `promised_ship_by`, writes `promise_changed` on the
  backorder's timeline and e-mails the customer after commit. An earlier date is recorded
  and moves `promised_ship_by` too (matching serves by it), without an event or an e-mail:
  good news needs no apology, and a customer told "earlier" would be told "later" again at
  the next wobble of the estimate. A date the store gave is the store's word: it is not
  re-evaluated. Triggers: a unit available (release, approval, back on the shelf, found
  again in a count) or gone (reported missing), a restock PO created, received or
  cancelled, an allocation ended, a backorder cancelled (`promises_refresh_later`, after
  commit, once per SKU and transaction), and the engine
  sweep's daily phase (fulfillment.services.engine).
- **Settled** (`promise_settle`, when the backorder becomes fulfilled — the customer has
  the unit: picked up, delivered, or a restock shipped): the current promise gets `kept`
  (fulfilled on or before its ship-by date) and `slack_days` (ship-by − fulfilled day;
  negative = late). A promise with no date is not settled: nothing was promised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.selectors.brands import brand_of_connection
from closo.actors import Actor
from closo.locks import lock_rows
from fulfillment import promise as model
from fulfillment.models import Backorder, BackorderStatus, EventKind, Promise
from fulfillment.selectors.availability import inputs_record, promise_quote
from fulfillment.selectors.promises import waiting_inputs
from fulfillment.services import notify
from fulfillment.services.events import after_commit_in_brand, event_record

PROMISER = Actor.system("promises")
Quote = tuple[model.PromiseInputs, model.Promise]


def _source(result: model.Promise) -> str:
    return result.source or Promise.Source.NONE


def promise_quote_new(*, sku_code: str, zip_code: str, max_days: int) -> Quote | None:
    """The model's promise for a backorder about to be taken (before its row exists, so it
    is not in its own queue), at the brand's confidence."""
    target = brand_of_connection().promise_confidence
    return promise_quote(sku_code=sku_code, zip_code=zip_code, max_days=max_days, target=target)


def promise_make(*, backorder: Backorder, quote: Quote | None) -> Promise:
    """Record the first promise of a new backorder (in backorder_create's transaction): the
    date the store gave (`promised_ship_by` set), or the model's `quote` (whose date the
    caller stored as `promised_ship_by`; none when no day reached the confidence)."""
    if backorder.promised_ship_by is not None and (quote is None or quote[1].ship_by != backorder.promised_ship_by):
        return Promise.objects.create(
            backorder=backorder,
            ship_by=backorder.promised_ship_by,
            source=Promise.Source.GIVEN,
            why=Promise.Why.CREATED,
            inputs={"channel": backorder.channel},
        )
    if quote is None:  # the ZIP passed zip_check: only a SKU deleted meanwhile
        return Promise.objects.create(backorder=backorder, source=Promise.Source.NONE, why=Promise.Why.CREATED)
    inputs, result = quote
    return Promise.objects.create(
        backorder=backorder,
        ship_by=result.ship_by,
        confidence=None if result.confidence is None else round(result.confidence, 4),
        source=_source(result),
        why=Promise.Why.CREATED,
        inputs=inputs_record(inputs, result),
    )


# {(schema, sku id)} whose re-evaluation waits for the end of a `promises_refresh_deferred` block.
_deferred: ContextVar[set[tuple[str, int]] | None] = ContextVar("promises_deferred", default=None)


def promises_refresh_later(*, sku_id: int) -> None:
    """Re-evaluate the promises of `sku_id` after the current transaction commits (after
    the matching that the same change scheduled, so the queue is as matching left it) —
    or, inside `promises_refresh_deferred`, once when that block ends."""
    deferred = _deferred.get()
    if deferred is not None:
        schema = connection.schema_name
        transaction.on_commit(lambda: deferred.add((schema, sku_id)), robust=True)
        return
    after_commit_in_brand(
        lambda: promises_refresh(sku_id=sku_id, why=Promise.Why.SUPPLY_CHANGED), once=("promises_refresh", sku_id)
    )


@contextmanager
def promises_refresh_deferred() -> Iterator[None]:
    """Collect the re-evaluations that committed moves ask for (`promises_refresh_later`)
    and run each SKU's once when the block ends, outside any transaction: for a caller
    that makes many moves in a row (the simulator's batch of a day's cancellations or a
    hub's inspections), where re-reading the whole queue after every move would be
    overwritten by the next. Every move still commits on its own."""
    if _deferred.get() is not None:  # already collecting: the outer block runs them
        yield
        return
    collected: set[tuple[str, int]] = set()
    token = _deferred.set(collected)
    try:
        yield
    finally:
        _deferred.reset(token)
    for schema, sku_id in sorted(collected):
        with schema_context(schema):
            promises_refresh(sku_id=sku_id, why=Promise.Why.SUPPLY_CHANGED)


@transaction.atomic
def promises_refresh(*, sku_id: int, why: str, now: dt.datetime | None = None) -> int:
    """Re-evaluate the model promises of the waiting backorders of `sku_id` (see the module);
    returns how many moved. One transaction; the rows are claimed with SKIP LOCKED."""
    now = now or timezone.now()
    target = brand_of_connection().promise_confidence
    waiting = [w for w in waiting_inputs(sku_id=sku_id, target=target, now=now) if _reevaluated(w.current)]
    if not waiting:
        return 0
    claimed = {
        b.pk
        for b in lock_rows(
            Backorder.objects.filter(pk__in=[w.backorder.pk for w in waiting], status=BackorderStatus.WAITING).only(
                "pk"
            ),
            skip_locked=True,
        )
    }
    made, moved, slipped = [], [], []
    for w in waiting:
        if w.backorder.pk not in claimed:
            continue
        result = model.promise(w.inputs)
        if result.ship_by == w.current.ship_by:
            continue
        made.append(
            Promise(
                backorder=w.backorder,
                ship_by=result.ship_by,
                confidence=None if result.confidence is None else round(result.confidence, 4),
                source=_source(result),
                why=why,
                inputs=inputs_record(w.inputs, result),
            )
        )
        w.backorder.promised_ship_by = result.ship_by
        moved.append(w.backorder)
        if _later(result.ship_by, w.current.ship_by):
            slipped.append((w.backorder, w.current.ship_by, result))
    Promise.objects.bulk_create(made)
    Backorder.objects.bulk_update(moved, ["promised_ship_by"])
    for backorder, before, result in slipped:
        after = result.ship_by
        event_record(
            subject=backorder,
            kind=EventKind.PROMISE_CHANGED,
            actor=PROMISER,
            from_status=backorder.status,
            to_status=backorder.status,
            detail=(
                f"Ship-by moved from {before:%b %-d} to {after:%b %-d} ({result.confidence:.0%} confidence)."
                if after is not None
                else f"Ship-by {before:%b %-d} can no longer be promised: no date reaches {target:.0%}."
            ),
            data={
                "from": before.isoformat(),
                "to": after.isoformat() if after else None,
                "confidence": None if result.confidence is None else round(result.confidence, 4),
                "source": result.source,
                "why": why,
            },
        )
        backorder_id = backorder.pk
        after_commit_in_brand(
            lambda backorder_id=backorder_id, before=before: notify.promise_changed(
                backorder_id=backorder_id, before=before
            )
        )
    return len(moved)


def _reevaluated(current: Promise | None) -> bool:
    """Only the model's promises move: a date the store gave is the store's word."""
    return current is not None and current.source != Promise.Source.GIVEN


def _later(new: dt.date | None, old: dt.date | None) -> bool:
    if old is None:
        return False  # no date before: any date is news, not a slip
    return new is None or new > old


def promise_settle(*, backorder: Backorder, at: dt.datetime | None = None) -> Promise | None:
    """The backorder was fulfilled: its current promise (if it named a date) is kept when
    fulfilled on or before ship_by; slack_days = ship_by − the local day it was fulfilled.
    Call it in the transaction that fulfils it."""
    at = at or timezone.now()
    current = Promise.objects.filter(backorder=backorder).order_by("-created_at", "-pk").first()
    if current is None or current.ship_by is None or current.kept is not None:
        return None
    slack = (current.ship_by - timezone.localdate(at)).days
    current.kept, current.slack_days, current.settled_at = slack >= 0, slack, at
    current.save(update_fields=["kept", "slack_days", "settled_at"])
    return current
