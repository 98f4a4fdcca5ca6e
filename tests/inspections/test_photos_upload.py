"""Uploading inspection photos: the wizard's endpoint and the hub API, the service's rules,
and that a refused upload stores nothing — no file, no row, no event."""

import base64

import pytest

from closo.actors import Actor, Party
from fulfillment.models import Event, ReturnStatus
from hubs.models import HubStatus
from hubs.services import registry as hub_services
from inspections import imaging
from inspections.exceptions import NotThisHubsItem, UnknownSlot
from inspections.models import InspectionPhoto
from inspections.services import photos
from inspections.services.photos import HubNotActive, NoStandard
from tests.factories import PASSWORD, as_staff
from tests.inspections.photo_support import (
    active_hub_for,
    api_upload_path,
    as_upload,
    jpeg_bytes,
    media_fixture,  # noqa: F401  (autouse fixture: storage in a temp dir)
    png_bytes,
    png_declaring,
    stored_files,
    upload_path,
    waiting_return,
    webp_bytes,
    with_declared_size,
)


@pytest.fixture
def item(brand_a, in_brand, active_hub):
    with in_brand(brand_a):
        return waiting_return(brand_a, active_hub)


@pytest.fixture
def ivan_client(host_client, public_host, ivan):
    return host_client(public_host, ivan)


def post_photo(client, path, data: bytes, slot="front", name="IMG_0001.jpg", content_type="image/jpeg", **extra):
    return client.post(path, {"slot": slot, "file": as_upload(data, name, content_type)}, **extra)


def nothing_stored(brand, in_brand, media_root) -> bool:
    with in_brand(brand):
        rows = InspectionPhoto.objects.count()
        events = Event.objects.filter(kind__startswith="photo_").count()
    return (rows, events, stored_files(media_root)) == (0, 0, {})


# --- the wizard's endpoint ---


def test_the_wizard_uploads_a_photo_and_gets_its_json(ivan_client, brand_a, in_brand, item, media, ivan, active_hub):
    data = jpeg_bytes((1600, 1200))
    response = post_photo(ivan_client, upload_path(brand_a, item), data)
    assert response.status_code == 201, response.content
    body = response.json()
    with in_brand(brand_a):
        photo = InspectionPhoto.objects.get()
    assert body["id"] == photo.pk
    assert {k: body[k] for k in ("slot", "bytes", "width", "height", "status")} == {
        "slot": "front",
        "bytes": len(data),
        "width": 1600,
        "height": 1200,
        "status": "pending",
    }
    assert body["thumbnail_url"] == f"/hub/b/acme/photos/{photo.pk}/thumbnail"
    assert body["display_url"] == f"/hub/b/acme/photos/{photo.pk}/display"
    assert response["Location"] == f"/hub/b/acme/photos/{photo.pk}/original"
    assert (photo.hub_id, photo.uploaded_by_id, photo.content_type) == (active_hub.pk, ivan.pk, "image/jpeg")
    # Stored under the brand's schema with a random name, never the client's file name.
    assert photo.original.name.startswith("brand_acme/photos/") and photo.original.name.endswith(".jpg")
    assert "IMG_0001" not in photo.original.name
    assert list(stored_files(media).values()) == [data]


def test_the_stored_extension_comes_from_the_bytes(ivan_client, brand_a, in_brand, item):
    response = post_photo(ivan_client, upload_path(brand_a, item), png_bytes(), name="front.jpg")
    assert response.status_code == 201
    with in_brand(brand_a):
        photo = InspectionPhoto.objects.get()
    assert (photo.content_type, photo.original.name.rsplit(".", 1)[1]) == ("image/png", "png")


def test_the_upload_is_a_custody_event_with_the_hub(ivan_client, brand_a, in_brand, item, active_hub, ivan):
    data = webp_bytes()
    post_photo(ivan_client, upload_path(brand_a, item), data, slot="back")
    with in_brand(brand_a):
        event = Event.objects.get(kind="photo_uploaded")
        photo = InspectionPhoto.objects.get()
    assert (event.return_item_id, event.hub_id, event.actor_id) == (item.pk, active_hub.pk, ivan.pk)
    assert event.data == {
        "photo": photo.pk,
        "slot": "back",
        "bytes": len(data),
        "content_type": "image/webp",
        "replaces": [],
    }
    assert "Back" in event.detail


