from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from brands.models import Brand
from hubs.models import Hub, HubTask
from hubs.selectors.queue import Status


def _brand_id(brand: Brand | int) -> int:
    return brand if isinstance(brand, int) else brand.pk


@transaction.atomic
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
    same stage is a bug in the caller and fails on the unique constraint."""
    sku = return_item.sku
    title = f"{sku.code} · {sku.title}"
    if stock_unit is not None:
        title = f"{stock_unit.label} — {title}"
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


@transaction.atomic
def hub_task_close(*, brand: Brand | int, return_item_id: int, kind: str, status: str = Status.DONE) -> int:
    """Close the open task of one stage of a return (done, or cancelled); returns how many
    were closed (0 or 1). Conditional on `open`, so closing twice is harmless."""
    if status not in (Status.DONE, Status.CANCELLED):
        raise ValueError(f"{status!r} is not a closing status.")
    return HubTask.objects.filter(
        brand_id=_brand_id(brand), return_item_id=return_item_id, kind=kind, status=Status.OPEN
    ).update(status=status, closed_at=timezone.now())
