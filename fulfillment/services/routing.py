"""Automatic return routing (issue 9): where a new return should go, and why, in words.

A return goes to the best active hub that serves the customer's ZIP, has room today and
takes its SKU; best is

    most waiting backorders of the SKU within the hub's radius → nearest (to 0.1 mi, as
    shown) → highest reputation → id,

so a return lands where a customer already waits for it. Otherwise it goes to the
warehouse, with the reason no hub could take it. `route_decide` only reads (a constant
number of queries whatever the number of hubs and backorders: the serving hubs, their
load, and the waiting backorders near each of them counted in one aggregate);
`returns.return_route_auto` carries the decision out. It lives here, below returns.py,
because returns.py calls it from `return_create` (and matching imports returns, so this
module imports no other service)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from fulfillment.models import Backorder, BackorderStatus, ReturnItem
from hubs.geo import bounding_box, distance_miles_expression
from hubs.models import Hub, HubTask

# The hub tasks that fill a hub's day: items announced or received and not yet inspected.
LOAD_KINDS = (HubTask.Kind.DROPOFF, HubTask.Kind.INSPECT)


@dataclass(frozen=True)
class RouteDecision:
    """The chosen hub (None: the warehouse) and the reason, as the brand reads it."""

    hub: Hub | None
    reason: str
    waiting: int = 0
    distance_miles: float | None = None


def hub_loads(hub_ids: list[int]) -> dict[int, int]:
    """{hub id: its open drop-off and inspect tasks, across brands}, in one query."""
    if not hub_ids:
        return {}
    rows = (
        HubTask.objects.filter(hub_id__in=hub_ids, status=HubTask.Status.OPEN, kind__in=LOAD_KINDS)
        .order_by()
        .values("hub_id")
        .annotate(n=Count("pk"))
    )
    return {row["hub_id"]: row["n"] for row in rows}


def _eligible_waiting() -> Q:
    # The backorders a local unit may go to (selectors.matching.eligible_backorders' rule; that module
    # cannot be imported here: it imports returns, which imports this module).
    region_ok = Q(region__is_active=True) & (Q(region__requires_consent=False) | Q(consent_local_return=True))
    return Q(status=BackorderStatus.WAITING) & (Q(region__isnull=True) | region_ok)


def waiting_near_hubs(*, sku_id: int, hubs: list[Hub]) -> dict[int, int]:
    """{hub id: waiting backorders of `sku_id` within the hub's service radius}, for every
    hub in one aggregate query: the rows inside the box around all the hubs (the partial
    index `backorder_waiting_sku_geo`), each hub's exact distance a conditional count."""
    if not hubs:
        return {}
    boxes = [bounding_box(h.lat, h.lon, h.service_radius_miles) for h in hubs]
    outer = {
        "lat__gte": min(b.min_lat for b in boxes),
        "lat__lte": max(b.max_lat for b in boxes),
        "lon__gte": min(b.min_lon for b in boxes),
        "lon__lte": max(b.max_lon for b in boxes),
    }
    queryset = Backorder.objects.filter(_eligible_waiting(), sku_id=sku_id, **outer).annotate(
        **{f"d{h.pk}": distance_miles_expression(h.lat, h.lon) for h in hubs}
    )
    counts = queryset.order_by().aggregate(
        **{
            f"h{h.pk}": Count("pk", filter=Q(**box.as_filter(), **{f"d{h.pk}__lte": h.service_radius_miles}))
            for h, box in zip(hubs, boxes, strict=True)
        }
    )
    return {h.pk: counts[f"h{h.pk}"] for h in hubs}


def route_decide(*, item: ReturnItem) -> RouteDecision:
    """Where `item` should go now and why (see the module docstring). Reads only."""
    sku = item.sku
    if not sku.local_returns_enabled:
        return RouteDecision(None, f"{sku.code} is not eligible for local returns.")
    if item.lat is None:
        return RouteDecision(None, f"ZIP {item.customer_zip} has no location: no hub can be chosen.")
    serving = list(Hub.objects.active().serving(item.lat, item.lon))
    if not serving:
        return RouteDecision(None, f"No active hub serves {item.customer_zip}.")
    loads = hub_loads([h.pk for h in serving])
    open_hubs = [h for h in serving if loads.get(h.pk, 0) < h.daily_capacity]
    if not open_hubs:
        full = ", ".join(f"{h.name} ({loads.get(h.pk, 0)} of {h.daily_capacity})" for h in serving[:3])
        if len(serving) == 1:
            return RouteDecision(
                None, f"{serving[0].name} is full today ({loads.get(serving[0].pk, 0)} of {serving[0].daily_capacity})."
            )
        return RouteDecision(None, f"Every hub serving {item.customer_zip} is full today: {full}.")
    waiting = waiting_near_hubs(sku_id=sku.pk, hubs=open_hubs)
    best = min(
        open_hubs,
        key=lambda h: (-waiting[h.pk], round(h.distance_miles, 1), -h.reputation, h.pk),
    )
    return RouteDecision(best, _hub_reason(best, sku.code, waiting[best.pk]), waiting[best.pk], best.distance_miles)


def _hub_reason(hub: Hub, sku_code: str, waiting: int) -> str:
    near = f"{hub.distance_miles:.1f} mi from the customer"
    radius = f"{hub.service_radius_miles} mi"
    if waiting == 0:
        return f"{hub.name}: no customer within {radius} waits for {sku_code} yet; {near}."
    customers = "1 customer" if waiting == 1 else f"{waiting} customers"
    verb = "waits" if waiting == 1 else "wait"
    return f"{hub.name}: {customers} within {radius} {verb} for {sku_code}; {near}."
