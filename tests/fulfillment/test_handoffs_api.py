"""Hand-offs through the APIs: the hub API (open hand-offs, confirm a pickup, record a
courier or shipment — and nothing of another hub's or brand's, tried from the attacker's
side) and the brand API (a backorder's allocation, marking it fulfilled)."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from fulfillment.models import Allocation, Backorder
from hubs.models import HubTask
from tests.conftest import EMAILS, post_json
from tests.factories import PASSWORD, applied_hub
from tests.fulfillment.test_handoffs import allocate, hub_actor, states
from tests.hubs.conftest import activate


@pytest.fixture
def scanner(host_client, public_host):
    """scanner(email): a hub app sending HTTP Basic credentials, no session."""

    def make(email: str):
        client = host_client(public_host)
        token = base64.b64encode(f"{email}:{PASSWORD}".encode()).decode()
        client.defaults["HTTP_AUTHORIZATION"] = f"Basic {token}"
        return client

    return make


@pytest.fixture
def zilker(stan):
    """A second active hub nearby (78704); its owner is zilkerstoop@hub.test."""
    return activate(applied_hub("Zilker Stoop", zip_code="78704"), stan)


def task_of(allocation) -> HubTask:
    return HubTask.objects.get(code=allocation.pickup_code)


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# --- hub API: list ---


def test_the_hub_lists_its_open_handoffs_without_their_codes(scanner, brand_a, brand_b, active_hub, ivan, zilker):
    mine = allocate(brand_a, active_hub, n=1)
    allocate(brand_b, active_hub, n=2, name="Dana")
    allocate(brand_a, zilker, n=3)  # another hub's
    body = scanner(EMAILS["ivan"]).get("/api/v1/hub/handoffs").json()
    assert body["count"] == 2 and body["hub"]["id"] == active_hub.pk
    first = next(h for h in body["handoffs"] if h["brand"]["slug"] == "acme")
    assert first["id"] == task_of(mine).pk
    assert (first["label"], first["sku"], first["customer_first_name"], first["method"], first["status"]) == (
        "T1",
        "WB-15-SAGE",
        "Cara",
        "pickup",
        "active",
    )
    assert mine.pickup_code not in str(body)


def queries(client, path) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()


def test_the_handoff_list_query_count_is_flat_from_1_to_10(scanner, brand_a, brand_b, active_hub, ivan):
    """One query for the tasks, and per brand one for its allocations (with units, SKUs and customers)."""
    client = scanner(EMAILS["ivan"])
    allocate(brand_a, active_hub, n=1)
    allocate(brand_b, active_hub, n=100)
    client.get("/api/v1/hub/handoffs")  # warm the password hasher
    one, body = queries(client, "/api/v1/hub/handoffs")
    assert body["count"] == 2
    for n in range(2, 11):
        allocate(brand_a, active_hub, n=n)
        allocate(brand_b, active_hub, n=100 + n)
    ten, body = queries(client, "/api/v1/hub/handoffs")
    assert body["count"] == 20 and ten == one


# --- hub API: confirm ---


def test_confirming_a_pickup_answers_what_to_hand_over(scanner, brand_a, active_hub, ivan):
    allocation = allocate(brand_a, active_hub)
    response = post_json(scanner(EMAILS["ivan"]), "/api/v1/hub/handoffs/confirm", {"code": allocation.pickup_code})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["hand_over"] == "Shelf label T1: WB-15-SAGE · Weighted blanket"
    assert (body["handoff"]["status"], body["handoff"]["id"]) == ("handed_off", task_of(allocation).pk)
    assert body["url"] == f"/api/v1/hub/handoffs/{task_of(allocation).pk}"
    assert states(brand_a, allocation) == ("handed_off", "handed_off", "fulfilled")
    again = post_json(scanner(EMAILS["ivan"]), "/api/v1/hub/handoffs/confirm", {"code": allocation.pickup_code})
    assert error(again) == (409, "code_used")


def test_confirm_refusals_have_their_codes_and_statuses(scanner, brand_a, active_hub, ivan, zilker):
    client = scanner(EMAILS["ivan"])
    theirs = allocate(brand_a, zilker, n=1)
    assert error(post_json(client, "/api/v1/hub/handoffs/confirm", {"code": "ZZZZZZZZ"})) == (404, "unknown_code")
    assert error(post_json(client, "/api/v1/hub/handoffs/confirm", {"code": theirs.pickup_code})) == (409, "wrong_hub")
    assert error(post_json(client, "/api/v1/hub/handoffs/confirm", {})) == (400, "required")
    assert states(brand_a, theirs) == ("active", "reserved", "allocated")


def test_ten_wrong_pickup_codes_lock_the_member(scanner, brand_a, active_hub, ivan):
    allocation = allocate(brand_a, active_hub)
    client = scanner(EMAILS["ivan"])
    for n in range(9):
        assert post_json(client, "/api/v1/hub/handoffs/confirm", {"code": f"ZZZZZZZ{n + 2}"}).status_code == 404
    tenth = post_json(client, "/api/v1/hub/handoffs/confirm", {"code": "YYYYYYYY"})
    assert error(tenth) == (429, "too_many_attempts") and tenth["Retry-After"] == "600"
    assert error(post_json(client, "/api/v1/hub/handoffs/confirm", {"code": allocation.pickup_code}))[0] == 429


# --- hub API: record ---


def test_recording_a_shipment_by_the_handoff_id(scanner, brand_a, active_hub, ivan):
    allocation = allocate(brand_a, active_hub)
    path = f"/api/v1/hub/handoffs/{task_of(allocation).pk}/record"
    client = scanner(EMAILS["ivan"])
    assert error(post_json(client, path, {"method": "ship"})) == (400, "required")
    assert error(post_json(client, path, {"method": "pickup", "tracking": "1"}))[0] == 400
    response = post_json(client, path, {"method": "ship", "tracking": "1Z999"})
    assert response.status_code == 200, response.content
    handoff = response.json()["handoff"]
    assert (handoff["status"], handoff["method"], handoff["tracking"]) == ("handed_off", "ship", "1Z999")
    assert states(brand_a, allocation) == ("handed_off", "handed_off", "handed_off")
    assert error(post_json(client, path, {"method": "ship", "tracking": "1Z999"})) == (409, "invalid_transition")


def test_another_hub_cannot_reach_a_handoff_by_id_or_by_guess(scanner, brand_a, brand_b, active_hub, ivan, zilker):
    """From the attacker's side: Zilker's owner tries Eastside's hand-off ids, ids of other
    kinds of task, and a made-up id — all the same 404, and nothing moves."""
    victim = allocate(brand_a, active_hub, n=1)
    victim_b = allocate(brand_b, active_hub, n=2)
    attacker = scanner("zilkerstoop@hub.test")
    shelf = HubTask.objects.filter(kind="shelf").first() or HubTask.objects.exclude(kind="handoff").first()
    ids = [task_of(victim).pk, task_of(victim_b).pk, 999_999_999] + ([shelf.pk] if shelf else [])
    for task_id in ids:
        response = post_json(attacker, f"/api/v1/hub/handoffs/{task_id}/record", {"method": "ship", "tracking": "X"})
        assert error(response) == (404, "not_found"), task_id
    # Nor by choosing Eastside with X-Hub: it is not the attacker's hub.
    response = post_json(
        attacker,
        f"/api/v1/hub/handoffs/{task_of(victim).pk}/record",
        {"method": "ship", "tracking": "X"},
        HTTP_X_HUB=str(active_hub.pk),
    )
    assert response.status_code == 404
    assert error(post_json(attacker, "/api/v1/hub/handoffs/confirm", {"code": victim.pickup_code})) == (
        409,
        "wrong_hub",
    )
    assert attacker.get("/api/v1/hub/handoffs").json()["count"] == 0
    assert states(brand_a, victim) == ("active", "reserved", "allocated")
    assert states(brand_b, victim_b) == ("active", "reserved", "allocated")


def test_brand_admins_and_outsiders_have_no_hub_handoffs(scanner, brand_a, active_hub, alice, olga):
    allocation = allocate(brand_a, active_hub)
    for email in (EMAILS["alice"], EMAILS["olga"]):
        client = scanner(email)
        assert client.get("/api/v1/hub/handoffs").status_code == 403
        assert post_json(client, "/api/v1/hub/handoffs/confirm", {"code": allocation.pickup_code}).status_code == 403


# --- brand API ---


def test_the_backorder_api_shows_its_allocation(api_client, brand_a, active_hub):
    allocation = allocate(brand_a, active_hub)
    api = api_client(brand_a)
    body = api.get(f"/api/v1/backorders/{allocation.backorder_id}").json()
    assert body["status"] == "allocated"
    got = body["allocation"]
    assert (got["unit_label"], got["hub"], got["method"], got["pickup_code"], got["status"], got["tracking"]) == (
        "T1",
        {"id": active_hub.pk, "name": "Eastside Porch"},
        "pickup",
        allocation.pickup_code,
        "active",
        "",
    )
    assert got["due_at"] and got["handed_off_at"] is None and got["distance_miles"] >= 0
    with schema_context(brand_a.schema_name):
        other = Backorder.objects.create(
            order_ref="#none",
            sku_id=allocation.backorder.sku_id,
            value=1,
            customer_zip="10001",
            placed_at=got["due_at"],
        )
    assert api.get(f"/api/v1/backorders/{other.pk}").json()["allocation"] is None


def test_the_backorder_list_and_detail_stay_constant_with_allocations(api_client, brand_a, active_hub):
    api = api_client(brand_a)
    first = allocate(brand_a, active_hub, n=1)
    api.get("/api/v1/backorders/")
    one, body = queries(api, "/api/v1/backorders/")
    detail_one, _ = queries(api, f"/api/v1/backorders/{first.backorder_id}")
    assert body["count"] == 1
    last = [allocate(brand_a, active_hub, n=n) for n in range(2, 11)][-1]
    ten, body = queries(api, "/api/v1/backorders/")
    assert body["count"] == 10 and ten == one
    detail_ten, got = queries(api, f"/api/v1/backorders/{last.backorder_id}")
    assert detail_ten == detail_one and got["allocation"]["unit_label"] == "T10"


def test_the_brand_marks_a_shipped_backorder_fulfilled(api_client, brand_a, active_hub):
    from fulfillment.services import handoffs

    allocation = allocate(brand_a, active_hub)
    api = api_client(brand_a)
    path = f"/api/v1/backorders/{allocation.backorder_id}/fulfilled"
    assert error(post_json(api, path)) == (409, "invalid_transition")
    with schema_context(brand_a.schema_name):
        handoffs.handoff_record(
            allocation=Allocation.objects.get(pk=allocation.pk),
            method="courier",
            tracking="UBR-1",
            hub=active_hub,
            actor=hub_actor(),
        )
    first = post_json(api, path, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200 and first.json()["status"] == "fulfilled"
    assert first.json()["allocation"]["tracking"] == "UBR-1"
    assert post_json(api, path, HTTP_IDEMPOTENCY_KEY="k-1").json() == first.json()  # replayed
    assert error(post_json(api, path)) == (409, "invalid_transition")
    assert api_client(brand_a, role="viewer").post(path).status_code == 403


def test_another_brands_key_cannot_see_or_fulfil_the_backorder(api_client, brand_a, brand_b, active_hub):
    allocation = allocate(brand_a, active_hub)
    bolt = api_client(brand_b)
    assert bolt.get(f"/api/v1/backorders/{allocation.backorder_id}").status_code in (404,)
    assert post_json(bolt, f"/api/v1/backorders/{allocation.backorder_id}/fulfilled").status_code == 404
