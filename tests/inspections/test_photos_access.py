"""Photos are private: the brand's members and keys (brand host), the hub that took them
and staff (public host) may fetch them; another hub, another brand's admin or key, an
outsider and anonymous visitors get 404 — by page, API or guessed file URL."""

import urllib.error
import urllib.request

import pytest

from brands.services import api_keys as api_key_services
from closo.actors import Actor, Party
from closo.models import User
from inspections.models import InspectionPhoto
from inspections.services import photos
from tests.factories import PASSWORD
from tests.inspections.photo_support import (
    active_hub_for,
    api_upload_path,
    as_upload,
    jpeg_bytes,
    media_fixture,  # noqa: F401  (autouse fixture: storage in a temp dir)
    s3_media_fixture,  # noqa: F401  (fixture)
    stored_files,
    upload_path,
    waiting_return,
)

RENDITIONS = ["original", "display", "thumbnail"]


@pytest.fixture
def item(brand_a, in_brand, active_hub):
    with in_brand(brand_a):
        return waiting_return(brand_a, active_hub)


@pytest.fixture
def make_photo(brand_a, in_brand, item, active_hub, ivan, django_capture_on_commit_callbacks):
    """make_photo(ready=True) → a photo of `item` taken by ivan's hub (processed if ready)."""

    def make(ready: bool = True, slot: str = "front") -> InspectionPhoto:
        with in_brand(brand_a), django_capture_on_commit_callbacks(execute=True):
            photo = photos.photo_upload(
                item=item,
                slot=slot,
                upload=as_upload(jpeg_bytes()),
                hub=active_hub,
                actor=Actor.for_user(ivan, party=Party.HUB),
            )
        if not ready:
            return photo
        with in_brand(brand_a), django_capture_on_commit_callbacks(execute=True):
            return photos.photo_process(photo.pk)

    return make


@pytest.fixture
def photo(make_photo) -> InspectionPhoto:
    return make_photo()


@pytest.fixture
def wendy(db, stan) -> User:
    """The inspector of another active hub."""
    user = User.objects.create_user("wendy@west.test", PASSWORD)
    active_hub_for(user, stan)
    return user


def hub_url(photo, rendition="display") -> str:
    return f"/hub/b/acme/photos/{photo.pk}/{rendition}"


def brand_url(photo, rendition="display") -> str:
    return f"/photos/{photo.pk}/{rendition}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_private_file(response, expected: bytes, content_type: str) -> None:
    assert response.status_code == 200
    assert body(response) == expected
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def stored(photo, rendition) -> bytes:
    with getattr(photo, rendition).open("rb") as fh:
        return fh.read()


# --- who may ---


@pytest.mark.parametrize("rendition", RENDITIONS)
def test_the_hub_that_took_it_fetches_every_rendition(host_client, public_host, ivan, photo, rendition):
    response = host_client(public_host, ivan).get(hub_url(photo, rendition))
    assert_private_file(response, stored(photo, rendition), "image/jpeg")


def test_staff_fetch_photos_through_the_hub_side(host_client, public_host, stan, photo):
    assert_private_file(host_client(public_host, stan).get(hub_url(photo)), stored(photo, "display"), "image/jpeg")


@pytest.mark.parametrize("member", ["alice", "vera"])
def test_the_brands_members_fetch_photos_on_its_host(request, host_client, brand_a, photo, member):
    user = request.getfixturevalue(member)
    response = host_client(brand_a.host, user).get(brand_url(photo, "thumbnail"))
    assert_private_file(response, stored(photo, "thumbnail"), "image/jpeg")


def test_a_read_only_key_of_the_brand_fetches_photos(api_client, brand_a, photo):
    response = api_client(brand_a, role="viewer").get(brand_url(photo, "original"))
    assert_private_file(response, stored(photo, "original"), "image/jpeg")


def test_an_image_accept_header_is_answered_with_the_image(host_client, brand_a, alice, photo):
    response = host_client(brand_a.host, alice).get(brand_url(photo), HTTP_ACCEPT="image/avif,image/webp")
    assert response.status_code == 200


# --- who may not ---


@pytest.mark.parametrize("who", ["wendy", "bob", "olga", "alice", "anonymous"])
@pytest.mark.parametrize("rendition", RENDITIONS)
def test_others_get_404_on_the_hub_side(request, host_client, public_host, photo, who, rendition):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = host_client(public_host, user).get(hub_url(photo, rendition))
    assert response.status_code == 404
    assert stored(photo, rendition) not in response.content


@pytest.mark.parametrize("who", ["bob", "ivan", "olga", "wendy", "anonymous"])
def test_others_get_404_on_the_brand_host(request, host_client, brand_a, photo, who):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = host_client(brand_a.host, user).get(brand_url(photo, "original"))
    assert response.status_code == 404


