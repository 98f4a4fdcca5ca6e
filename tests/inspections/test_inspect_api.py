"""The hub API's inspection endpoints (public host, /api/v1/hub/), for scanner apps: the
form, the submit with every refusal's code, the recorded inspection, and who can reach
them (session or HTTP Basic; only the hub holding the return)."""

from __future__ import annotations

import base64

import pytest
from django_tenants.utils import schema_context

from fulfillment.models import StockUnit
from hubs.models import HubRole, HubStatus
from hubs.services import registry as hub_services
from inspections.models import Inspection
from tests.conftest import post_json
from tests.factories import PASSWORD, as_staff
from tests.inspections.inspect_builders import (
    ALL_PASS,
    CHECKS,
    add_photos,
    assigned_return,
    other_active_hub,
)


@pytest.fixture
def ivan_api(host_client, public_host, ivan):
    return host_client(public_host, ivan)


def form_url(item, slug="acme") -> str:
    return f"/api/v1/hub/b/{slug}/returns/{item.pk}/inspection/form"


def inspection_url(item, slug="acme") -> str:
    return f"/api/v1/hub/b/{slug}/returns/{item.pk}/inspection"


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_the_form_lists_the_slots_with_photos_taken_and_the_checks(
    ivan_api, brand_a, item, version, active_hub, in_brand
):
    with in_brand(brand_a):
        (front,) = add_photos(item, active_hub, slots=["front"])

    response = ivan_api.get(form_url(item))

    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["version_number"], body["status"]) == (version.pk, 1, "dropped_off")
    assert [s["slot"] for s in body["photo_slots"]] == ["front", "back", "care-label", "defect"]
    assert body["photo_slots"][0]["photo"] == {"id": front.pk, "status": "ready", "width": 2048, "height": 1536}
    assert body["photo_slots"][1]["photo"] is None
    assert [c["key"] for c in body["checklist"]] == [key for key, _, _ in CHECKS]
    assert body["upload_url"] == f"/api/v1/hub/b/acme/returns/{item.pk}/photos"
    assert body["submit_url"] == inspection_url(item)


def test_submitting_records_the_inspection_and_says_what_to_do_next(ivan_api, brand_a, photographed, version):
    response = post_json(
        ivan_api, inspection_url(photographed), {"answers": ALL_PASS, "version": version.pk, "started_at": None}
    )

    assert response.status_code == 201, response.json()
    assert response["Location"] == inspection_url(photographed)
    body = response.json()
    with schema_context(brand_a.schema_name):
        label = StockUnit.objects.get(return_item=photographed).label
    assert (body["final_grade"], body["disposition"], body["version"]) == ("like_new", "local_stock", version.pk)
    assert body["next_action"]["headline"] == f"Like New — shelf it with label {label}"
    assert body["next_action"]["label"] == label
    assert len(body["photos"]) == 4
    assert all(p["thumbnail_url"].startswith("/hub/b/acme/photos/") for p in body["photos"])
    assert ivan_api.get(inspection_url(photographed)).json() == body


def test_the_inspection_is_not_found_before_it_is_submitted(ivan_api, item):
    assert error_of(ivan_api.get(inspection_url(item))) == (404, "not_found")


def test_a_lowered_grade_needs_a_reason(ivan_api, photographed):
    refused = post_json(ivan_api, inspection_url(photographed), {"answers": ALL_PASS, "grade": "fair"})
    lowered = post_json(
        ivan_api, inspection_url(photographed), {"answers": ALL_PASS, "grade": "fair", "lower_reason": "Faded"}
    )

    assert error_of(refused) == (400, "reason_required")
    assert lowered.status_code == 201
    assert (lowered.json()["computed_grade"], lowered.json()["final_grade"]) == ("like_new", "fair")
    assert lowered.json()["next_action"]["headline"] == "Set aside for liquidation"


def test_missing_answers_are_refused_with_the_checks_named(ivan_api, photographed):
    answers = {**ALL_PASS}
    del answers["odor"]

    response = post_json(ivan_api, inspection_url(photographed), {"answers": answers})

    assert error_of(response) == (400, "missing_answers")
    assert response.json()["error"]["fields"] == {"odor": ["This check is required."]}


def test_missing_photos_are_refused(ivan_api, brand_a, item, active_hub, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front"])

    response = post_json(ivan_api, inspection_url(item), {"answers": ALL_PASS})

    assert error_of(response) == (400, "missing_photos")
    assert set(response.json()["error"]["fields"]) == {"back", "care-label", "defect"}


def test_answers_must_be_an_object_of_booleans(ivan_api, photographed):
    response = post_json(ivan_api, inspection_url(photographed), {"answers": ["tags"]})

    assert response.status_code == 400
    assert "answers" in response.json()["error"]["fields"]


def test_a_suspended_hub_is_refused(ivan_api, photographed, active_hub, stan):
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")

    assert error_of(post_json(ivan_api, inspection_url(photographed), {"answers": ALL_PASS})) == (409, "hub_not_active")


def test_a_return_not_received_yet_is_refused(ivan_api, brand_a, active_hub, version, in_brand):
    item = assigned_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub)

    assert error_of(post_json(ivan_api, inspection_url(item), {"answers": ALL_PASS})) == (409, "not_dropped_off")


