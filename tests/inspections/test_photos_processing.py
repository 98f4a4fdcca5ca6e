"""Processing: orientation applied, every piece of metadata removed — proven by reading
every stored file back from the storage, local and S3 — renditions, SHA-256, failures that
mark the photo failed without raising, and the enqueue on commit."""

import hashlib
import io

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from PIL import Image

from closo.actors import Actor, Party
from fulfillment.models import Event
from inspections import imaging, tasks
from inspections.models import InspectionPhoto
from inspections.services import photos
from tests.inspections.photo_support import (
    as_upload,
    assert_has_gps,
    assert_no_location_or_metadata,
    committed_waiting_return,
    jpeg_bytes,
    media_fixture,  # noqa: F401  (autouse fixture: storage in a temp dir)
    png_bytes,
    s3_media_fixture,  # noqa: F401  (fixture)
    stored_files,
    waiting_return,
    webp_bytes,
)

Status = InspectionPhoto.Status


@pytest.fixture
def item(brand_a, in_brand, active_hub):
    with in_brand(brand_a):
        return waiting_return(brand_a, active_hub)


@pytest.fixture
def upload(brand_a, in_brand, item, active_hub, ivan):
    """upload(data, slot="front") → the pending photo, through the service."""

    def make(data: bytes, slot: str = "front") -> InspectionPhoto:
        with in_brand(brand_a):
            return photos.photo_upload(
                item=item,
                slot=slot,
                upload=as_upload(data),
                hub=active_hub,
                actor=Actor.for_user(ivan, party=Party.HUB),
            )

    return make


@pytest.fixture
def process(brand_a, in_brand, django_capture_on_commit_callbacks):
    """process(photo) → the photo after the task ran (its after-commit deletes included)."""

    def run(photo: InspectionPhoto) -> InspectionPhoto:
        with in_brand(brand_a), django_capture_on_commit_callbacks(execute=True):
            return photos.photo_process(photo.pk)

    return run


def read(photo: InspectionPhoto, rendition: str) -> bytes:
    with getattr(photo, rendition).open("rb") as fh:
        return fh.read()


# --- GPS never survives: every stored file, read back ---


@pytest.mark.parametrize("make", [jpeg_bytes, png_bytes, webp_bytes], ids=["jpeg", "png", "webp"])
def test_no_stored_file_keeps_exif_gps_once_processed_local(upload, process, media, make):
    data = make()
    assert_has_gps(data)
    photo = process(upload(data))
    assert photo.status == Status.READY
    files = stored_files(media)
    assert set(files) == {photo.original.name, photo.display.name, photo.thumbnail.name}
    for name, content in files.items():
        assert_no_location_or_metadata(content, name)


def test_no_stored_object_keeps_exif_gps_once_processed_s3(
    s3_media, host_client, public_host, ivan, brand_a, in_brand, item, process
):
    """Uploaded through the hub API and processed against moto's S3 server over HTTP: the
    bucket holds only the three cleaned files; the uploaded original with GPS is gone."""
    data = jpeg_bytes((2400, 1800), noise=True)
    response = host_client(public_host, ivan).post(
        f"/api/v1/hub/b/acme/returns/{item.pk}/photos", {"slot": "front", "file": as_upload(data)}
    )
    assert response.status_code == 201, response.content
    before = s3_media.files()
    assert len(before) == 1
    assert_has_gps(next(iter(before.values())))

    with in_brand(brand_a):
        photo = process(InspectionPhoto.objects.get(pk=response.json()["id"]))
    assert photo.status == Status.READY
    after = s3_media.files()
    assert set(after) == {photo.original.name, photo.display.name, photo.thumbnail.name}
    assert not set(before) & set(after)
    for key, content in after.items():
        assert key.startswith("brand_acme/photos/")
        assert_no_location_or_metadata(content, key)
    assert hashlib.sha256(after[photo.original.name]).hexdigest() == photo.sha256


# --- what processing makes ---


def test_orientation_is_applied_to_the_pixels(upload, process):
    """EXIF orientation 6 (the phone was held upright): the stored pixels are turned a
    quarter clockwise, so the red top-left block ends up top-right, with no tag left."""
    photo = process(upload(jpeg_bytes((800, 600), orientation=6)))
    assert (photo.width, photo.height) == (600, 800)
    for rendition in ("original", "display"):
        image = Image.open(io.BytesIO(read(photo, rendition)))
        assert image.size == (600, 800)
        red, green, blue = image.convert("RGB").getpixel((image.width - 10, 10))
        assert red > 200 and green < 60 and blue < 60, rendition
        assert 0x0112 not in image.getexif()


