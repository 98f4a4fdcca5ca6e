"""A hub's cycle count across brands (issue 9 §6): the hub walks its shelf, ticks (or
types, or scans) the labels it finds, and submits. Lives in portals because one count
spans every brand the hub holds units for, and works in each brand's schema in turn
(hubs cannot reach into fulfillment; portals may).

What the hub may count is decided here, never by the form: the units the hub's own work
index says should be on its shelf (hubs.selectors.shelf.hub_shelf), plus units of this hub
reported missing earlier, found again by typed label. Anything else a form posts — another
hub's unit, another brand's id, an unknown label — is refused and changes nothing."""

from __future__ import annotations

import datetime
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import DomainError
from fulfillment.selectors.counts import missing_units_by_label
from fulfillment.services import counts as unit_counts
from hubs.models import Hub, ShelfCount
from hubs.selectors.shelf import ShelfLine, hub_shelf, hub_unit_brands

logger = logging.getLogger(__name__)

FOUND, MISSING, FOUND_AGAIN = "found", "missing", "found_again"
MAX_LABELS = 500
_LABEL = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")


def labels_parse(text: str) -> list[str]:
    """Labels typed or scanned into one field: separated by spaces, commas or new lines,
    upper-cased, each once, in order."""
    seen: dict[str, None] = {}
    for word in re.split(r"[\s,;]+", text or ""):
        if word:
            seen.setdefault(word.upper(), None)
    return list(seen)[:MAX_LABELS]


@dataclass
class CountResult:
    count: ShelfCount | None
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    found_again: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # posted, not this hub's to count: nothing changed
    unchanged: list[str] = field(default_factory=list)  # left the shelf meanwhile (handed off…)


def shelf_count_submit(
    *,
    hub: Hub,
    actor: Actor,
    shown: Iterable[str] = (),
    ticked: Iterable[str] = (),
    labels: Iterable[str] = (),
    now: datetime.datetime | None = None,
) -> CountResult:
    """Record a count of `hub`'s shelf by `actor` (a hub member, party HUB).

    `shown`: the units the page listed (keys "brand_id:unit_id"), `ticked`: those marked
    found; `labels`: labels typed or scanned (each finds its unit on the list, or a unit of
    this hub reported missing before). A listed unit neither ticked nor typed is missing;
    units not listed (shelved after the page was opened) are left alone. Each unit moves in
    a transaction of its own (fulfillment.services.counts), then the count is recorded as a
    ShelfCount with its lines. Returns what happened to each label."""
    now = now or timezone.now()
    expected = {line.key: line for line in hub_shelf(hub)}
    by_label = {line.label.upper(): line for line in expected.values()}
    shown, ticked, labels = set(shown), set(ticked), list(labels)
    result = CountResult(count=None)
    result.refused = sorted((shown | ticked) - expected.keys())

    found_keys = ticked & expected.keys()
    leftover: list[str] = []
    for label in labels:
        line = by_label.get(label.upper())
        if line is not None:
            found_keys.add(line.key)
        elif _LABEL.match(label.upper()):
            leftover.append(label.upper())
        else:
            result.refused.append(label)
    missing_keys = (shown & expected.keys()) - found_keys

    per_brand: dict[int, list[tuple[str, ShelfLine]]] = defaultdict(list)
    for key in sorted(found_keys):
        per_brand[expected[key].brand_id].append((FOUND, expected[key]))
    for key in sorted(missing_keys):
        per_brand[expected[key].brand_id].append((MISSING, expected[key]))
    brand_ids = set(per_brand) | (set(hub_unit_brands(hub)) if leftover else set())
    brands = Brand.objects.filter(is_active=True).in_bulk(brand_ids)

    lines: list[dict] = []
    still_unknown = set(leftover)
    for brand_id in sorted(brands):
        brand = brands[brand_id]
        with schema_context(brand.schema_name):
            _count_brand(hub, actor, brand, per_brand.get(brand_id, []), now, result, lines)
            for label, unit in missing_units_by_label(hub=hub, labels=still_unknown).items():
                still_unknown.discard(label)
                _found_again(hub, actor, brand, unit, now, result, lines)
    result.refused += sorted(still_unknown)
    if lines:
        with transaction.atomic():
            result.count = ShelfCount.objects.create(
                hub=hub,
                counted_by=actor.user,
                expected=len(expected),
                found=len(result.found),
                missing=len(result.missing),
                found_again=len(result.found_again),
                lines=lines,
            )
    return result


def _count_brand(hub, actor, brand, items, now, result: CountResult, lines: list[dict]) -> None:
    found_ids = [line.unit_id for result_kind, line in items if result_kind == FOUND]
    if found_ids:
        unit_counts.unit_count_verify(unit_ids=found_ids, hub=hub, at=now)
    for kind, line in items:
        if kind == FOUND:
            result.found.append(line.label)
            lines.append({"brand": brand.pk, "label": line.label, "result": FOUND})
            continue
        try:
            moved = unit_counts.unit_report_missing(unit_id=line.unit_id, hub=hub, actor=actor)
        except DomainError:
            # The unit moved under the count (a race the machines refused): logged, and
            # the rest of the count stands.
            logger.exception("Shelf count at hub %s: reporting %s missing failed.", hub.pk, line.label)
            result.unchanged.append(line.label)
            continue
        if moved is None:
            result.unchanged.append(line.label)
            continue
        result.missing.append(line.label)
        lines.append({"brand": brand.pk, "label": line.label, "result": MISSING})


def _found_again(hub, actor, brand, unit, now, result: CountResult, lines: list[dict]) -> None:
    try:
        moved = unit_counts.unit_found_again(unit_id=unit.pk, hub=hub, actor=actor, at=now)
    except DomainError:
        logger.exception("Shelf count at hub %s: finding %s again failed.", hub.pk, unit.label)
        result.unchanged.append(unit.label)
        return
    if moved is None:
        result.unchanged.append(unit.label)
        return
    result.found_again.append(unit.label)
    lines.append({"brand": brand.pk, "label": unit.label, "result": FOUND_AGAIN})
