"""Every write to grading standards. Drafts are edited; a published version never
changes again. Each edit locks its version row (SELECT … FOR UPDATE) and re-reads the
status under the lock, so an edit can never land in a version that a concurrent
`version_publish` has just published, and two publishes of one draft cannot both win."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Max

from closo.actors import Actor
from fulfillment.models import Sku
from inspections.engine import DISPOSITION_LABELS, GRADE_RANK
from inspections.exceptions import (
    DraftExists,
    DuplicateKey,
    InvalidStandard,
    NotInVersion,
    NotPublishable,
    StandardExists,
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
MIN_EDGE_RANGE = (100, 10_000)
ITEM_FIELDS = frozenset({"key", "prompt", "help_text", "required", "fail_cap"})
PHOTO_FIELDS = frozenset({"slot", "label", "required", "min_long_edge_px"})


def default_dispositions() -> dict[str, str]:
    return {str(grade): str(disposition) for grade, disposition in DEFAULT_DISPOSITIONS.items()}


# --- validation ---


def _text(value, field: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise InvalidStandard(f"{field} must be text.", code="invalid", fields={field: ["Must be text."]})
    if required and not value:
        raise InvalidStandard(f"Fill in {field.replace('_', ' ')}.", code="required", fields={field: ["Required."]})
    if len(value) > max_length:
        raise InvalidStandard(
            f"{field.replace('_', ' ').capitalize()} is at most {max_length} characters.",
            code="too_long",
            fields={field: [f"At most {max_length} characters."]},
        )
    return value


def _key(value, field: str) -> str:
    if not isinstance(value, str) or not KEY_RE.match(value):
        raise InvalidStandard(
            f"“{value}” is not a valid {field}: use 1–40 lowercase letters, digits, - or _.",
            code=f"invalid_{field}",
            fields={field: ["Lowercase letters, digits, - and _ only (at most 40)."]},
        )
    return value


def _grade(value, field: str = "fail_cap") -> str:
    if not isinstance(value, str) or value not in GRADE_RANK:
        raise InvalidStandard(
            f"“{value}” is not a grade. Use one of: {', '.join(GRADE_RANK)}.",
            code="unknown_grade",
            fields={field: [f"Unknown grade “{value}”."]},
        )
    return value


def _flag(value, field: str = "required") -> bool:
    if not isinstance(value, bool):
        raise InvalidStandard(
            f"{field} must be true or false.", code="invalid", fields={field: ["Must be true or false."]}
        )
    return value


def _min_edge(value) -> int:
    low, high = MIN_EDGE_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidStandard(
            f"The minimum long edge must be a whole number of pixels from {low} to {high}.",
            code="invalid_min_long_edge",
            fields={"min_long_edge_px": [f"From {low} to {high} px."]},
        )
    return value


def _validated_dispositions(dispositions: Mapping) -> dict[str, str]:
    unknown = [key for key in dispositions if key not in GRADE_RANK]
    if unknown:
        raise InvalidStandard(
            f"Not a grade: {', '.join(map(str, unknown))}. Use: {', '.join(GRADE_RANK)}.",
            code="unknown_grade",
            fields={str(key): ["Unknown grade."] for key in unknown},
        )
    missing = [grade for grade in GRADE_RANK if grade not in dispositions]
    if missing:
        raise InvalidStandard(
            f"Give a disposition for every grade; missing: {', '.join(missing)}.",
            code="missing_grade",
            fields={grade: ["Required."] for grade in missing},
        )
    bad = {
        grade: value
        for grade, value in dispositions.items()
        if not isinstance(value, str) or value not in DISPOSITION_LABELS
    }
    if bad:
        raise InvalidStandard(
            f"Not a disposition: {', '.join(map(str, bad.values()))}. Use: {', '.join(DISPOSITION_LABELS)}.",
            code="unknown_disposition",
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
        raise InvalidStandard(
            f"“{scope}” is not a scope. Use one of: {', '.join(Scope.values)}.",
            code="unknown_scope",
            fields={"scope": ["Unknown scope."]},
        )
    category = (category or "").strip()
    if scope == Scope.CATEGORY:
        category = _text(category, "category", 80)
    elif category:
        raise InvalidStandard(
            "Only a category standard names a category.", code="invalid", fields={"category": ["Leave empty."]}
        )
    if scope == Scope.SKU and sku is None:
        raise InvalidStandard(
            "Choose the SKU this standard is for.", code="sku_required", fields={"sku": ["Required."]}
        )
    if scope != Scope.SKU and sku is not None:
        raise InvalidStandard("Only a SKU standard names a SKU.", code="invalid", fields={"sku": ["Leave empty."]})
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
    return standard


@transaction.atomic
def version_draft_create(*, standard: GradingStandard, actor: Actor) -> StandardVersion:
    """A new draft numbered after the highest version, copying the latest published
    version's items, photo slots and dispositions. Locks the standard row, so two
    concurrent calls make one draft (the other gets `draft_exists`)."""
    standard = GradingStandard.objects.select_for_update().get(pk=standard.pk)
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
    return version


def _draft_for_update(version: StandardVersion) -> StandardVersion:
    """Lock `version` and check, under the lock, that it is still a draft."""
    locked = StandardVersion.objects.select_for_update().select_related("standard").get(pk=version.pk)
    if locked.status == StandardVersion.Status.PUBLISHED:
        raise VersionPublished(
            f"Version {locked.number} of “{locked.standard.name}” is published and cannot change. "
            "Start a new draft to make changes."
        )
    return locked


@transaction.atomic
def version_draft_discard(*, version: StandardVersion, actor: Actor) -> None:
    """Delete a draft and its items and slots (published versions stay forever)."""
    _draft_for_update(version).delete()


@transaction.atomic
def version_dispositions_set(*, version: StandardVersion, dispositions: Mapping, actor: Actor) -> StandardVersion:
    """Replace the grade → disposition map of a draft (all four grades, known values)."""
    version = _draft_for_update(version)
    version.dispositions = _validated_dispositions(dispositions)
    version.save(update_fields=["dispositions"])
    return version


@transaction.atomic
def version_publish(*, version: StandardVersion, actor: Actor, notes: str | None = None) -> StandardVersion:
    """Publish a draft: from now on it is immutable and is what hubs use. Needs at least
    one checklist item and one required photo. The row lock makes a second, concurrent
    publish see `published` and fail with `version_published`."""
    version = _draft_for_update(version)
    if not version.checklist.exists():
        raise NotPublishable("Add at least one checklist item before publishing.", code="no_checklist")
    if not version.photos.filter(required=True).exists():
        raise NotPublishable("Add at least one required photo slot before publishing.", code="no_required_photo")
    version.dispositions = _validated_dispositions(version.dispositions)
    if notes is not None:
        version.notes = _text(notes, "notes", 300, required=False)
    version.published_by = actor.user
    version.save(update_fields=["dispositions", "notes", "published_by"])
    return VERSIONS.transition(version, StandardVersion.Status.PUBLISHED, actor=actor)


# --- checklist items and photo slots (drafts only) ---


def _rows(version: StandardVersion, model):
    return model.objects.filter(version=version)


def _key_attr(model) -> str:
    return "key" if model is ChecklistItem else "slot"


def _row_get(version: StandardVersion, model, key: str):
    row = _rows(version, model).filter(**{_key_attr(model): key}).first()
    if row is None:
        what = "checklist item" if model is ChecklistItem else "photo slot"
        raise NotInVersion(f"Version {version.number} has no {what} “{key}”.")
    return row


def _ensure_unique(version: StandardVersion, model, key: str, *, exclude_pk=None) -> None:
    rows = _rows(version, model).filter(**{_key_attr(model): key})
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        what = "A checklist item" if model is ChecklistItem else "A photo slot"
        attr = _key_attr(model)
        raise DuplicateKey(f"{what} “{key}” is already in this version.", fields={attr: ["Already used."]})


def _next_position(version: StandardVersion, model) -> int:
    top = _rows(version, model).aggregate(p=Max("position"))["p"]
    return 0 if top is None else top + 1


def _reorder(version: StandardVersion, model, keys: list[str]) -> list:
    attr = _key_attr(model)
    rows = {getattr(row, attr): row for row in _rows(version, model)}
    if len(keys) != len(set(keys)) or set(keys) != set(rows):
        raise InvalidStandard(
            f"List every {attr} of this version exactly once: {', '.join(rows)}.",
            code="invalid_order",
            fields={"checklist" if model is ChecklistItem else "photos": ["Must list each key exactly once."]},
        )
    ordered = [rows[key] for key in keys]
    for position, row in enumerate(ordered):
        row.position = position
    # bulk_update skips the model's save() guard; the version lock above already checked.
    model.objects.bulk_update(ordered, ["position"])
    return ordered


def _move(version: StandardVersion, model, key: str, offset: int) -> list:
    _row_get(version, model, key)
    keys = list(_rows(version, model).order_by("position", "pk").values_list(_key_attr(model), flat=True))
    index = keys.index(key)
    target = max(0, min(len(keys) - 1, index + offset))
    keys.insert(target, keys.pop(index))
    return _reorder(version, model, keys)


def _row_add(version: StandardVersion, model, fields: dict):
    """Append a row with `fields` (validated) after the version's last one."""
    _ensure_unique(version, model, fields[_key_attr(model)])
    return model.objects.create(version=version, position=_next_position(version, model), **fields)


