"""Availability: should a storefront offer "Backorder" for this SKU at this ZIP, and what
ship date may it promise? The storefront's hot path (DESIGN.md §5, flow 6).

The answer, in this order (the first that applies):

| reason | offer_backorder | when |
|---|---|---|
| `unknown_sku` | false | no SKU with that code |
| `unknown_zip` | false | a well-formed ZIP that is not a US ZIP code we know |
| `in_stock` | false | the warehouse stock covers the waiting backorders and this order: sell it |
| `region_not_allowed` | false | region limits are set and none covers the ZIP |
| `region_cap_reached` | false | the region's cap of open backorders of this SKU is reached |
| `local_unit_available` | true | a unit on a shelf within reach is this order's (ships in 1 day) |
| `local_supply` | true | Like-New returns nearby will most likely fill it by the promised day |
| `restock` | true | a purchase order will most likely fill it by the promised day |
| `not_local_eligible` | false | the SKU is not resold from local returns and no restock makes the date |
| `promise_too_late` | false | no day within the region's max promise days reaches the target confidence |

The date comes from the pure model in `fulfillment.promise`; this module only gathers its
inputs. `availability_many` answers up to 100 (sku, zip) pairs in at most nine queries,
however many pairs: SKUs, ZIP centroids, active regions, the active hubs near any of the
ZIPs, the SKUs' units at those hubs (on the shelf now, or released in the last 28 days),
the open backorders per SKU and region (an aggregate), the waiting backorders near those
hubs (three columns), the expected POs, and the brand's PO lateness (an aggregate).

Two of them are usually answered from memory (closo.ttlcache, per worker process), since
they change only on rare writes and every storefront view would otherwise repeat them:

- ZIP centroids (public reference data, the same for every brand), per ZIP for an hour;
  an unknown ZIP is never cached, so a newly loaded one answers at once.
- The brand's PO lateness fit (fulfillment.selectors.lateness), per brand schema for 60 seconds
  (the answer's own max-age). fulfillment.receivers forgets it at once in the process that
  records a purchase order's event (created, received, cancelled) or saves or deletes one;
  other processes see it within the minute.

Answers are kept (per worker process, ANSWER_TTL_SECONDS at most) under the tokens of two
stamps (closo.stamps), and are computed again once either token changes:

- the brand's supply stamp (`supply_scope`), renewed after the commit of any change to
  its SKUs (stock, local eligibility), regions, backorders, units, purchase orders — by
  fulfillment.receivers for saves, deletes and state moves, by `availability_changed()`
  in the services that update such rows by queryset;
- the reference stamp (`REFERENCE_STAMP`), renewed when hubs or ZIP centroids change.

Other processes see a renewal within closo.stamps.POLL_SECONDS (one second). What still
moves with the clock alone — the release history ageing, the day — is bounded by the TTL,
which is the answer's own max-age, and the date is part of the key.

Simplifications, on the side of a later date: every waiting backorder within reach is
counted ahead of a new order (a new order has no promise yet, so matching serves it last
among equals); the region's consent rule is assumed met (the storefront asks for it).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import operator
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from brands.selectors.brands import brand_of_connection
from closo import stamps
from closo.ttlcache import TtlCache
from fulfillment import promise as model
from fulfillment.models import (
    OPEN_BACKORDER_STATUSES,
    Backorder,
    BackorderStatus,
    InboundSupply,
    RegionLimit,
    Sku,
    StockUnit,
)
from fulfillment.selectors.lateness import brand_lateness
from fulfillment.selectors.matching import eligible_backorders
from fulfillment.selectors.regions import format_miles, normalise_zip, region_covers
from hubs.geo import bounding_box, haversine_miles
from hubs.models import MAX_SERVICE_RADIUS_MILES, REFERENCE_STAMP, Hub, PostalCode

MAX_ITEMS = 100
POSTAL_CODE_TTL_SECONDS = 3600
ANSWER_TTL_SECONDS = 60
_postal_codes: TtlCache[PostalCode] = TtlCache(ttl=POSTAL_CODE_TTL_SECONDS, max_entries=50_000)
_answers: TtlCache[Availability] = TtlCache(ttl=ANSWER_TTL_SECONDS, max_entries=100_000)


class Reason:
    IN_STOCK = "in_stock"
    LOCAL_UNIT_AVAILABLE = "local_unit_available"
    LOCAL_SUPPLY = "local_supply"
    RESTOCK = "restock"
    REGION_NOT_ALLOWED = "region_not_allowed"
    REGION_CAP_REACHED = "region_cap_reached"
    PROMISE_TOO_LATE = "promise_too_late"
    UNKNOWN_SKU = "unknown_sku"
    UNKNOWN_ZIP = "unknown_zip"
    NOT_LOCAL_ELIGIBLE = "not_local_eligible"


REASONS = [v for k, v in vars(Reason).items() if k.isupper()]
_REASON_OF_SOURCE = {
    model.Source.LOCAL_UNIT: Reason.LOCAL_UNIT_AVAILABLE,
    model.Source.LOCAL_RETURN: Reason.LOCAL_SUPPLY,
    model.Source.RESTOCK: Reason.RESTOCK,
}


@dataclass(frozen=True)
class Availability:
    sku: str
    zip: str
    offer_backorder: bool
    reason: str
    explanation: str
    ship_by: dt.date | None = None
    ships_in_days: int | None = None
    confidence: float | None = None
    source: str | None = None
    queue_ahead: int | None = None


def availability(sku_code: str, zip_code: str) -> Availability:
    """The answer for one SKU code and one 5-digit ZIP (see the module docstring)."""
    return availability_many([(sku_code, zip_code)])[0]


def forget_postal_codes() -> None:
    _postal_codes.clear()


def promise_quote(
    *, sku_code: str, zip_code: str, max_days: int, target: float
) -> tuple[model.PromiseInputs, model.Promise] | None:
    """The model's promise for a new order of one unit of `sku_code` at `zip_code` (what
    backorder_create records), whatever the region rules and the warehouse stock say:
    the inputs and the result, or None for an unknown SKU or ZIP. The same nine queries."""
    skus, places, context = _gather([(sku_code, zip_code)], timezone.now())
    sku, zip_code = skus.get((sku_code or "").strip()), normalise_zip(zip_code)
    if sku is None or context is None or zip_code not in places:
        return None
    inputs, _ = _model_inputs(sku, zip_code, context, max_days=max_days, target=target)
    return inputs, model.promise(inputs)


def inputs_record(inputs: model.PromiseInputs, result: model.Promise) -> dict:
    """The model's inputs as kept with a promise (fulfillment.models.Promise.inputs)."""
    return {
        "today": inputs.today.isoformat(),
        "max_days": inputs.max_days,
        "target": inputs.target,
        "queue_ahead": result.queue_ahead,
        "queue_ahead_local": inputs.queue_ahead_local,
        "queue_ahead_restock": inputs.queue_ahead_restock,
        "local_rate_per_day": round(inputs.local_rate_per_day, 4),
        "units_within_reach": len(inputs.shelf),
        "nearest_unit_miles": None if result.nearest_unit_miles is None else round(result.nearest_unit_miles, 1),
        "on_hand": inputs.on_hand,
        "restock_pos": [
            {"expected_date": po.expected_date.isoformat(), "qty": po.qty} for po in inputs.purchase_orders
        ],
        "lateness": {
            "mean_days": round(inputs.lateness.mean_days, 3),
            "sd_days": round(inputs.lateness.sd_days, 3),
            "samples": inputs.lateness.samples,
        },
        "best": round(result.best, 4),
    }


