"""Reads of cycle counts on the brand side: units a hub reported missing (to find again by
label) and the brand's discrepancies page (missing / unverified units per hub, count
history)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from brands.models import Brand
from fulfillment.models import StockUnit
from hubs.models import Hub, ShelfCount

U = StockUnit.Status
ON_SHELF = (U.HELD, U.AVAILABLE, U.RESERVED)
# Counts shown per hub on the discrepancies page (the most recent first).
HISTORY_LIMIT = 10


def missing_units_by_label(*, hub: Hub, labels: Iterable[str]) -> dict[str, StockUnit]:
    """The units of the connection's brand that `hub` reported missing, by label (upper
    case), among `labels`."""
    wanted = {label.upper() for label in labels}
    if not wanted:
        return {}
    units = StockUnit.objects.filter(hub_id=hub.pk, status=U.MISSING, label__in=wanted)
    return {unit.label.upper(): unit for unit in units}


def last_verified_expression():
    """When a unit was last confirmed on its shelf: its last count, else its shelving."""
    return Coalesce("verified_at", "created_at")


def units_unverified(*, brand: Brand, now: datetime.datetime | None = None) -> QuerySet[StockUnit]:
    """Units of `brand` on a shelf that no count has confirmed for `brand.count_verify_days`
    days (since their last count, else since they were shelved): flagged unverified."""
    since = (now or timezone.now()) - datetime.timedelta(days=brand.count_verify_days)
    return (
        StockUnit.objects.filter(status__in=ON_SHELF)
        .annotate(last_verified=last_verified_expression())
        .filter(last_verified__lt=since)
    )


@dataclass(frozen=True)
class CountLine:
    label: str
    result: str  # found | missing | found_again


@dataclass(frozen=True)
class CountRow:
    """One shelf count as the brand sees it: its own lines only."""

    count: ShelfCount
    lines: list[CountLine]

    def _n(self, result: str) -> int:
        return sum(1 for line in self.lines if line.result == result)

    @property
    def found(self) -> int:
        return self._n("found")

    @property
    def missing(self) -> int:
        return self._n("missing")

    @property
    def found_again(self) -> int:
        return self._n("found_again")


@dataclass
class HubDiscrepancies:
    hub: Hub
    missing: list[StockUnit] = field(default_factory=list)
    unverified: list[StockUnit] = field(default_factory=list)
    on_shelf: int = 0
    counts: list[CountRow] = field(default_factory=list)

    @property
    def last_count(self) -> CountRow | None:
        return self.counts[0] if self.counts else None


def brand_discrepancies(*, brand: Brand, now: datetime.datetime | None = None) -> list[HubDiscrepancies]:
    """Per hub holding the brand's units (or having counted them): its missing units, its
    unverified units, how many are on its shelf and its count history — this brand's lines
    only, never another brand's labels. Three queries, however many hubs and units. Run on
    `brand`'s schema (its host, or schema_context)."""
    now = now or timezone.now()
    units = list(
        StockUnit.objects.filter(status__in=(*ON_SHELF, U.MISSING))
        .select_related("sku")
        .annotate(last_verified=last_verified_expression())
        .order_by("label")
    )
    since = now - datetime.timedelta(days=brand.count_verify_days)  # the units_unverified rule
    by_hub: dict[int, HubDiscrepancies] = {}

    def row(hub_id: int) -> HubDiscrepancies:
        return by_hub.setdefault(hub_id, HubDiscrepancies(hub=None))

    for unit in units:
        entry = row(unit.hub_id)
        if unit.status == U.MISSING:
            entry.missing.append(unit)
            continue
        entry.on_shelf += 1
        if unit.last_verified < since:
            entry.unverified.append(unit)
    counts = (
        ShelfCount.objects.filter(lines__contains=[{"brand": brand.pk}])
        .annotate(
            hub_row=Window(RowNumber(), partition_by=[F("hub_id")], order_by=[F("created_at").desc(), F("pk").desc()])
        )
        .filter(hub_row__lte=HISTORY_LIMIT)
        .order_by("hub_id", "-created_at", "-pk")
    )
    for count in counts:
        lines = [
            CountLine(label=line["label"], result=line["result"])
            for line in count.lines
            if line.get("brand") == brand.pk
        ]
        row(count.hub_id).counts.append(CountRow(count=count, lines=lines))
    hubs = Hub.objects.in_bulk(list(by_hub))
    result = []
    for hub_id, entry in by_hub.items():
        entry.hub = hubs[hub_id]
        result.append(entry)
    result.sort(key=lambda e: (-len(e.missing), -len(e.unverified), e.hub.name))
    return result
