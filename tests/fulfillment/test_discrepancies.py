"""The brand's Discrepancies page (/discrepancies/): per hub, units a count could not find,
units no count has confirmed for Brand.count_verify_days days, and the hub's count history
with this brand's lines only; a constant number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from fulfillment.models import Sku, StockUnit
from fulfillment.selectors.counts import brand_discrepancies, units_unverified
from hubs.models import ShelfCount
from portals.services.shelf_counts import shelf_count_submit
from tests.factories import HUB, applied_hub
from tests.fulfillment.loop_builders import shelve
from tests.hubs.conftest import activate

DAY = datetime.timedelta(days=1)


@pytest.fixture
def sage(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket", price=120)


def aged(unit, *, shelved_days_ago, verified_days_ago=None):
    now = timezone.now()
    StockUnit.objects.filter(pk=unit.pk).update(
        created_at=now - shelved_days_ago * DAY,
        verified_at=None if verified_days_ago is None else now - verified_days_ago * DAY,
    )


def test_a_unit_no_count_confirmed_within_the_brands_days_is_unverified(brand_a, in_brand, active_hub, sage):
    assert brand_a.count_verify_days == 7
    with in_brand(brand_a):
        fresh = shelve(brand_a, sage, active_hub, n=1)  # shelved today
        old = shelve(brand_a, sage, active_hub, n=2)
        aged(old, shelved_days_ago=8)  # never counted, shelved 8 days ago
        counted = shelve(brand_a, sage, active_hub, n=3)
        aged(counted, shelved_days_ago=30, verified_days_ago=2)  # old, but counted lately
        stale = shelve(brand_a, sage, active_hub, n=4)
        aged(stale, shelved_days_ago=30, verified_days_ago=8)
        gone = shelve(brand_a, sage, active_hub, n=5)
        aged(gone, shelved_days_ago=30)
        StockUnit.objects.filter(pk=gone.pk).update(status="handed_off")  # not on a shelf any more
        assert set(units_unverified(brand=brand_a).values_list("label", flat=True)) == {"T2", "T4"}
        brand_a.count_verify_days = 10
        assert set(units_unverified(brand=brand_a).values_list("label", flat=True)) == set()
        assert fresh.pk not in units_unverified(brand=brand_a, now=timezone.now() + 8 * DAY).values_list(
            "pk", flat=True
        )


def test_the_page_shows_missing_and_unverified_units_and_count_history_per_hub(
    host_client, alice, brand_a, brand_b, in_brand, active_hub, sage
):
    with in_brand(brand_a):
        found = shelve(brand_a, sage, active_hub, n=1)
        lost = shelve(brand_a, sage, active_hub, n=2)
        stale = shelve(brand_a, sage, active_hub, n=3)
        aged(stale, shelved_days_ago=9)
    with in_brand(brand_b):
        duvet = Sku.objects.create(code="DUVET-Q", title="Linen duvet", price=180)
        bolt_unit = shelve(brand_b, duvet, active_hub, n=8)
    keys = [f"{brand_a.pk}:{found.pk}", f"{brand_a.pk}:{lost.pk}", f"{brand_b.pk}:{bolt_unit.pk}"]
    shelf_count_submit(hub=active_hub, actor=HUB, shown=keys, ticked=[keys[0]])  # T2 and Bolt's T8 missing

    response = host_client(brand_a.host, alice).get("/discrepancies/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="missing-total">1<' in body and 'id="unverified-total">1<' in body
    assert "Eastside Porch" in body and "last counted" in body
    assert ">T2<" in body  # missing
    assert ">T3<" in body  # unverified: shelved 9 days ago, not in the count
    # Bolt's label, in the same count, is never shown to Acme (as a label: a bare "T8" can
    # occur in the page's random CSRF token).
    assert ">T8<" not in body and "T8 missing" not in body
    assert 'aria-current="page">Discrepancies' in body

    with in_brand(brand_a):
        [entry] = brand_discrepancies(brand=brand_a)
    [row] = entry.counts
    assert (row.found, row.missing, row.found_again) == (1, 1, 0)
    assert {line.label for line in row.lines} == {"T1", "T2"}
    with in_brand(brand_b):
        [bolt_entry] = brand_discrepancies(brand=brand_b)
    assert [u.label for u in bolt_entry.missing] == ["T8"] and {line.label for line in bolt_entry.counts[0].lines} == {
        "T8"
    }


def test_the_page_reads_a_constant_number_of_queries(
    host_client, alice, stan, brand_a, in_brand, active_hub, sage, django_assert_max_num_queries
):
    other_hub = activate(applied_hub("Zilker Stoop", zip_code="78704"), stan)
    client = host_client(brand_a.host, alice)

    def grow(start, hubs):
        with in_brand(brand_a):
            units = [shelve(brand_a, sage, hub, n=start + i) for i, hub in enumerate(hubs)]
        for hub in set(hubs):
            mine = [u for u in units if u.hub_id == hub.pk]
            keys = [f"{brand_a.pk}:{u.pk}" for u in mine]
            shelf_count_submit(hub=hub, actor=HUB, shown=keys, ticked=keys[1:])

    grow(1, [active_hub, other_hub])
    client.get("/discrepancies/")
    with django_assert_max_num_queries(12) as small:
        client.get("/discrepancies/")
    grow(100, [active_hub, other_hub] * 10)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/discrepancies/")
    assert response.status_code == 200
    assert ShelfCount.objects.count() == 4


def test_an_empty_brand_sees_what_will_appear(host_client, bob, brand_b):
    body = host_client(brand_b.host, bob).get("/discrepancies/").content.decode()
    assert "No units on hub shelves yet" in body


def test_outsiders_cannot_see_a_brands_discrepancies(host_client, bob, olga, brand_a):
    assert host_client(brand_a.host, bob).get("/discrepancies/").status_code == 404
    assert host_client(brand_a.host, olga).get("/discrepancies/").status_code == 404


def test_the_api_gives_the_same_per_hub(api, brand_a, brand_b, in_brand, active_hub, sage):
    with in_brand(brand_a):
        found = shelve(brand_a, sage, active_hub, n=1)
        lost = shelve(brand_a, sage, active_hub, n=2)
    with in_brand(brand_b):
        duvet = Sku.objects.create(code="DUVET-Q", title="Linen duvet", price=180)
        bolt_unit = shelve(brand_b, duvet, active_hub, n=8)
    keys = [f"{brand_a.pk}:{found.pk}", f"{brand_a.pk}:{lost.pk}", f"{brand_b.pk}:{bolt_unit.pk}"]
    shelf_count_submit(hub=active_hub, actor=HUB, shown=keys, ticked=[keys[0], keys[2]])
    response = api.get("/api/v1/discrepancies")
    assert response.status_code == 200
    data = response.json()
    assert data["count_verify_days"] == 7
    [hub] = data["hubs"]
    assert hub["hub"] == {"id": active_hub.pk, "name": "Eastside Porch"}
    assert [u["label"] for u in hub["missing"]] == ["T2"] and hub["unverified"] == [] and hub["on_shelf"] == 1
    assert hub["last_count_at"] is not None
    [count] = hub["counts"]
    assert (count["found"], count["missing"]) == (1, 1)
    assert sorted(line["label"] for line in count["lines"]) == ["T1", "T2"]  # never Bolt's T8


def test_the_api_needs_a_key_of_the_brand(host_client, brand_a):
    assert host_client(brand_a.host).get("/api/v1/discrepancies").status_code in (401, 403)
