"""WMS inventory sync (issue 12 §3): PUT /api/v1/inventory and services.inventory — the newest
count wins in any arrival order (also racing), per-item outcomes, bad input, access, and
stock that covers waiting customers ships to them in promise order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from closo.actors import Actor
from fulfillment.models import Backorder, ConfigChange, Sku
from fulfillment.services.inventory import InventoryItem, Outcome, inventory_sync
from tests.conftest import run_concurrently
from tests.fulfillment.loop_builders import waiting

URL = "/api/v1/inventory"
T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def at(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def push(client, items, as_of=None, **extra):
    body = {"items": items, **({"as_of": as_of} if as_of else {}), **extra}
    return client.put(URL, body, content_type="application/json")


@pytest.fixture
def skus(brand_a, in_brand):
    with in_brand(brand_a):
        return [Sku.objects.create(code=f"INV-{i}", title=f"Item {i}", price=10, available_qty=0) for i in range(3)]


def test_a_report_sets_each_skus_quantity_and_says_what_it_did(api, brand_a, in_brand, skus):
    response = push(api, [{"sku": "INV-0", "available_qty": 7}, {"sku": "NOPE", "available_qty": 1}], as_of=at(0))
    assert response.status_code == 200
    body = response.json()
    assert [(i["sku"], i["outcome"], i["available_qty"]) for i in body["items"]] == [
        ("INV-0", "applied", 7),
        ("NOPE", "unknown_sku", None),
    ]
    assert body["counts"] == {"applied": 1, "unknown_sku": 1}
    with in_brand(brand_a):
        sku = Sku.objects.get(code="INV-0")
        assert (sku.available_qty, sku.stock_as_of) == (7, T0)
        change = ConfigChange.objects.get(area="stock", subject="INV-0")
        assert change.changes == {"available_qty": [0, 7]}


def test_an_older_count_never_overwrites_a_newer_one(api, brand_a, in_brand, skus):
    push(api, [{"sku": "INV-0", "available_qty": 5}], as_of=at(10))
    older = push(api, [{"sku": "INV-0", "available_qty": 99}], as_of=at(5)).json()["items"][0]
    same_time = push(api, [{"sku": "INV-0", "available_qty": 98}], as_of=at(10)).json()["items"][0]
    assert (older["outcome"], older["available_qty"]) == ("stale", 5)
    assert same_time["outcome"] == "stale"
    newer = push(api, [{"sku": "INV-0", "available_qty": 4}], as_of=at(11)).json()["items"][0]
    assert (newer["outcome"], newer["available_qty"], newer["previous_qty"]) == ("applied", 4, 5)


def test_the_same_report_twice_changes_nothing_the_second_time(api, brand_a, in_brand, skus):
    items = [{"sku": "INV-1", "available_qty": 3, "as_of": at(1)}, {"sku": "INV-2", "available_qty": 0, "as_of": at(1)}]
    assert push(api, items).json()["counts"] == {"applied": 1, "unchanged": 1}
    assert push(api, items).json()["counts"] == {"stale": 2}
    with in_brand(brand_a):
        assert ConfigChange.objects.filter(area="stock").count() == 1


def test_an_items_own_count_time_wins_over_the_reports(api, brand_a, in_brand, skus):
    push(
        api, [{"sku": "INV-0", "available_qty": 1, "as_of": at(30)}, {"sku": "INV-1", "available_qty": 1}], as_of=at(0)
    )
    with in_brand(brand_a):
        assert Sku.objects.get(code="INV-0").stock_as_of == T0 + dt.timedelta(minutes=30)
        assert Sku.objects.get(code="INV-1").stock_as_of == T0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"items": [{"sku": "INV-0", "available_qty": 1}]}, "as_of"),  # no count time at all
        ({"as_of": "2026-11-30T12:00:00", "items": [{"sku": "INV-0", "available_qty": 1}]}, "as_of"),  # naive
        ({"as_of": "2026-11-30T12:00:00+15:00", "items": [{"sku": "INV-0", "available_qty": 1}]}, "as_of"),
        ({"as_of": "2026-11-30T12:00:00Z", "items": [{"sku": "INV-0", "available_qty": -1}]}, "items"),
        ({"as_of": "2026-11-30T12:00:00Z", "items": []}, "items"),
        ({"as_of": "2026-11-30T12:00:00Z", "items": [{"sku": "INV-0", "available_qty": 1}] * 2}, "items"),
        (
            {"as_of": "2026-11-30T12:00:00Z", "items": [{"sku": f"S{i}", "available_qty": 1} for i in range(1001)]},
            "items",
        ),
        ({"as_of": "2026-11-30T12:00:00Z", "items": [{"sku": "INV-0", "available_qty": 2**40}]}, "items"),
    ],
)
def test_bad_reports_are_refused_whole_with_the_field_named(api, brand_a, in_brand, skus, body, field):
    response = api.put(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    with in_brand(brand_a):
        assert not Sku.objects.filter(stock_as_of__isnull=False).exists()


def test_a_read_only_key_cannot_report(api_client, brand_a, skus):
    viewer = api_client(brand_a, role="viewer")
    assert push(viewer, [{"sku": "INV-0", "available_qty": 1}], as_of=at(0)).status_code == 403


def test_a_report_on_brand_b_never_touches_brand_a(api_client, brand_a, brand_b, in_brand, skus):
    with in_brand(brand_b):
        Sku.objects.create(code="INV-0", title="B's", price=1, available_qty=2)
    response = push(api_client(brand_b), [{"sku": "INV-0", "available_qty": 50}], as_of=at(0))
    assert response.json()["items"][0]["outcome"] == "applied"
    with in_brand(brand_a):
        assert Sku.objects.get(code="INV-0").available_qty == 0
    with in_brand(brand_b):
        assert Sku.objects.get(code="INV-0").available_qty == 50


def test_a_report_costs_the_same_queries_for_one_sku_or_a_hundred(
    api, brand_a, in_brand, django_assert_max_num_queries
):
    with in_brand(brand_a):
        Sku.objects.bulk_create(Sku(code=f"Q-{i}", title="q", price=1) for i in range(100))
    with django_assert_max_num_queries(12) as one:
        push(api, [{"sku": "Q-0", "available_qty": 1}], as_of=at(0))
    with django_assert_max_num_queries(len(one.captured_queries)):
        push(api, [{"sku": f"Q-{i}", "available_qty": 2} for i in range(100)], as_of=at(1))


def test_stock_that_rises_ships_to_the_waiting_in_promise_order(
    api, brand_a, in_brand, skus, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with in_brand(brand_a):
        sku = skus[0]
        for i, days in enumerate([9, 3, 5, 1, 7]):
            waiting(sku, ref=f"#P{i}", promised_ship_by=today + dt.timedelta(days=days))
    with django_capture_on_commit_callbacks(execute=True):
        push(api, [{"sku": "INV-0", "available_qty": 3}], as_of=at(0))
    with in_brand(brand_a):
        filled = set(Backorder.objects.filter(status="fulfilled").values_list("order_ref", flat=True))
        assert filled == {"#P3", "#P1", "#P2"}  # ship-by in 1, 3 and 5 days
        assert set(Backorder.objects.filter(fill_source="restock").values_list("order_ref", flat=True)) == filled
        assert Backorder.objects.filter(status="waiting").count() == 2
        assert Sku.objects.get(pk=sku.pk).available_qty == 0  # the three shipped


def test_concurrent_reports_keep_the_newest_count(committed):
    from django_tenants.utils import schema_context

    from brands.models import Brand

    brand = Brand.objects.get(slug="acme")
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="RACE-INV", title="Race", price=1, available_qty=0)

    def cleanup():
        with schema_context(brand.schema_name):
            ConfigChange.objects.filter(subject="RACE-INV").delete()
            Sku.objects.filter(pk=sku.pk).delete()

    committed.append(cleanup)

    def report(i):
        with schema_context(brand.schema_name):
            item = InventoryItem(sku="RACE-INV", available_qty=100 + i, as_of=T0 + dt.timedelta(minutes=i))
            return inventory_sync(items=[item], actor=Actor.system("wms"))[0].outcome

    outcomes = run_concurrently(report, n=8)
    assert all(o in (Outcome.APPLIED, Outcome.STALE) for o in outcomes), outcomes
    with schema_context(brand.schema_name):
        sku.refresh_from_db()
        assert (sku.available_qty, sku.stock_as_of) == (107, T0 + dt.timedelta(minutes=7))
