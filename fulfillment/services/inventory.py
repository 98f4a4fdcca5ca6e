"""WMS inventory sync (issue 12 §3): the brand's warehouse system reports what it holds of
many SKUs at once, each report stamped with the time the WMS counted it (`as_of`).

- **The newest count wins, whatever order the reports arrive in.** A SKU keeps the `as_of`
  of the count it holds (`Sku.stock_as_of`); an item is applied only when its `as_of` is
  later. Reports race safely: the SKU rows are locked (in primary-key order) before they are
  compared, so of two concurrent pushes the older one finds the newer count and stands down.
- **Absolute quantities.** A report says what is there, so sending it again changes
  nothing (`unchanged`); an item whose quantity is the one held still moves `stock_as_of`.
- **Stock that covers waiting customers ships to them.** When a SKU's quantity goes up and
  customers are waiting, the restock path (`supply.restock_fill`, after commit) fulfils them
  from the warehouse in promise order as far as the stock goes, and the promises of those
  still waiting are re-evaluated (once per SKU).
- One ConfigChange row per SKU whose quantity changed (area stock), as the single-SKU push
  (`skus.sku_set_stock`) writes.

A constant number of queries whatever the number of items: the SKUs locked and read in
one, changed quantities written in one `bulk_update`, the activity in one insert, and the
SKUs with customers waiting found in one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from closo.actors import Actor
from closo.locks import lock_rows
from fulfillment.models import Backorder, BackorderStatus, ConfigChange, Sku
from fulfillment.selectors.availability import availability_changed
from fulfillment.services.config import config_changes_record
from fulfillment.services.events import after_commit_in_brand
from fulfillment.services.promises import promises_refresh_later
from fulfillment.services.supply import restock_fill

MAX_ITEMS = 1000


class Outcome:
    APPLIED = "applied"  # the quantity changed
    UNCHANGED = "unchanged"  # the same quantity (its count time moved on)
    STALE = "stale"  # a newer count is held: nothing changed
    UNKNOWN_SKU = "unknown_sku"


@dataclass(frozen=True)
class InventoryItem:
    sku: str
    available_qty: int
    as_of: dt.datetime


@dataclass(frozen=True)
class ItemResult:
    sku: str
    outcome: str
    available_qty: int | None  # what the SKU holds now
    stock_as_of: dt.datetime | None  # the count it holds
    previous_qty: int | None = None


@transaction.atomic
def inventory_sync(*, items: Sequence[InventoryItem], actor: Actor) -> list[ItemResult]:
    """Apply a WMS report (see the module): one result per item, in order. Each SKU code
    at most once per report (the caller checks). Locks the reported SKUs."""
    codes = [item.sku for item in items]
    if len(set(codes)) != len(codes):
        raise ValueError("Each SKU may appear once in a report.")
    skus = {sku.code: sku for sku in lock_rows(Sku.objects.filter(code__in=codes))}
    now = timezone.now()
    results: list[ItemResult] = []
    changed: list[Sku] = []
    raised: list[int] = []
    activity = []
    for item in items:
        sku = skus.get(item.sku)
        if sku is None:
            results.append(ItemResult(item.sku, Outcome.UNKNOWN_SKU, None, None))
            continue
        if sku.stock_as_of is not None and item.as_of <= sku.stock_as_of:
            results.append(ItemResult(sku.code, Outcome.STALE, sku.available_qty, sku.stock_as_of))
            continue
        previous = sku.available_qty
        sku.available_qty, sku.stock_as_of, sku.updated_at = item.available_qty, item.as_of, now
        changed.append(sku)
        if item.available_qty == previous:
            results.append(ItemResult(sku.code, Outcome.UNCHANGED, previous, item.as_of, previous))
            continue
        results.append(ItemResult(sku.code, Outcome.APPLIED, item.available_qty, item.as_of, previous))
        activity.append((sku.code, sku.pk, {"available_qty": [previous, item.available_qty]}))
        if item.available_qty > previous:
            raised.append(sku.pk)
    if changed:
        Sku.objects.bulk_update(changed, ["available_qty", "stock_as_of", "updated_at"])
        availability_changed()
    if activity:
        config_changes_record(
            area=ConfigChange.Area.STOCK, action=ConfigChange.Action.UPDATED, subjects=activity, actor=actor
        )
    if raised:
        waiting = (
            Backorder.objects.filter(sku_id__in=raised, status=BackorderStatus.WAITING)
            .order_by()
            .values_list("sku_id", flat=True)
            .distinct()
        )
        for sku_id in waiting:
            after_commit_in_brand(lambda sku_id=sku_id: restock_fill(sku_id=sku_id))
            promises_refresh_later(sku_id=sku_id)
    return results
