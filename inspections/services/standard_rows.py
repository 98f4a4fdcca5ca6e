from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Max

from closo.actors import Actor
from closo.exceptions import Invalid
from fulfillment.services.config import config_diff
from inspections.exceptions import (
    DuplicateKey,
    InvalidOrder,
    NotInVersion,
)
from inspections.models import (
    ChecklistItem,
    PhotoRequirement,
    StandardVersion,
)
from inspections.services.standards import (
    Action,
    _draft_for_update,
    _flag,
    _grade,
    _key,
    _min_edge,
    _record,
    _text,
    _title,
)

# The fields of a checklist item and of a photo slot that a draft may set.
ITEM_FIELDS = frozenset({"key", "prompt", "help_text", "required", "fail_cap"})
PHOTO_FIELDS = frozenset({"slot", "label", "required", "min_long_edge_px"})


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


def _row_title(version: StandardVersion, model, key: str) -> str:
    what = "Checklist item" if model is ChecklistItem else "Photo slot"
    return f"{what} “{key}” in {_title(version)}"


def _row_values(row) -> dict:
    fields = ITEM_FIELDS if isinstance(row, ChecklistItem) else PHOTO_FIELDS
    return {name: getattr(row, name) for name in sorted(fields) if name != _key_attr(type(row))}


def _next_position(version: StandardVersion, model) -> int:
    top = _rows(version, model).aggregate(p=Max("position"))["p"]
    return 0 if top is None else top + 1


def _reorder(version: StandardVersion, model, keys: list[str], *, actor: Actor) -> list:
    attr = _key_attr(model)
    rows = {getattr(row, attr): row for row in _rows(version, model)}  # in their current order
    if len(keys) != len(set(keys)) or set(keys) != set(rows):
        raise InvalidOrder(
            f"List every {attr} of this version exactly once: {', '.join(rows)}.",
            fields={"checklist" if model is ChecklistItem else "photos": ["Must list each key exactly once."]},
        )
    ordered = [rows[key] for key in keys]
    if keys == list(rows) and all(row.position == position for position, row in enumerate(ordered)):
        return ordered
    for position, row in enumerate(ordered):
        row.position = position
    # bulk_update skips the model's save() guard; the version lock above already checked.
    model.objects.bulk_update(ordered, ["position"])
    if keys != list(rows):
        _record(
            Action.REORDERED,
            f"{'Checklist' if model is ChecklistItem else 'Photo slots'} of {_title(version)}",
            standard_id=version.standard_id,
            actor=actor,
            changes={"order": [list(rows), keys]},
        )
    return ordered


def _move(version: StandardVersion, model, key: str, offset: int, *, actor: Actor) -> list:
    _row_get(version, model, key)
    keys = list(_rows(version, model).order_by("position", "pk").values_list(_key_attr(model), flat=True))
    index = keys.index(key)
    target = max(0, min(len(keys) - 1, index + offset))
    keys.insert(target, keys.pop(index))
    return _reorder(version, model, keys, actor=actor)


def _row_add(version: StandardVersion, model, fields: dict, *, actor: Actor):
    """Append a row with `fields` (validated) after the version's last one."""
    key = fields[_key_attr(model)]
    _ensure_unique(version, model, key)
    row = model.objects.create(version=version, position=_next_position(version, model), **fields)
    _record(
        Action.ADDED,
        _row_title(version, model, key),
        standard_id=version.standard_id,
        actor=actor,
        changes=_row_values(row),
    )
    return row


def _row_update(version: StandardVersion, model, key: str, changes: Mapping, clean, *, actor: Actor):
    """Apply `changes`, validated by `clean`, to the row `key` (its key may change too)."""
    row = _row_get(version, model, key)
    fields = clean(changes)
    attr = _key_attr(model)
    if attr in fields:
        _ensure_unique(version, model, fields[attr], exclude_pk=row.pk)
    diff = config_diff({name: getattr(row, name) for name in fields}, fields)
    if not diff:
        return row
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    _record(
        Action.UPDATED,
        _row_title(version, model, getattr(row, attr)),
        standard_id=version.standard_id,
        actor=actor,
        changes=diff,
    )
    return row


