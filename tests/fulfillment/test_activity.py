"""The Activity page and GET /api/v1/activity/: the brand's configuration changes, newest
first, filtered by area and person (and date-time in the API), seen by the brand's members
and keys only, in a constant number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from closo.actors import Actor
from fulfillment.models import ConfigChange, Sku
from fulfillment.services import regions as region_services
from fulfillment.services import skus as sku_services
from fulfillment.views.activity import change_lines


@pytest.fixture
def history(brand_a, in_brand, alice, vera):
    """In brand A: alice creates WB-15 then lowers its price, the WMS pushes stock, vera's
    name is on a region; oldest to newest."""
    with in_brand(brand_a):
        as_alice = Actor(user=alice, label=alice.email)
        sku = sku_services.sku_create(code="WB-15", title="Weighted blanket", price=Decimal("120.00"), actor=as_alice)
        sku_services.sku_update(sku=sku, price=Decimal("110.00"), actor=as_alice)
        sku_services.sku_set_stock(sku=sku, available_qty=4, actor=Actor.system("API key “WMS” (closo_1234…)"))
        region_services.region_create(name="Austin", zip_prefixes="787", actor=Actor(user=vera, label=vera.email))
        return list(ConfigChange.objects.order_by("-created_at", "-pk"))


def rows(response) -> list[tuple[str, str, str]]:
    return [(c.area, c.action, c.subject) for c in response.context["changes"]]


def bulk_changes(n: int, actor) -> None:
    ConfigChange.objects.bulk_create(
        ConfigChange(
            area="sku",
            action="updated",
            subject=f"S-{i}",
            changes={"price": ["1.00", "2.00"]},
            actor=actor,
            actor_label=actor.email,
        )
        for i in range(n)
    )


# --- the page ---


def test_activity_lists_changes_newest_first_with_who_and_what(alice_client, history):
    response = alice_client.get("/activity/")
    assert response.status_code == 200
    assert rows(response) == [
        ("region", "created", "Austin"),
        ("stock", "updated", "WB-15"),
        ("sku", "updated", "WB-15"),
        ("sku", "created", "WB-15"),
    ]
    html = response.content.decode()
    assert 'href="/activity/" aria-current="page">Activity</a>' in html
    assert "price: 120.00 → 110.00" in html
    assert "available qty: 0 → 4" in html
    assert "zip prefixes: 787" in html
    assert "API key “WMS” (closo_1234…)" in html
    assert '<span class="pill pill-area-stock">Stock</span> changed' in html
    assert "vera@acme.test" in html


def test_viewers_see_the_activity_too(vera_client, history):
    assert len(rows(vera_client.get("/activity/"))) == 4


def test_filters_by_area_and_by_person(alice_client, history):
    assert rows(alice_client.get("/activity/?area=stock")) == [("stock", "updated", "WB-15")]
    assert rows(alice_client.get("/activity/?actor=vera@acme.test")) == [("region", "created", "Austin")]
    assert len(rows(alice_client.get("/activity/?area=sku&actor=alice@acme.test"))) == 2
    page = alice_client.get("/activity/")
    # the person menu offers the people who changed something (API keys are not people)
    assert [value for value, _ in page.context["filters"].fields["actor"].widget.choices] == [
        "",
        "alice@acme.test",
        "vera@acme.test",
    ]
    empty = alice_client.get("/activity/?area=trust_settings")
    assert b"No changes match these filters." in empty.content


def test_an_empty_activity_says_what_will_show(alice_client):
    response = alice_client.get("/activity/")
    assert b"No changes yet." in response.content


def test_brand_b_never_sees_brand_a_activity(history, host_client, brand_a, brand_b, bob, olga):
    assert host_client(brand_a.host, bob).get("/activity/").status_code == 404
    assert host_client(brand_a.host, olga).get("/activity/").status_code == 404
    assert host_client(brand_a.host).get("/activity/").status_code == 302  # to sign in
    own = host_client(brand_b.host, bob).get("/activity/")
    assert own.status_code == 200 and rows(own) == []
    assert b"WB-15" not in own.content


def test_the_page_is_paginated_by_50(alice_client, brand_a, in_brand, alice):
    with in_brand(brand_a):
        bulk_changes(60, alice)
    first = alice_client.get("/activity/")
    assert len(rows(first)) == 50
    assert b"Page 1 of 2 \xc2\xb7 60 in all" in first.content
    assert len(rows(alice_client.get("/activity/?page=2"))) == 10


def test_page_queries_stay_flat_from_10_to_100_rows(
    alice_client, brand_a, in_brand, alice, vera, django_assert_max_num_queries
):
    with in_brand(brand_a):
        bulk_changes(5, alice)
        bulk_changes(5, vera)
    alice_client.get("/activity/")
    # host → brand, search_path ×2, session, user, membership, people, count, page
    with django_assert_max_num_queries(9) as ten:
        alice_client.get("/activity/")
    with in_brand(brand_a):
        bulk_changes(90, alice)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        assert len(rows(alice_client.get("/activity/"))) == 50


# --- the API ---


def test_api_lists_changes_newest_first(api, history):
    response = api.get("/api/v1/activity/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [(r["area"], r["action"], r["subject"]) for r in body["results"]] == [
        ("region", "created", "Austin"),
        ("stock", "updated", "WB-15"),
        ("sku", "updated", "WB-15"),
        ("sku", "created", "WB-15"),
    ]
    price = body["results"][2]
    assert price["changes"] == {"price": ["120.00", "110.00"]}
    assert price["actor"] == "alice@acme.test"
    assert price["subject_id"] == history[2].subject_id
    assert set(price) == {"id", "area", "action", "subject", "subject_id", "changes", "actor", "created_at"}


def test_api_filters_by_area_actor_and_since(api, history, brand_a, in_brand):
    def subjects(query: str) -> list[tuple[str, str]]:
        response = api.get(f"/api/v1/activity/?{query}")
        assert response.status_code == 200, response.json()
        return [(r["area"], r["action"]) for r in response.json()["results"]]

    assert subjects("area=stock") == [("stock", "updated")]
    assert subjects("actor=VERA@acme.test") == [("region", "created")]
    assert subjects("actor=nobody@acme.test") == []
    with in_brand(brand_a):
        old = timezone.now() - datetime.timedelta(days=3)
        ConfigChange.objects.filter(area__in=["sku"]).update(created_at=old)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert subjects(f"since={since}") == [("region", "created"), ("stock", "updated")]
    assert subjects("ordering=created_at")[:2] == [("sku", "created"), ("sku", "updated")]
    bad = api.get("/api/v1/activity/?area=catalogue")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_choice"


def test_api_keys_of_brand_b_never_see_brand_a_activity(api_client, brand_a, brand_b, history):
    key_b = api_client(brand_b)
    assert key_b.get("/api/v1/activity/").json()["count"] == 0
    key_b.defaults["HTTP_HOST"] = brand_a.host
    assert key_b.get("/api/v1/activity/").status_code == 403


def test_api_is_read_only_and_any_key_may_read(api_client, brand_a, history):
    viewer = api_client(brand_a, role="viewer")
    assert viewer.get("/api/v1/activity/").json()["count"] == 4
    assert api_client(brand_a).post("/api/v1/activity/", {}).status_code == 405


def test_api_queries_stay_flat_from_10_to_100_rows(api, brand_a, in_brand, alice, django_assert_max_num_queries):
    with in_brand(brand_a):
        bulk_changes(10, alice)
    api.get("/api/v1/activity/")
    with django_assert_max_num_queries(7) as ten:  # search_path ×2, host → brand, IP lock, the key, count, page
        api.get("/api/v1/activity/")
    with in_brand(brand_a):
        bulk_changes(90, alice)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        assert len(api.get("/api/v1/activity/").json()["results"]) == 50


def test_skus_created_in_the_portal_are_in_the_activity(alice_client, brand_a, in_brand):
    alice_client.post("/skus/new/", {"code": "TH-1", "title": "Throw", "price": "49", "available_qty": "0"})
    with in_brand(brand_a):
        sku = Sku.objects.get(code="TH-1")
    page = alice_client.get("/activity/")
    assert rows(page) == [("sku", "created", "TH-1")]
    assert page.context["changes"][0].subject_id == sku.pk
    assert page.context["changes"][0].actor_label == "alice@acme.test"


def test_changes_read_as_lines():
    updated = ConfigChange(action="updated", changes={"weight_grams": [None, 6800], "requires_consent": [False, True]})
    assert change_lines(updated) == ["weight grams: — → 6800", "requires consent: no → yes"]
    created = ConfigChange(action="created", changes={"zip_prefixes": ["787", "786"], "zips": [], "within": None})
    assert change_lines(created) == ["zip prefixes: 787, 786"]
    reordered = ConfigChange(action="reordered", changes={"order": [["a", "b"], ["b", "a"]]})
    assert change_lines(reordered) == ["order: a, b → b, a"]
