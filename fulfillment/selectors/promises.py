"""Promises: the reads behind re-evaluating the waiting backorders of one SKU, and the
brand's promise accuracy (how often a stated confidence was kept).

`waiting_inputs` gathers the promise model's inputs for every waiting backorder of a SKU
in a constant number of queries (the SKU, its waiting backorders in matching order with
their current promise, the active hubs near them, the SKU's units at those hubs, its
expected POs, the brand's PO lateness). Each backorder's queue ahead is the waiting
backorders matching serves before it (fulfillment.services.matching.BACKORDER_ORDER):
for a restock, all of them; for a local unit, those that share a hub within reach with it.

`promise_accuracy` is one aggregate over the settled model promises.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils import timezone

from fulfillment import promise as model
from fulfillment.models import Backorder, BackorderStatus, InboundSupply, Promise, Sku, StockUnit
from fulfillment.selectors.lateness import brand_lateness
from fulfillment.selectors.matching import BACKORDER_ORDER
from hubs.geo import bounding_box, haversine_miles
from hubs.models import MAX_SERVICE_RADIUS_MILES, Hub

# A promise already made is re-evaluated up to this far out: the region's max promise
# days bound what may be offered, not how late an order already taken may honestly ship.
REEVALUATION_HORIZON_DAYS = 60


@dataclass(frozen=True)
class Waiting:
    backorder: Backorder
    current: Promise | None  # its newest promise
    inputs: model.PromiseInputs


def _eligible(backorder: Backorder) -> bool:
    region = backorder.region
    return region is None or (region.is_active and (not region.requires_consent or backorder.consent_local_return))


def waiting_inputs(*, sku_id: int, target: float, now: dt.datetime | None = None) -> list[Waiting]:
    """The waiting backorders of `sku_id`, best first (the matching order), each with its
    current promise and the model's inputs as they stand now."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sku = Sku.objects.filter(pk=sku_id).first()
    if sku is None:
        return []
    backorders = list(
        Backorder.objects.filter(sku_id=sku_id, status=BackorderStatus.WAITING)
        .select_related("region")
        .order_by(*BACKORDER_ORDER, "pk")
    )
    if not backorders:
        return []
    current = {
        p.backorder_id: p
        for p in Promise.objects.filter(backorder__in=backorders)
        .order_by("backorder_id", "-created_at", "-pk")
        .distinct("backorder_id")
    }
    placed = [b for b in backorders if b.lat is not None]
    reach: dict[int, list[tuple[Hub, float]]] = defaultdict(list)  # backorder → (hub, miles) within its radius
    shelf: dict[int, int] = defaultdict(int)
    releases: dict[int, list[float]] = defaultdict(list)
    if sku.local_returns_enabled and placed:
        south, north = min(b.lat for b in placed), max(b.lat for b in placed)
        west, east = min(b.lon for b in placed), max(b.lon for b in placed)
        lo = bounding_box(south, west, MAX_SERVICE_RADIUS_MILES)
        hi = bounding_box(north, east, MAX_SERVICE_RADIUS_MILES)
        hubs = list(
            Hub.objects.active().filter(
                lat__gte=lo.min_lat, lat__lte=hi.max_lat, lon__gte=lo.min_lon, lon__lte=hi.max_lon
            )
        )
        for b in placed:
            if not _eligible(b):
                continue
            for hub in hubs:
                miles = haversine_miles(b.lat, b.lon, hub.lat, hub.lon)
                if miles <= hub.service_radius_miles:
                    reach[b.pk].append((hub, miles))
        if hubs:
            since = now - dt.timedelta(days=model.RATE_WINDOW_DAYS)
            units = StockUnit.objects.filter(sku_id=sku_id, hub_id__in=[h.pk for h in hubs]).filter(
                Q(status=StockUnit.Status.AVAILABLE) | Q(created_at__gte=since)
            )
            for hub_id, status, created in units.values_list("hub_id", "status", "created_at"):
                if status == StockUnit.Status.AVAILABLE:
                    shelf[hub_id] += 1
                if created >= since:
                    releases[hub_id].append((now - created).total_seconds() / 86400)
    pos = tuple(
        model.PurchaseOrder(date, qty)
        for date, qty in InboundSupply.objects.filter(sku_id=sku_id, status=InboundSupply.Status.EXPECTED)
        .order_by("expected_date", "pk")
        .values_list("expected_date", "qty")
    )
    lateness = brand_lateness()
    rates: dict[frozenset[int], float] = {}
    ahead_local: dict[int, int] = defaultdict(int)  # hub → eligible backorders ahead that it may serve
    answers = []
    for position, backorder in enumerate(backorders):
        near = reach.get(backorder.pk, [])
        hub_ids = frozenset(h.pk for h, _ in near)
        if hub_ids not in rates:
            rates[hub_ids] = model.learned_rate([age for hub_id in hub_ids for age in releases[hub_id]])
        # Those ahead that share a hub within reach with it: counted once each (an upper
        # bound when it has several hubs: the same person may be near two of them).
        queue_local = max((ahead_local[h] for h in hub_ids), default=0)
        inputs = model.PromiseInputs(
            today=today,
            max_days=REEVALUATION_HORIZON_DAYS,
            qty=1,
            queue_ahead_local=queue_local,
            queue_ahead_restock=position,
            shelf=tuple(model.ShelfUnit(miles) for hub, miles in near for _ in range(shelf[hub.pk])),
            local_rate_per_day=rates[hub_ids],
            on_hand=max(0, sku.available_qty),
            purchase_orders=pos,
            lateness=lateness,
            target=target,
        )
        answers.append(Waiting(backorder=backorder, current=current.get(backorder.pk), inputs=inputs))
        for hub_id in hub_ids:
            ahead_local[hub_id] += 1
    return answers


