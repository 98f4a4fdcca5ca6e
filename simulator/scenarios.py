# ruff: noqa: RUF009 -- `p()` is dataclasses.field() with the parameter's source attached.
"""Every parameter of every scenario, in one visible place (issue 11 §4).

Each value is marked `ISSUE` (stated in issue 11: change none of them to flatter a result)
or `ASSUMED` (the issue is silent; our choice, listed in the report as an assumption).
The simulator reads nothing else: no hidden constants in the driver."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields
from decimal import Decimal

ISSUE = "issue"
ASSUMED = "assumption"


def p(value, source: str, note: str = ""):
    """A parameter: its value, where it comes from, and a note for the report."""
    return field(default=value, metadata={"source": source, "note": note})


@dataclass(frozen=True)
class Scenario:
    name: str = p("bfcm", ISSUE)
    title: str = p("Black Friday / Cyber Monday sell-out", ISSUE)
    start: datetime.date = p(
        datetime.date(2026, 11, 27), ASSUMED, "Day 0 (Black Friday 2026); a fixed date so a seed always replays alike."
    )
    days: int = p(35, ASSUMED, "Default length: long enough for the day-30 restock to arrive (± its spread).")
    sku_code: str = p("WB-15-HERO", ASSUMED)
    sku_title: str = p("Weighted blanket", ISSUE)
    price: Decimal = p(Decimal("120.00"), ISSUE)
    stock_at_start: int = p(0, ISSUE)
    # Demand
    orders: int = p(1200, ISSUE, "Backordered orders in all.")
    order_days: int = p(7, ISSUE, "Placed over days 0–6, each on a day drawn uniformly.")
    local_share: float = p(0.35, ISSUE, "Share of orders (and of returns) with a ZIP within `local_miles` of a hub.")
    local_miles: float = p(10.0, ISSUE)
    consent_share: float = p(
        0.80,
        ISSUE,
        "Customers who consent to a Like-New unit. Recorded on each backorder; the product enforces "
        "consent only where a region requires it (and such a region refuses orders without it), "
        "and this scenario's brand has no region, so it does not gate matching.",
    )
    # Hubs
    hub_zips: tuple[str, ...] = p(("78702", "78704", "78745"), ISSUE, "Three Austin hubs.")
    hub_capacity: int = p(15, ISSUE, "Inspections a day per hub (also its routing capacity).")
    hub_radius_miles: int = p(10, ASSUMED, "Each hub's service radius (the issue's local distance).")
    # Returns
    returns_per_day: float = p(5.3 * 8, ISSUE, "5.3 × a baseline of 8 a day; each day's count is Poisson.")
    return_days: int = p(21, ISSUE)
    like_new_share: float = p(0.60, ISSUE, "Of inspected local returns.")
    other_grades: tuple[tuple[str, float], ...] = p(
        (("good", 0.25), ("fair", 0.10), ("unsellable", 0.05)),
        ASSUMED,
        "How the other 40 % split (relative weights), each through a failed checklist item.",
    )
    dropoff_delay_days: tuple[int, ...] = p(
        (0, 1, 1, 2, 2, 3), ASSUMED, "Days from a return's creation to its drop-off at the hub (uniform choice)."
    )
    warehouse_transit_days: int = p(5, ASSUMED, "Days a warehouse-routed return takes to reach the warehouse.")
    pickup_delay_days: tuple[int, ...] = p(
        (0, 1, 1, 2), ASSUMED, "Days from an allocation to the customer's pickup (uniform choice)."
    )
    pickup_no_show: float = p(
        0.05, ASSUMED, "Share of customers who never pick up (the allocation expires, the unit is matched again)."
    )
    # Restock
    restock_qty: int = p(1500, ISSUE)
    restock_expected_day: int = p(30, ISSUE)
    restock_spread_days: int = p(3, ASSUMED, "Arrives on day 30 ± up to this many days (uniform).")
    # The simulated day
    schedule: tuple[tuple[str, str], ...] = p(
        (
            ("engine tick", "06:00"),
            ("restock arrival", "10:00"),
            ("pickups", "13:00"),
            ("inspections", "14:00"),
            ("warehouse receipts", "16:00"),
            ("drop-offs", "22:00"),
            ("cancellations", "23:00"),
        ),
        ASSUMED,
        "When each batch happens in a simulated day (UTC). A pickup delay counts from the first pickup "
        "time after the allocation; a drop-off delay of 0 is the evening of the return's day.",
    )
    business_hours: tuple[str, str] = p(("09:00", "21:00"), ASSUMED, "Orders and returns come at random minutes.")
    inspection_seconds: tuple[int, int] = p(
        (25, 60), ASSUMED, "An inspection's duration, uniform (the issue's “about 30 seconds”)."
    )
    # Customers
    cancel_hazard_per_day: float = p(0.02, ISSUE, "A waiting backorder is cancelled with this chance each day.")

    def minute_of(self, step: str) -> int:
        """Minutes after midnight of `step` in `schedule` (or a "HH:MM" given)."""
        text = dict(self.schedule).get(step, step)
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)

    def parameters(self) -> list[dict]:
        """[{name, value, source, note}] for the report, in declaration order."""
        return [
            {
                "name": f.name,
                "value": getattr(self, f.name),
                "source": f.metadata.get("source", ISSUE),
                "note": f.metadata.get("note", ""),
            }
            for f in fields(self)
        ]


BFCM = Scenario()

QUIET = Scenario(
    name="quiet",
    title="A normal week",
    days=7,
    orders=40,
    order_days=7,
    returns_per_day=8.0,
    return_days=7,
    restock_qty=200,
    restock_expected_day=21,
)
# `quiet` differs from bfcm only in these (all ASSUMED: the issue asks for "a normal week"):
QUIET_ASSUMED = ("days", "orders", "returns_per_day", "return_days", "restock_qty", "restock_expected_day")

SCENARIOS = {"bfcm": BFCM, "quiet": QUIET}


def source_of(scenario: Scenario, name: str) -> str:
    if scenario.name == "quiet" and name in QUIET_ASSUMED:
        return ASSUMED
    return next(f.metadata.get("source", ISSUE) for f in fields(scenario) if f.name == name)
