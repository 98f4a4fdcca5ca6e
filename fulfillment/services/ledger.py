"""The economics ledger (issue 11 §1): one LedgerEntry per economic fact, written by the
service whose state move causes it, inside that move's transaction (each function here
refuses to run outside one), so the ledger and the statuses never disagree.

At most one row per (kind, subject), by unique constraints: a retried or duplicated call
inserts nothing (ON CONFLICT DO NOTHING). The one exception is a return's routing row,
which follows the return's *current* route: a return routed again (after its route was
withdrawn) has its row rewritten in place (ON CONFLICT DO UPDATE), and a route withdrawn
or a return cancelled before it was handed in removes the row — no cost was incurred on
a route that was not taken. No reversal rows: the week a return counts in is the week of
its last routing.

A local fill's counterfactual is the restock: the first purchase order of the SKU still
expected when the unit was handed off (earliest expected date), on its expected date
shifted by the brand's mean PO lateness (the promise model's fit,
fulfillment.promise.Lateness). With no expected PO the restock wait is unknown: the row
keeps the days waited, no days saved, and no revenue kept."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from brands.selectors.brands import brand_of_connection
from closo.locks import require_transaction
from fulfillment import economics
from fulfillment.models import Backorder, InboundSupply, LedgerEntry, ReturnItem
from fulfillment.selectors.lateness import brand_lateness

Kind = LedgerEntry.Kind


def _insert_once(entry: LedgerEntry) -> None:
    # ON CONFLICT DO NOTHING: the unique (kind, subject) constraints make a retry a no-op.
    LedgerEntry.objects.bulk_create([entry], ignore_conflicts=True)


def ledger_return_routed(*, item: ReturnItem, at: dt.datetime | None = None) -> None:
    """The return's routing row: its cost on the route taken and on the other, the saving
    against the warehouse route (rewritten if the return is routed again)."""
    require_transaction("ledger_return_routed")
    if item.cost_local is None or item.cost_warehouse is None:
        return  # routed without costs (cannot happen through the routing services)
    on_hub = item.route == ReturnItem.Route.HUB
    entry = LedgerEntry(
        kind=Kind.RETURN_ROUTED,
        return_item=item,
        at=at or item.routed_at or timezone.now(),
        source=item.route,
        cost_actual=item.cost_local if on_hub else item.cost_warehouse,
        cost_other=item.cost_warehouse if on_hub else item.cost_local,
        savings=economics.route_saving(
            route=item.route, cost_local=item.cost_local, cost_warehouse=item.cost_warehouse
        ),
    )
    LedgerEntry.objects.bulk_create(
        [entry],
        update_conflicts=True,
        unique_fields=["kind", "return_item"],
        update_fields=["at", "source", "cost_actual", "cost_other", "savings"],
    )


def ledger_route_withdrawn(*, item: ReturnItem) -> None:
    """The return's route was withdrawn (or the return cancelled) before it was handed in:
    its routing row goes (see the module docstring)."""
    require_transaction("ledger_route_withdrawn")
    LedgerEntry.objects.filter(kind=Kind.RETURN_ROUTED, return_item_id=item.pk).delete()


def ledger_refund_ready(*, item: ReturnItem, at: dt.datetime | None = None) -> None:
    """The return's refund became ready: days from the return's creation, on its route."""
    require_transaction("ledger_refund_ready")
    at = at or item.refund_ready_at or timezone.now()
    entry = LedgerEntry(
        kind=Kind.REFUND_READY,
        return_item=item,
        at=at,
        source=item.route,
        days=economics.days_between(item.created_at, at),
    )
    _insert_once(entry)


def restock_date_for(*, sku_id: int, on: dt.date) -> dt.date | None:
    """When a restock would have reached a customer waiting on `on`: the earliest PO of the
    SKU still expected, on its expected date (not before `on`) plus the brand's mean lateness."""
    po = (
        InboundSupply.objects.filter(sku_id=sku_id, status=InboundSupply.Status.EXPECTED)
        .order_by("expected_date", "pk")
        .values_list("expected_date", flat=True)
        .first()
    )
    if po is None:
        return None
    late = round(brand_lateness().mean_days)
    return max(on, po + dt.timedelta(days=late))


def ledger_backorder_filled(*, backorder: Backorder, at: dt.datetime | None = None) -> None:
    """The backorder was fulfilled: days waited; for a local fill also the restock wait it
    was spared (days saved) and the revenue kept by not waiting that long."""
    require_transaction("ledger_backorder_filled")
    at = at or timezone.now()
    waited = economics.days_between(backorder.placed_at, at)
    entry = LedgerEntry(
        kind=Kind.BACKORDER_FILLED,
        backorder=backorder,
        at=at,
        source=backorder.fill_source or Backorder.FillSource.LOCAL_RETURN,
        days=waited,
        value=backorder.value,
    )
    if entry.source == Backorder.FillSource.LOCAL_RETURN:
        brand = brand_of_connection()
        cost = economics.cancellation_cost(
            value=backorder.value, support_cost=brand.support_cost, acquisition_cost=brand.acquisition_cost
        )
        entry.cancellation_cost = cost
        restock = restock_date_for(sku_id=backorder.sku_id, on=timezone.localdate(at))
        if restock is not None:
            placed = timezone.localtime(backorder.placed_at)
            restock_at = timezone.make_aware(dt.datetime.combine(restock, placed.timetz().replace(tzinfo=None)))
            entry.restock_days = max(waited, economics.days_between(backorder.placed_at, restock_at))
            entry.days_saved = entry.restock_days - waited
            entry.revenue_kept = economics.revenue_kept(
                cost=cost,
                hazard_per_day=brand.cancel_hazard_per_day,
                restock_wait_days=entry.restock_days,
                actual_wait_days=waited,
            )
    _insert_once(entry)


def ledger_backorder_cancelled(*, backorder: Backorder, at: dt.datetime | None = None) -> None:
    """The backorder was cancelled: the loss C (value + support + acquisition) and the days waited."""
    require_transaction("ledger_backorder_cancelled")
    at = at or timezone.now()
    brand = brand_of_connection()
    entry = LedgerEntry(
        kind=Kind.BACKORDER_CANCELLED,
        backorder=backorder,
        at=at,
        days=economics.days_between(backorder.placed_at, at),
        value=backorder.value,
        cancellation_cost=economics.cancellation_cost(
            value=backorder.value, support_cost=brand.support_cost, acquisition_cost=brand.acquisition_cost
        ),
    )
    _insert_once(entry)
