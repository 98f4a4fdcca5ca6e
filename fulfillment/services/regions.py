"""Region limits: where a brand offers "available for backorder", and the ZIP check that
explains, in words, why a ZIP is in or out.

A ZIP is allowed when ANY active region matches it — by ZIP prefix, by an explicit ZIP, or
by lying within the region's `within_miles_of_hub` of an active hub. A brand with no
active region has not limited anything yet: every known ZIP is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models.functions import Left

from closo.actors import Actor
from closo.exceptions import DomainError, Invalid
from closo.locks import lock_one
from fulfillment.exceptions import InvalidZip, NoRule, RegionNameTaken
from fulfillment.models import ConfigChange, RegionLimit
from fulfillment.services.config import config_change_record, config_diff
from hubs.models import ZIP_INVALID_MESSAGE, PostalCode

MAX_RADIUS_MILES = 250
MAX_PROMISE_DAYS = 365
ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")
# Three digits at least: "787" is Austin's area, "7" alone a tenth of the country.
PREFIX_RE = re.compile(r"^\d{3,5}$")
PREFIX_MESSAGE = "a ZIP prefix is 3 to 5 digits, e.g. 787 (one digit alone covers a tenth of the US)."
REGION_FIELDS = (
    "name",
    "zip_prefixes",
    "zips",
    "within_miles_of_hub",
    "max_promise_days",
    "max_open_backorders_per_sku",
    "requires_consent",
    "is_active",
)


def split_codes(text: str | Iterable[str] | None) -> list[str]:
    """ "787, 786 78701" or ["787", "786"] → ["787", "786", "78701"] (comma/space separated)."""
    if text is None:
        return []
    parts = re.split(r"[\s,;]+", text) if isinstance(text, str) else [str(p) for p in text]
    return [p.strip() for p in parts if p and p.strip()]


def _dedupe(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _prefixes_in_use(prefixes: list[str]) -> set[str]:
    """Those of `prefixes` (3–5 digits) that start at least one US ZIP code: one query per
    prefix length."""
    found: set[str] = set()
    for length in {len(p) for p in prefixes}:
        heads = [p for p in prefixes if len(p) == length]
        found |= set(
            PostalCode.objects.annotate(head=Left("code", length))
            .filter(head__in=heads)
            .values_list("head", flat=True)
            .distinct()
        )
    return found


def _clean(values: Mapping[str, Any], *, instance: RegionLimit | None) -> dict[str, Any]:
    """Validate a region's settings (all of them, merged over `instance`). Raises
    Invalid (InvalidZip when a ZIP is wrong) with every problem at once, or NoRule."""
    errors: dict[str, list[str]] = {}
    error: type[DomainError] = Invalid
    data = {field: getattr(instance, field) for field in REGION_FIELDS} if instance else {}
    data.update({k: v for k, v in values.items() if k in REGION_FIELDS})

    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = ["Give the region a name, e.g. “Austin metro”."]
    elif len(name) > 80:
        errors["name"] = ["At most 80 characters."]
    data["name"] = name

    prefixes = _dedupe(split_codes(data.get("zip_prefixes")))
    bad = [p for p in prefixes if not PREFIX_RE.match(p)]
    well_formed = [p for p in prefixes if p not in bad]
    in_use = _prefixes_in_use(well_formed) if well_formed else set()
    unused = [p for p in well_formed if p not in in_use]
    if bad:
        errors.setdefault("zip_prefixes", []).append(f"{', '.join(bad)}: {PREFIX_MESSAGE}")
    if unused:
        errors.setdefault("zip_prefixes", []).append(f"{', '.join(unused)}: no US ZIP code starts with these digits.")
    if bad or unused:
        error = InvalidZip
    data["zip_prefixes"] = prefixes

    zips = _dedupe(split_codes(data.get("zips")))
    known = set(PostalCode.objects.filter(code__in=zips).values_list("code", flat=True)) if zips else set()
    unknown = [z for z in zips if z not in known]
    if unknown:
        errors["zips"] = [f"{', '.join(unknown)}: not a US ZIP code. {ZIP_INVALID_MESSAGE}"]
        error = InvalidZip
    data["zips"] = zips

    def number(field: str, low: int, high: int, *, optional: bool, unit: str) -> None:
        value = data.get(field)
        if value in (None, ""):
            if not optional:
                errors[field] = ["Required."]
            data[field] = None
            return
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors[field] = ["A whole number."]
            return
        if not low <= value <= high:
            errors[field] = [f"Between {low} and {high:,} {unit}."]
        data[field] = value

    number("within_miles_of_hub", 1, MAX_RADIUS_MILES, optional=True, unit="miles")
    number("max_promise_days", 1, MAX_PROMISE_DAYS, optional=False, unit="days")
    number("max_open_backorders_per_sku", 1, 1_000_000, optional=True, unit="backorders")
    data["requires_consent"] = bool(data.get("requires_consent", False))
    data["is_active"] = bool(data.get("is_active", True))

    rule_fields = ("zip_prefixes", "zips", "within_miles_of_hub")
    if not (prefixes or zips or data["within_miles_of_hub"]) and not any(f in errors for f in rule_fields):
        no_rule = ["Add at least one rule: ZIP prefixes, ZIP codes or miles from a hub."]
        if not errors:
            raise NoRule(
                "Say where the region is: ZIP prefixes, ZIP codes, or a distance from an active hub.",
                fields={"zip_prefixes": no_rule},
            )
        errors["zip_prefixes"] = no_rule  # reported with the other problems, all at once
    if errors:
        raise error("Some settings are invalid: " + ", ".join(errors) + ".", fields=errors)

    taken = RegionLimit.objects.filter(name__iexact=name)
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if taken.exists():
        raise RegionNameTaken(
            f"There is already a region called “{name}”.", fields={"name": ["Another region has this name."]}
        )
    return data


@transaction.atomic
def region_create(
    *,
    name: str,
    zip_prefixes: str | Iterable[str] = (),
    zips: str | Iterable[str] = (),
    within_miles_of_hub: int | None = None,
    max_promise_days: int = 30,
    max_open_backorders_per_sku: int | None = None,
    requires_consent: bool = False,
    is_active: bool = True,
    actor: Actor,
) -> RegionLimit:
    """Add a region limit. `zip_prefixes`/`zips` may be lists or comma/space separated
    text; they are validated (prefixes 3–5 digits that start a US ZIP, ZIPs known) and
    de-duplicated."""
    values = {field: value for field, value in locals().items() if field in REGION_FIELDS}
    region = RegionLimit.objects.create(**_clean(values, instance=None))
    _record(region, ConfigChange.Action.CREATED, _settings(region), actor=actor)
    return region


@transaction.atomic
def region_update(*, region: RegionLimit, changes: Mapping[str, Any], actor: Actor) -> RegionLimit:
    """Change some of a region's settings (the rest stay). Locks the region row, so an
    update and a backorder counting against the region's cap run one after the other.
    Records the settings that differ in the brand's activity; a change to nothing writes
    nothing."""
    region = lock_one(RegionLimit, pk=region.pk)
    if region is None:
        raise RegionLimit.DoesNotExist("No such region.")
    data = _clean(changes, instance=region)
    diff = config_diff(_settings(region), data)
    if not diff:
        return region
    for field in diff:
        setattr(region, field, data[field])
    region.save(update_fields=[*diff, "updated_at"])
    _record(region, ConfigChange.Action.UPDATED, diff, actor=actor)
    return region


@transaction.atomic
def region_delete(*, region: RegionLimit, actor: Actor) -> None:
    """Remove a region. Backorders placed in it keep going (their region becomes empty);
    if it was the last active region, backorders are offered everywhere again. Records
    the settings it had in the brand's activity (nothing when it was already gone)."""
    region = lock_one(RegionLimit, pk=region.pk)
    if region is None:
        return
    _record(region, ConfigChange.Action.DELETED, _settings(region), actor=actor)
    region.delete()


def _settings(region: RegionLimit) -> dict[str, Any]:
    return {field: getattr(region, field) for field in REGION_FIELDS}


def _record(region: RegionLimit, action: str, changes: dict, *, actor: Actor) -> None:
    config_change_record(
        area=ConfigChange.Area.REGION,
        action=action,
        subject=region.name,
        subject_id=region.pk,
        changes=changes,
        actor=actor,
    )


# --- reads ---
