"""Every write to grading standards. Drafts are edited; a published version never
changes again. Each edit locks its version row (SELECT … FOR UPDATE) and re-reads the
status under the lock, so an edit can never land in a version that a concurrent
`version_publish` has just published, and two publishes of one draft cannot both win.
Every change is recorded in the brand's activity (fulfillment.ConfigChange), in the same
transaction; an edit that changes nothing records nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Max

from closo.actors import Actor
from closo.exceptions import Invalid, Required
from closo.locks import lock_one
from fulfillment.models import ConfigChange, Sku
from fulfillment.services.config import config_change_record, config_diff
from inspections.engine import DISPOSITION_LABELS, GRADE_RANK
from inspections.exceptions import (
    DraftExists,
    InvalidKey,
    InvalidMinLongEdge,
    InvalidSlot,
    MissingGrade,
    NoChecklist,
    NoRequiredPhoto,
    SkuRequired,
    StandardExists,
    TooLong,
    UnknownDisposition,
    UnknownGrade,
    UnknownScope,
    VersionPublished,
)
from inspections.machines import VERSIONS
from inspections.models import (
    DEFAULT_DISPOSITIONS,
    ChecklistItem,
    GradingStandard,
    PhotoRequirement,
    StandardVersion,
)

Scope = GradingStandard.Scope
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
KEY_ERRORS = {"key": InvalidKey, "slot": InvalidSlot}  # what a malformed key or slot raises
MIN_EDGE_RANGE = (100, 10_000)


Action = ConfigChange.Action


def default_dispositions() -> dict[str, str]:
    return {str(grade): str(disposition) for grade, disposition in DEFAULT_DISPOSITIONS.items()}


# --- the activity record ---


def _title(version: StandardVersion) -> str:
    """Standard “Default” v3 (draft) — as the activity shows it."""
    draft = "" if version.status == StandardVersion.Status.PUBLISHED else " (draft)"
    return f"Standard “{version.standard.name}” v{version.number}{draft}"


def _record(action: str, subject: str, *, standard_id: int, actor: Actor, changes: dict | None = None) -> None:
    config_change_record(
        area=ConfigChange.Area.STANDARD,
        action=action,
        subject=subject,
        subject_id=standard_id,
        changes=changes,
        actor=actor,
    )


# --- validation ---


def _text(value, field: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise Invalid(f"{field} must be text.", fields={field: ["Must be text."]})
    if required and not value:
        raise Required(f"Fill in {field.replace('_', ' ')}.", fields={field: ["Required."]})
    if len(value) > max_length:
        raise TooLong(
            f"{field.replace('_', ' ').capitalize()} is at most {max_length} characters.",
            fields={field: [f"At most {max_length} characters."]},
        )
    return value


def _key(value, field: str) -> str:
    if not isinstance(value, str) or not KEY_RE.match(value):
        raise KEY_ERRORS[field](
            f"“{value}” is not a valid {field}: use 1–40 lowercase letters, digits, - or _.",
            fields={field: ["Lowercase letters, digits, - and _ only (at most 40)."]},
        )
    return value


def _grade(value, field: str = "fail_cap") -> str:
    if not isinstance(value, str) or value not in GRADE_RANK:
        raise UnknownGrade(
            f"“{value}” is not a grade. Use one of: {', '.join(GRADE_RANK)}.",
            fields={field: [f"Unknown grade “{value}”."]},
        )
    return value


def _flag(value, field: str = "required") -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field} must be true or false.", fields={field: ["Must be true or false."]})
    return value


def _min_edge(value) -> int:
    low, high = MIN_EDGE_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidMinLongEdge(
            f"The minimum long edge must be a whole number of pixels from {low} to {high}.",
            fields={"min_long_edge_px": [f"From {low} to {high} px."]},
        )
    return value


def _validated_dispositions(dispositions: Mapping) -> dict[str, str]:
    unknown = [key for key in dispositions if key not in GRADE_RANK]
    if unknown:
        raise UnknownGrade(
            f"Not a grade: {', '.join(map(str, unknown))}. Use: {', '.join(GRADE_RANK)}.",
            fields={str(key): ["Unknown grade."] for key in unknown},
        )
    missing = [grade for grade in GRADE_RANK if grade not in dispositions]
    if missing:
        raise MissingGrade(
            f"Give a disposition for every grade; missing: {', '.join(missing)}.",
            fields={grade: ["Required."] for grade in missing},
        )
    bad = {
        grade: value
        for grade, value in dispositions.items()
        if not isinstance(value, str) or value not in DISPOSITION_LABELS
    }
    if bad:
        raise UnknownDisposition(
            f"Not a disposition: {', '.join(map(str, bad.values()))}. Use: {', '.join(DISPOSITION_LABELS)}.",
            fields={grade: [f"Unknown disposition “{value}”."] for grade, value in bad.items()},
        )
    return {grade: str(dispositions[grade]) for grade in GRADE_RANK}


# --- standards and versions ---


@transaction.atomic
def standard_create(
    *, name: str, scope: str, category: str = "", sku: Sku | None = None, actor: Actor
) -> GradingStandard:
    """A new standard (the brand default, or an override for a category or a SKU) with
    an empty draft v1. One default, one per category, one per SKU: the unique
    constraints settle concurrent creates (→ `standard_exists`)."""
    name = _text(name, "name", 120)
    if scope not in Scope.values:
        raise UnknownScope(
            f"“{scope}” is not a scope. Use one of: {', '.join(Scope.values)}.",
            fields={"scope": ["Unknown scope."]},
        )
    category = (category or "").strip()
    if scope == Scope.CATEGORY:
        category = _text(category, "category", 80)
    elif category:
        raise Invalid("Only a category standard names a category.", fields={"category": ["Leave empty."]})
    if scope == Scope.SKU and sku is None:
        raise SkuRequired("Choose the SKU this standard is for.", fields={"sku": ["Required."]})
    if scope != Scope.SKU and sku is not None:
        raise Invalid("Only a SKU standard names a SKU.", fields={"sku": ["Leave empty."]})
    try:
        with transaction.atomic():
            standard = GradingStandard.objects.create(name=name, scope=scope, category=category, sku=sku)
    except IntegrityError:
        target = {
            Scope.DEFAULT: "This brand already has a default standard",
            Scope.CATEGORY: f"Category “{category}” already has a standard",
            Scope.SKU: f"SKU {sku.code if sku else ''} already has a standard",
        }[scope]
        raise StandardExists(f"{target}: open it and start a new draft instead.") from None
    StandardVersion.objects.create(
        standard=standard, number=1, dispositions=default_dispositions(), created_by=actor.user
    )
    target = {"category": category, "sku": sku.code if sku else None}
    _record(
        Action.CREATED,
        f"Standard “{standard.name}”",
        standard_id=standard.pk,
        actor=actor,
        changes={"scope": scope, **{field: value for field, value in target.items() if value}},
    )
    return standard


@transaction.atomic
def version_draft_create(*, standard: GradingStandard, actor: Actor) -> StandardVersion:
    """A new draft numbered after the highest version, copying the latest published
    version's items, photo slots and dispositions. Locks the standard row, so two
    concurrent calls make one draft (the other gets `draft_exists`)."""
    standard = lock_one(GradingStandard, pk=standard.pk)
    draft = standard.versions.filter(status=StandardVersion.Status.DRAFT).first()
    if draft is not None:
        raise DraftExists(f"Version {draft.number} is already a draft: edit it, or discard it first.")
    base = standard.versions.filter(status=StandardVersion.Status.PUBLISHED).order_by("-number").first()
    number = (standard.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = StandardVersion.objects.create(
        standard=standard,
        number=number,
        dispositions=dict(base.dispositions) if base else default_dispositions(),
        created_by=actor.user,
    )
    if base is not None:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                version=version,
                key=item.key,
                prompt=item.prompt,
                help_text=item.help_text,
                required=item.required,
                fail_cap=item.fail_cap,
                position=item.position,
            )
            for item in base.checklist.all()
        )
        PhotoRequirement.objects.bulk_create(
            PhotoRequirement(
                version=version,
                slot=photo.slot,
                label=photo.label,
                required=photo.required,
                min_long_edge_px=photo.min_long_edge_px,
                position=photo.position,
            )
            for photo in base.photos.all()
        )
    _record(
        Action.CREATED,
        _title(version),
        standard_id=standard.pk,
        actor=actor,
        changes={"copied_from": f"v{base.number}"} if base else None,
    )
    return version


def _draft_for_update(version: StandardVersion) -> StandardVersion:
    """Lock `version` and check, under the lock, that it is still a draft."""
    locked = lock_one(StandardVersion.objects.select_related("standard"), pk=version.pk)
    if locked.status == StandardVersion.Status.PUBLISHED:
        raise VersionPublished(
            f"Version {locked.number} of “{locked.standard.name}” is published and cannot change. "
            "Start a new draft to make changes."
        )
    return locked


@transaction.atomic
def version_draft_discard(*, version: StandardVersion, actor: Actor) -> None:
    """Delete a draft and its items and slots (published versions stay forever)."""
    version = _draft_for_update(version)
    _record(Action.DISCARDED, _title(version), standard_id=version.standard_id, actor=actor)
    version.delete()


@transaction.atomic
def version_dispositions_set(*, version: StandardVersion, dispositions: Mapping, actor: Actor) -> StandardVersion:
    """Replace the grade → disposition map of a draft (all four grades, known values)."""
    version = _draft_for_update(version)
    dispositions = _validated_dispositions(dispositions)
    diff = config_diff(version.dispositions, dispositions)
    if diff:
        version.dispositions = dispositions
        version.save(update_fields=["dispositions"])
        _record(
            Action.UPDATED,
            f"Dispositions of {_title(version)}",
            standard_id=version.standard_id,
            actor=actor,
            changes=diff,
        )
    return version


@transaction.atomic
def version_publish(*, version: StandardVersion, actor: Actor, notes: str | None = None) -> StandardVersion:
    """Publish a draft: from now on it is immutable and is what hubs use. Needs at least
    one checklist item and one required photo. The row lock makes a second, concurrent
    publish see `published` and fail with `version_published`."""
    version = _draft_for_update(version)
    if not version.checklist.exists():
        raise NoChecklist("Add at least one checklist item before publishing.")
    if not version.photos.filter(required=True).exists():
        raise NoRequiredPhoto("Add at least one required photo slot before publishing.")
    version.dispositions = _validated_dispositions(version.dispositions)
    if notes is not None:
        version.notes = _text(notes, "notes", 300, required=False)
    version.published_by = actor.user
    version.save(update_fields=["dispositions", "notes", "published_by"])
    VERSIONS.transition(version, StandardVersion.Status.PUBLISHED, actor=actor)
    _record(
        Action.PUBLISHED,
        _title(version),
        standard_id=version.standard_id,
        actor=actor,
        changes={"notes": version.notes} if version.notes else None,
    )
    return version


# --- checklist items and photo slots (drafts only) ---
