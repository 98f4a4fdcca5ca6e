"""The configuration audit trail: every service that changes how the brand is set up
(SKUs, stock, regions, grading standards, trust settings) records who changed what, in
the same transaction as the change, so a change that rolls back leaves no row."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

from closo.actors import Actor
from fulfillment.models import ConfigChange


def json_safe(value: Any) -> Any:
    """A field value as JSON: Decimal and dates become strings (120.00, 2026-05-01)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):  # datetime too
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def config_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields of `after` whose value differs from `before`
    (unchanged fields are left out; a field missing from `before` counts as None)."""
    return {
        field: [json_safe(before.get(field)), json_safe(new)]
        for field, new in after.items()
        if before.get(field) != new
    }


def config_change_record(
    *,
    area: str,
    action: str,
    subject: str,
    actor: Actor,
    subject_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> ConfigChange:
    """Append one row to the brand's configuration activity. Must run inside the
    transaction that makes the change (a change rolled back leaves no trace)."""
    if not connection.in_atomic_block:
        raise RuntimeError("config_change_record() must run inside the transaction of the change it records.")
    return ConfigChange.objects.create(
        area=area,
        action=action,
        subject=subject[:300],
        subject_id=subject_id,
        changes=json_safe(changes or {}),
        actor=actor.user,
        actor_label=actor.label[:120],
    )


def config_changes_record(
    *, area: str, action: str, subjects: Sequence[tuple[str, int | None, Mapping[str, Any]]], actor: Actor
) -> list[ConfigChange]:
    """config_change_record for many subjects at once (one INSERT): (subject, subject_id,
    changes) each. The same rule: inside the transaction of the changes."""
    if not connection.in_atomic_block:
        raise RuntimeError("config_changes_record() must run inside the transaction of the changes it records.")
    return ConfigChange.objects.bulk_create(
        ConfigChange(
            area=area,
            action=action,
            subject=subject[:300],
            subject_id=subject_id,
            changes=json_safe(changes or {}),
            actor=actor.user,
            actor_label=actor.label[:120],
        )
        for subject, subject_id, changes in subjects
    )
