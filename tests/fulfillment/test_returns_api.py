"""Returns API: create, list, detail, events (chain of custody) and the brand's moves."""

from datetime import timedelta

import pytest
from django.utils import timezone

from closo.actors import Actor
from fulfillment.models import Event, ReturnItem, Sku
from fulfillment.services import returns as services
from tests.conftest import HostClient, post_json
from tests.factories import make_return, make_routed_returns

WRITES = [("route", {"route": "warehouse"}), ("cancel", {"reason": "x"}), ("refund", {"refund_status": "denied"})]
BODY = {"rma_ref": "RMA-1001", "sku": "BLANKET-SAGE", "customer_zip": "78702", "customer_name": "Casey"}


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="BLANKET-SAGE", title="Weighted blanket, sage", price=120)


@pytest.fixture
def api(api_client, brand_a, sku):
    """Brand A's read-write key."""
    return api_client(brand_a)


# --- create ---


def test_create_answers_201_with_the_return_and_its_location(api, brand_a, in_brand):
    # route "manual": left initiated, to route by hand (the default routes it: test_routing.py)
    response = post_json(api, "/api/v1/returns/", {**BODY, "route": "manual"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/returns/{body['id']}"
    assert {k: body[k] for k in ("rma_ref", "sku", "customer_zip", "status", "route", "hub", "refund_status")} == {
        "rma_ref": "RMA-1001",
        "sku": "BLANKET-SAGE",
        "customer_zip": "78702",
        "status": "initiated",
        "route": "",
        "hub": None,
        "refund_status": "pending",
    }
    assert body["channel"] == "api"
    assert body["lat"] == pytest.approx(30.26, abs=0.05)
    with in_brand(brand_a):
        (event,) = Event.objects.filter(return_item_id=body["id"])
    assert event.kind == "created"
    assert event.actor_label.startswith("API key “tests (admin)”")


def test_create_by_an_admin_session_records_the_person(host_client, brand_a, alice, sku, in_brand):
    response = post_json(host_client(brand_a.host, alice), "/api/v1/returns/", BODY)
    assert response.status_code == 201
    with in_brand(brand_a):
        assert Event.objects.get(return_item_id=response.json()["id"], kind="created").actor_id == alice.pk
        routed = Event.objects.get(return_item_id=response.json()["id"], kind="routed")
    assert routed.actor_id == alice.pk  # routed automatically, on her create


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"sku": "NOPE"}, 400, "unknown_sku", "sku"),
        ({"customer_zip": "00000"}, 400, "invalid_zip", "customer_zip"),
        ({"customer_zip": "12"}, 400, "invalid_zip", "customer_zip"),
        ({"rma_ref": ""}, 400, "blank", "rma_ref"),
        ({"customer_email": "not-an-email"}, 400, "invalid", "customer_email"),
        ({"rma_ref": "R" * 121}, 400, "max_length", "rma_ref"),
    ],
)
def test_create_refuses_bad_input_with_a_code(api, brand_a, in_brand, change, status, code, field):
    response = post_json(api, "/api/v1/returns/", {**BODY, **change})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    with in_brand(brand_a):
        assert not ReturnItem.objects.exists()


def test_create_requires_rma_sku_and_zip(api):
    error = post_json(api, "/api/v1/returns/", {}).json()["error"]
    assert error["code"] == "required"
    assert set(error["fields"]) == {"rma_ref", "sku", "customer_zip"}


def test_create_refuses_an_rma_that_exists_with_409(api, brand_a, in_brand):
    make_return(brand_a, in_brand, rma="RMA-1001")
    response = post_json(api, "/api/v1/returns/", BODY)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "return_exists"


