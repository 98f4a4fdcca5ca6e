"""The ledger's arithmetic (issue 11 §1), pure: numbers in, numbers out, so the seed's
figures are unit-tested directly (tests/fulfillment/test_ledger.py) and the ledger
service (fulfillment.services.ledger) only gathers the inputs.

- A return's saving is measured against the traditional route (the warehouse): the hub
  route saves `cost_warehouse − cost_local` ($27 − $5 = $22 with the seed's settings); a
  return routed to the warehouse saves nothing (it is what would have happened anyway).
- A cancelled backorder costs C = its value + the brand's support cost + its acquisition
  cost ($120 + $15 + $5 = $140).
- A customer waiting d days has cancelled with probability 1 − (1 − h)^d, h the brand's
  cancellation hazard per day (2 %: 1 − 0.98^30 ≈ 0.455 over a 30-day wait).
- A backorder filled locally after waiting `actual` days instead of the `restock` days it
  would otherwise have waited kept C × (P(cancel by restock) − P(cancel by actual)) of
  revenue, in expectation; never below zero (had the restock come first, it would have
  filled the order, so the local fill cannot have lost anything).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal | float) -> Decimal:
    """Rounded to the cent, half up."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def route_saving(*, route: str, cost_local: Decimal, cost_warehouse: Decimal) -> Decimal:
    """What the route taken saved against the warehouse route: cost_warehouse − cost_local
    on the hub route, 0 on the warehouse route."""
    if route == "hub":
        return money(cost_warehouse - cost_local)
    return money(0)


def cancellation_cost(*, value: Decimal, support_cost: Decimal, acquisition_cost: Decimal) -> Decimal:
    """What a cancelled backorder costs the brand: the sale, the support and the acquisition."""
    return money(value + support_cost + acquisition_cost)


def p_cancel_by(*, days: float, hazard_per_day: float) -> float:
    """P(a customer waiting `days` days has cancelled) = 1 − (1 − h)^days (0 for no wait)."""
    if days <= 0 or hazard_per_day <= 0:
        return 0.0
    return 1.0 - (1.0 - hazard_per_day) ** days


def revenue_kept(*, cost: Decimal, hazard_per_day: float, restock_wait_days: float, actual_wait_days: float) -> Decimal:
    """C × (P(cancel by the restock wait) − P(cancel by the actual wait)), at least 0."""
    gained = p_cancel_by(days=restock_wait_days, hazard_per_day=hazard_per_day) - p_cancel_by(
        days=actual_wait_days, hazard_per_day=hazard_per_day
    )
    return money(max(Decimal(0), cost * Decimal(str(gained))))


def days_between(start, end) -> float:
    """Days from one datetime to another, as a float (e.g. 2.5 for 60 hours)."""
    return (end - start).total_seconds() / 86400