def test_a_retake_replaces_the_slots_photo_and_deletes_its_file(
    ivan_client, brand_a, in_brand, item, media, django_capture_on_commit_callbacks
):
    path = upload_path(brand_a, item)
    with django_capture_on_commit_callbacks(execute=True):
        first = post_photo(ivan_client, path, jpeg_bytes((900, 600))).json()
    second_bytes = jpeg_bytes((1200, 900))
    with django_capture_on_commit_callbacks(execute=True):
        second = post_photo(ivan_client, path, second_bytes).json()
    with in_brand(brand_a):
        assert list(InspectionPhoto.objects.values_list("pk", flat=True)) == [second["id"]]
        assert Event.objects.filter(kind="photo_uploaded").last().data["replaces"] == [first["id"]]
    assert list(stored_files(media).values()) == [second_bytes]


def test_the_list_shows_the_returns_photos(ivan_client, brand_a, item):
    path = upload_path(brand_a, item)
    post_photo(ivan_client, path, jpeg_bytes(), slot="front")
    post_photo(ivan_client, path, jpeg_bytes(), slot="back")
    response = ivan_client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(p["slot"], p["status"]) for p in body["results"]] == [("front", "pending"), ("back", "pending")]


def test_the_wizards_endpoint_needs_the_csrf_token(host_client, public_host, ivan, brand_a, in_brand, item, media):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_HOST=public_host)
    client.force_login(ivan)
    response = post_photo(client, upload_path(brand_a, item), jpeg_bytes())
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert nothing_stored(brand_a, in_brand, media)


# --- the hub API ---


def basic(user_email: str, password: str = PASSWORD) -> dict:
    token = base64.b64encode(f"{user_email}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def test_a_scanner_app_uploads_with_basic_auth(host_client, public_host, ivan, brand_a, in_brand, item):
    client = host_client(public_host)
    response = post_photo(client, api_upload_path(brand_a, item), jpeg_bytes(), slot="care-label", **basic(ivan.email))
    assert response.status_code == 201, response.content
    assert response.json()["slot"] == "care-label"
    listing = client.get(api_upload_path(brand_a, item), **basic(ivan.email))
    assert [p["slot"] for p in listing.json()["results"]] == ["care-label"]


def test_wrong_basic_credentials_are_refused(host_client, public_host, ivan, brand_a, in_brand, item, media):
    """A client that sent Basic credentials is answered as a Basic client: 401 and the challenge."""
    client = host_client(public_host)
    response = post_photo(client, api_upload_path(brand_a, item), jpeg_bytes(), **basic(ivan.email, "wrong"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response.json()["error"]["code"] == "authentication_failed"
    assert nothing_stored(brand_a, in_brand, media)


def test_anonymous_uploads_from_the_wizard_are_refused_without_a_password_prompt(
    host_client, public_host, brand_a, in_brand, item, media
):
    """A browser (fetch metadata) whose session ended: 403, no Basic challenge to pop a dialog."""
    response = post_photo(
        host_client(public_host), upload_path(brand_a, item), jpeg_bytes(), HTTP_SEC_FETCH_MODE="cors"
    )
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    assert response.json()["error"]["code"] == "not_authenticated"
    assert nothing_stored(brand_a, in_brand, media)


def test_anonymous_uploads_from_a_scanner_are_challenged(host_client, public_host, brand_a, in_brand, item, media):
    response = post_photo(host_client(public_host), api_upload_path(brand_a, item), jpeg_bytes())
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response.json()["error"]["code"] == "not_authenticated"
    assert nothing_stored(brand_a, in_brand, media)


# --- refused files: a clear 4xx and nothing stored ---


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"#!/bin/sh\necho not a photo\n", 415, "not_an_image"),
        (jpeg_bytes()[:-4000], 400, "corrupt_image"),
        (with_declared_size(jpeg_bytes((64, 64), gps=False), 10_000, 6_000), 413, "too_many_pixels"),
        (png_declaring(40_000, 40_000), 413, "too_many_pixels"),
        (b"", 400, "empty_file"),
    ],
    ids=["non-image", "truncated", "pixel-bomb", "png-bomb", "empty"],
)
def test_a_refused_file_gets_a_clear_4xx_and_nothing_is_stored(
    ivan_client, brand_a, in_brand, item, media, data, status, code
):
    response = post_photo(ivan_client, upload_path(brand_a, item), data)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"] and error["fields"]["file"]
    assert nothing_stored(brand_a, in_brand, media)