def test_same_idempotency_key_and_body_replays_the_response_and_creates_one_return(api, brand_a, in_brand):
    first = post_json(api, "/api/v1/returns/", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_json(api, "/api/v1/returns/", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    with in_brand(brand_a):
        assert ReturnItem.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_a_409(api, brand_a, in_brand):
    post_json(api, "/api/v1/returns/", BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    response = post_json(api, "/api/v1/returns/", {**BODY, "rma_ref": "RMA-2"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    with in_brand(brand_a):
        assert list(ReturnItem.objects.values_list("rma_ref", flat=True)) == ["RMA-1001"]


def test_a_failed_create_does_not_burn_its_idempotency_key(api):
    assert post_json(api, "/api/v1/returns/", {**BODY, "sku": "NOPE"}, HTTP_IDEMPOTENCY_KEY="k-2").status_code == 400
    # The client fixes the SKU and retries with a new body: not a reuse, since nothing was stored.
    assert post_json(api, "/api/v1/returns/", BODY, HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201


# --- roles and isolation ---


def test_read_only_key_and_viewer_can_read_but_not_write(api_client, host_client, brand_a, vera, sku, in_brand):
    make_return(brand_a, in_brand)
    for client in (api_client(brand_a, "viewer"), host_client(brand_a.host, vera)):
        assert client.get("/api/v1/returns/").json()["count"] == 1
        response = post_json(client, "/api/v1/returns/", {**BODY, "rma_ref": "RMA-X"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    with in_brand(brand_a):
        item_id = ReturnItem.objects.get().pk
        for client in (api_client(brand_a, "viewer"), host_client(brand_a.host, vera)):
            for action, body in WRITES:
                assert post_json(client, f"/api/v1/returns/{item_id}/{action}", body).status_code == 403
        row = ReturnItem.objects.get()
    assert (row.status, row.refund_status) == ("initiated", "pending")


def test_outsiders_and_anonymous_get_nothing(host_client, brand_a, olga, sku, in_brand):
    make_return(brand_a, in_brand)
    response = host_client(brand_a.host, olga).get("/api/v1/returns/")
    assert response.status_code == 403
    assert b"RMA-1" not in response.content
    anonymous = host_client(brand_a.host).get("/api/v1/returns/")
    assert anonymous.status_code == 401
    assert b"RMA-1" not in anonymous.content


def test_brand_b_returns_are_unreachable_from_brand_a(api, api_client, brand_a, brand_b, in_brand):
    with in_brand(brand_b):
        Sku.objects.create(code="BOLT-DUVET", title="Duvet", price=99)
    b_item = make_return(brand_b, in_brand, rma="BOLT-RMA-SECRET", sku_code="BOLT-DUVET")
    listed = api.get("/api/v1/returns/")
    assert listed.json()["count"] == 0
    assert b"BOLT-RMA-SECRET" not in listed.content
    for path in (f"/api/v1/returns/{b_item.pk}", f"/api/v1/returns/{b_item.pk}/events"):
        assert api.get(path).status_code == 404
    for action, body in [*WRITES, ("received", {})]:
        assert post_json(api, f"/api/v1/returns/{b_item.pk}/{action}", body).status_code == 404
    # Brand A's key on brand B's host.
    on_b = HostClient(brand_b.host)
    on_b.defaults["HTTP_AUTHORIZATION"] = api.defaults["HTTP_AUTHORIZATION"]
    assert on_b.get("/api/v1/returns/").status_code == 403
    assert on_b.get(f"/api/v1/returns/{b_item.pk}").status_code == 403
    assert post_json(on_b, f"/api/v1/returns/{b_item.pk}/cancel", {"reason": "x"}).status_code == 403
    with in_brand(brand_b):
        assert ReturnItem.objects.get().status == "initiated"


# --- list ---


def test_list_filters_by_status_sku_route_refund_and_dates(api, brand_a, in_brand):
    with in_brand(brand_a):
        Sku.objects.create(code="THROW-OAT", title="Throw", price=60)
    actor = Actor.system("tests")
    a = make_return(brand_a, in_brand, rma="RMA-A")
    b = make_return(brand_a, in_brand, rma="RMA-B", sku_code="THROW-OAT")
    make_return(brand_a, in_brand, rma="RMA-C")
    with in_brand(brand_a):
        services.return_route_to_warehouse(item=a, actor=actor)
        services.return_refund_update(item=b, refund_status="denied", actor=actor)
        ReturnItem.objects.filter(rma_ref="RMA-C").update(created_at=timezone.now() - timedelta(days=10))

    def rmas(query):
        response = api.get(f"/api/v1/returns/?{query}")
        assert response.status_code == 200, response.json()
        return [r["rma_ref"] for r in response.json()["results"]]

    assert rmas("status=routed") == ["RMA-A"]
    assert rmas("sku=throw-oat") == ["RMA-B"]
    assert rmas("route=warehouse") == ["RMA-A"]
    assert rmas("refund_status=denied") == ["RMA-B"]
    week_ago = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert rmas(f"created_before={week_ago}") == ["RMA-C"]
    assert sorted(rmas(f"created_after={week_ago}")) == ["RMA-A", "RMA-B"]
    assert rmas("ordering=rma_ref") == ["RMA-A", "RMA-B", "RMA-C"]
    assert rmas("ordering=-rma_ref") == ["RMA-C", "RMA-B", "RMA-A"]
    assert rmas("") == ["RMA-B", "RMA-A", "RMA-C"]  # newest first


def test_list_refuses_an_unknown_status_filter(api):
    response = api.get("/api/v1/returns/?status=lost")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_choice"


def test_list_uses_the_same_number_of_queries_at_10_and_100_rows(
    api, brand_a, in_brand, active_hub, sku, django_assert_num_queries
):
    def add(start, n):
        with in_brand(brand_a):
            make_routed_returns(sku, active_hub, start, n)

    add(0, 10)
    api.get("/api/v1/brand")  # records the key's first use (a write made once per 5 minutes)
    # search_path (host → brand cached), IP lock (closo.attempts), key, count, page (with SKU and hub joined)
    with django_assert_num_queries(5) as ten:
        assert api.get("/api/v1/returns/").json()["count"] == 10
    add(10, 90)
    with django_assert_num_queries(len(ten.captured_queries)):
        body = api.get("/api/v1/returns/?page_size=100").json()
    assert body["count"] == 100
    assert {r["hub"]["name"] for r in body["results"] if r["hub"]} == {"Eastside Porch"}


def test_events_list_uses_the_same_number_of_queries_at_10_and_100_events(
    api, brand_a, in_brand, django_assert_num_queries
):
    item = make_return(brand_a, in_brand)

    def add(n):
        with in_brand(brand_a):
            Event.objects.bulk_create(Event(return_item=item, kind="note", actor_label="tests") for _ in range(n))

    add(9)
    api.get("/api/v1/brand")
    with django_assert_num_queries(6) as ten:  # … + the return, count, page
        assert api.get(f"/api/v1/returns/{item.pk}/events").json()["count"] == 10
    add(90)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(api.get(f"/api/v1/returns/{item.pk}/events?page_size=100").json()["results"]) == 100


# --- detail and events ---


def test_detail_and_unknown_id(api, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    body = api.get(f"/api/v1/returns/{item.pk}").json()
    assert (body["id"], body["rma_ref"], body["sku"]) == (item.pk, "RMA-1", "BLANKET-SAGE")
    missing = api.get(f"/api/v1/returns/{item.pk + 999}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert api.get(f"/api/v1/returns/{item.pk + 999}/events").status_code == 404


def test_events_are_the_chain_of_custody_oldest_first(api, brand_a, in_brand):
    created = post_json(api, "/api/v1/returns/", {**BODY, "route": "manual"}).json()
    path = f"/api/v1/returns/{created['id']}"
    assert post_json(api, f"{path}/route", {"route": "warehouse"}).status_code == 200
    assert post_json(api, f"{path}/received").status_code == 200
    assert post_json(api, f"{path}/refund", {"refund_status": "refunded"}).status_code == 200
    events = api.get(f"{path}/events").json()
    assert events["count"] == 4
    rows = events["results"]
    assert [(e["kind"], e["from_status"], e["to_status"]) for e in rows] == [
        ("created", "", "initiated"),
        ("routed", "initiated", "routed"),
        ("received", "routed", "disposed"),
        ("refund", "pending", "refunded"),
    ]
    assert set(rows[0]) == {
        "id",
        "kind",
        "kind_label",
        "from_status",
        "to_status",
        "actor",
        "hub",
        "detail",
        "data",
        "created_at",
    }
    assert [e["kind_label"] for e in rows] == ["Created", "Routed", "Received", "Refund decided"]
    assert all(e["actor"].startswith("API key “tests (admin)”") for e in rows)
    assert rows[1]["data"]["route"] == "warehouse"
    assert (rows[1]["data"]["cost_warehouse"], rows[1]["data"]["cost_local"]) == ("27.00", "5.00")
    assert rows[2]["data"] == {"disposition": "to_warehouse"}
    assert rows[2]["detail"] == "Received at the brand's warehouse."
    assert rows[3]["data"] == {"refund_status": "refunded", "previous": "pending"}
    final = api.get(path).json()
    assert (final["status"], final["route"], final["disposition"], final["refund_status"]) == (
        "disposed",
        "warehouse",
        "to_warehouse",
        "refunded",
    )


# --- moves ---


def test_route_to_warehouse(api, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    response = post_json(api, f"/api/v1/returns/{item.pk}/route", {"route": "warehouse"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["route"]) == ("routed", "warehouse")
    assert response.json() == api.get(f"/api/v1/returns/{item.pk}").json()  # the return as it is now
    again = post_json(api, f"/api/v1/returns/{item.pk}/route", {"route": "warehouse"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    assert again.json()["error"]["message"] == "A return that is routed cannot become routed."


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"route": "boat"}, "route", "invalid_choice"),
        ({}, "route", "required"),
        ({"route": "hub"}, "hub", "required"),
        ({"route": "warehouse", "hub": 1}, "hub", "invalid"),
    ],
)
def test_route_needs_a_route_and_a_hub_only_for_the_hub_route(api, brand_a, in_brand, body, field, code):
    item = make_return(brand_a, in_brand)
    response = post_json(api, f"/api/v1/returns/{item.pk}/route", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert list(error["fields"]) == [field]
    with in_brand(brand_a):
        assert ReturnItem.objects.get().status == "initiated"


def test_received_only_for_a_return_routed_to_the_warehouse(api, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    early = post_json(api, f"/api/v1/returns/{item.pk}/received")
    assert early.status_code == 409
    assert early.json()["error"] == {
        "code": "invalid_transition",
        "message": "A return that is initiated cannot become disposed.",
        "fields": {"from_status": "initiated", "to_status": "disposed"},
    }
    post_json(api, f"/api/v1/returns/{item.pk}/route", {"route": "warehouse"})
    body = post_json(api, f"/api/v1/returns/{item.pk}/received").json()
    assert (body["status"], body["disposition"]) == ("disposed", "to_warehouse")


def test_cancel_needs_a_reason_and_records_it(api, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    for body in ({}, {"reason": "  "}):
        refused = post_json(api, f"/api/v1/returns/{item.pk}/cancel", body)
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "reason_required"
        assert "reason" in refused.json()["error"]["fields"]
    response = post_json(api, f"/api/v1/returns/{item.pk}/cancel", {"reason": "Customer kept it"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    last = api.get(f"/api/v1/returns/{item.pk}/events").json()["results"][-1]
    assert (last["kind"], last["detail"]) == ("cancelled", "Customer kept it")
    assert post_json(api, f"/api/v1/returns/{item.pk}/cancel", {"reason": "again"}).status_code == 409


def test_a_retried_move_with_its_idempotency_key_is_answered_once(api, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    path = f"/api/v1/returns/{item.pk}/cancel"
    first = post_json(api, path, {"reason": "Customer kept it"}, HTTP_IDEMPOTENCY_KEY="cancel-1")
    retry = post_json(api, path, {"reason": "Customer kept it"}, HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    with in_brand(brand_a):
        assert Event.objects.filter(return_item=item, kind="cancelled").count() == 1


def test_refund_decided_once(api, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    bad = post_json(api, f"/api/v1/returns/{item.pk}/refund", {"refund_status": "pending"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_choice")
    ok = post_json(api, f"/api/v1/returns/{item.pk}/refund", {"refund_status": "denied"})
    assert (ok.json()["refund_status"], ok.json()["status"]) == ("denied", "initiated")
    assert ok.json() == api.get(f"/api/v1/returns/{item.pk}").json()
    again = post_json(api, f"/api/v1/returns/{item.pk}/refund", {"refund_status": "refunded"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")


def test_openapi_describes_the_returns_endpoints(host_client, brand_a):
    schema = host_client(brand_a.host).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/returns/"])
    for suffix in ("", "/events", "/route", "/received", "/cancel", "/refund"):
        assert f"/api/v1/returns/{{id}}{suffix}" in paths
    operation_ids = [op["operationId"] for path in paths.values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"return_list", "return_create", "return_events_list", "return_route", "return_cancel"} <= set(operation_ids)
    components = schema["components"]["schemas"]
    assert components["ReturnRouteInput"]["properties"]["route"]
    assert "Return" in components
