"""The inbound-supply API: restock POs created, received (units join the SKU's stock) and
cancelled, with their timeline; filters, roles, isolation, idempotency, query counts."""

import pytest

from closo.actors import Actor
from fulfillment.models import InboundSupply, Sku
from fulfillment.services.supply import supply_create
from tests.conftest import post_json
from tests.factories import in_days


@pytest.fixture
def po(brand_a, in_brand, blanket, alice):
    with in_brand(brand_a):
        return supply_create(
            sku_code="WB-15", qty=40, expected_date=in_days(10), po_ref="PO-1", actor=Actor(user=alice, label="alice")
        )


NEW = {"po_ref": "PO-9", "sku": "WB-15", "qty": 25}


def new(**change):
    return {**NEW, "expected_date": in_days(14).isoformat(), **change}


# --- create ---


def test_create_returns_201_with_location_and_a_first_event(api, blanket, brand_a, in_brand):
    response = post_json(api, "/api/v1/supply/", new())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/supply/{body['id']}"
    assert (body["sku"], body["sku_title"], body["qty"], body["status"]) == (
        "WB-15",
        "Weighted blanket",
        25,
        "expected",
    )
    detail = api.get(response["Location"]).json()
    assert [(e["kind"], e["from_status"], e["to_status"]) for e in detail["events"]] == [("created", "", "expected")]
    assert detail["events"][0]["actor"].startswith("API key “tests (admin)”")


def test_today_is_a_valid_expected_date(api, blanket):
    assert post_json(api, "/api/v1/supply/", new(expected_date=in_days(0).isoformat())).status_code == 201


@pytest.mark.parametrize(
    "change, status, code, field",
    [
        ({"sku": "NOPE"}, 400, "unknown_sku", "sku"),
        ({"expected_date": "yesterday"}, 400, "invalid", "expected_date"),
        ({"qty": 0}, 400, "min_value", "qty"),
        ({"qty": "many"}, 400, "invalid", "qty"),
        ({"po_ref": ""}, 400, "blank", "po_ref"),
    ],
)
def test_create_validation_errors(api, blanket, change, status, code, field):
    response = post_json(api, "/api/v1/supply/", new(**change))
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert field in response.json()["error"]["fields"]


def test_an_expected_date_in_the_past_is_refused(api, blanket, brand_a, in_brand):
    response = post_json(api, "/api/v1/supply/", new(expected_date=in_days(-2).isoformat()))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "date_in_past"
    assert response.json()["error"]["fields"] == {"expected_date": ["Enter today or a later date."]}
    with in_brand(brand_a):
        assert not InboundSupply.objects.exists()


def test_missing_fields_are_required(api):
    response = post_json(api, "/api/v1/supply/", {})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "required"
    assert set(response.json()["error"]["fields"]) == {"po_ref", "sku", "qty", "expected_date"}


