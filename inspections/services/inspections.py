"""The 30-second inspection at a hub (DESIGN.md §5.4–5): the wizard's form, built from the
brand's published standard for the item's SKU, and the submit that checks everything
again, grades with the engine, stores the inspection immutably with the version it used,
moves the return to its disposition, releases a Like-New unit to the hub's shelf and
tells the hub what to do with the item next.

The server is the source of truth: whatever the wizard showed, `inspection_submit`
re-checks the hub, the return's state, the start time the form signed, the photos (every
one processed, its SHA-256 known) and the answers, each failure with its own code
(`hub_not_active`, `wrong_hub`, `not_dropped_off`, `already_inspected`,
`invalid_started_token`, `missing_photos`, `photo_failed`, `photos_processing`,
`missing_answers`, …).

What it stores is evidence and never changes again: the inspection row and the photos
linked to it are refused UPDATE and DELETE by database triggers (migration
inspections.0003), whatever code runs."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from brands.selectors.brands import brand_of_connection
from closo.actors import Actor
from closo.exceptions import HubNotActive, ReasonRequired, WrongHub
from closo.locks import lock_one, lock_rows
from fulfillment.models import ReturnItem, ReturnStatus
from fulfillment.services.returns import return_dispose, return_mark_inspected
from fulfillment.services.units import unit_release
from hubs.models import Hub, HubMember, HubStatus, HubTask
from inspections import engine
from inspections.engine import DISPOSITION_LABELS, GRADE_LABELS
from inspections.exceptions import (
    AlreadyInspected,
    InvalidStartedToken,
    NotDroppedOff,
    NotHubMember,
    PhotoFailed,
    PhotosProcessing,
    StandardChanged,
)
from inspections.models import (
    Audit,
    Disposition,
    Inspection,
    InspectionPhoto,
)
from inspections.selectors.inspections import STARTED_MAX_AGE, STARTED_SALT, _photos_by_slot, _version_for
from inspections.selectors.standards import snapshot_of

S = ReturnStatus

# The inspection's disposition → the return's final disposition.
RETURN_DISPOSITION = {
    Disposition.LOCAL_STOCK: ReturnItem.Disposition.IN_LOCAL_STOCK,
    Disposition.WAREHOUSE: ReturnItem.Disposition.TO_WAREHOUSE,
    Disposition.LIQUIDATION: ReturnItem.Disposition.LIQUIDATED,
    Disposition.RECYCLE: ReturnItem.Disposition.RECYCLED,
}

# A photo still being processed may have no measured size yet: it passes the size check
# here, and is refused as still processing (its size is checked once known).
UNMEASURED = (math.inf, math.inf)
READY = InspectionPhoto.Status.READY

# Clocks of two web servers may differ a little: a token signed this much "in the future"
# counts as signed now.
CLOCK_SKEW = timedelta(seconds=30)


# --- the simulator's photo waiver ---


class PhotoWaiver:
    """Permission to submit inspections without photos, for `manage.py simulate` only: a
    simulated hub has no camera. Only simulator/ constructs one (tests/test_architecture.py
    fails if any other module names this class or `photos_waived`); the real hub flow never
    sees it, and every inspection submitted under it says so on its inspected event."""

    def __init__(self, *, why: str):
        if not why:
            raise ValueError("Say why photos are waived.")
        self.why = why


_waiver: ContextVar[PhotoWaiver | None] = ContextVar("photo_waiver", default=None)


@contextmanager
def photos_waived(waiver: PhotoWaiver) -> Iterator[None]:
    """Inside this block `inspection_submit` requires no photos (see PhotoWaiver)."""
    if not isinstance(waiver, PhotoWaiver):
        raise TypeError("photos_waived needs the simulator's PhotoWaiver.")
    token = _waiver.set(waiver)
    try:
        yield
    finally:
        _waiver.reset(token)


# --- the submit ---


def _not_dropped_off(item: ReturnItem) -> NotDroppedOff:
    if item.status == S.ROUTED:
        message = "This return has not been received yet: receive it with its drop-off code first."
    else:
        message = f"This return is {item.get_status_display().lower()}: only a received item can be inspected."
    return NotDroppedOff(message, fields={"status": item.status})


def _sample_audit() -> float:
    return random.random()


def _started_at(token: str, *, item: ReturnItem, hub: Hub, now: datetime) -> datetime:
    """When the inspection started, from the `started_token` its form handed out
    (inspections.selectors.inspections.inspection_started_token): signed by this server,
    for this return at this hub, not in the future, at most STARTED_MAX_AGE old."""

    def refuse(message: str) -> InvalidStartedToken:
        return InvalidStartedToken(message, fields={"started_token": [message]})

    if not token:
        raise refuse(
            "Send the started_token the inspection form gave you: the start time is the server's "
            "(get the form again to start)."
        )
    try:
        signed = signing.loads(token, salt=STARTED_SALT)
        started = datetime.fromtimestamp(float(signed["at"]), tz=UTC)
        signed_for = (signed["return"], signed["hub"])
    except (signing.BadSignature, TypeError, ValueError, KeyError, OverflowError, OSError):
        raise refuse("This started_token was not issued by Closo: get the inspection form again.") from None
    if signed_for != (item.pk, hub.pk):
        raise refuse("This started_token is for another return or hub: get this return's inspection form.")
    if started > now + CLOCK_SKEW:
        raise refuse("This started_token starts in the future: get the inspection form again.")
    if now - started > STARTED_MAX_AGE:
        hours = round(STARTED_MAX_AGE.total_seconds() / 3600)
        raise refuse(f"This inspection form was opened more than {hours} hours ago: open it again and submit.")
    return min(started, now)


def _check_none_failed(snapshot, failed: dict) -> None:
    """A required slot whose latest photo could not be processed is retaken (PhotoFailed,
    400): no retry of the submit helps."""
    retake = [slot for slot in snapshot.photo_slots if slot.required and slot.slot in failed]
    if retake:
        raise PhotoFailed(
            f"Take {'this photo' if len(retake) == 1 else 'these photos'} again: "
            f"{', '.join(slot.label for slot in retake)} could not be processed.",
            fields={
                slot.slot: [f"{failed[slot.slot].error or 'It could not be processed.'} Take it again."]
                for slot in retake
            },
        )


def _check_all_processed(snapshot, photos: dict) -> None:
    """Evidence is a processed photo (metadata removed, SHA-256 known): while any photo of
    the inspection is still being processed the hub waits (PhotosProcessing, 409, with the
    seconds to wait in `fields.retry_after`)."""
    waiting = [slot for slot in snapshot.photo_slots if slot.slot in photos and photos[slot.slot].status != READY]
    if waiting:
        raise PhotosProcessing(
            f"{len(waiting)} photo{'s are' if len(waiting) > 1 else ' is'} still being processed "
            f"({', '.join(slot.label for slot in waiting)}): submit again in a few seconds.",
            fields={
                **{slot.slot: ["Still being processed."] for slot in waiting},
                "retry_after": PhotosProcessing.retry_after,
            },
        )


@transaction.atomic
def inspection_submit(
    *,
    item: ReturnItem,
    hub: Hub,
    inspector,
    started_token: str,
    answers: dict,
    requested_grade: str | None = None,
    lower_reason: str = "",
    actor: Actor,
    version_id: int | None = None,
) -> Inspection:
    """Grade and record the inspection of `item` at `hub` by `inspector`, then move the item
    on: the return becomes inspected (its INSPECT task closes with that move), then
    disposed as its grade's disposition says; a Like-New item released to local stock
    gets a shelf unit (`unit_release`); the brand's audit sample may pick it.

    `started_token` is the one `inspection_form` handed out: the inspection's duration runs
    from it. Every photo linked to the inspection is processed, and the inspected event
    records each one's SHA-256.

    Locks the return's open INSPECT task, then the return row (LOCK_ORDER: HubTask →
    ReturnItem, as a cancel or a receipt of the same return does, so none of them can
    hold one while waiting for the other); concurrent submits of one return run one
    after the other and the second finds the first's inspection (AlreadyInspected, 409):
    one inspection per return. Every check is made here, whatever the form showed:
    AlreadyInspected, NotHubMember, HubNotActive (409), WrongHub (409), NotDroppedOff
    (409), InvalidStartedToken (400), NoStandard (409), StandardChanged (409, when
    `version_id` — the version the form showed — is no longer the one in force),
    PhotoFailed (400), the engine's `missing_photos`, `photo_too_small`, `missing_answers`,
    `invalid_answer`, `unknown_item`, `cannot_raise_grade`, `reason_required` (400), and
    last PhotosProcessing (409: the only refusal a plain retry fixes)."""
    brand = brand_of_connection()
    lock_rows(
        HubTask.objects.filter(
            brand=brand, return_item_id=item.pk, kind=HubTask.Kind.INSPECT, status=HubTask.Status.OPEN
        )
    )
    item = lock_one(ReturnItem.objects.select_related("sku"), pk=item.pk)
    if item is None:
        raise ReturnItem.DoesNotExist("No such return.")
    if item.status in (S.INSPECTED, S.DISPOSED) or Inspection.objects.filter(return_item=item).exists():
        existing = Inspection.objects.filter(return_item=item).values_list("pk", flat=True).first()
        raise AlreadyInspected("This return has already been inspected.", fields={"inspection": existing})
    if not HubMember.objects.filter(user=inspector, hub_id=hub.pk).exists():
        raise NotHubMember("Only the hub's own members can inspect for it.")
    # Staff may suspend the hub while the inspector works: read its status as it is now.
    hub = Hub.objects.get(pk=hub.pk)
    if hub.status != HubStatus.ACTIVE:
        raise HubNotActive(
            f"{hub.name} is {hub.get_status_display().lower()}: it cannot inspect returns.",
            fields={"hub_status": hub.status},
        )
    if item.hub_id != hub.pk:
        raise WrongHub("This return was assigned to another of your hubs: inspect it there.")
    if item.status != S.DROPPED_OFF:
        raise _not_dropped_off(item)
    now = timezone.now()
    started_at = _started_at(started_token, item=item, hub=hub, now=now)
    version = _version_for(item)
    if version_id is not None and int(version_id) != version.pk:
        raise StandardChanged(
            "The brand published a new version of its standard while you were inspecting. "
            "Reload the form: your photos are kept.",
            fields={"version": version.pk},
        )
    snapshot = snapshot_of(version)
    slots = {slot.slot for slot in snapshot.photo_slots}
    waiver = _waiver.get()
    usable, failed = _photos_by_slot(item) if waiver is None else ({}, {})
    photos = {slot: photo for slot, photo in usable.items() if slot in slots}
    # Refusals a retry cannot fix first (a retake, a missing photo, an answer), the wait last.
    if waiver is None:
        _check_none_failed(snapshot, failed)
        engine.check_photos(
            snapshot, {slot: (p.width, p.height) if p.width and p.height else UNMEASURED for slot, p in photos.items()}
        )
    try:
        evaluation = engine.evaluate(snapshot, answers, requested_grade=requested_grade or None, reason=lower_reason)
    except ReasonRequired as refused:  # the engine's `reason` is this call's `lower_reason`
        raise ReasonRequired(refused.message, fields={"lower_reason": refused.fields["reason"]}) from None
    if waiver is None:
        _check_all_processed(snapshot, photos)

    inspection = Inspection.objects.create(
        return_item=item,
        hub=hub,
        inspector=inspector,
        version=version,
        started_at=started_at,
        submitted_at=now,
        answers={key: answers.get(key) for key in (rule.key for rule in snapshot.checklist)},
        computed_grade=evaluation.computed_grade,
        final_grade=evaluation.final_grade,
        lower_reason=evaluation.lowered_reason,
        reasons=list(evaluation.reasons),
        disposition=evaluation.disposition,
    )
    InspectionPhoto.objects.filter(pk__in=[p.pk for p in photos.values()]).update(inspection=inspection)

    grade_label = GRADE_LABELS[evaluation.final_grade]
    return_mark_inspected(
        item=item,
        hub=hub,
        actor=actor,
        detail=(
            f"Inspected at {hub.name}: {grade_label} under {version.standard.name} v{version.number}, "
            f"{len(photos)} photos, {round(inspection.duration_seconds)} s."
        ),
        custody={
            "inspection": inspection.pk,
            "version": version.pk,
            "computed_grade": evaluation.computed_grade,
            "final_grade": evaluation.final_grade,
            "photos": {slot: {"photo": p.pk, "sha256": p.sha256} for slot, p in sorted(photos.items())},
            **({"photos_waived": waiver.why} if waiver is not None else {}),
        },
    )
    return_dispose(
        item=item,
        disposition=RETURN_DISPOSITION[evaluation.disposition],
        hub=hub,
        actor=actor,
        detail=f"{grade_label} → {DISPOSITION_LABELS[evaluation.disposition]}.",
    )
    if evaluation.disposition == Disposition.LOCAL_STOCK:
        unit_release(inspection=inspection, actor=actor)
    if _sample_audit() < brand.audit_sample_rate:
        Audit.objects.create(inspection=inspection)
    return inspection


# --- what the hub does next ---
