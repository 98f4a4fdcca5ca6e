"""The hub task index (HubTask, public schema): one row per piece of work a hub has to do
for a brand's return or stock unit, written in the same transaction as the brand row.

Brand-row machines (fulfillment.machines) name the tasks each move opens and closes, and
reach the index through `BRAND_ROW_TASKS`, a closo.statemachine.TaskIndex. A task's own
status moves (open → done | cancelled) go through `HUB_TASKS`; they write no event of
their own, because each is part of a brand-row move whose event records it.

`hub_task_open` and `hub_task_close` refuse to run outside the caller's transaction
(RuntimeError): an index written in a transaction of its own could commit while the brand
row's change rolls back, and the queue would drift."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models, router

from brands.models import Brand
from brands.selectors.brands import brand_of_connection
from closo.actors import Actor
from closo.exceptions import InvalidTransition
from closo.locks import require_transaction
from hubs.machines import HUB_TASKS
from hubs.models import Hub, HubTask
from hubs.selectors.queue import Status
from hubs.selectors.shelf import LABEL_SEPARATOR

Kind = HubTask.Kind

INDEX = Actor.system("hub task index")


def _brand_id(brand: Brand | int) -> int:
    return brand if isinstance(brand, int) else brand.pk


def _in_transaction(what: str) -> None:
    require_transaction(what, router.db_for_write(HubTask))


def hub_task_open(
    *,
    hub: Hub,
    brand: Brand,
    kind: str,
    return_item,
    stock_unit=None,
    code: str = "",
    due_at: datetime | None = None,
) -> HubTask:
    """Put one piece of work on `hub`'s queue for `return_item` (a fulfillment.ReturnItem of
    `brand`, with its SKU). One open task per (brand, return, kind): a second open of the
    same stage is a bug in the caller and fails on the unique constraint. Runs only inside
    the caller's transaction."""
    _in_transaction("Opening a hub task")
    sku = return_item.sku
    title = f"{sku.code} · {sku.title}"
    if stock_unit is not None:
        title = f"{stock_unit.label}{LABEL_SEPARATOR}{title}"  # the shelf count reads the label back
    return HubTask.objects.create(
        hub=hub,
        brand_id=_brand_id(brand),
        kind=kind,
        return_item_id=return_item.pk,
        stock_unit_id=stock_unit.pk if stock_unit is not None else None,
        code=code,
        title=title[:200],
        reference=return_item.rma_ref[:120],
        due_at=due_at,
    )


def hub_task_close(*, brand: Brand | int, return_item_id: int, kind: str, status: str = Status.DONE) -> int:
    """Close the open task of one stage of a return (done, or cancelled); returns how many
    were closed (0 or 1). Runs only inside the caller's transaction.

    It closes by a filter, but through HUB_TASKS row by row: the filter finds the open
    task of the stage (at most one, by `hubtask_one_open_per_stage`) and the machine moves
    it with its conditional `UPDATE … WHERE status = 'open'`. A task closed meanwhile (or
    never opened) counts as 0, so closing twice stays harmless, as it always was. No lock
    is taken here: the brand-row move that closes the task has already claimed its row,
    so two closes of one stage never run at once."""
    if status not in (Status.DONE, Status.CANCELLED):
        raise ValueError(f"{status!r} is not a closing status.")
    _in_transaction("Closing a hub task")
    closed = 0
    for task in HubTask.objects.filter(
        brand_id=_brand_id(brand), return_item_id=return_item_id, kind=kind, status=Status.OPEN
    ).order_by("pk"):
        try:
            HUB_TASKS.transition(task, status, actor=INDEX)
        except InvalidTransition:
            continue  # closed by someone else between the read and the UPDATE
        closed += 1
    return closed


class BrandRowTasks:
    """The hub task index for a brand's returns and stock units, as closo.statemachine's
    TaskIndex: a move of the row opens and closes the tasks its table names, in the
    move's transaction, for the brand the connection is on.

    `open` takes the hub, return and unit from the row (a unit's task is filed under its
    return), the drop-off code from the return (drop-off tasks) and the due time from
    `task_args["due_at"]` or, for a unit, its hold timer. Duck-typed: hubs sits below
    fulfillment and never imports its models."""

    kinds = tuple(Kind.values)
    TASK_ARGS = frozenset({"due_at", "code"})

    @staticmethod
    def _rows(obj: models.Model) -> tuple[Any, Any]:
        """(return, unit) of a return or a stock unit."""
        if hasattr(obj, "return_item_id"):
            return obj.return_item, obj
        return obj, None

    def open(self, obj: models.Model, kind: str, **task_args: Any) -> None:
        if unknown := sorted(set(task_args) - self.TASK_ARGS):
            raise TypeError(f"Unknown task arguments {unknown}; a task takes {sorted(self.TASK_ARGS)}.")
        item, unit = self._rows(obj)
        default_due = unit.hold_until if unit is not None else None
        hub_task_open(
            hub=obj.hub,
            brand=brand_of_connection(),
            kind=kind,
            return_item=item,
            stock_unit=unit,
            code=task_args.get("code", (item.dropoff_code or "") if kind == Kind.DROPOFF else ""),
            due_at=task_args.get("due_at", default_due),
        )

    def close(self, obj: models.Model, kind: str, *, cancelled: bool) -> None:
        hub_task_close(
            brand=brand_of_connection(),
            return_item_id=getattr(obj, "return_item_id", obj.pk),
            kind=kind,
            status=Status.CANCELLED if cancelled else Status.DONE,
        )


BRAND_ROW_TASKS = BrandRowTasks()
