"""The 30-second inspection at a hub (DESIGN.md §5.4–5): the wizard's form, built from the
brand's published standard for the item's SKU, and the submit that checks everything
again, grades with the engine, stores the inspection immutably with the version it used,
moves the return to its disposition, releases a Like-New unit to the hub's shelf and
tells the hub what to do with the item next.

The server is the source of truth: whatever the wizard showed, `inspection_submit`
re-checks the hub, the return's state, the photos and the answers, each failure with its
own code (`hub_not_active`, `wrong_hub`, `not_dropped_off`, `already_inspected`,
`missing_photos`, `missing_answers`, …)."""

from __future__ import annotations

import math
import random
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from brands.selectors.brands import brand_of_connection
from closo.actors import Actor
from closo.exceptions import HubNotActive, WrongHub
from closo.locks import lock_one, lock_rows
from fulfillment.models import ReturnItem, ReturnStatus
from fulfillment.services.returns import return_dispose, return_mark_inspected
from fulfillment.services.units import unit_release
from hubs.models import Hub, HubMember, HubStatus, HubTask
from inspections import engine
from inspections.engine import DISPOSITION_LABELS, GRADE_LABELS
from inspections.exceptions import AlreadyInspected, NotDroppedOff, NotHubMember, StandardChanged
from inspections.models import (
    Audit,
    Disposition,
    Inspection,
    InspectionPhoto,
)
from inspections.selectors.inspections import _photos_by_slot, _version_for
from inspections.selectors.standards import snapshot_of

S = ReturnStatus

# The inspection's disposition → the return's final disposition.
RETURN_DISPOSITION = {
    Disposition.LOCAL_STOCK: ReturnItem.Disposition.IN_LOCAL_STOCK,
    Disposition.WAREHOUSE: ReturnItem.Disposition.TO_WAREHOUSE,
    Disposition.LIQUIDATION: ReturnItem.Disposition.LIQUIDATED,
    Disposition.RECYCLE: ReturnItem.Disposition.RECYCLED,
}

# A photo still being processed has no measured size yet: it passes the size check (the
# upload itself refused images over the pixel cap; the minimum is checked once known).
UNMEASURED = (math.inf, math.inf)


# --- the form ---


# --- the submit ---


def _not_dropped_off(item: ReturnItem) -> NotDroppedOff:
    if item.status == S.ROUTED:
        message = "This return has not been received yet: receive it with its drop-off code first."
    else:
        message = f"This return is {item.get_status_display().lower()}: only a received item can be inspected."
    return NotDroppedOff(message, fields={"status": item.status})


def _sample_audit() -> float:
    return random.random()


@transaction.atomic
def inspection_submit(
    *,
    item: ReturnItem,
    hub: Hub,
    inspector,
    started_at: datetime | None,
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

    Locks the return's open INSPECT task, then the return row (LOCK_ORDER: HubTask →
    ReturnItem, as a cancel or a receipt of the same return does, so none of them can
    hold one while waiting for the other); concurrent submits of one return run one
    after the other and the second finds the first's inspection (AlreadyInspected, 409):
    one inspection per return. Every check is made here, whatever the form showed:
    AlreadyInspected, NotHubMember, HubNotActive (409), WrongHub (409), NotDroppedOff
    (409), NoStandard (409), StandardChanged (409, when `version_id` — the version the form
    showed — is no longer the one in force), then the engine's `missing_photos`,
    `photo_too_small`, `missing_answers`, `invalid_answer`, `unknown_item`,
    `cannot_raise_grade`, `reason_required` (400)."""
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
    version = _version_for(item)
    if version_id is not None and int(version_id) != version.pk:
        raise StandardChanged(
            "The brand published a new version of its standard while you were inspecting. "
            "Reload the form: your photos are kept.",
            fields={"version": version.pk},
        )
    snapshot = snapshot_of(version)
    slots = {slot.slot for slot in snapshot.photo_slots}
    photos = {slot: photo for slot, photo in _photos_by_slot(item)[0].items() if slot in slots}
    engine.check_photos(
        snapshot, {slot: (p.width, p.height) if p.width and p.height else UNMEASURED for slot, p in photos.items()}
    )
    evaluation = engine.evaluate(snapshot, answers, requested_grade=requested_grade or None, reason=lower_reason)

    now = timezone.now()
    started_at = min(started_at or now, now)
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
            "photos": {slot: {"photo": p.pk, "sha256": p.sha256 or None} for slot, p in sorted(photos.items())},
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
