from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from fulfillment.models import OPEN_BACKORDER_STATUSES, RegionLimit
from hubs.geo import distance_miles_expression
from hubs.models import Hub, PostalCode

ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")


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


def format_miles(miles: float) -> str:
    return f"{miles:,.1f}" if miles < 100 else f"{miles:,.0f}"


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


def region_covers(region: RegionLimit, zip_code: str, hub: Hub | None) -> str | None:
    """Why `region` covers `zip_code` (a short reason), or None. `hub`: the nearest active
    hub, annotated with `distance_miles` (any hub beyond the region's miles may be None)."""
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

    matches = [(r, why) for r in regions if (why := region_covers(r, code, hub))]
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


def normalise_zip(zip_code: str | None) -> str | None:
    """ "78701" or "78701-1234" → "78701"; anything else → None."""
    match = ZIP_RE.match((zip_code or "").strip())
    return match.group(1) if match else None
