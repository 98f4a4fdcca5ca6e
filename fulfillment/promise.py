"""The promise model: by which day will a new backorder be filled, at a stated confidence?

Pure (no database, no Django): dataclasses in, a dataclass out, so the known cases are
unit-tested directly (tests/fulfillment/test_promise_model.py) and the selector
(`fulfillment.selectors.availability`) only gathers the inputs.

Two sources can fill the order; each must first serve the waiting backorders ahead of it.

- **Local** (Like-New returns at the hubs that can reach the customer's ZIP). Units on a
  shelf within reach now are handed off within `LOCAL_HANDOFF_DAYS` (1: a local hand-off
  takes hours, so "ships in 1 day"). More units arrive as a Poisson process whose rate is
  learned from history (`learned_rate`): the releases of the SKU at those hubs over the last
  `RATE_WINDOW_DAYS` (28), each weighted by exponential decay with a half-life of
  `RATE_HALF_LIFE_DAYS` (7 days: a release a week ago counts half, four weeks ago a
  sixteenth), divided by the weight of the whole window, so a steady rate is learned
  exactly. The order is filled by day d when shelf + arrivals(d) ≥ queue_ahead_local + qty,
  arrivals(d) ~ Poisson(rate · d).
- **Restock** (the brand's purchase orders into its warehouse). Each expected PO arrives on
  its expected date plus a lateness drawn from the brand's history (`Lateness`: a normal
  distribution fitted to received POs' `received_at − expected_date` in days, shrunk towards
  the default — 2 days late, 4 days spread — with the weight of `LATENESS_PRIOR_WEIGHT`
  (3) POs, so one late PO is not a verdict; with no history, the default itself). A PO not
  received yet cannot have arrived before today: its lateness is conditioned on that, so an
  overdue PO is expected *soon* rather than never (and one past every lateness the history
  allows is not counted on). Stock that arrives is shipped `RESTOCK_SHIP_DAYS` (0) later: the
  restock fill (fulfillment.services.supply.restock_fill) ships a received PO to the waiting
  customers the day it is received (a day more was a day of slack the calibration test
  showed in every restock promise). The order is filled by day d when on hand + the POs
  arrived by d − RESTOCK_SHIP_DAYS cover queue_ahead_restock + qty (the POs are
  independent; their sum is convolved exactly, capped at the need).

The two are combined as independent chances to be filled: P(d) = 1 − (1 − L(d))(1 − R(d)).
That is slightly pessimistic — each source is assumed to serve the whole queue ahead alone,
whereas in fact the other source takes some of it too — which errs on the side of an
honest, later date.

The promise is the first day d (1 … max_days) with P(d) ≥ target (default 0.95): below that
a shopper is better served by no date at all. `source` names the most likely filler on that
day (`local_unit` when a shelved unit already covers it); no such day → `ships_in_days` None.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_CONFIDENCE = 0.95  # Brand.promise_confidence's default (the brand sets its own)
DEFAULT_MAX_DAYS = 30  # RegionLimit.max_promise_days' default, used when no region applies
RATE_WINDOW_DAYS = 28
RATE_HALF_LIFE_DAYS = 7.0
LOCAL_HANDOFF_DAYS = 1
RESTOCK_SHIP_DAYS = 0
DEFAULT_LATENESS_MEAN_DAYS = 2.0
DEFAULT_LATENESS_SD_DAYS = 4.0
LATENESS_PRIOR_WEIGHT = 3
MIN_LATENESS_SD_DAYS = 0.5
# Below this chance a PO still to come is not counted on (it is past any lateness seen).
NEGLIGIBLE = 1e-9


class Source:
    LOCAL_UNIT = "local_unit"  # a unit on a shelf within reach now
    LOCAL_RETURN = "local_return"  # a Like-New return still to be released nearby
    RESTOCK = "restock"  # a purchase order into the brand's warehouse


@dataclass(frozen=True)
class ShelfUnit:
    """An available unit at a hub whose radius covers the customer."""

    distance_miles: float


@dataclass(frozen=True)
class PurchaseOrder:
    """An expected (not yet received) restock PO of the SKU."""

    expected_date: dt.date
    qty: int


@dataclass(frozen=True)
class Lateness:
    """How many days after its expected date a PO of this brand arrives: Normal(mean, sd)."""

    mean_days: float = DEFAULT_LATENESS_MEAN_DAYS
    sd_days: float = DEFAULT_LATENESS_SD_DAYS
    samples: int = 0

    @classmethod
    def from_history(cls, count: int, mean: float | None, sd: float | None) -> Lateness:
        """Fitted to `count` received POs (their mean and sample standard deviation of
        days late), shrunk towards the default with the weight of LATENESS_PRIOR_WEIGHT POs."""
        if not count or mean is None:
            return cls()
        k = LATENESS_PRIOR_WEIGHT
        mean_days = (count * mean + k * DEFAULT_LATENESS_MEAN_DAYS) / (count + k)
        variance = ((count - 1) * (sd or 0.0) ** 2 + k * DEFAULT_LATENESS_SD_DAYS**2) / (count - 1 + k)
        return cls(mean_days, max(MIN_LATENESS_SD_DAYS, math.sqrt(variance)), count)

    @classmethod
    def from_samples(cls, days_late: Sequence[float]) -> Lateness:
        n = len(days_late)
        if not n:
            return cls()
        mean = sum(days_late) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in days_late) / (n - 1)) if n > 1 else 0.0
        return cls.from_history(n, mean, sd)

    def cdf(self, days: int) -> float:
        """P(a PO arrives at most `days` days after its expected date), whole days."""
        z = (days + 0.5 - self.mean_days) / (self.sd_days * math.sqrt(2))
        return 0.5 * (1 + math.erf(z))


@dataclass(frozen=True)
class PromiseInputs:
    today: dt.date
    max_days: int = DEFAULT_MAX_DAYS
    qty: int = 1
    queue_ahead_local: int = 0  # waiting backorders a unit at the reachable hubs serves first
    queue_ahead_restock: int = 0  # waiting backorders of the SKU anywhere, served first by a restock
    shelf: tuple[ShelfUnit, ...] = ()
    local_rate_per_day: float = 0.0
    on_hand: int = 0  # warehouse stock not enough for the whole queue
    purchase_orders: tuple[PurchaseOrder, ...] = ()
    lateness: Lateness = field(default_factory=Lateness)
    target: float = DEFAULT_CONFIDENCE


@dataclass(frozen=True)
class Promise:
    curve: tuple[float, ...]  # curve[d - 1] = P(filled by day d), d = 1 … max_days
    ships_in_days: int | None
    ship_by: dt.date | None
    confidence: float | None  # P(filled by ship_by)
    source: str | None
    queue_ahead: int  # the queue ahead of the order at its most likely source
    local_rate_per_day: float
    nearest_unit_miles: float | None = None

    @property
    def best(self) -> float:
        """The highest chance reached within the horizon."""
        return self.curve[-1] if self.curve else 0.0


def learned_rate(
    release_ages_days: Iterable[float],
    *,
    window_days: int = RATE_WINDOW_DAYS,
    half_life_days: float = RATE_HALF_LIFE_DAYS,
) -> float:
    """Releases per day from the releases' ages (days before now), recent ones weighted
    more: Σ 2^(−age / half-life) over the window, divided by ∫ 2^(−a / half-life) da over
    the window, so a steady rate r gives r."""
    decay = math.log(2) / half_life_days
    weights = sum(math.exp(-decay * age) for age in release_ages_days if 0 <= age <= window_days)
    return weights / ((1 - math.exp(-decay * window_days)) / decay)


def poisson_at_least(k: int, mean: float) -> float:
    """P(N ≥ k) for N ~ Poisson(mean), summed over the terms that matter (±12 sd). The
    sums for one mean are kept (`_poisson_table`): re-evaluating a queue asks for every k."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    lo, below, above = _poisson_table(mean)
    if k - 1 < mean:  # the lower tail is the short sum
        return 1.0 if k - 1 < lo else max(0.0, 1.0 - below[k - 1 - lo])
    return 0.0 if k - lo >= len(above) else min(1.0, above[k - lo])


