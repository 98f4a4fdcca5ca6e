"""What fulfillment does when a lower app (hubs) tells it something happened
(hubs.signals; connected in FulfillmentConfig.ready)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from fulfillment.selectors.availability import (
    availability_changed,
    forget_postal_codes,
    reference_changed,
)
from fulfillment.selectors.lateness import forget_lateness
from fulfillment.services.returns import hub_returns_reroute
from hubs.models import Hub, HubTask


def hub_suspended_reroute(sender, *, hub_id: int, actor: Actor, **kwargs) -> None:
    """A hub was suspended (after commit): in each brand with returns on their way to it
    (its open drop-off tasks, across brands), route them again (returns.hub_returns_reroute)."""
    hub = Hub.objects.get(pk=hub_id)
    brand_ids = (
        HubTask.objects.filter(hub=hub, kind=HubTask.Kind.DROPOFF, status=HubTask.Status.OPEN)
        .values("brand_id")
        .distinct()
    )
    rerouter = Actor.system(f"re-routing, after {actor.label} suspended {hub.name}")
    for brand in Brand.objects.filter(pk__in=brand_ids, is_active=True).order_by("pk"):
        with schema_context(brand.schema_name):
            hub_returns_reroute(hub=hub, actor=rerouter)


def purchase_orders_changed(sender, **kwargs) -> None:
    """An InboundSupply row was saved or deleted: the brand's PO lateness fit may move."""
    forget_lateness()


def supply_event_written(sender, *, instance, **kwargs) -> None:
    """A purchase order moved (its event; the state machine updates the row by queryset, which
    sends no post_save): the brand's PO lateness fit may move."""
    if instance.supply_id is not None:
        forget_lateness()


def postal_codes_changed(sender, **kwargs) -> None:
    forget_postal_codes()
    reference_changed()


def supply_row_changed(sender, **kwargs) -> None:
    """A SKU, region, backorder, unit or purchase order was saved or deleted: the brand's
    availability answers are computed again after the commit."""
    availability_changed()


def supply_moved(sender, *, instance, **kwargs) -> None:
    """A backorder, unit or purchase order moved (its event: the state machine updates rows
    by queryset, which sends no post_save)."""
    if instance.backorder_id is not None or instance.unit_id is not None or instance.supply_id is not None:
        availability_changed()


def hubs_changed(sender, **kwargs) -> None:
    """A hub was saved, deleted or moved (its HubEvent): every brand's availability answers."""
    reference_changed()