def _places(zips: set[str]) -> dict[str, PostalCode]:
    """The known ZIPs among `zips` with their centroids: from memory, else one query."""
    places = {code: place for code in zips if (place := _postal_codes.get(code)) is not None}
    missing = zips - places.keys()
    if missing:
        for place in PostalCode.objects.filter(code__in=missing):
            _postal_codes.set(place.code, place)
            places[place.code] = place
    return places


def availability_many(items: Sequence[tuple[str, str]], *, target: float | None = None) -> list[Availability]:
    """The answer for each (SKU code, ZIP) pair, in order: from memory when nothing it
    depends on has changed since (see "Answers are kept" above), else computed for the
    pairs not held, in a constant number of queries.
    `target`: the confidence a date must reach (default: the brand's promise_confidence)."""
    target = brand_of_connection().promise_confidence if target is None else target
    now = timezone.now()
    held_under = _held_under(now, target)
    if held_under is None:
        skus, places, context = _gather(items, now)
        return [_answer(sku, zip_code, skus, places, context, target) for sku, zip_code in items]
    keys = [(*held_under, *_pair(sku, zip_code)) for sku, zip_code in items]
    answers = [_answers.get(key) for key in keys]
    missing = [i for i, answer in enumerate(answers) if answer is None]
    if missing:
        asked = [items[i] for i in missing]
        skus, places, context = _gather(asked, now)
        for i, (sku, zip_code) in zip(missing, asked, strict=True):
            answers[i] = _answer(sku, zip_code, skus, places, context, target)
            _answers.set(keys[i], answers[i])
    return answers