def _row_update(version: StandardVersion, model, key: str, changes: Mapping, clean):
    """Apply `changes`, validated by `clean`, to the row `key` (its key may change too)."""
    row = _row_get(version, model, key)
    fields = clean(changes)
    attr = _key_attr(model)
    if attr in fields:
        _ensure_unique(version, model, fields[attr], exclude_pk=row.pk)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def _item_fields(changes: Mapping) -> dict:
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise InvalidStandard(f"Cannot change: {', '.join(sorted(unknown))}.", code="invalid")
    cleaned = {}
    if "key" in changes:
        cleaned["key"] = _key(changes["key"], "key")
    if "prompt" in changes:
        cleaned["prompt"] = _text(changes["prompt"], "prompt", 200)
    if "help_text" in changes:
        cleaned["help_text"] = _text(changes["help_text"], "help_text", 300, required=False)
    if "required" in changes:
        cleaned["required"] = _flag(changes["required"])
    if "fail_cap" in changes:
        cleaned["fail_cap"] = _grade(changes["fail_cap"])
    return cleaned


def _photo_fields(changes: Mapping) -> dict:
    unknown = set(changes) - PHOTO_FIELDS
    if unknown:
        raise InvalidStandard(f"Cannot change: {', '.join(sorted(unknown))}.", code="invalid")
    cleaned = {}
    if "slot" in changes:
        cleaned["slot"] = _key(changes["slot"], "slot")
    if "label" in changes:
        cleaned["label"] = _text(changes["label"], "label", 80)
    if "required" in changes:
        cleaned["required"] = _flag(changes["required"])
    if "min_long_edge_px" in changes:
        cleaned["min_long_edge_px"] = _min_edge(changes["min_long_edge_px"])
    return cleaned