# --- accuracy ---

BUCKETS = ((0.5, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 0.98), (0.98, 1.0001))


@dataclass(frozen=True)
class Bucket:
    low: float
    high: float
    n: int
    kept: int
    stated: float | None  # the mean stated confidence of the bucket's promises

    @property
    def label(self) -> str:
        return f"{self.low:.0%}–{min(self.high, 1):.0%}"

    @property
    def kept_share(self) -> float | None:
        return self.kept / self.n if self.n else None


@dataclass(frozen=True)
class Accuracy:
    n: int
    kept: int
    stated: float | None  # mean stated confidence
    mean_slack_days: float | None
    buckets: tuple[Bucket, ...]
    given_n: int
    given_kept: int

    @property
    def kept_share(self) -> float | None:
        return self.kept / self.n if self.n else None


def promise_accuracy() -> Accuracy:
    """The settled promises (their backorder fulfilled): the model's, overall and by stated
    confidence bucket (kept share against the mean stated confidence, n), their mean slack
    in days; and the dates stores gave, counted apart (they state no confidence). One query."""
    settled = Promise.objects.filter(kept__isnull=False)
    model_made = Q(confidence__isnull=False)
    # (The aggregates' names must not be the model's fields: "kept" is one.)
    figures = {
        "all_n": Count("pk", filter=model_made),
        "all_kept": Count("pk", filter=model_made & Q(kept=True)),
        "all_stated": Avg("confidence", filter=model_made),
        "all_slack": Avg("slack_days", filter=model_made),
        "given_n": Count("pk", filter=Q(source=Promise.Source.GIVEN)),
        "given_kept": Count("pk", filter=Q(source=Promise.Source.GIVEN, kept=True)),
    }
    for i, (low, high) in enumerate(BUCKETS):
        inside = model_made & Q(confidence__gte=low, confidence__lt=high)
        figures[f"b{i}_n"] = Count("pk", filter=inside)
        figures[f"b{i}_kept"] = Count("pk", filter=inside & Q(kept=True))
        figures[f"b{i}_stated"] = Avg("confidence", filter=inside)
    row = settled.aggregate(**figures)
    buckets = tuple(
        Bucket(low, high, row[f"b{i}_n"], row[f"b{i}_kept"], row[f"b{i}_stated"])
        for i, (low, high) in enumerate(BUCKETS)
    )
    return Accuracy(
        n=row["all_n"],
        kept=row["all_kept"],
        stated=row["all_stated"],
        mean_slack_days=row["all_slack"],
        buckets=buckets,
        given_n=row["given_n"],
        given_kept=row["given_kept"],
    )