def availability_held(sku_code: str, zip_code: str) -> Availability | None:
    """The answer `availability` would give, when this process holds it (else None, and
    nothing is computed): the API's fast path."""
    held_under = _held_under(timezone.now(), brand_of_connection().promise_confidence)
    return None if held_under is None else _answers.get((*held_under, *_pair(sku_code, zip_code)))


def _held_under(now: dt.datetime, target: float) -> tuple | None:
    """What the answers kept now are kept under, or None when they must not be used: this
    transaction changed what they read, and sees it before anyone else does."""
    scopes = (supply_scope(), REFERENCE_STAMP)
    if any(stamps.pending(scope) for scope in scopes):
        return None
    # The tokens are read before the rows: an answer computed from rows newer than its
    # token is only ever kept under a token the writer's renewal makes unreachable.
    return (connection.schema_name, *(stamps.current(scope) for scope in scopes), timezone.localdate(now), target)


def _pair(sku_code: str, zip_code: str) -> tuple[str, str]:
    return (sku_code or "").strip(), normalise_zip(zip_code) or (zip_code or "").strip()


def supply_scope(schema: str | None = None) -> str:
    """The stamp (closo.stamps) of everything in one brand's schema an answer reads."""
    return f"availability:{schema or connection.schema_name}"


def availability_changed() -> None:
    """The current brand's stock, queue, shelves, POs, SKUs or regions changed: answers
    computed before are not given again once the transaction commits. The receivers call
    it for saves, deletes and state moves (events); a service that changes those rows by
    queryset `update()` calls it itself (tests/fulfillment/test_availability_kept.py walks
    the code for such updates)."""
    stamps.renew_on_commit(supply_scope())


def reference_changed() -> None:
    """Hubs (status, place, radius) or ZIP centroids changed: every brand's answers."""
    stamps.renew_on_commit(REFERENCE_STAMP)


def _gather(
    items: Sequence[tuple[str, str]], now: dt.datetime
) -> tuple[dict[str, Sku], dict[str, PostalCode], _Context | None]:
    today = timezone.localdate(now)
    codes = {(sku or "").strip() for sku, _ in items}
    zips = {normalise_zip(z) for _, z in items} - {None}
    skus = {s.code: s for s in Sku.objects.filter(code__in=codes)}
    places = _places(zips) if zips and skus else {}
    if not places:
        return skus, places, None

    regions = list(RegionLimit.objects.filter(is_active=True).order_by("name", "pk"))
    search = max([MAX_SERVICE_RADIUS_MILES, *(r.within_miles_of_hub or 0 for r in regions)])
    boxes = [Q(**bounding_box(p.lat, p.lon, search).as_filter()) for p in places.values()]
    hubs = list(Hub.objects.active().filter(functools.reduce(operator.or_, boxes)))
    near: dict[str, list[Hub]] = {}  # ZIP → its hubs within `search`, nearest first, with distance_miles
    for code, place in places.items():
        found = []
        for hub in hubs:
            miles = haversine_miles(place.lat, place.lon, hub.lat, hub.lon)
            if miles <= search:
                found.append((miles, hub.pk, hub))
        near[code] = [_at(hub, miles) for miles, _, hub in sorted(found, key=operator.itemgetter(0, 1))]
    reach_ids = {h.pk for found in near.values() for h in found if h.distance_miles <= h.service_radius_miles}
    sku_ids = [s.pk for s in skus.values()]
    local_ids = [s.pk for s in skus.values() if s.local_returns_enabled]

    since = now - dt.timedelta(days=model.RATE_WINDOW_DAYS)
    shelf: dict[tuple[int, int], int] = defaultdict(int)  # (sku, hub) → units available now
    releases: dict[tuple[int, int], list[float]] = defaultdict(list)  # (sku, hub) → ages in days
    waiting_near: list[tuple[int, float, float]] = []
    if reach_ids and local_ids:
        units = StockUnit.objects.filter(sku_id__in=local_ids, hub_id__in=reach_ids).filter(
            Q(status=StockUnit.Status.AVAILABLE) | Q(created_at__gte=since)
        )
        for sku_id, hub_id, status, created in units.values_list("sku_id", "hub_id", "status", "created_at"):
            if status == StockUnit.Status.AVAILABLE:
                shelf[sku_id, hub_id] += 1
            if created >= since:
                releases[sku_id, hub_id].append((now - created).total_seconds() / 86400)
        reach = [h for h in hubs if h.pk in reach_ids]
        around = [Q(**bounding_box(h.lat, h.lon, h.service_radius_miles).as_filter()) for h in reach]
        waiting_near = list(
            Backorder.objects.filter(
                eligible_backorders(), functools.reduce(operator.or_, around), sku_id__in=local_ids
            )
            .exclude(lat=None)
            .values_list("sku_id", "lat", "lon")
        )

    waiting: dict[int, int] = defaultdict(int)  # SKU → waiting backorders anywhere
    open_in: dict[tuple[int, int], int] = defaultdict(int)  # (region, SKU) → open backorders
    rows = (
        Backorder.objects.filter(sku_id__in=sku_ids, status__in=OPEN_BACKORDER_STATUSES)
        .order_by()
        .values("sku_id", "region_id")
        .annotate(waiting=Count("pk", filter=Q(status=BackorderStatus.WAITING)), open=Count("pk"))
    )
    for row in rows:
        waiting[row["sku_id"]] += row["waiting"]
        if row["region_id"] is not None:
            open_in[row["region_id"], row["sku_id"]] += row["open"]
    pos: dict[int, list[model.PurchaseOrder]] = defaultdict(list)
    expected = InboundSupply.objects.filter(sku_id__in=sku_ids, status=InboundSupply.Status.EXPECTED)
    for sku_id, date, qty in expected.values_list("sku_id", "expected_date", "qty"):
        pos[sku_id].append(model.PurchaseOrder(date, qty))

    context = _Context(
        today=today,
        regions=regions,
        near=near,
        shelf=shelf,
        releases=releases,
        waiting_near=waiting_near,
        waiting=waiting,
        open_in=open_in,
        pos=pos,
        lateness=brand_lateness(),
    )
    return skus, places, context


