from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.utils import timezone

from fulfillment.models import ReturnItem, StockUnit
from inspections.engine import GRADE_LABELS
from inspections.exceptions import NoStandard
from inspections.models import (
    ChecklistItem,
    Disposition,
    Inspection,
    InspectionPhoto,
    PhotoRequirement,
    StandardVersion,
)
from inspections.selectors.standards import standard_for_sku


@dataclass(frozen=True)
class SlotState:
    """One photo slot of the form and the photo taken for it so far, if any."""

    requirement: PhotoRequirement
    photo: InspectionPhoto | None
    failed: InspectionPhoto | None = None  # the latest upload, when its processing failed

    @property
    def taken(self) -> bool:
        return self.photo is not None

    @property
    def processing(self) -> bool:
        """Uploaded, not processed yet: a submit waits for it (`photos_processing`)."""
        return self.photo is not None and self.photo.status == InspectionPhoto.Status.PENDING

    @property
    def ready(self) -> bool:
        return self.photo is not None and self.photo.status == InspectionPhoto.Status.READY


@dataclass(frozen=True)
class InspectionForm:
    item: ReturnItem
    version: StandardVersion
    slots: tuple[SlotState, ...]
    checklist: tuple[ChecklistItem, ...]
    started_token: str = ""  # send it back with the submit: the inspection starts now

    @property
    def photos_taken(self) -> int:
        return sum(1 for slot in self.slots if slot.taken)

    @property
    def photos_required(self) -> int:
        return sum(1 for slot in self.slots if slot.requirement.required)

    @property
    def missing_photos(self) -> list[str]:
        return [slot.requirement.label for slot in self.slots if slot.requirement.required and not slot.taken]

    @property
    def processing_photos(self) -> list[str]:
        return [slot.requirement.label for slot in self.slots if slot.processing]


# The start of an inspection is when its form was handed out, signed by the server and
# bound to the return and its hub; `inspection_submit` verifies it (signature, return,
# hub, not in the future, at most STARTED_MAX_AGE old) and measures the duration from it.
STARTED_SALT = "closo.inspections.started"
STARTED_MAX_AGE = timedelta(hours=24)


def inspection_started_token(*, item: ReturnItem, at: datetime | None = None) -> str:
    """A signed token saying the inspection of `item` at its hub started `at` (now)."""
    moment = at or timezone.now()
    return signing.dumps({"return": item.pk, "hub": item.hub_id, "at": moment.timestamp()}, salt=STARTED_SALT)


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
    taken (so a reload loses nothing), its checklist and a `started_token` saying the
    inspection starts now. Raises NoStandard (409)."""
    version = _version_for(item)
    usable, failed = _photos_by_slot(item)
    slots = tuple(
        SlotState(requirement=req, photo=usable.get(req.slot), failed=failed.get(req.slot))
        for req in version.photos.all()
    )
    return InspectionForm(
        item=item,
        version=version,
        slots=slots,
        checklist=tuple(version.checklist.all()),
        started_token=inspection_started_token(item=item),
    )


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
            f"Box it with the return reference {rma} on the label: it goes back to {brand_name}'s warehouse.",
        ),
        Disposition.LIQUIDATION: (
            "Set aside for liquidation",
            f"Keep it apart from shelf stock, marked with the return reference {rma}: "
            f"{brand_name} arranges the collection.",
        ),
        Disposition.RECYCLE: (
            "Recycle",
            f"It cannot be sold again: recycle it as {brand_name}'s instructions say, and do not shelve it.",
        ),
    }
    headline, detail = elsewhere.get(
        inspection.disposition,
        (f"{grade_label} — shelf it", f"Put it on your shelf, marked with the return reference {rma}."),
    )
    return NextAction(headline=headline, detail=detail, **base)