@functools.lru_cache(maxsize=8192)
def _poisson_table(mean: float) -> tuple[int, tuple[float, ...], tuple[float, ...]]:
    """(lo, below, above) for Poisson(mean) over lo … hi (mean ± 12 sd + 30, and as far
    again above): below[j] = P(lo ≤ N ≤ lo + j), above[j] = P(lo + j ≤ N ≤ hi)."""
    spread = 12 * math.sqrt(mean) + 30
    lo, hi = max(0, int(mean - spread)), int(mean + 2 * spread) + 1
    term = math.exp(-mean + lo * math.log(mean) - math.lgamma(lo + 1))
    terms = []
    for j in range(lo, hi + 1):
        terms.append(term)
        term *= mean / (j + 1)
    below = tuple(itertools.accumulate(terms))
    above = tuple(reversed(tuple(itertools.accumulate(reversed(terms)))))
    return lo, below, above


def _po_arrived_by(po: PurchaseOrder, day: int, today: dt.date, lateness: Lateness) -> float:
    """P(`po` has arrived by `day` days from today), knowing it has not arrived yet."""
    offset = (po.expected_date - today).days
    not_yet = lateness.cdf(-offset - 1)  # the part of the distribution already ruled out
    remaining = 1.0 - not_yet
    if remaining < NEGLIGIBLE:
        return 0.0
    return max(0.0, (lateness.cdf(day - offset) - not_yet) / remaining)


