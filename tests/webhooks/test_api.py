"""The webhooks API: endpoints CRUD, the delivery log, redeliver, test event, secret
rotation; admins and read-write keys only; one brand never reaches another's."""

from __future__ import annotations

import pytest

from brands.models import BrandRole
from tests.conftest import patch_json, post_json
from tests.webhooks.seed import seed_log
from webhooks.models import Delivery, Endpoint

LIST = "/api/v1/webhooks/endpoints"


@pytest.fixture
def api_a(api_client, brand_a, allow_private):
    return api_client(brand_a)


def create(api, url, types=("backorder.created",)):
    return post_json(api, LIST, {"url": url, "description": "Orders", "event_types": list(types)})


def test_create_answers_the_secret_once_and_lists_without_it(api_a, receiver):
    created = create(api_a, receiver.url, ["unit.missing", "backorder.created"])
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["backorder.created", "unit.missing"]  # the list's own order
    assert created["Location"] == f"{LIST}/{body['id']}"
    listed = api_a.get(LIST).json()["results"]
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in api_a.get(f"{LIST}/{body['id']}").json()


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"url": "https://93.184.215.14/x", "event_types": []}, "no_event_types", "event_types"),
        ({"url": "https://93.184.215.14/x", "event_types": ["order.shipped"]}, "invalid_choice", "event_types"),
        ({"url": "https://93.184.215.14/x"}, "required", "event_types"),
        ({"event_types": ["unit.missing"]}, "required", "url"),
    ],
)
def test_bad_input_is_a_400_in_the_error_shape(api_a, data, code, field):
    response = post_json(api_a, LIST, data)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"]
    assert not Endpoint.objects.exists()


def test_an_internal_address_is_refused_with_endpoint_refused(api_client, brand_a, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = create(api_client(brand_a), "https://169.254.169.254/latest")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "endpoint_refused"
    assert "link-local" in response.json()["error"]["fields"]["url"][0]


def test_patch_changes_disables_and_enables_and_delete_removes(api_a, receiver, brand_a, in_brand):
    pk = create(api_a, receiver.url).json()["id"]
    changed = patch_json(api_a, f"{LIST}/{pk}", {"event_types": ["unit.missing"], "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["event_types"], changed.json()["is_active"]) == (["unit.missing"], False)
    assert changed.json()["disabled_reason"].startswith("Disabled by API key")
    with in_brand(brand_a):
        Endpoint.objects.filter(pk=pk).update(consecutive_failures=15)
    enabled = patch_json(api_a, f"{LIST}/{pk}", {"is_active": True}).json()
    assert (enabled["is_active"], enabled["consecutive_failures"], enabled["disabled_reason"]) == (True, 0, "")
    assert api_a.delete(f"{LIST}/{pk}").status_code == 204
    assert api_a.get(f"{LIST}/{pk}").status_code == 404


def test_test_event_redeliver_and_the_log_over_the_api(api_a, receiver):
    pk = create(api_a, receiver.url).json()["id"]
    tested = post_json(api_a, f"{LIST}/{pk}/test")
    assert tested.status_code == 201
    delivery = tested.json()
    assert (delivery["event_type"], delivery["status"]) == ("ping", "succeeded")
    assert delivery["attempts"][0]["response_code"] == 200

    again = post_json(api_a, f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 200
    assert [(a["number"], a["trigger"]) for a in again.json()["attempts"]] == [(1, "test"), (2, "manual")]
    log = api_a.get(f"{LIST}/{pk}/deliveries").json()["results"]
    assert [(d["id"], d["attempt_count"]) for d in log] == [(delivery["id"], 2)]
    assert len(receiver.requests) == 2


def test_rotate_secret_answers_the_new_secret(api_a, receiver):
    created = create(api_a, receiver.url).json()
    rotated = post_json(api_a, f"{LIST}/{created['id']}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"] and rotated.json()["secret_rotated_at"]


def test_the_delivery_log_takes_a_constant_number_of_queries(
    api_a, receiver, brand_a, in_brand, django_assert_max_num_queries
):
    pk = create(api_a, receiver.url).json()["id"]
    with in_brand(brand_a):
        endpoint = Endpoint.objects.get(pk=pk)
        seed_log(endpoint, 10)
    url = f"{LIST}/{pk}/deliveries?page_size=200"
    api_a.get(url)
    with django_assert_max_num_queries(12) as few:
        assert len(api_a.get(url).json()["results"]) == 10
    with in_brand(brand_a):
        seed_log(endpoint, 90, start=10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api_a.get(url).json()["results"]) == 100


def test_viewers_and_read_only_keys_cannot_use_it(api_client, brand_a, host_client, vera):
    assert api_client(brand_a, role=BrandRole.VIEWER).get(LIST).status_code == 403
    assert host_client(brand_a.host, vera).get(LIST).status_code == 403


def test_brand_b_cannot_list_read_or_redeliver_brand_a_webhooks(
    api_a, api_client, brand_a, brand_b, receiver, in_brand, host_client, bob
):
    pk = create(api_a, receiver.url).json()["id"]
    delivery_id = post_json(api_a, f"{LIST}/{pk}/test").json()["id"]
    api_b = api_client(brand_b)
    assert api_b.get(LIST).json()["results"] == []
    assert api_b.get(f"{LIST}/{pk}").status_code == 404
    assert api_b.get(f"{LIST}/{pk}/deliveries").status_code == 404
    assert post_json(api_b, f"/api/v1/webhooks/deliveries/{delivery_id}/redeliver").status_code == 404
    assert post_json(api_b, f"{LIST}/{pk}/test").status_code == 404
    assert patch_json(api_b, f"{LIST}/{pk}", {"is_active": False}).status_code == 404
    assert api_b.delete(f"{LIST}/{pk}").status_code == 404
    # Brand B's key on brand A's host, and bob's session there, are refused outright.
    b_key = api_b.defaults["HTTP_AUTHORIZATION"]
    on_a = host_client(brand_a.host)
    on_a.defaults["HTTP_AUTHORIZATION"] = b_key
    assert on_a.get(LIST).status_code in (401, 403)
    assert post_json(on_a, f"/api/v1/webhooks/deliveries/{delivery_id}/redeliver").status_code in (401, 403)
    assert host_client(brand_a.host, bob).get(LIST).status_code == 403
    assert len(receiver.requests) == 1
    with in_brand(brand_a):
        assert Delivery.objects.get(pk=delivery_id).attempt_count == 1
