"""The hub's cycle count ("Count my shelf", portals.services.shelf_counts): units found are
verified, units not found go missing (an allocation ends and its customer is back in the
queue), a missing unit typed again is found again and matched; the count is recorded with
its lines. From the attacker's side: another hub's units, other brands' ids, unknown
labels change nothing, and the page says so."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fulfillment.models import Allocation, Backorder, Event, EventKind, StockUnit
from fulfillment.services import counts as unit_counts
from fulfillment.services.matching import unit_match
from hubs.models import HubTask, ShelfCount
from hubs.selectors.shelf import hub_shelf
from portals.services.shelf_counts import labels_parse, shelf_count_submit
from tests.factories import HUB
from tests.fulfillment.loop_builders import shelve, waiting


@pytest.fixture
def public(host_client, public_host):
    return lambda user=None: host_client(public_host, user)


@pytest.fixture
def shelf(brand_a, brand_b, in_brand, sku_a, sku_b, active_hub, other_hub):
    """Eastside Porch holds A's T1 (available), T2 (reserved for #near), T3 (available) and
    B's T9; Zilker Stoop holds A's T5."""
    with in_brand(brand_a):
        t1, t2, t3 = (shelve(brand_a, sku_a, active_hub, n=n) for n in (1, 2, 3))
        backorder = waiting(sku_a, "#near", customer_email="near@example.com")
        allocation = unit_match(unit_id=t2.pk)
        assert allocation.unit_id == t2.pk
        t5 = shelve(brand_a, sku_a, other_hub, n=5)
    with in_brand(brand_b):
        t9 = shelve(brand_b, sku_b, active_hub, n=9)
    key = lambda brand, unit: f"{brand.pk}:{unit.pk}"  # noqa: E731
    return {
        "t1": key(brand_a, t1),
        "t2": key(brand_a, t2),
        "t3": key(brand_a, t3),
        "t9": key(brand_b, t9),
        "t5": key(brand_a, t5),
        "units": {"t1": t1, "t2": t2, "t3": t3, "t5": t5, "t9": t9},
        "backorder": backorder,
        "allocation": allocation,
    }


def status(in_brand, brand, unit):
    with in_brand(brand):
        row = StockUnit.objects.get(pk=unit.pk)
        return row.status, row.verified_at


def test_the_count_page_lists_the_hubs_shelf_across_brands_by_label(public, ivan, shelf):
    response = public(ivan).get("/hub/count/")
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("T1", "T2", "T3", "T9"):
        assert f'data-label="{label}"' in body
    assert 'data-label="T5"' not in body  # Zilker Stoop's
    assert "hand-off due" in body  # T2 is matched to a customer
    assert body.count('name="shown"') == 4


def test_the_shelf_list_is_read_in_one_query(active_hub, shelf, django_assert_num_queries):
    hub_shelf(active_hub)  # the connection settles on the public schema first
    with django_assert_num_queries(1):
        lines = hub_shelf(active_hub)
    assert [line.label for line in lines] == ["T1", "T2", "T3", "T9"]


def test_found_units_are_verified_and_unticked_ones_go_missing(
    public, ivan, shelf, brand_a, brand_b, in_brand, django_capture_on_commit_callbacks
):
    keys = [shelf[k] for k in ("t1", "t2", "t3", "t9")]
    with django_capture_on_commit_callbacks(execute=True):
        response = public(ivan).post(
            "/hub/count/", {"shown": keys, "found": [shelf["t1"], shelf["t9"]], "labels": "t3\n"}, follow=True
        )
    assert response.status_code == 200
    assert "Count saved: 3 found, 1 missing." in response.content.decode()
    units = shelf["units"]
    for name, brand in (("t1", brand_a), ("t3", brand_a), ("t9", brand_b)):
        assert status(in_brand, brand, units[name])[1] is not None, name  # verified now
    with in_brand(brand_a):
        t2 = StockUnit.objects.get(pk=units["t2"].pk)
        assert t2.status == "missing" and t2.verified_at is None
        missing = Event.objects.get(unit=t2, kind=EventKind.MISSING)
        assert (missing.actor_label, missing.hub_id) == ("ivan@hub.test", t2.hub_id)
        # Its allocation ended and the customer went back in the queue, where the next unit
        # on the same shelf (T1, found in this count) was matched to them after commit.
        assert Allocation.objects.get(pk=shelf["allocation"].pk).status == "cancelled"
        ended = Event.objects.get(backorder=shelf["backorder"], kind=EventKind.ALLOCATION_ENDED)
        assert "back in the queue" in ended.detail
        assert Backorder.objects.get(pk=shelf["backorder"].pk).status == "allocated"
        assert Allocation.objects.get(status="active").unit_id == units["t1"].pk
    assert not HubTask.objects.filter(brand=brand_a, return_item_id=t2.return_item_id, status="open").exists()
    count = ShelfCount.objects.get()
    assert (count.expected, count.found, count.missing, count.found_again) == (4, 3, 1, 0)
    assert count.counted_by.email == "ivan@hub.test"
    assert sorted((line["brand"], line["label"], line["result"]) for line in count.lines) == [
        (brand_a.pk, "T1", "found"),
        (brand_a.pk, "T2", "missing"),
        (brand_a.pk, "T3", "found"),
        (brand_b.pk, "T9", "found"),
    ]
    detail = public(ivan).get(f"/hub/counts/{count.pk}/")
    assert detail.status_code == 200 and "T2" in detail.content.decode()


def test_a_missing_unit_typed_in_a_later_count_is_found_again_and_matched(
    active_hub, shelf, brand_a, in_brand, django_capture_on_commit_callbacks
):
    ivan_actor = HUB
    t2 = shelf["units"]["t2"]
    with django_capture_on_commit_callbacks(execute=True):
        shelf_count_submit(hub=active_hub, actor=ivan_actor, shown=[shelf["t2"]])
    assert status(in_brand, brand_a, t2)[0] == "missing"  # #near got T1 from the shelf meanwhile
    with in_brand(brand_a):
        another = waiting(t2.sku, "#another")
    with django_capture_on_commit_callbacks(execute=True):
        result = shelf_count_submit(hub=active_hub, actor=ivan_actor, labels=labels_parse("t2"))
    assert result.found_again == ["T2"] and not result.refused
    with in_brand(brand_a):
        unit = StockUnit.objects.get(pk=t2.pk)
        assert unit.verified_at is not None
        assert Event.objects.filter(unit=unit, kind=EventKind.FOUND, actor_label="hub tests").exists()
        # Back on the shelf, and matched at once to the customer waiting nearby.
        assert unit.status == "reserved"
        assert Allocation.objects.get(unit=unit, status="active").backorder_id == another.pk
    assert result.count.found_again == 1 and result.count.lines == [
        {"brand": brand_a.pk, "label": "T2", "result": "found_again"}
    ]


def test_another_hubs_units_cannot_be_counted_from_this_hub(public, ivan, shelf, brand_a, brand_b, in_brand):
    t5 = shelf["units"]["t5"]
    # The other hub reported T5 missing; Eastside Porch tries to mark it found, by id and by label.
    from tests.factories import HUB as other_hub_actor

    with in_brand(brand_a):
        unit_counts.unit_report_missing(unit_id=t5.pk, hub=StockUnit.objects.get(pk=t5.pk).hub, actor=other_hub_actor)
    foreign = [shelf["t5"], f"{brand_b.pk}:{shelf['units']['t1'].pk}", "junk", "1:99999999"]
    response = public(ivan).post(
        "/hub/count/", {"shown": foreign, "found": foreign, "labels": "T5 NOPE-1"}, follow=True
    )
    body = response.content.decode()
    assert "Not on your shelf list, nothing changed" in body
    assert "T5" in body and "NOPE-1" in body
    assert status(in_brand, brand_a, t5) == ("missing", None)
    assert ShelfCount.objects.count() == 0  # nothing was counted
    for name in ("t1", "t2", "t3"):
        assert status(in_brand, brand_a, shelf["units"][name])[1] is None


def test_the_brand_side_services_refuse_a_unit_of_another_hub(active_hub, shelf, brand_a, in_brand):
    from fulfillment.exceptions import UnitNotAtHub

    t5 = shelf["units"]["t5"]
    with in_brand(brand_a):
        with pytest.raises(UnitNotAtHub):
            unit_counts.unit_report_missing(unit_id=t5.pk, hub=active_hub, actor=HUB)
        with pytest.raises(UnitNotAtHub):
            unit_counts.unit_found_again(unit_id=t5.pk, hub=active_hub, actor=HUB, at=timezone.now())
        assert unit_counts.unit_count_verify(unit_ids=[t5.pk], hub=active_hub, at=timezone.now()) == 0
        assert StockUnit.objects.get(pk=t5.pk).status == "available"


def test_units_shelved_after_the_page_opened_are_left_alone(active_hub, shelf, brand_a, in_brand, sku_a):
    with in_brand(brand_a):
        late = shelve(brand_a, sku_a, active_hub, n=7)
    result = shelf_count_submit(hub=active_hub, actor=HUB, shown=[shelf["t1"]], ticked=[shelf["t1"]])
    assert result.found == ["T1"] and result.missing == []
    assert status(in_brand, brand_a, late) == ("available", None)


def test_another_hubs_count_is_not_found_and_people_without_a_hub_are_turned_away(
    public, ivan, wes, olga, shelf, other_hub
):
    count = shelf_count_submit(hub=other_hub, actor=HUB, shown=[shelf["t5"]], ticked=[shelf["t5"]]).count
    assert public(wes).get(f"/hub/counts/{count.pk}/").status_code == 200
    assert public(ivan).get(f"/hub/counts/{count.pk}/").status_code == 404
    assert public(olga).get("/hub/count/").status_code == 403
    assert public(olga).post("/hub/count/", {"shown": [shelf["t1"]]}).status_code == 403
    assert public().get("/hub/count/").status_code == 302  # sign in first


def test_an_empty_submission_counts_nothing(public, ivan, shelf):
    response = public(ivan).post("/hub/count/", {}, follow=True)
    assert "Nothing counted" in response.content.decode()
    assert ShelfCount.objects.count() == 0


def test_labels_are_read_from_any_separator_once_each():
    assert labels_parse(" acm1-0042, ACM1-0042\nbol2-0007;x ") == ["ACM1-0042", "BOL2-0007", "X"]