def _at(hub: Hub, miles: float) -> Hub:
    """A copy of `hub` with its distance from one ZIP (the same hub is near several)."""
    hub = copy.copy(hub)
    hub.distance_miles = miles
    return hub


@dataclass
class _Context:
    today: dt.date
    regions: list[RegionLimit]
    near: dict[str, list[Hub]]
    shelf: dict[tuple[int, int], int]
    releases: dict[tuple[int, int], list[float]]
    waiting_near: list[tuple[int, float, float]]
    waiting: dict[int, int]
    open_in: dict[tuple[int, int], int]
    pos: dict[int, list[model.PurchaseOrder]]
    lateness: model.Lateness


def _model_inputs(
    sku: Sku, zip_code: str, context: _Context, *, max_days: int, target: float
) -> tuple[model.PromiseInputs, list[Hub]]:
    """The model's inputs for a new order of `sku` at `zip_code`, and the hubs within reach."""
    hubs = context.near[zip_code]
    reach = [h for h in hubs if h.distance_miles <= h.service_radius_miles] if sku.local_returns_enabled else []
    shelf = tuple(model.ShelfUnit(h.distance_miles) for h in reach for _ in range(context.shelf.get((sku.pk, h.pk), 0)))
    ages = [age for h in reach for age in context.releases.get((sku.pk, h.pk), ())]
    queue_local = sum(
        1
        for sku_id, lat, lon in context.waiting_near
        if sku_id == sku.pk and any(haversine_miles(lat, lon, h.lat, h.lon) <= h.service_radius_miles for h in reach)
    )
    inputs = model.PromiseInputs(
        today=context.today,
        max_days=max_days,
        queue_ahead_local=queue_local,
        queue_ahead_restock=context.waiting[sku.pk],
        shelf=shelf,
        local_rate_per_day=model.learned_rate(ages),
        on_hand=max(0, sku.available_qty),
        purchase_orders=tuple(context.pos.get(sku.pk, ())),
        lateness=context.lateness,
        target=target,
    )
    return inputs, reach


