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
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from brands.selectors import brand_of_connection
from closo.actors import Actor
from closo.exceptions import Conflict, DomainError
from fulfillment.models import ReturnItem, ReturnStatus, StockUnit
from fulfillment.services.returns import return_dispose, return_mark_inspected
from fulfillment.services.units import unit_release
from hubs.models import Hub, HubMember, HubStatus, HubTask
from hubs.queue import hub_task_close
from inspections import engine
from inspections.engine import DISPOSITION_LABELS, GRADE_LABELS
from inspections.models import (
    Audit,
    ChecklistItem,
    Disposition,
    Inspection,
    InspectionPhoto,
    PhotoRequirement,
    StandardVersion,
)
from inspections.selectors import snapshot_of, standard_for_sku

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


class HubNotActive(DomainError):
    code = "hub_not_active"
    status = 403


class WrongHub(DomainError):
    code = "wrong_hub"
    status = 403


class NotHubMember(DomainError):
    code = "not_hub_member"
    status = 403


class NotDroppedOff(Conflict):
    code = "not_dropped_off"


class AlreadyInspected(Conflict):
    code = "already_inspected"


class NoStandard(Conflict):
    code = "no_standard"


class StandardChanged(Conflict):
    code = "standard_changed"


# --- the form ---


@dataclass(frozen=True)
class SlotState:
    """One photo slot of the form and the photo taken for it so far, if any."""

    requirement: PhotoRequirement
    photo: InspectionPhoto | None
    failed: InspectionPhoto | None = None  # the latest upload, when its processing failed

    @property
    def taken(self) -> bool:
        return self.photo is not None


@dataclass(frozen=True)
class InspectionForm:
    item: ReturnItem
    version: StandardVersion
    slots: tuple[SlotState, ...]
    checklist: tuple[ChecklistItem, ...]

    @property
    def photos_taken(self) -> int:
        return sum(1 for slot in self.slots if slot.taken)

    @property
    def photos_required(self) -> int:
        return sum(1 for slot in self.slots if slot.requirement.required)

    @property
    def missing_photos(self) -> list[str]:
        return [slot.requirement.label for slot in self.slots if slot.requirement.required and not slot.taken]


def _photos_by_slot(item: ReturnItem) -> tuple[dict[str, InspectionPhoto], dict[str, InspectionPhoto]]:
    """({slot: latest usable photo}, {slot: latest upload, if it failed}) among the photos of
    `item` not yet part of an inspection. A retake replaces the earlier photo of its slot;
    a photo whose processing failed does not count (it is not evidence of anything)."""
    usable: dict[str, InspectionPhoto] = {}
    latest: dict[str, InspectionPhoto] = {}
    for photo in InspectionPhoto.objects.filter(return_item=item, inspection__isnull=True).order_by("created_at", "pk"):
        latest[photo.slot] = photo
        if photo.status != InspectionPhoto.Status.FAILED:
            usable[photo.slot] = photo
    failed = {slot: p for slot, p in latest.items() if p.status == InspectionPhoto.Status.FAILED}
    return usable, failed


def _version_for(item: ReturnItem) -> StandardVersion:
    version = standard_for_sku(item.sku)
    if version is None:
        raise NoStandard(
            f"The brand has no published grading standard for {item.sku.code} yet, so it cannot be inspected. "
            "Keep the item and tell the brand."
        )
    return version


def inspection_form(*, item: ReturnItem) -> InspectionForm:
    """What the wizard shows for `item`: the published standard version that applies to
    its SKU (SKU → category → brand default), its photo slots with the photos already
    taken (so a reload loses nothing) and its checklist. Raises NoStandard (409)."""
    version = _version_for(item)
    usable, failed = _photos_by_slot(item)
    slots = tuple(
        SlotState(requirement=req, photo=usable.get(req.slot), failed=failed.get(req.slot))
        for req in version.photos.all()
    )
    return InspectionForm(item=item, version=version, slots=slots, checklist=tuple(version.checklist.all()))


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
    on: the return becomes inspected, then disposed as its grade's disposition says; a
    Like-New item released to local stock gets a shelf unit (`unit_release`); the hub's
    INSPECT task closes; the brand's audit sample may pick it.

    Locks the return row first, so concurrent submits of one return run one after the
    other and the second finds the first's inspection (AlreadyInspected, 409): one
    inspection per return. Every check is made here, whatever the form showed:
    AlreadyInspected, NotHubMember, HubNotActive (403), WrongHub (403), NotDroppedOff
    (409), NoStandard (409), StandardChanged (409, when `version_id` — the version the form
    showed — is no longer the one in force), then the engine's `missing_photos`,
    `photo_too_small`, `missing_answers`, `invalid_answer`, `unknown_item`,
    `cannot_raise_grade`, `reason_required` (400)."""
    item = ReturnItem.objects.select_for_update(of=("self",)).select_related("sku").get(pk=item.pk)
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

    brand = brand_of_connection()
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
    hub_task_close(brand=brand, return_item_id=item.pk, kind=HubTask.Kind.INSPECT)
    if evaluation.disposition == Disposition.LOCAL_STOCK:
        unit_release(inspection=inspection, actor=actor)
    if _sample_audit() < brand.audit_sample_rate:
        Audit.objects.create(inspection=inspection)
    return inspection


# --- what the hub does next ---


@dataclass(frozen=True)
class NextAction:
    """The physical next step, in the words the result screen shows in large type."""

    headline: str
    detail: str
    grade: str
    grade_label: str
    disposition: str
    label: str = ""
    held: bool = False


def inspection_next_action(*, inspection: Inspection, brand_name: str) -> NextAction:
    """What the hub does with the item now that `inspection` decided where it goes."""
    grade_label = GRADE_LABELS[inspection.final_grade]
    base = {"grade": inspection.final_grade, "grade_label": grade_label, "disposition": inspection.disposition}
    rma = inspection.return_item.rma_ref
    if inspection.disposition == Disposition.LOCAL_STOCK:
        unit = StockUnit.objects.filter(return_item_id=inspection.return_item_id).first()
        if unit is not None:
            held = unit.status == StockUnit.Status.HELD
            detail = (
                f"Stick label {unit.label} on it and put it on your shelf. {brand_name} approves items from "
                "your hub before they go to customers: keep it on the shelf until it shows up as a hand-off."
                if held
                else f"Stick label {unit.label} on it and put it on your shelf. It is local stock now: "
                "when a customer nearby is matched, the hand-off appears in your queue."
            )
            return NextAction(
                headline=f"{grade_label} — shelf it with label {unit.label}",
                detail=detail,
                label=unit.label,
                held=held,
                **base,
            )
    elsewhere = {
        Disposition.WAREHOUSE: (
            "Pack for the warehouse",
            f"Box it with RMA {rma} on the label: it goes back to {brand_name}'s warehouse.",
        ),
        Disposition.LIQUIDATION: (
            "Set aside for liquidation",
            f"Keep it apart from shelf stock, marked RMA {rma}: {brand_name} arranges the collection.",
        ),
        Disposition.RECYCLE: (
            "Recycle",
            f"It cannot be sold again: recycle it as {brand_name}'s instructions say, and do not shelve it.",
        ),
    }
    headline, detail = elsewhere.get(
        inspection.disposition, (f"{grade_label} — shelf it", f"Put it on your shelf, marked RMA {rma}.")
    )
    return NextAction(headline=headline, detail=detail, **base)
