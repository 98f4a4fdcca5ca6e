"""From state moves to deliveries: one mapping table, the same transaction, nothing for
unsubscribed types, disabled endpoints or rolled-back moves."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django_q.models import OrmQ

from fulfillment.models import Event, EventKind, Sku
from fulfillment.services.returns import return_receive_dropoff
from tests.factories import HUB, make_return
from tests.webhooks.test_delivery import take_backorder
from webhooks.models import Delivery, EventType
from webhooks.services.events import MAPPING


def test_every_event_type_is_produced_by_some_move():
    assert set(MAPPING.values()) == set(EventType.values)
    assert all(kind in EventKind.values for _, kind in MAPPING)


def test_a_backorder_creates_exactly_the_subscribed_deliveries(
    acme, receiver, make_endpoint, alice_actor, django_capture_on_commit_callbacks
):
    wanted = make_endpoint(receiver.url, EventType.BACKORDER_CREATED, EventType.RETURN_ROUTED)
    also = make_endpoint(receiver.url + "/2", EventType.BACKORDER_CREATED)
    make_endpoint(receiver.url + "/3", EventType.RETURN_ROUTED, EventType.BACKORDER_ALLOCATED)  # not subscribed
    disabled = make_endpoint(receiver.url + "/4", EventType.BACKORDER_CREATED)
    disabled.is_active = False
    disabled.save()
    queued_before = set(OrmQ.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        backorder = take_backorder(alice_actor)

    deliveries = list(Delivery.objects.order_by("endpoint_id"))
    assert [(d.endpoint_id, d.event_type) for d in deliveries] == [
        (wanted.pk, "backorder.created"),
        (also.pk, "backorder.created"),
    ]
    first, second = deliveries
    assert first.event_id == second.event_id and first.body == second.body  # one event, the same bytes
    assert first.source_event == Event.objects.get(backorder=backorder, kind=EventKind.CREATED)
    assert json.loads(first.body)["data"]["backorder"]["id"] == backorder.pk
    queued = sorted(q.task["args"][1] for q in OrmQ.objects.exclude(pk__in=queued_before))
    assert queued == [first.pk, second.pk]


def test_nothing_is_written_or_queued_when_the_move_rolls_back(
    acme, receiver, make_endpoint, alice_actor, django_capture_on_commit_callbacks
):
    make_endpoint(receiver.url, EventType.BACKORDER_CREATED)
    queued_before = set(OrmQ.objects.values_list("pk", flat=True))

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        take_backorder(alice_actor)
        assert Delivery.objects.count() == 1  # written with the move…
        raise RuntimeError("the move fails after its event")

    assert Delivery.objects.count() == 0  # …and gone with it
    assert callbacks == []
    assert not OrmQ.objects.exclude(pk__in=queued_before).exists()


def test_a_return_routed_to_a_hub_and_received_there_sends_routed_then_received(
    brand_a, in_brand, active_hub, receiver, make_endpoint
):
    with in_brand(brand_a):
        Sku.objects.create(code="BLANKET-SAGE", title="Weighted blanket, sage", price=120)
        endpoint = make_endpoint(receiver.url, EventType.RETURN_ROUTED, EventType.RETURN_RECEIVED)
    item = make_return(brand_a, in_brand, rma="RMA-WH-1", hub=active_hub)
    with in_brand(brand_a):
        assert [d.event_type for d in Delivery.objects.filter(endpoint=endpoint)] == ["return.routed"]
    return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    with in_brand(brand_a):
        deliveries = list(Delivery.objects.filter(endpoint=endpoint).order_by("pk"))
        assert [d.event_type for d in deliveries] == ["return.routed", "return.received"]
        data = json.loads(deliveries[1].body)["data"]
    assert data["return"]["rma_ref"] == "RMA-WH-1"
    assert data["return"]["status"] == "dropped_off"
    assert data["change"] == {"from_status": "routed", "to_status": "dropped_off", "hub": active_hub.pk}


def test_brand_b_deliveries_hold_nothing_of_brand_a(
    brand_a, brand_b, in_brand, receiver, make_endpoint, alice_actor, bob
):
    """Each brand's events go to its own endpoints only (they live in its schema)."""
    with in_brand(brand_b):
        b_endpoint = make_endpoint(receiver.url + "/b", EventType.BACKORDER_CREATED)
    with in_brand(brand_a):
        make_endpoint(receiver.url + "/a", EventType.BACKORDER_CREATED)
        take_backorder(alice_actor, order_ref="#A-1")
        assert Delivery.objects.count() == 1
    with in_brand(brand_b):
        assert not Delivery.objects.filter(endpoint=b_endpoint).exists()


def test_matching_a_unit_sends_backorder_allocated_with_the_allocation_and_nothing_for_the_reservation(
    acme, active_hub, receiver, make_endpoint
):
    from fulfillment.services.matching import unit_match
    from tests.fulfillment.loop_builders import shelve, waiting

    sku = Sku.objects.create(code="WB-15", title="Weighted blanket", price=120)
    unit = shelve(acme, sku, active_hub)
    backorder = waiting(sku, ref="#2001-1")
    endpoint = make_endpoint(receiver.url, EventType.BACKORDER_ALLOCATED, EventType.UNIT_MISSING)

    allocation = unit_match(unit_id=unit.pk)

    [delivery] = Delivery.objects.filter(endpoint=endpoint)
    data = json.loads(delivery.body)["data"]
    assert delivery.event_type == "backorder.allocated"
    assert (data["backorder"]["id"], data["backorder"]["status"]) == (backorder.pk, "allocated")
    assert data["allocation"]["id"] == allocation.pk
    assert (data["allocation"]["unit"], data["allocation"]["hub"]) == (unit.pk, active_hub.pk)
    assert "pickup_code" not in json.dumps(data)  # the customer's code is not sent