def test_a_po_ref_already_recorded_is_a_409(api, po):
    response = post_json(api, "/api/v1/supply/", new(po_ref="PO-1"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "supply_exists"


# --- receive / cancel ---


def test_receive_adds_the_units_to_the_sku_and_records_it(api, po, blanket, brand_a, in_brand):
    response = post_json(api, f"/api/v1/supply/{po.pk}/receive")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "received"
    assert body["received_at"] is not None
    assert [(e["kind"], e["to_status"]) for e in body["events"]] == [("created", "expected"), ("received", "received")]
    with in_brand(brand_a):
        assert Sku.objects.get(pk=blanket.pk).available_qty == 42


def test_receiving_twice_is_a_409_and_adds_the_units_once(api, po, blanket, brand_a, in_brand):
    post_json(api, f"/api/v1/supply/{po.pk}/receive")
    response = post_json(api, f"/api/v1/supply/{po.pk}/receive")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert "received" in response.json()["error"]["message"]
    with in_brand(brand_a):
        assert Sku.objects.get(pk=blanket.pk).available_qty == 42
        assert po.events.count() == 2


def test_cancel_records_the_reason_and_leaves_stock_alone(api, po, blanket, brand_a, in_brand):
    response = post_json(api, f"/api/v1/supply/{po.pk}/cancel", {"reason": "Factory cancelled the run"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["events"][-1]["detail"] == "Factory cancelled the run"
    assert post_json(api, f"/api/v1/supply/{po.pk}/receive").json()["error"]["code"] == "invalid_transition"
    with in_brand(brand_a):
        assert Sku.objects.get(pk=blanket.pk).available_qty == 2


def test_cancel_needs_a_reason(api, po):
    response = post_json(api, f"/api/v1/supply/{po.pk}/cancel", {"reason": ""})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "blank"


def test_a_received_order_cannot_be_cancelled(api, po):
    post_json(api, f"/api/v1/supply/{po.pk}/receive")
    response = post_json(api, f"/api/v1/supply/{po.pk}/cancel", {"reason": "oops"})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_transition")


def test_unknown_ids_are_404(api):
    assert api.get("/api/v1/supply/999999").status_code == 404
    assert post_json(api, "/api/v1/supply/999999/receive").status_code == 404


# --- list ---


def make_orders(brand, in_brand, n, *, start=0):
    with in_brand(brand):
        skus = Sku.objects.bulk_create(
            Sku(code=f"S-{i:04d}", title=f"Item {i}", price=1) for i in range(start, start + n)
        )
        InboundSupply.objects.bulk_create(
            InboundSupply(po_ref=f"PO-{sku.code}", sku=sku, qty=i + 1, expected_date=in_days(i % 20))
            for i, sku in enumerate(skus)
        )


def test_list_filters_by_sku_status_and_expected_dates(api, po, brand_a, in_brand):
    make_orders(brand_a, in_brand, 5)
    post_json(api, "/api/v1/supply/", new(po_ref="PO-2", expected_date=in_days(30).isoformat()))
    assert [o["po_ref"] for o in api.get("/api/v1/supply/?sku=WB-15").json()["results"]] == ["PO-1", "PO-2"]
    post_json(api, f"/api/v1/supply/{po.pk}/receive")
    assert api.get("/api/v1/supply/?status=received").json()["count"] == 1
    assert api.get("/api/v1/supply/?status=expected").json()["count"] == 6
    window = f"expected_after={in_days(2).isoformat()}&expected_before={in_days(10).isoformat()}"
    assert [o["po_ref"] for o in api.get(f"/api/v1/supply/?{window}").json()["results"]] == [
        "PO-S-0002",
        "PO-S-0003",
        "PO-S-0004",
        "PO-1",
    ]
    assert api.get("/api/v1/supply/?ordering=-qty").json()["results"][0]["qty"] == 40


def test_an_unknown_status_filter_is_a_400(api):
    response = api.get("/api/v1/supply/?status=lost")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_choice")


def test_list_queries_stay_flat_from_10_to_100_rows(api, brand_a, in_brand, django_assert_num_queries):
    make_orders(brand_a, in_brand, 10)
    api.get("/api/v1/brand")  # the key's first use is recorded once
    with django_assert_num_queries(5) as ten:  # … the client IP's lock (closo.attempts), key, count, page
        assert api.get("/api/v1/supply/").json()["count"] == 10
    make_orders(brand_a, in_brand, 90, start=10)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(api.get("/api/v1/supply/?page_size=100").json()["results"]) == 100


# --- roles and isolation ---


def test_read_only_key_reads_but_cannot_write(api_client, brand_a, po):
    viewer = api_client(brand_a, role="viewer")
    assert viewer.get(f"/api/v1/supply/{po.pk}").status_code == 200
    for response in (
        post_json(viewer, "/api/v1/supply/", new()),
        post_json(viewer, f"/api/v1/supply/{po.pk}/receive"),
        post_json(viewer, f"/api/v1/supply/{po.pk}/cancel", {"reason": "x"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


def test_viewer_session_reads_but_cannot_receive(host_client, brand_a, vera, po):
    client = host_client(brand_a.host, vera)
    assert client.get("/api/v1/supply/").json()["count"] == 1
    assert post_json(client, f"/api/v1/supply/{po.pk}/receive").status_code == 403


def test_outsiders_get_403(host_client, brand_a, olga, po):
    assert host_client(brand_a.host, olga).get("/api/v1/supply/").status_code == 403


def test_brand_b_orders_and_skus_are_invisible_on_brand_a(api, brand_b, in_brand):
    with in_brand(brand_b):
        Sku.objects.create(code="BOLT-1", title="Bolt duvet", price=199)
        supply_create(sku_code="BOLT-1", qty=5, expected_date=in_days(3), po_ref="BOLT-PO", actor=Actor())
    assert api.get("/api/v1/supply/").json()["count"] == 0
    assert api.get("/api/v1/supply/?sku=BOLT-1").json()["count"] == 0
    assert post_json(api, "/api/v1/supply/", new(sku="BOLT-1")).json()["error"]["code"] == "unknown_sku"


def test_brand_b_order_ids_are_404_on_brand_a(api, brand_b, in_brand):
    with in_brand(brand_b):
        Sku.objects.create(code="BOLT-1", title="Bolt duvet", price=199)
        theirs = supply_create(sku_code="BOLT-1", qty=5, expected_date=in_days(3), po_ref="BOLT-PO", actor=Actor())
    # Brand A holds no order at all, so B's id is simply not there.
    assert api.get(f"/api/v1/supply/{theirs.pk}").status_code == 404
    assert post_json(api, f"/api/v1/supply/{theirs.pk}/receive").status_code == 404
    assert post_json(api, f"/api/v1/supply/{theirs.pk}/cancel", {"reason": "x"}).status_code == 404
    with in_brand(brand_b):
        assert InboundSupply.objects.get(pk=theirs.pk).status == "expected"


def test_brand_a_key_on_brand_b_host_is_403(api, brand_b):
    api.defaults["HTTP_HOST"] = brand_b.host
    assert api.get("/api/v1/supply/").status_code == 403


# --- idempotency ---


def test_create_with_the_same_idempotency_key_and_body_replays(api, blanket, brand_a, in_brand):
    first = post_json(api, "/api/v1/supply/", new(), HTTP_IDEMPOTENCY_KEY="po-9")
    again = post_json(api, "/api/v1/supply/", new(), HTTP_IDEMPOTENCY_KEY="po-9")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    with in_brand(brand_a):
        assert InboundSupply.objects.filter(po_ref="PO-9").count() == 1


def test_idempotency_key_reused_with_another_body_is_a_409(api, blanket):
    post_json(api, "/api/v1/supply/", new(), HTTP_IDEMPOTENCY_KEY="po-10")
    response = post_json(api, "/api/v1/supply/", new(po_ref="PO-10"), HTTP_IDEMPOTENCY_KEY="po-10")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "idempotency_key_reused")


def test_a_retried_receive_with_the_same_idempotency_key_gets_the_first_answer(api, po, blanket, brand_a, in_brand):
    first = post_json(api, f"/api/v1/supply/{po.pk}/receive", HTTP_IDEMPOTENCY_KEY="rcv-1")
    again = post_json(api, f"/api/v1/supply/{po.pk}/receive", HTTP_IDEMPOTENCY_KEY="rcv-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    with in_brand(brand_a):
        assert Sku.objects.get(pk=blanket.pk).available_qty == 42
