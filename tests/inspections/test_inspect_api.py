"""The hub API's inspection endpoints (public host, /api/v1/hub/), for scanner apps: the
form, the submit with every refusal's code, the recorded inspection, and who can reach
them (session or HTTP Basic; only the hub holding the return)."""

from __future__ import annotations

import base64
import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from closo.actors import Actor
from fulfillment.models import StockUnit
from hubs.models import HubRole, HubStatus
from hubs.services import registry as hub_services
from inspections.models import Inspection, InspectionPhoto
from inspections.selectors.inspections import inspection_started_token
from inspections.services import photos as photo_services
from tests.conftest import post_json
from tests.factories import PASSWORD, as_staff
from tests.inspections.inspect_builders import (
    ALL_PASS,
    CHECKS,
    add_photos,
    assigned_return,
    other_active_hub,
    publish_standard,
    received_return,
)
from tests.inspections.photo_support import as_upload, jpeg_bytes


@pytest.fixture
def ivan_api(host_client, public_host, ivan):
    return host_client(public_host, ivan)


def form_url(item, slug="acme") -> str:
    return f"/api/v1/hub/b/{slug}/returns/{item.pk}/inspection/form"


def inspection_url(item, slug="acme") -> str:
    return f"/api/v1/hub/b/{slug}/returns/{item.pk}/inspection"


def submission(item, **fields) -> dict:
    """What a scanner app sends: the answers and the start its form signed (as the form
    would hand it out now)."""
    return {"answers": ALL_PASS, "started_token": inspection_started_token(item=item), **fields}


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
    assert body["started_token"]


def test_submitting_records_the_inspection_and_says_what_to_do_next(ivan_api, brand_a, photographed, version):
    form = ivan_api.get(form_url(photographed)).json()

    response = post_json(
        ivan_api,
        form["submit_url"],
        {"answers": ALL_PASS, "version": form["version"], "started_token": form["started_token"]},
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


def test_a_lowered_grade_needs_a_reason_in_lower_reason(ivan_api, photographed):
    refused = post_json(ivan_api, inspection_url(photographed), submission(photographed, grade="fair"))
    lowered = post_json(
        ivan_api, inspection_url(photographed), submission(photographed, grade="fair", lower_reason="Faded")
    )

    assert error_of(refused) == (400, "reason_required")
    assert refused.json()["error"]["fields"] == {"lower_reason": ["A reason is required to lower the grade."]}
    assert lowered.status_code == 201
    assert (lowered.json()["computed_grade"], lowered.json()["final_grade"]) == ("like_new", "fair")
    assert lowered.json()["next_action"]["headline"] == "Set aside for liquidation"


def test_the_documented_submit_lowers_a_grade(ivan_api, photographed):
    """docs/api.md, hub API: GET the form, then POST answers, started_token, version, grade
    and lower_reason to its submit_url."""
    form = ivan_api.get(form_url(photographed)).json()
    documented = {
        "answers": {check["key"]: True for check in form["checklist"]},
        "started_token": form["started_token"],
        "version": form["version"],
        "grade": "good",
        "lower_reason": "Faded on one side",
    }

    response = post_json(ivan_api, form["submit_url"], documented)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["computed_grade"], body["final_grade"], body["lower_reason"]) == (
        "like_new",
        "good",
        "Faded on one side",
    )


def test_a_raw_start_time_is_not_accepted(ivan_api, brand_a, photographed):
    response = post_json(
        ivan_api, inspection_url(photographed), {"answers": ALL_PASS, "started_at": "2020-01-01T00:00:00Z"}
    )

    assert error_of(response) == (400, "invalid_started_token")
    assert "Send the started_token the inspection form gave you" in response.json()["error"]["message"]
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()


@pytest.mark.parametrize("age", [datetime.timedelta(hours=25), -datetime.timedelta(hours=1)])
def test_a_start_token_too_old_or_from_the_future_is_refused(ivan_api, photographed, age):
    token = inspection_started_token(item=photographed, at=timezone.now() - age)

    response = post_json(ivan_api, inspection_url(photographed), submission(photographed, started_token=token))

    assert error_of(response) == (400, "invalid_started_token")
    assert set(response.json()["error"]["fields"]) == {"started_token"}