def test_a_second_submit_is_refused_and_names_the_inspection(ivan_api, brand_a, photographed):
    first = post_json(ivan_api, inspection_url(photographed), {"answers": ALL_PASS})
    again = post_json(ivan_api, inspection_url(photographed), {"answers": ALL_PASS})

    assert error_of(again) == (409, "already_inspected")
    assert again.json()["error"]["fields"] == {"inspection": first.json()["id"]}
    with schema_context(brand_a.schema_name):
        assert Inspection.objects.count() == 1


def test_acting_for_another_of_ones_hubs_is_the_wrong_hub(ivan_api, photographed, ivan, stan):
    other, _ = other_active_hub(stan)
    hub_services.hub_member_add(hub=other, user=ivan, role=HubRole.INSPECTOR)

    response = post_json(ivan_api, inspection_url(photographed), {"answers": ALL_PASS}, HTTP_X_HUB=str(other.pk))

    assert error_of(response) == (409, "wrong_hub")


def test_naming_a_hub_one_is_not_a_member_of_finds_nothing(ivan_api, photographed, stan):
    other, _ = other_active_hub(stan)

    response = post_json(ivan_api, f"{inspection_url(photographed)}?hub={other.pk}", {"answers": ALL_PASS})

    assert error_of(response) == (404, "not_found")


def test_a_scanner_app_signs_in_with_http_basic(host_client, public_host, photographed):
    client = host_client(public_host)
    credentials = base64.b64encode(f"ivan@hub.test:{PASSWORD}".encode()).decode()
    client.defaults["HTTP_AUTHORIZATION"] = f"Basic {credentials}"

    assert client.get(form_url(photographed)).status_code == 200
    assert post_json(client, inspection_url(photographed), {"answers": ALL_PASS}).status_code == 201


def test_wrong_basic_credentials_are_refused(host_client, public_host, photographed):
    client = host_client(public_host)
    credentials = base64.b64encode(b"ivan@hub.test:guess").decode()
    client.defaults["HTTP_AUTHORIZATION"] = f"Basic {credentials}"

    response = client.get(form_url(photographed))

    assert error_of(response) == (401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Basic")


def test_signing_in_is_required(host_client, public_host, photographed):
    client = host_client(public_host)

    assert error_of(client.get(form_url(photographed))) == (401, "not_authenticated")
    assert error_of(post_json(client, inspection_url(photographed), {"answers": ALL_PASS})) == (
        401,
        "not_authenticated",
    )


@pytest.mark.parametrize("who", ["bob", "olga", "alice", "stan"])
def test_people_who_work_at_no_hub_are_refused(host_client, public_host, brand_a, photographed, who, request):
    client = host_client(public_host, request.getfixturevalue(who))

    responses = [
        client.get(form_url(photographed)),
        post_json(client, inspection_url(photographed), {"answers": ALL_PASS}),
        client.get(inspection_url(photographed)),
    ]

    assert [error_of(r) for r in responses] == [(403, "permission_denied")] * 3
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()


def test_another_hubs_member_gets_404(host_client, public_host, brand_a, photographed, stan):
    _, oscar = other_active_hub(stan)
    client = host_client(public_host, oscar)

    responses = [
        client.get(form_url(photographed)),
        post_json(client, inspection_url(photographed), {"answers": ALL_PASS}),
        client.get(inspection_url(photographed)),
    ]

    assert [error_of(r) for r in responses] == [(404, "not_found")] * 3
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()


def test_another_hub_cannot_read_a_finished_inspection(ivan_api, host_client, public_host, photographed, stan):
    post_json(ivan_api, inspection_url(photographed), {"answers": ALL_PASS})
    _, oscar = other_active_hub(stan)

    assert error_of(host_client(public_host, oscar).get(inspection_url(photographed))) == (404, "not_found")


@pytest.mark.parametrize("slug", ["bolt", "nope", "public"])
def test_a_guessed_brand_in_the_url_finds_nothing(ivan_api, photographed, slug):
    assert error_of(ivan_api.get(form_url(photographed, slug))) == (404, "not_found")
    assert error_of(post_json(ivan_api, inspection_url(photographed, slug), {"answers": ALL_PASS})) == (
        404,
        "not_found",
    )


def test_the_brand_host_does_not_serve_the_hub_api(api_client, brand_a, photographed):
    assert api_client(brand_a).get(form_url(photographed)).status_code == 404
