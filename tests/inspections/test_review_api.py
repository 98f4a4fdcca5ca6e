"""Brand API for trust: /api/v1/inspections/, /api/v1/audits/ (+ decision), /api/v1/units/
(+ approve/reject) — fields, filters, constant queries, idempotency, error codes, and who
may read or write."""

import pytest

from closo.actors import Actor
from fulfillment.models import Event, StockUnit
from hubs.models import Hub
from inspections.models import Audit
from tests.conftest import post_json
from tests.factories import applied_hub
from tests.inspections.inspect_builders import evidence_unsealed
from tests.inspections.trust_builders import make_inspection


@pytest.fixture
def inspect(brand_a, in_brand, active_hub, ivan, alice):
    actor = Actor(user=alice, label=alice.email)

    def make(rma: str, **options):
        with in_brand(brand_a):
            return make_inspection(hub=options.pop("hub", active_hub), inspector=ivan, rma=rma, actor=actor, **options)

    return make


@pytest.fixture
def api(api_client, brand_a):
    return api_client(brand_a)


def audit_of(brand, in_brand, inspection) -> Audit:
    with in_brand(brand):
        return Audit.objects.get(inspection=inspection)


def unit_of(brand, in_brand, inspection) -> StockUnit:
    with in_brand(brand):
        return StockUnit.objects.get(return_item=inspection.return_item)


# --- inspections ---


def test_inspection_list_has_grades_hub_audit_and_unit(api, inspect, active_hub):
    inspect("RMA-1", failed=("tags",), lower_to="fair", lower_reason="Snag", audit=True, seconds=42)
    inspect("RMA-2", unit_status="held")
    body = api.get("/api/v1/inspections/").json()
    assert body["count"] == 2
    by_rma = {row["return_item"]["rma_ref"]: row for row in body["results"]}
    first, second = by_rma["RMA-1"], by_rma["RMA-2"]
    assert (first["computed_grade"], first["final_grade"], first["lower_reason"]) == ("good", "fair", "Snag")
    assert first["disposition"] == "liquidation"
    assert first["duration_seconds"] == 42
    assert first["hub"] == {"id": active_hub.pk, "name": "Eastside Porch", "reputation": 0.9}
    assert first["inspector"] == "ivan@hub.test"
    assert first["audit"]["verdict"] == "" and first["unit"] is None
    assert second["unit"]["status"] == "held" and second["audit"] is None
    assert second["sku"] == "WB-15" and second["version"] == 1


def test_inspection_list_filters_and_orders(api, inspect):
    other = applied_hub("North Porch")
    inspect("RMA-A", audit=True, seconds=10)
    inspect("RMA-B", failed=("odor",), seconds=50)
    inspect("RMA-C", hub=other, seconds=30)

    def rmas(query):
        return [row["return_item"]["rma_ref"] for row in api.get(f"/api/v1/inspections/?{query}").json()["results"]]

    assert rmas(f"hub={other.pk}") == ["RMA-C"]
    assert rmas("grade=unsellable") == ["RMA-B"]
    assert rmas("audited=pending") == ["RMA-A"]
    assert rmas("ordering=duration") == ["RMA-A", "RMA-C", "RMA-B"]
    assert rmas("ordering=-duration") == ["RMA-B", "RMA-C", "RMA-A"]
    bad = api.get("/api/v1/inspections/?grade=shiny")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_choice"


def test_inspection_list_uses_the_same_number_of_queries_at_10_and_100_rows(api, inspect, django_assert_num_queries):
    for n in range(10):
        inspect(f"RMA-{n:03d}", audit=n % 2 == 0, photos=False, unit_status="held" if n % 3 == 0 else None)
    api.get("/api/v1/brand")  # records the key's first use (a write made once per 5 minutes)
    # search_path (host → brand from memory), the client IP's lock (closo.attempts), key, count, page
    with django_assert_num_queries(5) as ten:
        assert api.get("/api/v1/inspections/").json()["count"] == 10
    for n in range(10, 100):
        inspect(f"RMA-{n:03d}", audit=n % 2 == 0, photos=False)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(api.get("/api/v1/inspections/?page_size=100").json()["results"]) == 100


def test_inspection_detail_has_answers_photos_and_reasons(api, inspect, brand_a, in_brand):
    inspection = inspect("RMA-D", failed=("tags",), seconds=31)
    with in_brand(brand_a):
        front = inspection.photos.get(slot="front")
    body = api.get(f"/api/v1/inspections/{inspection.pk}").json()
    assert body["computed_grade"] == body["final_grade"] == "good"
    assert body["reasons"] == ["Tags attached: failed → at most Good"]
    answers = {a["key"]: a for a in body["answers"]}
    assert answers["tags"] == {
        "key": "tags",
        "prompt": "Tags attached",
        "required": True,
        "fail_cap": "good",
        "answer": "fail",
    }
    assert answers["odor"]["answer"] == "pass"
    assert [p["slot"] for p in body["photos"]] == ["front", "back", "care-label", "defect"]
    photo = body["photos"][0]
    assert (photo["id"], photo["width"], photo["height"], photo["status"]) == (front.pk, 2048, 1536, "ready")
    assert photo["sha256"] == front.sha256
    assert photo["urls"]["display"] == f"http://acme.localhost/photos/{front.pk}/display"
    assert set(photo["urls"]) == {"thumbnail", "display", "original"}


