from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from brands.selectors.brands import brand_of_connection
from closo.statemachine import Move
from fulfillment.machines import RETURNS, Route, S
from fulfillment.models import Event, ReturnItem
from fulfillment.selectors.regions import normalise_zip
from hubs.models import Hub, HubTask, PostalCode


def hubs_serving_return(*, item: ReturnItem) -> models.QuerySet[Hub]:
    """Active hubs whose service area covers the return's customer, nearest first
    (annotated with `distance_miles`): the choices for assigning it."""
    if item.lat is None:
        return Hub.objects.none()
    return Hub.objects.active().serving(item.lat, item.lon)


def hubs_serving_zip(zip_code: str | None) -> tuple[PostalCode | None, models.QuerySet[Hub]]:
    """The ZIP's place (None: not a US ZIP code) and the active hubs whose service area
    covers it, nearest first (annotated with `distance_miles`): the drop-off choices
    for a new return."""
    code = normalise_zip(zip_code)
    place = PostalCode.objects.filter(code=code).first() if code else None
    if place is None:
        return None, Hub.objects.none()
    return place, Hub.objects.active().serving(place.lat, place.lon)


def return_dropoff_task(*, item: ReturnItem) -> HubTask | None:
    """The return's latest drop-off task (its code's expiry is the task's due time)."""
    return (
        HubTask.objects.filter(brand=brand_of_connection(), return_item_id=item.pk, kind=HubTask.Kind.DROPOFF)
        .order_by("-pk")
        .first()
    )


def returns_all() -> models.QuerySet[ReturnItem]:
    """Returns with what lists and details show (SKU, hub) in the same query."""
    return ReturnItem.objects.select_related("sku", "hub")


def return_get(*, pk: int) -> ReturnItem:
    """One return of this brand (the connection is on the brand's schema), or 404."""
    return get_object_or_404(returns_all(), pk=pk)


def return_events(*, item: ReturnItem) -> models.QuerySet[Event]:
    """The chain of custody, oldest first, with the hub of each custody step: the return's
    own events and those of the stock unit it became (shelved, approved, handed off…)."""
    return (
        Event.objects.filter(Q(return_item=item) | Q(unit__return_item=item))
        .select_related("hub")
        .order_by("created_at", "pk")
    )


FUNNEL = (S.INITIATED, S.ROUTED, S.DROPPED_OFF, S.INSPECTED, S.DISPOSED, S.CANCELLED)


def return_status_counts(*, queryset: models.QuerySet[ReturnItem]) -> list[tuple[str, str, int]]:
    """[(status, label, count)] in state-machine order, in one query."""
    counts = queryset.order_by().aggregate(**{s: Count("pk", filter=Q(status=s)) for s in FUNNEL})
    return [(s, S(s).label, counts[s]) for s in FUNNEL]


def return_next_moves(*, item: ReturnItem, party: str | None = None) -> list[Move]:
    """The moves the table allows from where `item` is now, on its route (a move that
    sets the route is listed for each route); with `party`, only those it may make."""
    return [m for m in RETURNS.moves_from(item) if party is None or party in m.by]


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    state: str  # "done", "current", "todo" or "stopped" (cancelled)


def _path(route: str) -> list[str]:
    """The statuses a return on `route` passes through, read from the RETURNS table."""
    path = [S.INITIATED]
    while True:
        following = [
            m.target
            for m in RETURNS.moves
            if m.source == path[-1]
            and m.target not in (S.CANCELLED, *path)  # forward only: a route withdrawn is no step
            and m.when.get("route", route) == route
        ]
        if not following:
            return path
        path.append(following[0])


def return_steps(*, item: ReturnItem, events) -> list[Step]:
    """Where `item` is on its route's path (an unrouted return is shown on the hub path,
    the longer one). A cancelled return shows the steps it had reached, then Cancelled."""
    path = _path(item.route or Route.HUB)

    def label(status: str) -> str:
        if status == S.ROUTED and item.route:
            return f"Routed · {item.hub.name if item.hub else item.get_route_display()}"
        if status == S.DISPOSED and item.disposition:
            return f"Disposed · {item.get_disposition_display()}"
        return S(status).label

    if item.status == S.CANCELLED:
        cancelled_from = next(
            (e.from_status for e in reversed(list(events)) if e.to_status == S.CANCELLED), S.INITIATED
        )
        reached = path[: path.index(cancelled_from) + 1] if cancelled_from in path else [S.INITIATED]
        return [Step(s, label(s), "done") for s in reached] + [Step(S.CANCELLED, S.CANCELLED.label, "stopped")]
    at = path.index(item.status)
    return [Step(s, label(s), "done" if i < at else "current" if i == at else "todo") for i, s in enumerate(path)]
