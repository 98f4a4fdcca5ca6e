"""The brand's local loop settings (issue 9): what each route costs, how long a hand-off
and a shelf wait, when a return is refund-ready, and how often a hub counts its shelf;
and (issue 10) the figures of the split-ship advisor (fulfillment/advice.py).
They live on Brand (public schema); every change is recorded in the brand's activity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import Invalid
from closo.locks import lock_one
from fulfillment.models import ConfigChange
from fulfillment.services.config import config_change_record, config_diff

# The settings, in the order the page and the API show them.
LOOP_SETTINGS = (
    "cost_warehouse_shipping",
    "cost_warehouse_touch",
    "cost_warehouse_processing",
    "cost_hub_fee",
    "refund_ready_at",
    "handoff_due_days",
    "shelf_days",
    "count_verify_days",
    "split_label_cost",
    "cancel_hazard_per_day",
    "gross_margin",
    "support_cost",
    "acquisition_cost",
    "promise_confidence",
    "logo",
    "brand_colour",
)


def loop_settings_of(brand: Brand) -> dict[str, Any]:
    """{setting: value} for `brand`, as stored."""
    return {name: getattr(brand, name) for name in LOOP_SETTINGS}


@transaction.atomic
def loop_settings_update(*, brand: Brand, values: Mapping[str, Any], actor: Actor) -> Brand:
    """Change some of the brand's loop settings (`values`: {setting: value}, any subset of
        LOOP_SETTINGS). Each value is checked by its model field (type, range, choices); all
        problems are raised together (Invalid, 400, `fields`) and nothing is written. Costs
        apply to returns routed from now on (each return keeps the costs of its decision),
        the refund rule to returns that reach a step from now on, the split-ship figures to advice
    asked from now on. Locks the brand row; records
        the change (old → new) in the brand's activity; the values already set write nothing."""
    unknown = set(values) - set(LOOP_SETTINGS)
    if unknown:
        raise ValueError(f"Not loop settings: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            cleaned[name] = Brand._meta.get_field(name).clean(value, brand)
        except ValidationError as exc:
            problems[name] = list(exc.messages)
    if problems:
        raise Invalid("Some settings are invalid: " + ", ".join(problems) + ".", fields=problems)
    stored = lock_one(Brand.objects.only(*LOOP_SETTINGS), pk=brand.pk)
    diff = config_diff({name: getattr(stored, name) for name in cleaned}, cleaned)
    for name, value in cleaned.items():
        setattr(brand, name, value)
    if not diff:
        return brand
    brand.save(update_fields=list(diff))
    with schema_context(brand.schema_name):
        config_change_record(
            area=ConfigChange.Area.LOOP_SETTINGS,
            action=ConfigChange.Action.UPDATED,
            subject="Local loop settings",
            changes=diff,
            actor=actor,
        )
    return brand