def test_renditions_are_jpegs_at_their_long_edges(upload, process):
    photo = process(upload(jpeg_bytes((2000, 1500), noise=True)))
    display = Image.open(io.BytesIO(read(photo, "display")))
    thumbnail = Image.open(io.BytesIO(read(photo, "thumbnail")))
    original = Image.open(io.BytesIO(read(photo, "original")))
    assert (display.format, display.size) == ("JPEG", (1600, 1200))
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (320, 240))
    assert (original.format, original.size) == ("JPEG", (2000, 1500))
    assert (photo.width, photo.height) == (2000, 1500)


def test_small_photos_are_not_enlarged(upload, process):
    photo = process(upload(jpeg_bytes((600, 450))))
    assert Image.open(io.BytesIO(read(photo, "display"))).size == (600, 450)
    assert Image.open(io.BytesIO(read(photo, "thumbnail"))).size == (320, 240)


def test_a_png_keeps_its_type_and_transparency_and_its_renditions_are_flattened(upload, process):
    photo = process(upload(png_bytes((600, 400), alpha=True)))
    original = Image.open(io.BytesIO(read(photo, "original")))
    assert (original.format, original.mode, photo.content_type) == ("PNG", "RGBA", "image/png")
    assert photo.original.name.endswith(".png")
    display = Image.open(io.BytesIO(read(photo, "display")))
    assert (display.format, display.mode) == ("JPEG", "RGB")


def test_a_webp_stays_a_webp(upload, process):
    photo = process(upload(webp_bytes()))
    assert Image.open(io.BytesIO(read(photo, "original"))).format == "WEBP"
    assert (photo.content_type, photo.original.name.rsplit(".", 1)[1]) == ("image/webp", "webp")


def test_the_colour_profile_is_kept(upload, process):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "green").save(out, "JPEG", icc_profile=profile, exif=Image.Exif())
    photo = process(upload(out.getvalue()))
    assert Image.open(io.BytesIO(read(photo, "original"))).info.get("icc_profile") == profile
    assert Image.open(io.BytesIO(read(photo, "display"))).info.get("icc_profile") == profile


def test_the_sha256_is_of_the_stored_cleaned_original(upload, process, brand_a, in_brand):
    photo = process(upload(jpeg_bytes()))
    assert photo.sha256 == hashlib.sha256(read(photo, "original")).hexdigest()
    assert photo.processed_at is not None and photo.error == ""
    with in_brand(brand_a):
        event = Event.objects.get(kind="photo_processed")
    assert event.data["sha256"] == photo.sha256
    assert (event.hub_id, event.actor_id, event.actor_label) == (photo.hub_id, None, "photo pipeline")
    assert (event.data["width"], event.data["height"]) == (800, 600)


def test_processing_twice_writes_once(upload, process, media, brand_a, in_brand):
    photo = process(upload(jpeg_bytes()))
    again = process(photo)
    assert (again.sha256, again.original.name) == (photo.sha256, photo.original.name)
    assert len(stored_files(media)) == 3
    with in_brand(brand_a):
        assert Event.objects.filter(kind="photo_processed").count() == 1


def test_the_worker_task_runs_in_the_brand_schema(upload, brand_a, django_capture_on_commit_callbacks):
    photo = upload(jpeg_bytes())
    connection.set_schema_to_public()
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.photo_process(brand_a.schema_name, photo.pk)
    assert result == {"photo": photo.pk, "status": "ready", "sha256": result["sha256"], "error": ""}
    assert len(result["sha256"]) == 64


def test_a_photo_gone_before_its_task_ran_is_skipped(brand_a):
    assert tasks.photo_process(brand_a.schema_name, 999_999) == {"photo": 999_999, "status": "gone"}


# --- failures mark the photo failed, never raise ---


def store_raw(brand, in_brand, item, hub, data: bytes) -> InspectionPhoto:
    """A pending photo whose stored file is `data` as is (the upload checks bypassed)."""
    from django.core.files.base import ContentFile

    with in_brand(brand):
        name = photos.photo_storage().save("brand_acme/photos/raw.jpg", ContentFile(data))
        return InspectionPhoto.objects.create(
            return_item=item, slot="front", hub=hub, original=name, content_type="image/jpeg", bytes_uploaded=len(data)
        )


