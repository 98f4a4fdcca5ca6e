"""Two people (or a person and an integration) moving one return at the same moment:
real threads and connections against PostgreSQL, committed data."""

import pytest
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import InvalidTransition
from fulfillment.models import Event, ReturnItem, Sku
from fulfillment.services import returns as services
from tests.conftest import BRAND_A, run_concurrently

ACTOR = Actor.system("race test")


@pytest.fixture
def acme_return(committed):
    """A committed `initiated` return in brand A (removed afterwards, events and all)."""
    brand = Brand.objects.get(slug=BRAND_A["slug"])
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="RACE-RETURN", title="Race blanket", price=100)
        item = ReturnItem.objects.create(rma_ref="RMA-RACE", sku=sku, customer_zip="78702")

    def cleanup():
        with schema_context(brand.schema_name):
            Event.objects.filter(return_item=item).delete()
            ReturnItem.objects.filter(pk=item.pk).delete()
            Sku.objects.filter(pk=sku.pk).delete()

    committed.append(cleanup)
    return brand, item


MOVES = {
    "route": lambda item: services.return_route_to_warehouse(item=item, actor=ACTOR),
    "cancel": lambda item: services.return_cancel(item=item, reason="Customer kept it", actor=ACTOR),
    "refund": lambda item: services.return_refund_update(item=item, refund_status="refunded", actor=ACTOR),
    "deny": lambda item: services.return_refund_update(item=item, refund_status="denied", actor=ACTOR),
}


@pytest.mark.parametrize("pair", [("route", "route"), ("route", "cancel"), ("cancel", "cancel"), ("refund", "deny")])
def test_two_concurrent_moves_from_one_state_make_exactly_one_change(acme_return, pair):
    brand, item = acme_return
    with schema_context(brand.schema_name):
        # Both copies are read before either thread moves, so both pass the table check
        # and the race is settled by the conditional UPDATE itself.
        copies = [ReturnItem.objects.get(pk=item.pk) for _ in pair]

    def move(i):
        with schema_context(brand.schema_name):
            return MOVES[pair[i]](copies[i])

    results = run_concurrently(move, n=2)
    winners = [r for r in results if isinstance(r, ReturnItem)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(winners), len(losers)) == (1, 1), results
    with schema_context(brand.schema_name):
        row = ReturnItem.objects.get(pk=item.pk)
        events = list(Event.objects.filter(return_item=item))
    assert len(events) == 1
    assert (row.status, row.refund_status) == (winners[0].status, winners[0].refund_status)