def _answer(
    sku_code: str,
    raw_zip: str,
    skus: dict[str, Sku],
    places: dict[str, PostalCode],
    context: _Context | None,
    confidence: float,
) -> Availability:
    sku_code = (sku_code or "").strip()
    zip_code = normalise_zip(raw_zip) or (raw_zip or "").strip()
    answer = functools.partial(Availability, sku=sku_code, zip=zip_code, offer_backorder=False)
    sku = skus.get(sku_code)
    if sku is None:
        return answer(reason=Reason.UNKNOWN_SKU, explanation=f"No SKU with code “{sku_code}”.")
    if zip_code not in places or context is None:
        return answer(reason=Reason.UNKNOWN_ZIP, explanation=f"{zip_code} is not a US ZIP code we know.")
    waiting = context.waiting[sku.pk]
    if sku.available_qty - waiting >= 1:
        return answer(
            reason=Reason.IN_STOCK,
            explanation=f"{sku.code} is in stock ({sku.available_qty} at the warehouse, {waiting} waiting): "
            "sell it, no backorder needed.",
            queue_ahead=waiting,
        )
    hubs = context.near[zip_code]
    region = None
    if context.regions:
        nearest = hubs[0] if hubs else None
        region = next((r for r in context.regions if region_covers(r, zip_code, nearest)), None)
        if region is None:
            return answer(
                reason=Reason.REGION_NOT_ALLOWED,
                explanation=f"None of your regions covers {zip_code}: backorders are not offered there.",
            )
        cap, taken = region.max_open_backorders_per_sku, context.open_in[region.pk, sku.pk]
        if cap is not None and taken >= cap:
            return answer(
                reason=Reason.REGION_CAP_REACHED,
                explanation=f"Region “{region.name}” already has {taken} open backorder{'s' if taken != 1 else ''} "
                f"of {sku.code} (its cap is {cap}).",
            )
    max_days = region.max_promise_days if region is not None else model.DEFAULT_MAX_DAYS
    inputs, reach = _model_inputs(sku, zip_code, context, max_days=max_days, target=confidence)
    queue_local = inputs.queue_ahead_local
    result = model.promise(inputs)
    target = f"{confidence:.0%}"
    if result.ships_in_days is None:
        supply = _supply_words(inputs, reach)
        if not sku.local_returns_enabled:
            return answer(
                reason=Reason.NOT_LOCAL_ELIGIBLE,
                explanation=f"{sku.code} is not resold from local returns, and no restock ships it within {max_days} "
                f"days at {target} confidence ({supply}).",
                queue_ahead=waiting,
            )
        return answer(
            reason=Reason.PROMISE_TOO_LATE,
            explanation=f"No ship date within {max_days} days reaches {target} confidence "
            f"(at best {result.best:.0%}): {supply}.",
            queue_ahead=queue_local if reach else waiting,
        )
    days = f"{result.ships_in_days} day{'s' if result.ships_in_days != 1 else ''}"
    if result.source == model.Source.LOCAL_UNIT:
        why = f"a Like-New unit is on a shelf {format_miles(result.nearest_unit_miles)} mi away"
    elif result.source == model.Source.LOCAL_RETURN:
        why = f"{_ahead(queue_local)}, about {result.local_rate_per_day:.1f} Like-New returns a day nearby"
    else:
        why = f"{_ahead(waiting)}, {_restock_words(inputs)}"
    return Availability(
        sku=sku.code,
        zip=zip_code,
        offer_backorder=True,
        reason=_REASON_OF_SOURCE[result.source],
        explanation=f"Ships within {days} ({target} confidence): {why}.",
        ship_by=result.ship_by,
        ships_in_days=result.ships_in_days,
        confidence=round(result.confidence, 3),
        source=result.source,
        queue_ahead=result.queue_ahead,
    )


def _ahead(n: int) -> str:
    return "nobody waiting ahead" if n == 0 else f"{n} customer{'s' if n != 1 else ''} waiting ahead"


def _restock_words(inputs: model.PromiseInputs) -> str:
    if not inputs.purchase_orders:
        return "no restock expected"
    units = sum(po.qty for po in inputs.purchase_orders)
    first = min(po.expected_date for po in inputs.purchase_orders)
    return f"{units} unit{'s' if units != 1 else ''} on order, the first expected {first:%b %-d}"


def _supply_words(inputs: model.PromiseInputs, reach: list[Hub]) -> str:
    local = (
        f"about {inputs.local_rate_per_day:.1f} Like-New returns a day nearby, {_ahead(inputs.queue_ahead_local)}"
        if reach
        else "no hub within reach"
    )
    return f"{local}; {_restock_words(inputs)} for {_ahead(inputs.queue_ahead_restock)}"
