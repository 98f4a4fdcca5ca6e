"""Two submits of one inspection at the same moment (a double tap, a retry racing the
first request): real threads and connections, committed data. One inspection is stored."""

from __future__ import annotations

import copy

import pytest
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor, Party
from closo.exceptions import InvalidTransition
from closo.models import User
from fulfillment.models import Event, ReturnItem, Sku, StockUnit
from fulfillment.services import returns as return_services
from hubs.models import Hub, HubTask
from inspections.models import Audit, GradingStandard, Inspection, InspectionPhoto
from inspections.selectors.inspections import inspection_started_token
from inspections.services import inspections as inspect
from tests.conftest import BRAND_A, EMAILS, FirstLocksHeld, run_concurrently
from tests.inspections.inspect_builders import (
    ALL_PASS,
    add_photos,
    evidence_unsealed,
    publish_standard,
    received_return,
)

SKU = "WB-RACE-INSPECT"


@pytest.fixture
def received(committed):
    """A committed, received return of brand A at the active hub, with its 4 photos (all
    removed afterwards, with everything the submit wrote)."""
    brand = Brand.objects.get(slug=BRAND_A["slug"])
    hub = Hub.objects.get(name="Eastside Porch")
    alice = User.objects.get(email=EMAILS["alice"])
    standards = []

    def cleanup():
        HubTask.objects.filter(brand=brand, reference="RMA-RACE-INSPECT").delete()
        with schema_context(brand.schema_name):
            items = ReturnItem.objects.filter(rma_ref="RMA-RACE-INSPECT")
            Event.objects.filter(unit__return_item__in=items).delete()
            StockUnit.objects.filter(return_item__in=items).delete()
            Audit.objects.filter(inspection__return_item__in=items).delete()
            with evidence_unsealed():
                InspectionPhoto.objects.filter(return_item__in=items).delete()
                Inspection.objects.filter(return_item__in=items).delete()
            Event.objects.filter(return_item__in=items).delete()
            items.delete()
            GradingStandard.objects.filter(pk__in=standards).delete()
            Sku.objects.filter(code=SKU).delete()

    committed.append(cleanup)
    with schema_context(brand.schema_name):
        standards.append(publish_standard(Actor(user=alice, label=alice.email)).standard_id)
    item = received_return(brand, hub, rma="RMA-RACE-INSPECT", sku_code=SKU)
    with schema_context(brand.schema_name):
        add_photos(item, hub)
    return brand, hub, item


def test_a_concurrent_double_submit_stores_one_inspection(received):
    brand, hub, item = received
    ivan = User.objects.get(email=EMAILS["ivan"])
    token = inspection_started_token(item=item)

    def tap(i):
        with schema_context(brand.schema_name):
            return inspect.inspection_submit(
                item=item,
                hub=hub,
                inspector=ivan,
                started_token=token,
                answers=dict(ALL_PASS),
                actor=Actor.for_user(ivan, party=Party.HUB),
            )

    results = run_concurrently(tap, n=2)

    stored = [r for r in results if isinstance(r, Inspection)]
    refused = [r for r in results if isinstance(r, inspect.AlreadyInspected)]
    assert (len(stored), len(refused)) == (1, 1), results
    assert refused[0].fields == {"inspection": stored[0].pk}
    with schema_context(brand.schema_name):
        assert Inspection.objects.filter(return_item=item).count() == 1
        assert StockUnit.objects.filter(return_item=item).count() == 1
        assert Event.objects.filter(return_item=item, kind="inspected").count() == 1
        assert InspectionPhoto.objects.filter(return_item=item, inspection=stored[0]).count() == 4
    assert HubTask.objects.filter(brand=brand, return_item_id=item.pk, kind=HubTask.Kind.SHELF).count() == 1


def test_a_submit_and_a_cancel_of_one_return_lock_in_one_order_and_both_finish(received):
    """The hub submits while the brand cancels (from a page still showing the return as
    routed). Each flow is held after its first row lock until the other holds one or waits
    (FirstLocksHeld): both lock the open task, then the return, so the second waits at the
    task instead of holding the return while the first wants it — no deadlock, the submit
    goes through and the cancel is refused for the state the return is in."""
    brand, hub, item = received
    ivan = User.objects.get(email=EMAILS["ivan"])
    alice = User.objects.get(email=EMAILS["alice"])
    as_the_brand_read_it = copy.copy(item)
    as_the_brand_read_it.status = "routed"
    held = FirstLocksHeld("hubs_hubtask", "fulfillment_returnitem")

    def act(i):
        with held.thread(i), schema_context(brand.schema_name):
            if i == 0:
                return inspect.inspection_submit(
                    item=item,
                    hub=hub,
                    inspector=ivan,
                    started_token=inspection_started_token(item=item),
                    answers=dict(ALL_PASS),
                    actor=Actor(user=ivan, label=ivan.email, party=Party.HUB),
                )
            return return_services.return_cancel(
                item=as_the_brand_read_it, reason="Customer kept it", actor=Actor(user=alice, label=alice.email)
            )

    submitted, cancelled = run_concurrently(act, n=2)

    assert isinstance(submitted, Inspection), submitted
    assert isinstance(cancelled, InvalidTransition), cancelled
    assert len(held.waited) == 1  # one flow waited at its first lock: the order is one
    with schema_context(brand.schema_name):
        assert ReturnItem.objects.get(pk=item.pk).status == "disposed"
    tasks = dict(HubTask.objects.filter(brand=brand, return_item_id=item.pk).values_list("kind", "status"))
    assert tasks["inspect"] == "done"