def test_another_brands_key_gets_404_on_the_brand_host(host_client, brand_a, brand_b, photo):
    _, key = api_key_services.api_key_create(brand=brand_b, name="bolt", role="admin", actor=None)
    client = host_client(brand_a.host)
    response = client.get(brand_url(photo), HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 404


def test_another_brands_host_does_not_have_the_photo(host_client, brand_b, bob, photo):
    """Ids are per brand schema: on brand B's host, A's photo id is nobody's photo."""
    assert host_client(brand_b.host, bob).get(brand_url(photo)).status_code == 404


def test_the_hub_side_names_the_brand_and_only_that_brands_photo(host_client, public_host, ivan, photo):
    assert host_client(public_host, ivan).get(f"/hub/b/bolt/photos/{photo.pk}/display").status_code == 404
    assert host_client(public_host, ivan).get(f"/hub/b/public/photos/{photo.pk}/display").status_code == 404
    assert host_client(public_host, ivan).get(f"/hub/b/nope/photos/{photo.pk}/display").status_code == 404


def test_a_deactivated_brands_photos_are_not_served(host_client, public_host, ivan, brand_a, photo):
    type(brand_a).objects.filter(pk=brand_a.pk).update(is_active=False)
    assert host_client(public_host, ivan).get(hub_url(photo)).status_code == 404


@pytest.mark.parametrize("rendition", ["exif", "originals", "..", "display.jpg"])
def test_unknown_renditions_are_404(host_client, public_host, brand_a, ivan, alice, photo, rendition):
    assert host_client(public_host, ivan).get(hub_url(photo, rendition)).status_code == 404
    assert host_client(brand_a.host, alice).get(brand_url(photo, rendition)).status_code == 404


def test_nothing_is_served_before_processing_removed_the_metadata(
    host_client, public_host, brand_a, ivan, alice, make_photo
):
    pending = make_photo(ready=False)
    assert pending.status == InspectionPhoto.Status.PENDING
    for rendition in RENDITIONS:
        assert host_client(public_host, ivan).get(hub_url(pending, rendition)).status_code == 404
        assert host_client(brand_a.host, alice).get(brand_url(pending, rendition)).status_code == 404


def test_a_failed_photo_is_not_served(host_client, public_host, brand_a, in_brand, ivan, photo):
    with in_brand(brand_a):
        InspectionPhoto.objects.filter(pk=photo.pk).update(status=InspectionPhoto.Status.FAILED)
    assert host_client(public_host, ivan).get(hub_url(photo)).status_code == 404


def test_guessed_file_urls_are_not_routed(host_client, public_host, brand_a, ivan, alice, photo, media):
    """The stored names are random and MEDIA_URL is never routed, on any host."""
    names = list(stored_files(media))
    assert len(names) == 3
    for name in names:
        for client in (host_client(public_host, ivan), host_client(brand_a.host, alice)):
            assert client.get(f"/media/{name}").status_code == 404
            assert client.get(f"/{name}").status_code == 404


# --- the return's photo list and upload, from the attacker's side ---


@pytest.mark.parametrize(
    "who, refusal",
    [
        ("wendy", (404, "not_found")),  # another hub's inspector: the return is not there
        ("bob", (403, "permission_denied")),  # no hub at all: refused as by every hub endpoint
        ("olga", (403, "permission_denied")),
        ("alice", (403, "permission_denied")),
        ("stan", (403, "permission_denied")),
    ],
)
@pytest.mark.parametrize("path", [upload_path, api_upload_path], ids=["page", "api"])
def test_only_the_items_hub_lists_or_uploads_its_photos(
    request, host_client, public_host, brand_a, in_brand, item, photo, who, refusal, path
):
    client = host_client(public_host, request.getfixturevalue(who))
    listing = client.get(path(brand_a, item))
    assert (listing.status_code, listing.json()["error"]["code"]) == refusal
    response = client.post(path(brand_a, item), {"slot": "back", "file": as_upload(jpeg_bytes())})
    assert (response.status_code, response.json()["error"]["code"]) == refusal
    with in_brand(brand_a):
        assert list(InspectionPhoto.objects.values_list("slot", flat=True)) == ["front"]


def test_a_hub_chosen_by_header_must_be_the_items_hub(host_client, public_host, brand_a, ivan, wendy, item):
    """X-Hub (or ?hub=) picks among one's hubs: naming another hub finds nothing."""
    from hubs.models import Hub

    west = Hub.objects.get(name="West Porch")
    client = host_client(public_host, ivan)
    assert client.get(upload_path(brand_a, item), HTTP_X_HUB=str(west.pk)).status_code == 404
    assert client.get(upload_path(brand_a, item) + f"?hub={west.pk}").status_code == 404
    assert client.get(upload_path(brand_a, item) + f"?hub={item.hub_id}").status_code == 200


# --- S3: a redirect to a short-lived signed URL ---


def test_on_s3_photos_are_a_redirect_to_a_signed_url(s3_media, host_client, public_host, brand_a, ivan, alice, photo):
    expected = stored(photo, "display")
    hub_side, brand_side = host_client(public_host, ivan), host_client(brand_a.host, alice)
    for client, path in ((hub_side, hub_url(photo)), (brand_side, brand_url(photo))):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Cache-Control"] == "private, no-store"
        signed = response["Location"]
        assert "Signature=" in signed
        assert "Expires=" in signed
        with urllib.request.urlopen(signed) as fetched:
            assert fetched.read() == expected
            assert fetched.headers["Cache-Control"] == "private, no-store"
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(signed.split("?", 1)[0])
        assert excinfo.value.code == 403


def test_on_s3_others_get_404_not_a_redirect(s3_media, host_client, public_host, wendy, bob, brand_a, photo):
    assert host_client(public_host, wendy).get(hub_url(photo)).status_code == 404
    assert host_client(brand_a.host, bob).get(brand_url(photo)).status_code == 404