def test_an_oversized_upload_is_refused_from_its_content_length(ivan_client, brand_a, in_brand, item, media):
    data = b"\xff\xd8\xff\xe0" + b"\x00" * (imaging.MAX_UPLOAD_BYTES + 1024 * 1024)
    response = post_photo(ivan_client, upload_path(brand_a, item), data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert nothing_stored(brand_a, in_brand, media)


def test_a_file_just_over_the_cap_is_refused_by_its_size(ivan_client, brand_a, in_brand, item, media):
    """Within the body allowance, but the file itself is over 15 MB."""
    data = b"\xff\xd8\xff\xe0" + b"\x00" * imaging.MAX_UPLOAD_BYTES
    response = post_photo(ivan_client, upload_path(brand_a, item), data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert nothing_stored(brand_a, in_brand, media)


def test_a_missing_file_or_slot_is_a_field_error(ivan_client, brand_a, in_brand, item, media):
    response = ivan_client.post(upload_path(brand_a, item), {"slot": "front"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"]
    response = ivan_client.post(upload_path(brand_a, item), {"file": as_upload(jpeg_bytes())})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["slot"]
    assert nothing_stored(brand_a, in_brand, media)


# --- the rules ---


def test_an_unknown_slot_is_refused_and_names_the_slots(ivan_client, brand_a, in_brand, item, media):
    response = post_photo(ivan_client, upload_path(brand_a, item), jpeg_bytes(), slot="selfie")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_slot"
    assert "front, back, care-label, defect" in error["message"]
    assert nothing_stored(brand_a, in_brand, media)


@pytest.mark.parametrize("status", [ReturnStatus.ROUTED, ReturnStatus.INSPECTED])
def test_photos_are_taken_only_while_the_item_awaits_inspection(
    ivan_client, brand_a, in_brand, active_hub, media, status
):
    with in_brand(brand_a):
        other = waiting_return(brand_a, active_hub, rma="RMA-PH-2", code="PH0002", status=status)
    response = post_photo(ivan_client, upload_path(brand_a, other), jpeg_bytes())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_awaiting_inspection"
    assert nothing_stored(brand_a, in_brand, media)


def test_a_suspended_hub_cannot_upload(ivan_client, brand_a, in_brand, item, active_hub, stan, media):
    hub_services.hub_set_status(
        hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit failures"
    )
    response = post_photo(ivan_client, upload_path(brand_a, item), jpeg_bytes())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "hub_not_active"
    assert nothing_stored(brand_a, in_brand, media)


def test_the_service_rechecks_the_rules_under_the_lock(brand_a, in_brand, item, active_hub, ivan, media):
    """A check that passed before the file was written but fails once the row is locked
    (the hub was suspended meanwhile) deletes the file it wrote."""
    actor = Actor.for_user(ivan, party=Party.HUB)
    original_get = photos.Hub.objects.get

    def suspended_meanwhile(*args, **kwargs):
        hub = original_get(*args, **kwargs)
        hub.status = HubStatus.SUSPENDED
        return hub

    with in_brand(brand_a), pytest.MonkeyPatch.context() as mp:
        mp.setattr(photos.Hub.objects, "get", suspended_meanwhile)
        with pytest.raises(HubNotActive):
            photos.photo_upload(item=item, slot="front", upload=as_upload(jpeg_bytes()), hub=active_hub, actor=actor)
    assert nothing_stored(brand_a, in_brand, media)


def test_the_service_refuses_another_hubs_item(brand_a, in_brand, item, ivan, stan, media):
    from closo.models import User

    wendy = User.objects.create_user("wendy@west.test", PASSWORD)
    west = active_hub_for(wendy, stan)
    with in_brand(brand_a), pytest.raises(NotThisHubsItem):
        photos.photo_upload(item=item, slot="front", upload=as_upload(jpeg_bytes()), hub=west, actor=Actor(user=wendy))
    assert nothing_stored(brand_a, in_brand, media)


def test_without_a_published_standard_there_are_no_slots(brand_a, in_brand, item, active_hub, ivan, media):
    from inspections.models import GradingStandard

    with in_brand(brand_a):
        GradingStandard.objects.all().delete()
        with pytest.raises(NoStandard):
            photos.photo_upload(
                item=item,
                slot="front",
                upload=as_upload(jpeg_bytes()),
                hub=active_hub,
                actor=Actor.for_user(ivan, party=Party.HUB),
            )
    assert nothing_stored(brand_a, in_brand, media)


def test_unknown_slot_error_is_a_field_error(brand_a, in_brand, item, active_hub, ivan):
    with in_brand(brand_a), pytest.raises(UnknownSlot) as excinfo:
        photos.photo_upload(
            item=item,
            slot="inside",
            upload=as_upload(jpeg_bytes()),
            hub=active_hub,
            actor=Actor.for_user(ivan, party=Party.HUB),
        )
    assert excinfo.value.fields == {"slot": ["Choose one of: front, back, care-label, defect."]}
