"""The reads of matching (fulfillment.services.matching): which waiting backorders a local
unit may go to, which units a backorder may get, and the order the best is chosen in. Also
what the availability selector counts as the queue, and what bench/allocation.py times."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from fulfillment.models import Backorder, BackorderStatus, StockUnit
from hubs.geo import bounding_box, distance_miles_expression
from hubs.models import MAX_SERVICE_RADIUS_MILES, Hub, HubStatus

# Best first: the order the issue and DESIGN.md §5 give.
BACKORDER_ORDER = (F("promised_ship_by").asc(nulls_last=True), F("priority").desc(), F("placed_at").asc())


def eligible_backorders() -> Q:
    """Waiting backorders a local unit may go to: no region, or an active region whose
    consent rule the customer meets."""
    region_ok = Q(region__is_active=True) & (Q(region__requires_consent=False) | Q(consent_local_return=True))
    return Q(status=BackorderStatus.WAITING) & (Q(region__isnull=True) | region_ok)


def backorders_within_reach(*, sku_id: int, hub: Hub) -> QuerySet[Backorder]:
    """The waiting backorders of `sku_id` a unit at `hub` may fill, with `distance_miles`
    from the hub: a latitude band the partial index `backorder_waiting_sku_geo` serves,
    then the exact haversine distance against the hub's radius."""
    radius = hub.service_radius_miles
    return (
        Backorder.objects.filter(
            eligible_backorders(), sku_id=sku_id, **bounding_box(hub.lat, hub.lon, radius).as_filter()
        )
        .annotate(distance_miles=distance_miles_expression(hub.lat, hub.lon))
        .filter(distance_miles__lte=radius)
    )


def units_within_reach(backorder: Backorder) -> QuerySet[StockUnit]:
    """Available units of the backorder's SKU at active hubs whose radius covers the
    customer, with `distance_miles`; nearest first is the caller's order."""
    box = bounding_box(backorder.lat, backorder.lon, MAX_SERVICE_RADIUS_MILES)
    return (
        StockUnit.objects.filter(
            status=StockUnit.Status.AVAILABLE,
            sku_id=backorder.sku_id,
            hub__status=HubStatus.ACTIVE,
            **box.as_filter("hub__lat", "hub__lon"),
        )
        .annotate(distance_miles=distance_miles_expression(backorder.lat, backorder.lon, "hub__lat", "hub__lon"))
        .filter(distance_miles__lte=F("hub__service_radius_miles"))
    )
