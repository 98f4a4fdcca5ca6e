"""unit_release: a Like-New item goes on its hub's shelf with a label; a hub below the
brand's reputation threshold has it held for the brand's approval."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from closo.actors import Actor, Party
from fulfillment.models import Event, StockUnit
from fulfillment.services.units import unit_label
from inspections.selectors.inspections import inspection_next_action, inspection_started_token
from inspections.services.inspections import inspection_submit
from tests.inspections.inspect_builders import ALL_PASS, add_photos, publish_standard, received_return


@pytest.fixture
def photographed(brand_a, alice, active_hub, in_brand):
    with in_brand(brand_a):
        publish_standard(Actor(user=alice, label=alice.email))
    item = received_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub)
    return item


def inspect_like_new(brand, item, hub, inspector):
    with schema_context(brand.schema_name):
        inspection = inspection_submit(
            item=item,
            hub=hub,
            inspector=inspector,
            started_token=inspection_started_token(item=item, at=timezone.now() - datetime.timedelta(seconds=30)),
            answers=dict(ALL_PASS),
            actor=Actor.for_user(inspector, party=Party.HUB),
        )
        return inspection, StockUnit.objects.get(return_item=item)


@pytest.mark.parametrize("unit_id, suffix", [(7, "0007"), (42, "0042"), (9999, "9999"), (12345, "12345")])
def test_the_shelf_label_is_the_brands_letters_and_id_then_the_units_id(brand_a, brand_b, unit_id, suffix):
    assert unit_label(brand_a, unit_id) == f"ACM{brand_a.pk}-{suffix}"
    # Unit ids count per brand: the same id in brand B gets another label on a shared shelf.
    assert unit_label(brand_b, unit_id) == f"BOL{brand_b.pk}-{suffix}"


def test_a_hub_in_good_standing_releases_the_unit_as_available(brand_a, photographed, active_hub, ivan):
    # No audits yet: the Beta(9, 1) prior gives 0.9, above the default threshold of 0.8.
    assert active_hub.reputation == pytest.approx(0.9)

    _, unit = inspect_like_new(brand_a, photographed, active_hub, ivan)

    assert unit.status == StockUnit.Status.AVAILABLE


def test_a_hub_below_the_brands_threshold_has_the_unit_held_for_approval(brand_a, photographed, active_hub, ivan):
    active_hub.audits_agreed, active_hub.audits_total = 2, 10  # (2 + 9) / (10 + 10) = 0.55
    active_hub.save(update_fields=["audits_agreed", "audits_total"])

    inspection, unit = inspect_like_new(brand_a, photographed, active_hub, ivan)

    assert unit.status == StockUnit.Status.HELD
    with schema_context(brand_a.schema_name):
        event = Event.objects.get(unit=unit, kind="released")
        action = inspection_next_action(inspection=inspection, brand_name=brand_a.name)
    assert event.to_status == "held"
    assert "55%" in event.detail and "80%" in event.detail
    assert event.data["reputation"] == pytest.approx(0.55)
    assert action.held is True
    assert action.headline == f"Like New — shelf it with label {unit.label}"
    assert "approves" in action.detail


def test_the_threshold_is_the_brands_own(brand_a, photographed, active_hub, ivan):
    brand_a.reputation_threshold = 0.95
    brand_a.save(update_fields=["reputation_threshold"])

    _, unit = inspect_like_new(brand_a, photographed, active_hub, ivan)

    assert unit.status == StockUnit.Status.HELD


def test_a_hub_exactly_at_the_threshold_is_in_good_standing(brand_a, photographed, active_hub, ivan):
    brand_a.reputation_threshold = 0.9
    brand_a.save(update_fields=["reputation_threshold"])

    _, unit = inspect_like_new(brand_a, photographed, active_hub, ivan)

    assert unit.status == StockUnit.Status.AVAILABLE


def test_the_reputation_is_read_when_the_unit_is_released(brand_a, photographed, active_hub, ivan):
    # The caller's hub object is stale: audits decided meanwhile count.
    stale = type(active_hub).objects.get(pk=active_hub.pk)
    type(active_hub).objects.filter(pk=active_hub.pk).update(audits_agreed=0, audits_total=10)

    _, unit = inspect_like_new(brand_a, photographed, stale, ivan)

    assert unit.status == StockUnit.Status.HELD


def test_the_return_timeline_continues_with_its_unit(brand_a, photographed, active_hub, ivan, api_client, in_brand):
    from fulfillment.models import ReturnItem
    from fulfillment.selectors.returns import return_events

    inspect_like_new(brand_a, photographed, active_hub, ivan)
    with in_brand(brand_a):
        kinds = [e.kind for e in return_events(item=ReturnItem.objects.get(pk=photographed.pk))]
    # The brand's default refund rule (at inspection) makes the refund ready as it is inspected.
    assert kinds[-4:] == ["inspected", "refund_ready", "disposed", "released"]
    body = api_client(brand_a).get(f"/api/v1/returns/{photographed.pk}/events").json()
    assert body["results"][-1]["kind"] == "released"