def test_a_missing_or_unprocessed_photo_has_no_urls(api, inspect, brand_a, in_brand):
    inspection = inspect("RMA-P")
    with in_brand(brand_a), evidence_unsealed():  # rows from before submits waited for processing
        inspection.photos.filter(slot="front").update(status="pending")
        inspection.photos.filter(slot="back").delete()
    photos = {p["slot"]: p for p in api.get(f"/api/v1/inspections/{inspection.pk}").json()["photos"]}
    assert photos["front"]["status"] == "pending" and photos["front"]["urls"] is None
    assert photos["back"]["id"] is None and photos["back"]["urls"] is None


# --- audits ---


def test_audit_queue_lists_pending_audits_oldest_first(api, inspect):
    inspect("RMA-1", audit=True)
    inspect("RMA-2", audit=True)
    inspect("RMA-3")
    body = api.get("/api/v1/audits/?status=pending").json()
    assert [a["return_item"]["rma_ref"] for a in body["results"]] == ["RMA-1", "RMA-2"]
    assert body["results"][0]["final_grade"] == "like_new" and body["results"][0]["verdict"] == ""


def test_deciding_an_audit_counts_in_the_hubs_reputation(api, inspect, brand_a, in_brand, active_hub):
    audit = audit_of(brand_a, in_brand, inspect("RMA-1", audit=True))
    response = post_json(api, f"/api/v1/audits/{audit.pk}/decision", {"verdict": "disagree", "reason": "Stain"})
    assert response.status_code == 200
    body = response.json()
    assert (body["verdict"], body["reason"], body["auditor"]) == ("disagree", "Stain", None)
    assert body["hub"]["reputation"] == round(9 / 11, 4)
    assert Hub.objects.get(pk=active_hub.pk).audits_total == 1
    with in_brand(brand_a):
        event = Event.objects.get(kind="audited")
    assert event.actor_label.startswith("API key “tests (admin)”")
    decided = api.get("/api/v1/audits/?status=decided&verdict=disagree").json()
    assert [a["id"] for a in decided["results"]] == [audit.pk]


