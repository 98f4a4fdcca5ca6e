"""Region limits: where a brand offers "available for backorder", and the ZIP check that
explains, in words, why a ZIP is in or out.

A ZIP is allowed when ANY active region matches it — by ZIP prefix, by an explicit ZIP, or
by lying within the region's `within_miles_of_hub` of an active hub. A brand with no
active region has not limited anything yet: every known ZIP is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from closo.actors import Actor
from closo.exceptions import Conflict, DomainError
from fulfillment.models import OPEN_BACKORDER_STATUSES, RegionLimit
from hubs.geo import distance_miles_expression
from hubs.models import Hub, PostalCode

MAX_RADIUS_MILES = 250
MAX_PROMISE_DAYS = 365
ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")
PREFIX_RE = re.compile(r"^\d{1,5}$")
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


class RegionInvalid(DomainError):
    """A region's settings are not valid; `fields` maps field → messages."""

    code = "invalid"


class RegionNameTaken(Conflict):
    code = "region_exists"


@dataclass(frozen=True)
class ZipDecision:
    """The answer to "may backorders be offered to this ZIP?", with the reason in words."""

    zip_code: str
    valid: bool  # a US ZIP code we know
    allowed: bool
    explanation: str
    region: RegionLimit | None = None
    nearest_hub: Hub | None = None
    distance_miles: float | None = None
    max_promise_days: int | None = None
    requires_consent: bool = False
    postal_code: PostalCode | None = None


def split_codes(text: str | Iterable[str] | None) -> list[str]:
    """ "787, 786 78701" or ["787", "786"] → ["787", "786", "78701"] (comma/space separated)."""
    if text is None:
        return []
    parts = re.split(r"[\s,;]+", text) if isinstance(text, str) else [str(p) for p in text]
    return [p.strip() for p in parts if p and p.strip()]


def normalise_zip(zip_code: str | None) -> str | None:
    """ "78701" or "78701-1234" → "78701"; anything else → None."""
    match = ZIP_RE.match((zip_code or "").strip())
    return match.group(1) if match else None


def format_miles(miles: float) -> str:
    return f"{miles:,.1f}" if miles < 100 else f"{miles:,.0f}"


