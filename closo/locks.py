"""Row locks, taken in one place and in one fixed order.

Two transactions that lock the same rows in different orders can deadlock; PostgreSQL
then kills one of them after `deadlock_timeout`. Every `SELECT … FOR UPDATE` therefore
goes through this module, which locks in `LOCK_ORDER` and refuses (LockOrderError, a bug)
to lock a model ranked lower than one already locked in the same transaction. Several
rows of one model are locked in primary-key order, so two transactions locking
overlapping sets of them queue instead of deadlocking.

Why this order (each flow below locks left to right in it):

- ImportJob first: a CSV import step locks its job row, then runs each row's service
  (which locks regions, SKUs, …) in the same transaction.
- Brand before every row of the brand: its own settings (trust settings) are locked
  alone, and nothing of the brand may be held while waiting for its row.
- Hub → HubTask → ReturnItem: suspending a hub locks the hub, then its open tasks, then
  the returns they index; receiving a drop-off finds the drop-off task by its code (a
  public row, the only way in from a code) before it moves the return; cancelling a
  return locks its open task before the return for the same reason.
- RegionLimit → … → StockUnit → Backorder: a backorder create locks its region before
  inserting (the region's cap), then may claim a local unit; a Like-New release locks
  the unit, then claims the best waiting backorder with SKIP LOCKED. So a region precedes
  units, and units precede backorders: cancelling an allocated backorder must lock its
  unit first.
- ReturnItem → StockUnit: an inspection submit locks the return, then creates and
  releases its unit.
- Allocation after both of its sides; InboundSupply → Sku: receiving a restock moves the
  order, then adds to the SKU's quantity; an SKU upsert locks only the SKU.
- Grading standards and inspection rows last: inspection flows reach them through the
  return they are about (the return is locked first), and standards are edited alone.

A conditional `UPDATE … WHERE status = …` (closo.statemachine) also takes a row lock;
keep such moves in this order too (lock the rows first with this module when a flow
touches several models).

`select_for_update(of=("self",))` everywhere: only the rows of the model being locked,
never the rows a `select_related` join reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, transaction

LOCK_ORDER: tuple[str, ...] = (
    "fulfillment.ImportJob",
    "brands.Brand",
    "hubs.Hub",
    "hubs.HubTask",
    "fulfillment.RegionLimit",
    "fulfillment.ReturnItem",
    "fulfillment.StockUnit",
    "fulfillment.Backorder",
    "fulfillment.Allocation",
    "fulfillment.InboundSupply",
    "fulfillment.Sku",
    "inspections.GradingStandard",
    "inspections.StandardVersion",
    "inspections.Inspection",
    "inspections.InspectionPhoto",
    "inspections.Audit",
)
RANK: dict[str, int] = {label: rank for rank, label in enumerate(LOCK_ORDER)}
if len(RANK) != len(LOCK_ORDER):
    raise ValueError("LOCK_ORDER names a model twice.")


class LockOrderError(Exception):
    """A lock out of LOCK_ORDER, or of a model not in it: a bug in the calling code."""


def in_transaction(using: str | None = None) -> bool:
    """Whether the connection is inside a transaction the code opened itself. The atomic
    blocks a Django TestCase wraps each test in do not count (as for `durable=True`), so
    tests see the rule production sees."""
    return any(not block._from_testcase for block in transaction.get_connection(using).atomic_blocks)


def require_transaction(what: str, using: str | None = None) -> None:
    if not in_transaction(using):
        raise RuntimeError(f"{what} must run inside the caller's transaction.atomic.")


@dataclass
class _Held:
    """The highest-ranked model locked so far in one transaction of one connection."""

    marker: tuple[Any, ...]
    rank: int
    label: str


def _marker(connection) -> tuple[Any, ...]:
    """What identifies the current transaction: its outermost non-test atomic block (with
    its savepoint, so each atomic block a test opens is a transaction of its own) and the
    connection's list of on-commit callbacks, which Django replaces on every commit and
    rollback (a reused `@transaction.atomic` decorator is the same block object each
    time). Held strongly, so no later object can take its id."""
    index = next(i for i, block in enumerate(connection.atomic_blocks) if not block._from_testcase)
    savepoint = connection.savepoint_ids[index - 1] if index else None
    return (connection.atomic_blocks[index], savepoint, connection.run_on_commit)


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[0] is b[0] and a[1] == b[1] and a[2] is b[2]


def _check_order(model: type[models.Model], using: str) -> None:
    label = model._meta.concrete_model._meta.label
    require_transaction(f"Locking {label}", using)
    rank = RANK.get(label)
    if rank is None:
        raise LockOrderError(f"{label} is not in closo.locks.LOCK_ORDER: add it where its flows need it.")
    connection = connections[using]
    marker = _marker(connection)
    held: _Held | None = getattr(connection, "_closo_locks_held", None)
    if held is None or not _same(held.marker, marker):
        held = connection._closo_locks_held = _Held(marker=marker, rank=rank, label=label)
    if rank < held.rank:
        raise LockOrderError(
            f"{label} is locked after {held.label} in one transaction; LOCK_ORDER puts {label} first. "
            "Lock it earlier, or lock in a separate transaction."
        )
    held.rank, held.label = rank, label


def _queryset(queryset_or_model) -> models.QuerySet:
    if isinstance(queryset_or_model, models.QuerySet):
        return queryset_or_model
    return queryset_or_model._default_manager.all()


def lock_rows(queryset: models.QuerySet, *, skip_locked: bool = False, nowait: bool = False) -> list:
    """Lock every row of `queryset` (in primary-key order) and return them. `skip_locked`:
    leave out rows another transaction holds; `nowait`: fail at once (OperationalError)
    instead of waiting for them."""
    locking = queryset.select_for_update(of=("self",), skip_locked=skip_locked, nowait=nowait)
    _check_order(queryset.model, locking.db)
    return list(locking.order_by("pk"))


def lock_one(queryset_or_model, **filters) -> Any | None:
    """Lock and return the one row matching `filters` (None if there is none);
    MultipleObjectsReturned if several match."""
    queryset = _queryset(queryset_or_model).filter(**filters)
    rows = lock_rows(queryset)
    if len(rows) > 1:
        raise queryset.model.MultipleObjectsReturned(f"{len(rows)} {queryset.model._meta.label} rows match {filters}.")
    return rows[0] if rows else None


def lock_first(queryset: models.QuerySet, *, order_by: str | Any | Sequence, skip_locked: bool = True) -> Any | None:
    """Claim the best row of `queryset` by `order_by` (field names or expressions; the pk
    breaks ties): `ORDER BY … LIMIT 1 FOR UPDATE SKIP LOCKED`. Concurrent claimers each
    get a different row (or None when every candidate is taken)."""
    ordering = list(order_by) if isinstance(order_by, list | tuple) else [order_by]
    if not ordering:
        raise ValueError("lock_first needs an order: which candidate is the best one?")
    locking = queryset.select_for_update(of=("self",), skip_locked=skip_locked)
    _check_order(queryset.model, locking.db)
    return locking.order_by(*ordering, "pk").first()