@transaction.atomic
def checklist_item_add(
    *,
    version: StandardVersion,
    key: str,
    prompt: str,
    fail_cap: str,
    help_text: str = "",
    required: bool = True,
    actor: Actor,
) -> ChecklistItem:
    """Append a checklist item to a draft. `fail_cap` is the best grade possible when
    the check fails."""
    version = _draft_for_update(version)
    fields = _item_fields(
        {"key": key, "prompt": prompt, "help_text": help_text, "required": required, "fail_cap": fail_cap}
    )
    return _row_add(version, ChecklistItem, fields)


@transaction.atomic
def checklist_item_update(*, version: StandardVersion, key: str, changes: Mapping, actor: Actor) -> ChecklistItem:
    """Change some of key, prompt, help_text, required, fail_cap of a draft's item."""
    return _row_update(_draft_for_update(version), ChecklistItem, key, changes, _item_fields)


@transaction.atomic
def checklist_item_delete(*, version: StandardVersion, key: str, actor: Actor) -> None:
    version = _draft_for_update(version)
    _row_get(version, ChecklistItem, key).delete()


@transaction.atomic
def checklist_reorder(*, version: StandardVersion, keys: list[str], actor: Actor) -> list[ChecklistItem]:
    """Put a draft's items in the order of `keys` (every key exactly once)."""
    return _reorder(_draft_for_update(version), ChecklistItem, list(keys))


@transaction.atomic
def checklist_item_move(*, version: StandardVersion, key: str, offset: int, actor: Actor) -> list[ChecklistItem]:
    """Move an item `offset` places (-1 up, +1 down), stopping at either end."""
    return _move(_draft_for_update(version), ChecklistItem, key, offset)


@transaction.atomic
def version_reorder(
    *, version: StandardVersion, checklist: list[str] | None = None, photos: list[str] | None = None, actor: Actor
) -> StandardVersion:
    """Reorder a draft's items and/or photo slots in one go (each list names every key
    exactly once; a bad list changes neither)."""
    version = _draft_for_update(version)
    if checklist is not None:
        _reorder(version, ChecklistItem, list(checklist))
    if photos is not None:
        _reorder(version, PhotoRequirement, list(photos))
    return version


@transaction.atomic
def photo_slot_add(
    *,
    version: StandardVersion,
    slot: str,
    label: str,
    required: bool = True,
    min_long_edge_px: int = 1200,
    actor: Actor,
) -> PhotoRequirement:
    """Append a photo slot to a draft."""
    version = _draft_for_update(version)
    fields = _photo_fields({"slot": slot, "label": label, "required": required, "min_long_edge_px": min_long_edge_px})
    return _row_add(version, PhotoRequirement, fields)


@transaction.atomic
def photo_slot_update(*, version: StandardVersion, slot: str, changes: Mapping, actor: Actor) -> PhotoRequirement:
    """Change some of slot, label, required, min_long_edge_px of a draft's photo slot."""
    return _row_update(_draft_for_update(version), PhotoRequirement, slot, changes, _photo_fields)


@transaction.atomic
def photo_slot_delete(*, version: StandardVersion, slot: str, actor: Actor) -> None:
    version = _draft_for_update(version)
    _row_get(version, PhotoRequirement, slot).delete()


@transaction.atomic
def photo_reorder(*, version: StandardVersion, slots: list[str], actor: Actor) -> list[PhotoRequirement]:
    """Put a draft's photo slots in the order of `slots` (every slot exactly once)."""
    return _reorder(_draft_for_update(version), PhotoRequirement, list(slots))


@transaction.atomic
def photo_slot_move(*, version: StandardVersion, slot: str, offset: int, actor: Actor) -> list[PhotoRequirement]:
    """Move a photo slot `offset` places (-1 up, +1 down), stopping at either end."""
    return _move(_draft_for_update(version), PhotoRequirement, slot, offset)