def test_an_unreadable_file_marks_the_photo_failed_and_deletes_it(brand_a, in_brand, item, active_hub, process, media):
    photo = store_raw(brand_a, in_brand, item, active_hub, jpeg_bytes()[:3000])
    failed = process(photo)
    assert failed.status == Status.FAILED
    assert "damaged or incomplete" in failed.error
    assert failed.original.name == "" and failed.sha256 == ""
    assert stored_files(media) == {}  # it may have held a GPS position
    with in_brand(brand_a):
        event = Event.objects.get(kind="photo_failed")
    assert (event.hub_id, event.data) == (active_hub.pk, {"photo": photo.pk, "slot": "front"})


def test_a_bomb_smuggled_into_storage_fails_without_decoding(brand_a, in_brand, item, active_hub, process):
    from tests.inspections.photo_support import png_declaring

    failed = process(store_raw(brand_a, in_brand, item, active_hub, png_declaring(40_000, 40_000)))
    assert failed.status == Status.FAILED
    assert "too many pixels" in failed.error


def test_a_storage_failure_marks_the_photo_failed_and_leaves_no_partial_files(
    upload, process, media, monkeypatch, caplog
):
    photo = upload(jpeg_bytes())
    storage = photos.photo_storage()
    real_save, saves = storage.save, []

    def flaky_save(name, content, max_length=None):
        saves.append(name)
        if len(saves) == 2:
            raise OSError("disk full")
        return real_save(name, content, max_length=max_length)

    monkeypatch.setattr(type(storage._wrapped), "save", lambda self, *a, **k: flaky_save(*a, **k))
    failed = process(photo)
    assert failed.status == Status.FAILED
    assert failed.error == "The photo could not be processed: take it again."
    assert stored_files(media) == {}
    assert "disk full" in caplog.text


def test_a_photo_retaken_while_processing_is_left_alone(
    upload, process, media, brand_a, in_brand, item, active_hub, ivan, monkeypatch
):
    """The retake replaced the row mid-way: the run's files are deleted, nothing written."""
    photo = upload(jpeg_bytes())
    real_render = imaging.image_render

    def render_then_retake(data):
        rendered = real_render(data)
        InspectionPhoto.objects.filter(pk=photo.pk).delete()
        return rendered

    monkeypatch.setattr(imaging, "image_render", render_then_retake)
    assert process(photo) is None
    assert set(stored_files(media)) == {photo.original.name}  # the upload's file (the retake deletes it)
    with in_brand(brand_a):
        assert not Event.objects.filter(kind__in=["photo_processed", "photo_failed"]).exists()


# --- enqueued after commit (real transactions) ---


def test_the_upload_enqueues_processing_on_commit_and_the_task_finishes_it(committed, settings, tmp_path):
    """With a real commit, the upload puts one photo_process task for the brand's schema
    on django-q2's ORM broker; running that task makes the photo ready."""
    from django_q.models import OrmQ

    setup = committed_waiting_return(committed, rma="RMA-COMMIT", code="PHC001")
    brand, queued_before = setup.brand, setup.queued_before
    with schema_context(brand.schema_name):
        photo = photos.photo_upload(
            item=setup.item,
            slot="front",
            upload=as_upload(jpeg_bytes()),
            hub=setup.hub,
            actor=Actor.for_user(setup.inspector, party=Party.HUB),
        )
    queued = [q.task for q in OrmQ.objects.exclude(pk__in=queued_before)]
    assert [(t["func"], t["args"]) for t in queued] == [
        ("inspections.tasks.photo_process", (brand.schema_name, photo.pk))
    ]
    assert queued[0]["name"] == f"photo-{brand.schema_name}-{photo.pk}"

    connection.set_schema_to_public()
    result = tasks.photo_process(*queued[0]["args"])
    assert result["status"] == "ready"
    with schema_context(brand.schema_name):
        photo.refresh_from_db()
        files = [photo.original.name, photo.display.name, photo.thumbnail.name]
        for name in files:
            with photos.photo_storage().open(name, "rb") as fh:
                assert_no_location_or_metadata(fh.read(), name)