def test_another_returns_start_token_is_refused(ivan_api, brand_a, photographed, active_hub, in_brand):
    other = received_return(brand_a, active_hub, rma="RMA-INSPECT-2")
    with in_brand(brand_a):
        add_photos(other, active_hub)
    other_form = ivan_api.get(form_url(other)).json()

    response = post_json(
        ivan_api, inspection_url(photographed), submission(photographed, started_token=other_form["started_token"])
    )

    assert error_of(response) == (400, "invalid_started_token")


def test_a_submit_while_photos_are_processing_says_when_to_retry(ivan_api, brand_a, item, active_hub, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back", "care-label"])
        add_photos(item, active_hub, slots=["defect"], status=InspectionPhoto.Status.PENDING)

    response = post_json(ivan_api, inspection_url(item), submission(item))

    assert error_of(response) == (409, "photos_processing")
    assert response["Retry-After"] == "2"
    assert response.json()["error"]["fields"] == {"defect": ["Still being processed."], "retry_after": 2}
    form = ivan_api.get(form_url(item)).json()
    assert [s["photo"]["status"] for s in form["photo_slots"]] == ["ready", "ready", "ready", "pending"]


def test_a_photo_that_could_not_be_processed_is_to_be_retaken(ivan_api, item, brand_a, active_hub, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back", "care-label"])
        add_photos(item, active_hub, slots=["defect"], status=InspectionPhoto.Status.FAILED)

    response = post_json(ivan_api, inspection_url(item), submission(item))

    assert error_of(response) == (400, "photo_failed")
    assert "Retry-After" not in response
    assert list(response.json()["error"]["fields"]) == ["defect"]


def test_missing_answers_are_refused_with_the_checks_named(ivan_api, photographed):
    answers = {**ALL_PASS}
    del answers["odor"]

    response = post_json(ivan_api, inspection_url(photographed), submission(photographed, answers=answers))

    assert error_of(response) == (400, "missing_answers")
    assert response.json()["error"]["fields"] == {"odor": ["This check is required."]}


def test_missing_photos_are_refused(ivan_api, brand_a, item, active_hub, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front"])

    response = post_json(ivan_api, inspection_url(item), submission(item))

    assert error_of(response) == (400, "missing_photos")
    assert set(response.json()["error"]["fields"]) == {"back", "care-label", "defect"}


def test_answers_must_be_an_object_of_booleans(ivan_api, photographed):
    response = post_json(ivan_api, inspection_url(photographed), submission(photographed, answers=["tags"]))

    assert response.status_code == 400
    assert "answers" in response.json()["error"]["fields"]


def test_a_suspended_hub_is_refused(ivan_api, photographed, active_hub, stan):
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")

    assert error_of(post_json(ivan_api, inspection_url(photographed), submission(photographed))) == (
        409,
        "hub_not_active",
    )


def test_a_return_not_received_yet_is_refused(ivan_api, brand_a, active_hub, version, in_brand):
    item = assigned_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub)

    assert error_of(post_json(ivan_api, inspection_url(item), submission(item))) == (409, "not_dropped_off")


def test_a_second_submit_is_refused_and_names_the_inspection(ivan_api, brand_a, photographed):
    first = post_json(ivan_api, inspection_url(photographed), submission(photographed))
    again = post_json(ivan_api, inspection_url(photographed), submission(photographed))

    assert error_of(again) == (409, "already_inspected")
    assert again.json()["error"]["fields"] == {"inspection": first.json()["id"]}
    with schema_context(brand_a.schema_name):
        assert Inspection.objects.count() == 1


def test_acting_for_another_of_ones_hubs_is_the_wrong_hub(ivan_api, photographed, ivan, stan):
    other, _ = other_active_hub(stan)
    hub_services.hub_member_add(hub=other, user=ivan, role=HubRole.INSPECTOR)

    response = post_json(ivan_api, inspection_url(photographed), submission(photographed), HTTP_X_HUB=str(other.pk))

    assert error_of(response) == (409, "wrong_hub")


def test_naming_a_hub_one_is_not_a_member_of_finds_nothing(ivan_api, photographed, stan):
    other, _ = other_active_hub(stan)

    response = post_json(ivan_api, f"{inspection_url(photographed)}?hub={other.pk}", submission(photographed))

    assert error_of(response) == (404, "not_found")


def test_a_scanner_app_signs_in_with_http_basic(host_client, public_host, photographed):
    client = host_client(public_host)
    credentials = base64.b64encode(f"ivan@hub.test:{PASSWORD}".encode()).decode()
    client.defaults["HTTP_AUTHORIZATION"] = f"Basic {credentials}"

    assert client.get(form_url(photographed)).status_code == 200
    assert post_json(client, inspection_url(photographed), submission(photographed)).status_code == 201


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
    assert error_of(post_json(client, inspection_url(photographed), submission(photographed))) == (
        401,
        "not_authenticated",
    )


@pytest.mark.parametrize("who", ["bob", "olga", "alice", "stan"])
def test_people_who_work_at_no_hub_are_refused(host_client, public_host, brand_a, photographed, who, request):
    client = host_client(public_host, request.getfixturevalue(who))

    responses = [
        client.get(form_url(photographed)),
        post_json(client, inspection_url(photographed), submission(photographed)),
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
        post_json(client, inspection_url(photographed), submission(photographed)),
        client.get(inspection_url(photographed)),
    ]

    assert [error_of(r) for r in responses] == [(404, "not_found")] * 3
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()


def test_another_hub_cannot_read_a_finished_inspection(ivan_api, host_client, public_host, photographed, stan):
    post_json(ivan_api, inspection_url(photographed), submission(photographed))
    _, oscar = other_active_hub(stan)

    assert error_of(host_client(public_host, oscar).get(inspection_url(photographed))) == (404, "not_found")


@pytest.mark.parametrize("slug", ["bolt", "nope", "public"])
def test_a_guessed_brand_in_the_url_finds_nothing(ivan_api, photographed, slug):
    assert error_of(ivan_api.get(form_url(photographed, slug))) == (404, "not_found")
    assert error_of(post_json(ivan_api, inspection_url(photographed, slug), submission(photographed))) == (
        404,
        "not_found",
    )


def test_the_brand_host_does_not_serve_the_hub_api(api_client, brand_a, photographed):
    assert api_client(brand_a).get(form_url(photographed)).status_code == 404


def test_the_walkthrough_in_the_docs_works_as_written(host_client, public_host, brand_a, alice, active_hub, in_brand):
    """docs/api.md, hub API: receive by code, GET the form, upload the required photos, poll
    the list until they are ready, submit answers + started_token + version + grade +
    lower_reason. A submit before processing is the documented 409 with Retry-After."""
    with in_brand(brand_a):
        publish_standard(Actor(user=alice, label=alice.email), optional_slots=("defect",))
    code = assigned_return(brand_a, active_hub).dropoff_code
    client = host_client(public_host)
    client.defaults["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"ivan@hub.test:{PASSWORD}".encode()).decode()

    received = post_json(client, "/api/v1/hub/receive", {"code": code})
    assert received.status_code == 200
    url = received.json()["url"]
    form = client.get(f"{url}/inspection/form").json()
    for slot in [s["slot"] for s in form["photo_slots"] if s["required"]]:
        upload = client.post(form["upload_url"], {"slot": slot, "file": as_upload(jpeg_bytes((1600, 1200)))})
        assert (upload.status_code, upload.json()["status"]) == (201, "pending")
    submit = {
        "answers": {c["key"]: True for c in form["checklist"]},
        "started_token": form["started_token"],
        "version": form["version"],
        "grade": "good",
        "lower_reason": "Faded on one side",
    }

    early = post_json(client, form["submit_url"], submit)
    assert error_of(early) == (409, "photos_processing")
    assert (early["Retry-After"], early.json()["error"]["fields"]["retry_after"]) == ("2", 2)
    with in_brand(brand_a):  # the worker
        for photo in InspectionPhoto.objects.all():
            photo_services.photo_process(photo.pk)
    assert {p["status"] for p in client.get(form["upload_url"]).json()["results"]} == {"ready"}
    response = post_json(client, form["submit_url"], submit)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["computed_grade"], body["final_grade"], body["lower_reason"]) == (
        "like_new",
        "good",
        "Faded on one side",
    )
    assert body["next_action"]["headline"] == "Pack for the warehouse"
    assert [p["status"] for p in body["photos"]] == ["ready"] * 3
    assert all(len(p["sha256"]) == 64 for p in body["photos"])
