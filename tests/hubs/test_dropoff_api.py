"""A brand's API chooses the hub: `hub` on create, or route `hub` later. Each refusal has
its code and leaves nothing behind; retries with an Idempotency-Key issue one code."""

from __future__ import annotations

import pytest

from fulfillment.models import ReturnItem, Sku
from hubs.models import HubStatus, HubTask
from hubs.services import registry as hub_services
from tests.conftest import post_json
from tests.factories import applied_hub, as_staff, make_return

BODY = {"rma_ref": "RMA-1001", "sku": "WB-15", "customer_zip": "78702"}


@pytest.fixture
def api(api_client, brand_a, sku_a):
    return api_client(brand_a)


def nothing_created(brand, in_brand):
    with in_brand(brand):
        assert not ReturnItem.objects.exists()
    assert not HubTask.objects.exists()


def test_create_with_a_hub_routes_it_and_answers_the_code(api, brand_a, in_brand, active_hub):
    response = post_json(api, "/api/v1/returns/", {**BODY, "hub": active_hub.pk})
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["route"], body["hub"]["id"]) == ("routed", "hub", active_hub.pk)
    assert len(body["dropoff_code"]) == 8
    assert HubTask.objects.get().code == body["dropoff_code"]


def test_create_with_route_manual_leaves_it_for_routing_by_hand(api, brand_a, in_brand):
    body = post_json(api, "/api/v1/returns/", {**BODY, "hub": None, "route": "manual"}).json()
    assert (body["status"], body["hub"], body["dropoff_code"]) == ("initiated", None, None)
    assert not HubTask.objects.exists()


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("unknown", 400, "unknown_hub"),
        ("applied", 409, "hub_not_active"),
        ("suspended", 409, "hub_not_active"),
        ("far", 400, "hub_not_serving"),
        ("not_eligible", 400, "not_local_eligible"),
    ],
)
def test_create_with_a_hub_that_cannot_take_it_is_refused_and_stores_nothing(
    api, brand_a, in_brand, sku_a, active_hub, stan, case, status, code
):
    hub_id = active_hub.pk
    body = dict(BODY)
    if case == "unknown":
        hub_id = 999_999
    elif case == "applied":
        hub_id = applied_hub("New Porch", zip_code="78702").pk
    elif case == "suspended":
        hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    elif case == "far":
        body["customer_zip"] = "10001"
    elif case == "not_eligible":
        with in_brand(brand_a):
            Sku.objects.filter(pk=sku_a.pk).update(local_returns_enabled=False)
    response = post_json(api, "/api/v1/returns/", {**body, "hub": hub_id})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert list(error["fields"]) == ["hub"]
    nothing_created(brand_a, in_brand)


def test_create_with_a_hub_retried_with_the_same_key_issues_one_code(api, brand_a, in_brand, active_hub):
    first = post_json(api, "/api/v1/returns/", {**BODY, "hub": active_hub.pk}, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_json(api, "/api/v1/returns/", {**BODY, "hub": active_hub.pk}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json()["dropoff_code"] == first.json()["dropoff_code"]
    assert HubTask.objects.count() == 1
    other = post_json(api, "/api/v1/returns/", {**BODY, "hub": None}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "idempotency_key_reused")


def test_route_to_a_hub_later(api, brand_a, in_brand, active_hub):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    response = post_json(api, f"/api/v1/returns/{item.pk}/route", {"route": "hub", "hub": active_hub.pk})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["route"], body["hub"]["name"]) == ("routed", "hub", "Eastside Porch")
    assert HubTask.objects.get(return_item_id=item.pk).code == body["dropoff_code"]
    again = post_json(api, f"/api/v1/returns/{item.pk}/route", {"route": "hub", "hub": active_hub.pk})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")


def test_route_to_a_far_hub_is_refused(api, brand_a, in_brand, stan):
    from tests.hubs.conftest import activate

    far = activate(applied_hub("Far Porch", zip_code="10001"), stan)
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    response = post_json(api, f"/api/v1/returns/{item.pk}/route", {"route": "hub", "hub": far.pk})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "hub_not_serving")
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "initiated"


def test_read_only_keys_cannot_route_to_a_hub(api_client, brand_a, in_brand, sku_a, active_hub):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    reader = api_client(brand_a, role="viewer")
    assert post_json(reader, "/api/v1/returns/", {**BODY, "hub": active_hub.pk}).status_code == 403
    response = post_json(reader, f"/api/v1/returns/{item.pk}/route", {"route": "hub", "hub": active_hub.pk})
    assert response.status_code == 403
    assert not HubTask.objects.exists()


def test_another_brands_key_cannot_route_this_brands_return(api_client, brand_a, brand_b, in_brand, sku_a, active_hub):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    response = post_json(
        api_client(brand_b), f"/api/v1/returns/{item.pk}/route", {"route": "hub", "hub": active_hub.pk}
    )
    assert response.status_code == 404
    on_a = api_client(brand_b)
    on_a.defaults["HTTP_HOST"] = brand_a.host
    assert (
        post_json(on_a, f"/api/v1/returns/{item.pk}/route", {"route": "hub", "hub": active_hub.pk}).status_code == 403
    )
    assert not HubTask.objects.exists()


def test_events_api_names_the_hub_of_custody_steps(api, brand_a, in_brand, active_hub, route):
    from fulfillment.services import returns as services
    from tests.factories import HUB

    item = route(brand_a, in_brand, active_hub)
    services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    events = api.get(f"/api/v1/returns/{item.pk}/events").json()["results"]
    assert [(e["kind"], e["hub"]) for e in events] == [
        ("created", None),
        ("routed", None),
        ("dropped_off", {"id": active_hub.pk, "name": "Eastside Porch"}),
    ]