def test_disagreeing_without_a_reason_is_a_400(api, inspect, brand_a, in_brand):
    audit = audit_of(brand_a, in_brand, inspect("RMA-1", audit=True))
    response = post_json(api, f"/api/v1/audits/{audit.pk}/decision", {"verdict": "disagree"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reason_required"
    assert "reason" in response.json()["error"]["fields"]


def test_an_unknown_verdict_is_a_400(api, inspect, brand_a, in_brand):
    audit = audit_of(brand_a, in_brand, inspect("RMA-1", audit=True))
    response = post_json(api, f"/api/v1/audits/{audit.pk}/decision", {"verdict": "maybe"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_choice"


def test_a_second_decision_is_a_409_and_changes_nothing(api, inspect, brand_a, in_brand, active_hub):
    audit = audit_of(brand_a, in_brand, inspect("RMA-1", audit=True))
    post_json(api, f"/api/v1/audits/{audit.pk}/decision", {"verdict": "agree"})
    response = post_json(api, f"/api/v1/audits/{audit.pk}/decision", {"verdict": "disagree", "reason": "x"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "audit_decided"
    assert (Hub.objects.get(pk=active_hub.pk).audits_agreed, Hub.objects.get(pk=active_hub.pk).audits_total) == (1, 1)


def test_a_decision_retried_with_its_idempotency_key_is_replayed(api, inspect, brand_a, in_brand, active_hub):
    audit = audit_of(brand_a, in_brand, inspect("RMA-1", audit=True))
    url = f"/api/v1/audits/{audit.pk}/decision"
    first = post_json(api, url, {"verdict": "agree"}, HTTP_IDEMPOTENCY_KEY="decide-1")
    again = post_json(api, url, {"verdict": "agree"}, HTTP_IDEMPOTENCY_KEY="decide-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert Hub.objects.get(pk=active_hub.pk).audits_total == 1
    other = post_json(api, url, {"verdict": "disagree", "reason": "x"}, HTTP_IDEMPOTENCY_KEY="decide-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"


# --- units ---


def test_unit_list_filters_held_units(api, inspect, brand_a, in_brand):
    held = unit_of(brand_a, in_brand, inspect("RMA-H", unit_status="held"))
    inspect("RMA-A", unit_status="available")
    body = api.get("/api/v1/units/?status=held").json()
    assert [u["label"] for u in body["results"]] == [held.label]
    unit = body["results"][0]
    assert unit["return_item"]["rma_ref"] == "RMA-H" and unit["hub"]["name"] == "Eastside Porch"
    assert unit["inspection_id"] == held.inspection_id


def test_unit_list_uses_the_same_number_of_queries_at_10_and_100_rows(api, inspect, django_assert_num_queries):
    for n in range(10):
        inspect(f"RMA-{n:03d}", unit_status="held", photos=False)
    api.get("/api/v1/brand")
    with django_assert_num_queries(5) as ten:  # as above
        assert api.get("/api/v1/units/").json()["count"] == 10
    for n in range(10, 100):
        inspect(f"RMA-{n:03d}", unit_status="available", photos=False)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(api.get("/api/v1/units/?page_size=100").json()["results"]) == 100


def test_approving_and_rejecting_held_units(api, inspect, brand_a, in_brand):
    first = unit_of(brand_a, in_brand, inspect("RMA-1", unit_status="held"))
    second = unit_of(brand_a, in_brand, inspect("RMA-2", unit_status="held"))
    approved = post_json(api, f"/api/v1/units/{first.pk}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "available"
    refused = post_json(api, f"/api/v1/units/{second.pk}/reject", {})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "reason_required"
    rejected = post_json(api, f"/api/v1/units/{second.pk}/reject", {"reason": "Pilling"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "to_warehouse"
    again = post_json(api, f"/api/v1/units/{first.pk}/approve")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"


# --- who may read and write ---


def test_read_only_keys_and_viewers_read_but_cannot_decide(api_client, host_client, brand_a, vera, inspect, in_brand):
    inspection = inspect("RMA-1", audit=True, unit_status="held")
    audit, unit = audit_of(brand_a, in_brand, inspection), unit_of(brand_a, in_brand, inspection)
    for client in (api_client(brand_a, role="viewer"), host_client(brand_a.host, vera)):
        assert client.get("/api/v1/inspections/").status_code == 200
        assert client.get(f"/api/v1/inspections/{inspection.pk}").status_code == 200
        decision = post_json(client, f"/api/v1/audits/{audit.pk}/decision", {"verdict": "agree"})
        assert decision.status_code == 403
        assert post_json(client, f"/api/v1/units/{unit.pk}/approve").status_code == 403
        assert post_json(client, f"/api/v1/units/{unit.pk}/reject", {"reason": "x"}).status_code == 403
    with in_brand(brand_a):
        assert Audit.objects.get(pk=audit.pk).verdict == ""
        assert StockUnit.objects.get(pk=unit.pk).status == "held"


def test_brand_b_cannot_reach_brand_a_inspections_audits_or_units(api_client, brand_a, brand_b, inspect, in_brand):
    inspection = inspect("RMA-SECRET", audit=True, unit_status="held")
    audit, unit = audit_of(brand_a, in_brand, inspection), unit_of(brand_a, in_brand, inspection)
    b_on_a = api_client(brand_b)
    b_on_a.defaults["HTTP_HOST"] = brand_a.host  # B's key presented on A's host
    assert b_on_a.get("/api/v1/inspections/").status_code == 403
    assert post_json(b_on_a, f"/api/v1/audits/{audit.pk}/decision", {"verdict": "agree"}).status_code == 403
    b_home = api_client(brand_b)  # B's key on B's host, guessing A's ids
    assert b_home.get("/api/v1/inspections/").json()["count"] == 0
    assert b_home.get(f"/api/v1/inspections/{inspection.pk}").status_code == 404
    assert post_json(b_home, f"/api/v1/audits/{audit.pk}/decision", {"verdict": "agree"}).status_code == 404
    assert post_json(b_home, f"/api/v1/units/{unit.pk}/approve").status_code == 404
    with in_brand(brand_a):
        assert Audit.objects.get(pk=audit.pk).verdict == ""
        assert StockUnit.objects.get(pk=unit.pk).status == "held"


@pytest.mark.parametrize("who", ["bob", "ivan", "olga"])
def test_sessions_without_a_brand_a_membership_get_403(request, host_client, brand_a, inspect, who):
    inspection = inspect("RMA-SECRET")
    client = host_client(brand_a.host, request.getfixturevalue(who))
    assert client.get("/api/v1/inspections/").status_code == 403
    assert client.get(f"/api/v1/inspections/{inspection.pk}").status_code == 403
    assert client.get("/api/v1/units/").status_code == 403


def test_the_openapi_schema_describes_the_trust_endpoints(host_client, brand_a):
    schema = host_client(brand_a.host).get("/api/schema/?format=json").json()
    operations = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    assert {
        "inspection_list",
        "inspection_retrieve",
        "audit_list",
        "audit_decide",
        "unit_list",
        "unit_approve",
        "unit_reject",
    } <= operations
    detail = schema["components"]["schemas"]["InspectionDetailOutput"]["properties"]
    assert {"answers", "photos", "computed_grade", "final_grade", "lower_reason"} <= set(detail)
