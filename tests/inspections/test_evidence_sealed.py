"""A submitted inspection is evidence that never changes: the inspection row and its photos
are refused UPDATE and DELETE by database triggers (whatever code runs: a raw ORM update,
a model save, SQL), the photo services refuse to touch them, and the photo task never
rewrites or deletes a linked photo's files. An unlinked photo still changes as before."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor, Party
from fulfillment.models import ReturnItem
from inspections.exceptions import AlreadyInspected
from inspections.models import Grade, Inspection, InspectionPhoto
from inspections.selectors.inspections import inspection_started_token
from inspections.services import photos
from inspections.services.inspections import inspection_submit
from tests.inspections.inspect_builders import ALL_PASS, EVIDENCE_TRIGGERS, add_photos, evidence_unsealed
from tests.inspections.photo_support import (
    as_upload,
    jpeg_bytes,
    media_fixture,  # noqa: F401  (autouse fixture: storage in a temp dir)
    stored_files,
)
from tests.inspections.trust_builders import make_inspection


@pytest.fixture
def submitted(brand_a, photographed, active_hub, ivan) -> Inspection:
    """The photographed return, inspected at the active hub (a failed check: no shelf unit)."""
    with schema_context(brand_a.schema_name):
        return inspection_submit(
            item=photographed,
            hub=active_hub,
            inspector=ivan,
            started_token=inspection_started_token(item=photographed),
            answers={**ALL_PASS, "tags": False},
            actor=Actor.for_user(ivan, party=Party.HUB),
        )


def refused(match: str = "submitted"):
    """The database refuses (restrict_violation → IntegrityError); the savepoint keeps the
    test's transaction usable afterwards."""
    return pytest.raises(IntegrityError, match=match)


def test_a_submitted_inspection_refuses_a_raw_update(brand_a, in_brand, submitted):
    with in_brand(brand_a):
        with refused("inspection \\d+ is submitted evidence: it cannot be updated"), transaction.atomic():
            Inspection.objects.filter(pk=submitted.pk).update(final_grade=Grade.LIKE_NEW)
        with refused(), transaction.atomic():
            submitted.started_at = timezone.now()
            submitted.save()
        assert Inspection.objects.get(pk=submitted.pk).final_grade == Grade.GOOD


def test_a_submitted_inspection_refuses_a_delete(brand_a, in_brand, submitted, active_hub, ivan, actor):
    with in_brand(brand_a):
        # Its photos protect it in Django; without photos the ORM's DELETE reaches the table.
        bare = make_inspection(hub=active_hub, inspector=ivan, rma="RMA-NO-PHOTOS", actor=actor, photos=False)
        with refused("inspection \\d+ is submitted evidence: it cannot be deleted"), transaction.atomic():
            Inspection.objects.filter(pk=bare.pk).delete()
        with refused("it cannot be deleted"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM inspections_inspection WHERE id = %s", [submitted.pk])
        assert Inspection.objects.filter(pk__in=[bare.pk, submitted.pk]).count() == 2


def test_a_submitted_inspections_photos_refuse_update_and_delete(brand_a, in_brand, submitted):
    with in_brand(brand_a):
        photo = submitted.photos.get(slot="front")
        with refused("photo \\d+ belongs to submitted inspection \\d+: it cannot be updated"), transaction.atomic():
            InspectionPhoto.objects.filter(pk=photo.pk).update(sha256="0" * 64)
        with refused(), transaction.atomic():
            InspectionPhoto.objects.filter(pk=photo.pk).update(original="brand_acme/photos/swapped.jpg")
        with refused(), transaction.atomic():
            InspectionPhoto.objects.filter(pk=photo.pk).update(inspection=None)
        with refused("it cannot be deleted"), transaction.atomic():
            InspectionPhoto.objects.filter(inspection=submitted).delete()
        assert InspectionPhoto.objects.get(pk=photo.pk).sha256 == photo.sha256
        assert submitted.photos.count() == 4


def test_photos_not_in_an_inspection_still_change_and_are_replaced(brand_a, in_brand, item, active_hub):
    with in_brand(brand_a):
        (photo,) = add_photos(item, active_hub, slots=["front"], status=InspectionPhoto.Status.PENDING)
        InspectionPhoto.objects.filter(pk=photo.pk).update(status="ready", sha256="a" * 64)
        InspectionPhoto.objects.filter(pk=photo.pk).delete()
        assert not InspectionPhoto.objects.exists()


def test_only_a_processed_photo_can_join_an_inspection(brand_a, in_brand, submitted, item, active_hub):
    """The submit links photos with one UPDATE; the database takes only ready ones with a hash."""
    with in_brand(brand_a):
        pending, bare = add_photos(item, active_hub, slots=["front", "back"], status=InspectionPhoto.Status.PENDING)
        InspectionPhoto.objects.filter(pk=bare.pk).update(status="ready")  # no SHA-256
        for photo in (pending, bare):
            with refused("is not processed .*: it cannot join inspection"), transaction.atomic():
                InspectionPhoto.objects.filter(pk=photo.pk).update(inspection=submitted)
        assert not InspectionPhoto.objects.filter(pk__in=[pending.pk, bare.pk], inspection__isnull=False).exists()


def test_every_brand_schema_and_the_template_carry_the_triggers(brand_a, brand_b):
    schemas = [*Brand.objects.exclude(schema_name="public").values_list("schema_name", flat=True), "brand_template"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, c.relname, t.tgname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE t.tgname LIKE 'inspections_%%_sealed' AND t.tgenabled = 'O'"
        )
        found = set(cursor.fetchall())
    assert {brand_a.schema_name, brand_b.schema_name} <= set(schemas)
    assert {(schema, table, trigger) for schema in schemas for table, trigger in EVIDENCE_TRIGGERS} <= found


def test_no_photo_can_be_uploaded_for_a_submitted_inspection(brand_a, in_brand, submitted, active_hub, ivan, media):
    item = submitted.return_item
    with in_brand(brand_a), pytest.raises(AlreadyInspected) as refusal:
        photos.photo_upload(
            item=ReturnItem.objects.get(pk=item.pk),
            slot="front",
            upload=as_upload(jpeg_bytes()),
            hub=active_hub,
            actor=Actor.for_user(ivan, party=Party.HUB),
        )

    assert refusal.value.fields == {"inspection": submitted.pk}
    assert "can no longer change" in refusal.value.message
    assert stored_files(media) == {}


def test_the_photo_task_leaves_a_submitted_inspections_photo_and_its_file_alone(
    brand_a, in_brand, submitted, active_hub, media
):
    """A pending photo linked before submits waited for processing (a row from then): the
    task must not rewrite or delete its original, nor try to change the row."""
    with in_brand(brand_a):
        name = photos.photo_storage().save("brand_acme/photos/legacy.jpg", ContentFile(jpeg_bytes()))
        with evidence_unsealed():
            legacy = InspectionPhoto.objects.create(
                return_item=submitted.return_item,
                inspection=submitted,
                slot="defect-2",
                hub=active_hub,
                original=name,
                content_type="image/jpeg",
                bytes_uploaded=1,
            )
        before = stored_files(media)

        result = photos.photo_process(legacy.pk)

        assert (result.status, result.original.name, result.sha256) == ("pending", name, "")
        assert InspectionPhoto.objects.get(pk=legacy.pk).processed_at is None
    assert stored_files(media) == before