def restock_curve(inputs: PromiseInputs) -> list[float]:
    """R(d): P(the POs arrived by day d − RESTOCK_SHIP_DAYS cover the need), d = 1 … max."""
    need = inputs.queue_ahead_restock + inputs.qty - inputs.on_hand
    if need <= 0:
        return [1.0] * inputs.max_days
    total = sum(po.qty for po in inputs.purchase_orders)
    if need > total:
        return [0.0] * inputs.max_days
    # The tables are shared by every need up to the next power of two (a queue's orders).
    cap = min(total, 1 << (need - 1).bit_length())
    tails = _arrival_tails(inputs.purchase_orders, inputs.today, inputs.max_days, inputs.lateness, cap)
    return [min(1.0, day[need]) for day in tails]


@functools.lru_cache(maxsize=1024)
def _arrival_tails(
    purchase_orders: tuple[PurchaseOrder, ...], today: dt.date, max_days: int, lateness: Lateness, cap: int
) -> tuple[tuple[float, ...], ...]:
    """Per day d = 1 … max_days: tails[q] = P(the POs arrived by d − RESTOCK_SHIP_DAYS bring
    at least q units), q = 0 … cap. The POs are independent: their sum (capped at `cap`) is
    convolved exactly, PO by PO."""
    days = []
    for day in range(1, max_days + 1):
        arrived_by = day - RESTOCK_SHIP_DAYS
        dist = [1.0] + [0.0] * cap  # dist[q] = P(min(arrived quantity, cap) = q)
        for po in purchase_orders:
            p = _po_arrived_by(po, arrived_by, today, lateness) if arrived_by >= 0 else 0.0
            if p <= 0.0:
                continue
            new = [q * (1 - p) for q in dist]
            for q, chance in enumerate(dist):
                if chance:
                    new[min(cap, q + po.qty)] += chance * p
            dist = new
        days.append(tuple(reversed(tuple(itertools.accumulate(reversed(dist))))))
    return tuple(days)


def local_curve(inputs: PromiseInputs) -> list[float]:
    """L(d): P(shelf + Poisson arrivals by day d cover the local queue ahead and this order)."""
    need = inputs.queue_ahead_local + inputs.qty - len(inputs.shelf)
    days = range(1, inputs.max_days + 1)
    if need <= 0:
        return [1.0 if d >= LOCAL_HANDOFF_DAYS else 0.0 for d in days]
    return [poisson_at_least(need, inputs.local_rate_per_day * d) for d in days]


def promise(inputs: PromiseInputs) -> Promise:
    """The first day whose chance of being filled reaches the target, and its likeliest source."""
    local, restock = local_curve(inputs), restock_curve(inputs)
    curve = tuple(1 - (1 - lo) * (1 - re) for lo, re in zip(local, restock, strict=True))
    nearest = min((u.distance_miles for u in inputs.shelf), default=None)
    common = {"curve": curve, "local_rate_per_day": inputs.local_rate_per_day, "nearest_unit_miles": nearest}
    # A tiny float shortfall (0.9499999…) must not push the promise a day later.
    day = next((d for d, p in enumerate(curve, start=1) if p >= inputs.target - 1e-12), None)
    if day is None:
        return Promise(ships_in_days=None, ship_by=None, confidence=None, source=None, queue_ahead=0, **common)
    if inputs.queue_ahead_local + inputs.qty <= len(inputs.shelf):
        source = Source.LOCAL_UNIT
    elif local[day - 1] >= restock[day - 1]:
        source = Source.LOCAL_RETURN
    else:
        source = Source.RESTOCK
    queue = inputs.queue_ahead_restock if source == Source.RESTOCK else inputs.queue_ahead_local
    return Promise(
        ships_in_days=day,
        ship_by=inputs.today + dt.timedelta(days=day),
        confidence=curve[day - 1],
        source=source,
        queue_ahead=queue,
        **common,
    )