def _dedupe(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _clean(values: Mapping[str, Any], *, instance: RegionLimit | None) -> dict[str, Any]:
    """Validate a region's settings (all of them, merged over `instance`). Raises
    RegionInvalid with every problem at once."""
    errors: dict[str, list[str]] = {}
    code = "invalid"
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
    if bad:
        errors["zip_prefixes"] = [f"{', '.join(bad)}: a ZIP prefix is 1 to 5 digits, e.g. 787."]
        code = "invalid_zip"
    data["zip_prefixes"] = prefixes

    zips = _dedupe(split_codes(data.get("zips")))
    malformed = [z for z in zips if not re.fullmatch(r"\d{5}", z)]
    if malformed:
        errors["zips"] = [f"{', '.join(malformed)}: a ZIP code is 5 digits."]
        code = "invalid_zip"
    elif zips:
        known = set(PostalCode.objects.filter(code__in=zips).values_list("code", flat=True))
        unknown = [z for z in zips if z not in known]
        if unknown:
            errors["zips"] = [f"{', '.join(unknown)}: not a US ZIP code we know."]
            code = "invalid_zip"
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

    if not errors and not (prefixes or zips or data["within_miles_of_hub"]):
        raise RegionInvalid(
            "Say where the region is: ZIP prefixes, ZIP codes, or a distance from an active hub.",
            code="no_rule",
            fields={"zip_prefixes": ["Add at least one rule: ZIP prefixes, ZIP codes or miles from a hub."]},
        )
    if errors:
        raise RegionInvalid("Some settings are invalid: " + ", ".join(errors) + ".", code=code, fields=errors)

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
    text; they are validated (prefixes 1–5 digits, ZIPs known) and de-duplicated."""
    values = {field: value for field, value in locals().items() if field in REGION_FIELDS}
    return RegionLimit.objects.create(**_clean(values, instance=None))


@transaction.atomic
def region_update(*, region: RegionLimit, changes: Mapping[str, Any], actor: Actor) -> RegionLimit:
    """Change some of a region's settings (the rest stay). Locks the region row, so an
    update and a backorder counting against the region's cap run one after the other."""
    region = RegionLimit.objects.select_for_update().get(pk=region.pk)
    data = _clean(changes, instance=region)
    for field, value in data.items():
        setattr(region, field, value)
    region.save()
    return region


@transaction.atomic
def region_delete(*, region: RegionLimit, actor: Actor) -> None:
    """Remove a region. Backorders placed in it keep going (their region becomes empty);
    if it was the last active region, backorders are offered everywhere again."""
    RegionLimit.objects.filter(pk=region.pk).delete()


# --- reads ---


def regions_list() -> QuerySet[RegionLimit]:
    """All regions by name, with the number of open backorders placed in each."""
    return RegionLimit.objects.annotate(
        open_backorders=Count("backorders", filter=Q(backorders__status__in=OPEN_BACKORDER_STATUSES))
    ).order_by("name", "pk")


def _nearest_active_hub(lat: float, lon: float, search_miles: int | None) -> Hub | None:
    """The nearest active hub (annotated with `distance_miles`). Looks within
    `search_miles` first, which an index on (lat, lon) serves, and only scans every
    active hub when nothing is that close."""
    if search_miles:
        hub = Hub.objects.active().within_miles(lat, lon, search_miles).first()
        if hub is not None:
            return hub
    return (
        Hub.objects.active()
        .annotate(distance_miles=distance_miles_expression(lat, lon))
        .order_by("distance_miles", "pk")
        .first()
    )


def _match(region: RegionLimit, zip_code: str, hub: Hub | None) -> str | None:
    """Why `region` covers `zip_code` (a short reason), or None."""
    prefix = next((p for p in region.zip_prefixes if zip_code.startswith(p)), None)
    if prefix:
        return f"prefix {prefix}"
    if zip_code in region.zips:
        return "listed ZIP"
    if region.within_miles_of_hub and hub is not None and hub.distance_miles <= region.within_miles_of_hub:
        return "near hub"
    return None


def zip_check(zip_code: str) -> ZipDecision:
    """May backorders be offered to `zip_code`, and why (in words)?

    Allowed when any active region matches: a ZIP prefix, a listed ZIP, or within the
    region's miles of an active hub. With no active region at all, every known ZIP is
    allowed. When several regions match, the first by name (then id)
    decides the promise days, consent and cap, and the explanation names the others.
    Three or four queries, whatever the number of regions."""
    raw = (zip_code or "").strip()
    code = normalise_zip(raw)
    place = PostalCode.objects.filter(code=code).first() if code else None
    if place is None:
        return ZipDecision(
            zip_code=raw, valid=False, allowed=False, explanation=f"{raw or '(empty)'}: not a US ZIP code"
        )

    regions = list(RegionLimit.objects.filter(is_active=True).order_by("name", "pk"))
    radius = max((r.within_miles_of_hub or 0 for r in regions), default=0)
    hub = _nearest_active_hub(place.lat, place.lon, radius)
    near = {"nearest_hub": hub, "distance_miles": round(hub.distance_miles, 1) if hub else None, "postal_code": place}

    if not regions:
        return ZipDecision(
            zip_code=code,
            valid=True,
            allowed=True,
            explanation=f"{code}: allowed — no regions set — backorders are allowed everywhere",
            **near,
        )

    matches = [(r, why) for r in regions if (why := _match(r, code, hub))]
    if not matches:
        if hub is None:
            where = "no active hubs yet"
        else:
            where = f"nearest active hub: {hub.name}, {format_miles(hub.distance_miles)} mi"
        return ZipDecision(
            zip_code=code,
            valid=True,
            allowed=False,
            explanation=f"{code}: not allowed — no region covers it ({where})",
            **near,
        )

    region, why = matches[0]
    if why == "near hub":
        explanation = (
            f"{code}: allowed — {format_miles(hub.distance_miles)} mi from {hub.name} "
            f"(within {region.within_miles_of_hub} mi of an active hub, region “{region.name}”)"
        )
    else:
        explanation = f"{code}: allowed — in region “{region.name}” ({why})"
    if len(matches) > 1:
        explanation += "; also in " + ", ".join(f"“{r.name}”" for r, _ in matches[1:])
    return ZipDecision(
        zip_code=code,
        valid=True,
        allowed=True,
        explanation=explanation,
        region=region,
        max_promise_days=region.max_promise_days,
        requires_consent=region.requires_consent,
        **near,
    )
