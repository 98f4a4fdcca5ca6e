"""Races with real threads and connections: the region cap and cancellation hold when
requests arrive at the same moment. Uses committed data (see tests/conftest.py)."""

import pytest
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import Conflict, InvalidTransition
from fulfillment.models import Backorder, Channel, Event, RegionLimit, Sku
from fulfillment.services.backorders import backorder_cancel, backorder_create
from tests.conftest import BRAND_A, run_concurrently

ACTOR = Actor.system("race test")


@pytest.fixture
def acme_committed(committed):
    """Brand A with a SKU, committed; everything made in its schema is removed afterwards."""
    brand = Brand.objects.get(slug=BRAND_A["slug"])

    def cleanup():
        with schema_context(brand.schema_name):
            Backorder.objects.all().delete()
            RegionLimit.objects.all().delete()
            Sku.objects.all().delete()

    committed.append(cleanup)
    with schema_context(brand.schema_name):
        Sku.objects.create(code="RACE-1", title="Race blanket", price=120)
    return brand


def create_in(brand, order_ref):
    with schema_context(brand.schema_name):
        return backorder_create(
            order_ref=order_ref,
            sku_code="RACE-1",
            customer_zip="78701",
            value="120",
            channel=Channel.API,
            actor=ACTOR,
        )


@pytest.mark.parametrize(("threads", "cap"), [(2, 1), (4, 2)])
def test_the_region_cap_holds_when_creates_arrive_together(acme_committed, threads, cap):
    brand = acme_committed
    with schema_context(brand.schema_name):
        RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"], max_open_backorders_per_sku=cap)

    results = run_concurrently(lambda i: create_in(brand, f"#race-{i}"), n=threads)

    created = [r for r in results if isinstance(r, Backorder)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == cap, results
    assert len(refused) == threads - cap, results
    assert {r.code for r in refused} == {"region_cap_reached"}
    with schema_context(brand.schema_name):
        assert Backorder.objects.count() == cap
        assert Event.objects.filter(kind="created").count() == cap


def test_two_creates_of_one_order_ref_make_one_backorder(acme_committed):
    brand = acme_committed
    results = run_concurrently(lambda i: create_in(brand, "#same"), n=2)
    assert sum(isinstance(r, Backorder) for r in results) == 1, results
    assert [r.code for r in results if isinstance(r, Conflict)] == ["backorder_exists"]
    with schema_context(brand.schema_name):
        assert Backorder.objects.count() == 1


def test_two_cancels_at_once_make_one_change_and_one_event(acme_committed):
    brand = acme_committed
    backorder = create_in(brand, "#cancel-me")

    def cancel(i):
        with schema_context(brand.schema_name):
            return backorder_cancel(backorder=backorder, reason=f"reason {i}", actor=ACTOR)

    results = run_concurrently(cancel, n=2)

    assert sum(isinstance(r, Backorder) for r in results) == 1, results
    assert [r.code for r in results if isinstance(r, InvalidTransition)] == ["invalid_transition"]
    with schema_context(brand.schema_name):
        events = list(Event.objects.filter(backorder_id=backorder.pk, kind="cancelled"))
        assert len(events) == 1
        assert Backorder.objects.get(pk=backorder.pk).cancel_reason == events[0].detail
