"""The split-ship advisor (issue 10): an order has lines in stock and lines on backorder —
ship the in-stock lines now in a parcel of their own (and the rest later), or wait and
ship everything once? Pure: numbers in, numbers out; no database.

**Split now** costs the second parcel's label (`split_label_cost`).

**Wait and ship once** costs what a cancellation during the wait is expected to lose:

    P(cancel) = 1 − (1 − hazard)^wait_days
    at risk   = gross_margin × order_value + support_cost + acquisition_cost
    wait cost = P(cancel) × at risk

The hazard is the chance, each day, that a waiting customer cancels (default 2 %/day:
after 30 days 1 − 0.98³⁰ ≈ 45 % have cancelled).

What is at risk, and the assumption behind it: while the order waits nothing has shipped,
so a customer who gives up cancels the *whole* order — the in-stock lines with the
backordered ones. The brand then loses the margin on the whole order (the goods return to
stock, so the price itself is not lost, only the profit it carried), pays support to handle
the cancellation, and has wasted what it spent to win the order. An order split now is
counted as not at risk: the customer already holds part of it, and we assume a customer
holding part of an order waits for the rest rather than cancelling. That simplification
slightly favours splitting; a brand whose split orders still cancel can raise
`split_label_cost` to account for it.

`gross_margin` defaults to 0.5: a typical direct-to-consumer gross margin (50–60 % is
common for apparel and accessories), rounded down so the advisor does not overstate the
case for splitting; each brand sets its own.

The recommendation is `split` when waiting is expected to cost more than the label, else
`wait` (a tie waits: one parcel, no money spent). The break-even wait is the number of days
at which the two sides cost the same: (1 − hazard)^d = 1 − label / at risk, so
d = ln(1 − label / at risk) / ln(1 − hazard); none when even a certain cancellation costs
no more than the label (or the hazard is zero): then splitting never pays.

The seed's failure case, with the defaults: a $45 order puts 0.5 × 45 + 15 + 5 = $42.50 at
risk; against a $14 label the break-even wait is ≈ 19.8 days — wait below it, split above."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

SPLIT = "split"
WAIT = "wait"


@dataclass(frozen=True)
class SplitShipCosts:
    """The brand's figures the advice is made from (the fields of the same names on Brand)."""

    split_label_cost: Decimal
    cancel_hazard_per_day: float
    gross_margin: float
    support_cost: Decimal
    acquisition_cost: Decimal

    @classmethod
    def of(cls, brand) -> SplitShipCosts:
        """The costs set on `brand` (anything with these attributes)."""
        return cls(
            split_label_cost=Decimal(brand.split_label_cost),
            cancel_hazard_per_day=float(brand.cancel_hazard_per_day),
            gross_margin=float(brand.gross_margin),
            support_cost=Decimal(brand.support_cost),
            acquisition_cost=Decimal(brand.acquisition_cost),
        )

    @property
    def hazard_percent(self) -> str:
        """The daily hazard in percent, for people: "2", "2.5"."""
        return f"{self.cancel_hazard_per_day * 100:.6g}"

    @property
    def margin_percent(self) -> str:
        """The gross margin in percent, for people: "50"."""
        return f"{self.gross_margin * 100:.6g}"


@dataclass(frozen=True)
class SplitShipAdvice:
    recommendation: str  # SPLIT or WAIT
    split_cost: Decimal  # the second label
    wait_cost: Decimal  # expected cancellation cost over the wait
    cancel_probability: float  # P(the customer cancels within the wait)
    at_risk: Decimal  # what one cancellation costs: margin on the order + support + acquisition
    order_value: Decimal
    expected_wait_days: int
    break_even_days: float | None  # the wait at which both cost the same; None: splitting never pays
    sentence: str
    costs: SplitShipCosts

    @property
    def cancel_percent(self) -> float:
        """cancel_probability in percent, to one decimal (17.3)."""
        return round(self.cancel_probability * 100, 1)


def cancel_probability(hazard_per_day: float, days: int) -> float:
    """The chance a customer waiting `days` days cancels: 1 − (1 − hazard)^days."""
    if days <= 0 or hazard_per_day <= 0:
        return 0.0
    return 1.0 - (1.0 - hazard_per_day) ** days


def break_even_days(*, label: Decimal, at_risk: Decimal, hazard_per_day: float) -> float | None:
    """The wait (days, fractional) at which the expected cancellation cost equals the label;
    None when it never does (a certain cancellation costs no more than the label, or no
    customer ever cancels)."""
    if label <= 0:
        return 0.0
    if at_risk <= label or hazard_per_day <= 0:
        return None
    return math.log(1 - float(label / at_risk)) / math.log(1 - hazard_per_day)


def money(amount: Decimal) -> str:
    """$1,234.50"""
    return f"${amount:,.2f}"


def _days(days: float | int) -> str:
    return f"{days:g} day{'' if days == 1 else 's'}"


def split_ship_advice(*, order_value: Decimal, expected_wait_days: int, costs: SplitShipCosts) -> SplitShipAdvice:
    """Split now or wait and ship once, for an order worth `order_value` whose backordered
    lines are expected to ship in `expected_wait_days` days (see the module's docstring)."""
    if order_value < 0 or expected_wait_days < 0:
        raise ValueError("order_value and expected_wait_days must not be negative")
    at_risk = (Decimal(str(costs.gross_margin)) * order_value + costs.support_cost + costs.acquisition_cost).quantize(
        CENT, ROUND_HALF_UP
    )
    probability = cancel_probability(costs.cancel_hazard_per_day, expected_wait_days)
    wait_cost = (Decimal(str(probability)) * at_risk).quantize(CENT, ROUND_HALF_UP)
    split_cost = costs.split_label_cost.quantize(CENT, ROUND_HALF_UP)
    break_even = break_even_days(label=split_cost, at_risk=at_risk, hazard_per_day=costs.cancel_hazard_per_day)
    if break_even is not None:
        break_even = round(break_even, 1)
    recommendation = SPLIT if wait_cost > split_cost else WAIT
    waiting = f"waiting ~{_days(expected_wait_days)} risks {money(wait_cost)} in expected cancellations"
    if recommendation == SPLIT:
        sentence = f"Ship now in two parcels: {waiting} against a {money(split_cost)} second label."
    elif break_even is None and costs.cancel_hazard_per_day <= 0:
        sentence = (
            "Wait and ship once: with no cancellation risk set, waiting costs nothing; "
            f"a second label costs {money(split_cost)}."
        )
    elif break_even is None:
        sentence = (
            f"Wait and ship once: {waiting}, and a second label ({money(split_cost)}) would never pay "
            f"for itself on this order (a cancellation costs at most {money(at_risk)})."
        )
    else:
        sentence = (
            f"Wait and ship once: {waiting}, less than a {money(split_cost)} second label. "
            f"Split if the wait grows past {_days(break_even)}."
        )
    return SplitShipAdvice(
        recommendation=recommendation,
        split_cost=split_cost,
        wait_cost=wait_cost,
        cancel_probability=probability,
        at_risk=at_risk,
        order_value=order_value,
        expected_wait_days=expected_wait_days,
        break_even_days=break_even,
        sentence=sentence,
        costs=costs,
    )