def _row_delete(version: StandardVersion, model, key: str, *, actor: Actor) -> None:
    row = _row_get(version, model, key)
    _record(
        Action.REMOVED,
        _row_title(version, model, key),
        standard_id=version.standard_id,
        actor=actor,
        changes=_row_values(row),
    )
    row.delete()


def _item_fields(changes: Mapping) -> dict:
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise Invalid(f"Cannot change: {', '.join(sorted(unknown))}.")
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
        raise Invalid(f"Cannot change: {', '.join(sorted(unknown))}.")
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
    return _row_add(version, ChecklistItem, fields, actor=actor)


@transaction.atomic
def checklist_item_update(*, version: StandardVersion, key: str, changes: Mapping, actor: Actor) -> ChecklistItem:
    """Change some of key, prompt, help_text, required, fail_cap of a draft's item."""
    return _row_update(_draft_for_update(version), ChecklistItem, key, changes, _item_fields, actor=actor)


@transaction.atomic
def checklist_item_delete(*, version: StandardVersion, key: str, actor: Actor) -> None:
    _row_delete(_draft_for_update(version), ChecklistItem, key, actor=actor)


@transaction.atomic
def checklist_reorder(*, version: StandardVersion, keys: list[str], actor: Actor) -> list[ChecklistItem]:
    """Put a draft's items in the order of `keys` (every key exactly once)."""
    return _reorder(_draft_for_update(version), ChecklistItem, list(keys), actor=actor)


@transaction.atomic
def checklist_item_move(*, version: StandardVersion, key: str, offset: int, actor: Actor) -> list[ChecklistItem]:
    """Move an item `offset` places (-1 up, +1 down), stopping at either end."""
    return _move(_draft_for_update(version), ChecklistItem, key, offset, actor=actor)


@transaction.atomic
def version_reorder(
    *, version: StandardVersion, checklist: list[str] | None = None, photos: list[str] | None = None, actor: Actor
) -> StandardVersion:
    """Reorder a draft's items and/or photo slots in one go (each list names every key
    exactly once; a bad list changes neither)."""
    version = _draft_for_update(version)
    if checklist is not None:
        _reorder(version, ChecklistItem, list(checklist), actor=actor)
    if photos is not None:
        _reorder(version, PhotoRequirement, list(photos), actor=actor)
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
    return _row_add(version, PhotoRequirement, fields, actor=actor)


@transaction.atomic
def photo_slot_update(*, version: StandardVersion, slot: str, changes: Mapping, actor: Actor) -> PhotoRequirement:
    """Change some of slot, label, required, min_long_edge_px of a draft's photo slot."""
    return _row_update(_draft_for_update(version), PhotoRequirement, slot, changes, _photo_fields, actor=actor)


@transaction.atomic
def photo_slot_delete(*, version: StandardVersion, slot: str, actor: Actor) -> None:
    _row_delete(_draft_for_update(version), PhotoRequirement, slot, actor=actor)


@transaction.atomic
def photo_reorder(*, version: StandardVersion, slots: list[str], actor: Actor) -> list[PhotoRequirement]:
    """Put a draft's photo slots in the order of `slots` (every slot exactly once)."""
    return _reorder(_draft_for_update(version), PhotoRequirement, list(slots), actor=actor)


@transaction.atomic
def photo_slot_move(*, version: StandardVersion, slot: str, offset: int, actor: Actor) -> list[PhotoRequirement]:
    """Move a photo slot `offset` places (-1 up, +1 down), stopping at either end."""
    return _move(_draft_for_update(version), PhotoRequirement, slot, offset, actor=actor)
