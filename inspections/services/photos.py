"""Inspection photos: the upload (checked before anything is stored), the processing task
(orientation, every piece of metadata removed, renditions, SHA-256), and the reads that
serve them — privately — to the brand, the hub that took them and staff.

    upload ─→ pending ─(task)─→ ready      a retake of a slot replaces the earlier photo
                       └──────→ failed     (its stored original is deleted: it may hold GPS)

Nothing is served until the photo is ready, so the uploaded original, which still
carries the phone's EXIF (GPS position included), is never shown to anyone; processing
rewrites it and deletes the uploaded file.

A submitted inspection's photos are evidence: an inspection only takes ready photos, and
once linked to it a photo is never retaken, reprocessed, rewritten or deleted — the
services refuse, and a database trigger (migration inspections.0003) refuses any UPDATE
or DELETE of a linked photo row."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import connection, transaction

from closo import locks
from closo.actors import Actor
from closo.exceptions import HubNotActive, InvalidTransition
from fulfillment.models import EventKind, ReturnItem, ReturnStatus
from fulfillment.services.events import event_record
from hubs.models import Hub, HubStatus
from inspections import imaging
from inspections.exceptions import (
    PHOTO_REJECTIONS,
    AlreadyInspected,
    NoStandard,
    NotAwaitingInspection,
    NotThisHubsItem,
    UnknownSlot,
)
from inspections.imaging import CheckedImage
from inspections.machines import PHOTOS
from inspections.models import Inspection, InspectionPhoto, PhotoRequirement
from inspections.selectors.standards import standard_for_sku

log = logging.getLogger(__name__)

PIPELINE = Actor.system("photo pipeline")
Status = InspectionPhoto.Status


def photo_storage():
    return InspectionPhoto._meta.get_field("original").storage


def _new_name(ext: str) -> str:
    """<schema>/photos/<random>.<ext> (the model's upload_to), made unique by the storage."""
    return InspectionPhoto._meta.get_field("original").generate_filename(None, f"photo.{ext}")


def _delete_files(names) -> None:
    storage = photo_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a file left behind is logged, never a failed request or task
            log.exception("Could not delete stored photo file %s", name)


# --- writes ---


def photo_validate(upload) -> CheckedImage:
    """Whether an uploaded file is a photo we keep: JPEG, PNG or WebP by its bytes, at most
    imaging.MAX_UPLOAD_BYTES and imaging.MAX_PIXELS (read from the header before decoding),
    and decodable to the last pixel. One of PHOTO_REJECTIONS (413/415/400) otherwise."""
    return imaging.image_check(upload, upload.size)


def _check_can_upload(*, item: ReturnItem, hub: Hub, slot: str) -> PhotoRequirement:
    if hub.status != HubStatus.ACTIVE:
        raise HubNotActive(f"{hub.name} is {HubStatus(hub.status).label.lower()}: it cannot inspect items now.")
    if item.hub_id != hub.pk:
        raise NotThisHubsItem("This return was not dropped off at your hub.")
    submitted = Inspection.objects.filter(return_item=item).values_list("pk", flat=True).first()
    if submitted is not None:
        raise AlreadyInspected(
            "This return's inspection is submitted: its photos are evidence and can no longer change.",
            fields={"inspection": submitted},
        )
    if item.status != ReturnStatus.DROPPED_OFF:
        raise NotAwaitingInspection(
            f"This return is {ReturnStatus(item.status).label.lower()}: photos are taken after it is "
            "dropped off and before its inspection is submitted."
        )
    version = standard_for_sku(item.sku)
    if version is None:
        raise NoStandard(f"The brand has no published grading standard for {item.sku.code} yet.")
    slots = {requirement.slot: requirement for requirement in version.photos.all()}
    if slot not in slots:
        known = ", ".join(slots) or "none"
        raise UnknownSlot(
            f"“{slot}” is not a photo slot of this item's standard (slots: {known}).",
            fields={"slot": [f"Choose one of: {known}."]},
        )
    return slots[slot]


def photo_upload(*, item: ReturnItem, slot: str, upload, hub: Hub, actor: Actor) -> InspectionPhoto:
    """Store a photo for one slot of `item`'s inspection and queue its processing.

    The file is checked, then the rules (the hub is active and is the item's hub, the item
    is dropped off, the slot is in the standard that applies) — a refusal stores nothing.
    The file is written outside the transaction; the transaction locks the return row,
    checks the rules again (a submit or a suspension may have happened meanwhile), replaces
    an earlier photo of the slot and records the event. If it fails, the file is deleted.
    Processing is enqueued on commit. Call it outside any transaction."""
    checked = photo_validate(upload)
    _check_can_upload(item=item, hub=hub, slot=slot)
    storage = photo_storage()
    name = storage.save(_new_name(checked.kind.ext), upload, max_length=200)
    try:
        with transaction.atomic(durable=True):
            item = locks.lock_one(ReturnItem.objects.select_related("sku"), pk=item.pk)
            hub = Hub.objects.get(pk=hub.pk)
            requirement = _check_can_upload(item=item, hub=hub, slot=slot)
            replaced = list(
                InspectionPhoto.objects.filter(return_item=item, slot=slot, inspection__isnull=True).order_by("pk")
            )
            InspectionPhoto.objects.filter(pk__in=[p.pk for p in replaced]).delete()
            photo = InspectionPhoto.objects.create(
                return_item=item,
                slot=slot,
                uploaded_by=actor.user,
                hub=hub,
                original=name,
                content_type=checked.kind.content_type,
                bytes_uploaded=checked.size_bytes,
                width=checked.width,
                height=checked.height,
            )
            event_record(
                subject=item,
                kind=EventKind.PHOTO_UPLOADED,
                actor=actor,
                hub=hub,
                detail=f"Photo “{requirement.label}” {'retaken' if replaced else 'taken'} "
                f"({checked.width}×{checked.height} px, {checked.size_bytes / 1024:.0f} KB).",
                data={
                    "photo": photo.pk,
                    "slot": slot,
                    "bytes": checked.size_bytes,
                    "content_type": checked.kind.content_type,
                    "replaces": [p.pk for p in replaced],
                },
            )
            schema_name = connection.schema_name
            transaction.on_commit(lambda: _enqueue(schema_name, photo.pk))
            old_files = [f.name for p in replaced for f in (p.original, p.display, p.thumbnail) if f.name]
            if old_files:
                transaction.on_commit(lambda: _delete_files(old_files))
    except BaseException:
        _delete_files([name])
        raise
    return photo


def _enqueue(schema_name: str, photo_id: int) -> None:
    from django_q.tasks import async_task

    async_task("inspections.tasks.photo_process", schema_name, photo_id, task_name=f"photo-{schema_name}-{photo_id}")


def photo_process(photo_id: int) -> InspectionPhoto | None:
    """Make a pending photo ready: read the uploaded original, apply its orientation, write
    a cleaned original with no metadata, a display rendition and a thumbnail under new
    random names, record dimensions and the SHA-256 of the cleaned original, then delete
    the uploaded file. Run it in the photo's brand schema (inspections.tasks does).

    The result is written (after locking the return, as an upload does) by
    PHOTOS.transition, a conditional UPDATE on the photo still
    being pending (a retake deletes the row and makes a new one, so the same pending row
    is the same upload): a duplicate or retried task writes once and a photo retaken
    meanwhile is left alone (the files this run wrote are deleted). Never raises for a bad image or a storage
    failure: the photo is marked failed with the reason, and its original deleted.

    A photo of a submitted inspection is left exactly as it is (a submit only takes ready
    photos, so it is never pending; this is the check for rows from before that rule):
    nothing is read, rewritten or deleted."""
    photo = InspectionPhoto.objects.select_related("return_item", "hub").filter(pk=photo_id).first()
    if photo is None or photo.status != Status.PENDING:
        return photo
    if photo.inspection_id is not None:
        log.warning(
            "Photo %s (%s) belongs to inspection %s: not processed",
            photo.pk,
            connection.schema_name,
            photo.inspection_id,
        )
        return photo
    storage, source, written = photo_storage(), photo.original.name, []
    try:
        with storage.open(source, "rb") as fh:
            rendered = imaging.image_render(fh.read())
        for ext, content in (
            (rendered.kind.ext, rendered.original),
            ("jpg", rendered.display),
            ("jpg", rendered.thumbnail),
        ):
            written.append(storage.save(_new_name(ext), ContentFile(content), max_length=200))
    except PHOTO_REJECTIONS as exc:
        _delete_files(written)
        return _fail(photo, source, exc.message)
    except Exception:
        log.exception("Processing photo %s (%s) failed", photo.pk, connection.schema_name)
        _delete_files(written)
        return _fail(photo, source, "The photo could not be processed: take it again.")

    original, display, thumbnail = written
    with transaction.atomic():
        _lock_return(photo)
        updated = _settle(
            photo,
            Status.READY,
            original=original,
            display=display,
            thumbnail=thumbnail,
            content_type=rendered.kind.content_type,
            width=rendered.width,
            height=rendered.height,
            sha256=rendered.sha256,
        )
        if updated:
            event_record(
                subject=photo.return_item,
                kind=EventKind.PHOTO_PROCESSED,
                actor=PIPELINE,
                hub=photo.hub,
                detail=f"Photo “{photo.slot}” ready: {rendered.width}×{rendered.height} px, metadata removed, "
                f"SHA-256 {rendered.sha256[:12]}….",
                data={
                    "photo": photo.pk,
                    "slot": photo.slot,
                    "sha256": rendered.sha256,
                    "width": rendered.width,
                    "height": rendered.height,
                },
            )
            transaction.on_commit(lambda: _delete_files([source]))
    if not updated:
        _delete_files(written)
    return InspectionPhoto.objects.filter(pk=photo.pk).first()


def _lock_return(photo: InspectionPhoto) -> None:
    # The return before the photo (closo.locks.LOCK_ORDER), as an upload does: the event
    # written after the photo's UPDATE references the return (a key-share lock on it), and
    # a retake holding the return while it deletes this photo would otherwise deadlock.
    locks.lock_one(ReturnItem, pk=photo.return_item_id)


def _settle(photo: InspectionPhoto, to: str, **changes) -> bool:
    """Move a pending photo to `to`; False when it is not pending any more (another run
    finished it, or a retake replaced it)."""
    try:
        PHOTOS.transition(photo, to, actor=PIPELINE, **changes)
    except InvalidTransition:
        return False
    return True


def _fail(photo: InspectionPhoto, source: str, message: str) -> InspectionPhoto | None:
    with transaction.atomic():
        _lock_return(photo)
        updated = _settle(photo, Status.FAILED, error=message[:300])
        if updated:
            event_record(
                subject=photo.return_item,
                kind=EventKind.PHOTO_FAILED,
                actor=PIPELINE,
                hub=photo.hub,
                detail=f"Photo “{photo.slot}” could not be processed: {message}",
                data={"photo": photo.pk, "slot": photo.slot},
            )
            transaction.on_commit(lambda: _delete_files([source]))
    return InspectionPhoto.objects.filter(pk=photo.pk).first()


# --- reads ---
