"""The pure promise model (fulfillment/promise.py) on the issue's known cases and its edges."""

import datetime as dt

import pytest

from fulfillment.promise import (
    Lateness,
    PromiseInputs,
    PurchaseOrder,
    ShelfUnit,
    Source,
    learned_rate,
    poisson_at_least,
    promise,
)

TODAY = dt.date(2026, 3, 2)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def first_day_at(result, chance: float) -> int | None:
    return next((d for d, p in enumerate(result.curve, start=1) if p >= chance), None)


def test_a_steady_history_is_learned_as_its_rate():
    two_a_day = [age + 0.5 for age in range(28) for _ in range(2)]
    assert learned_rate(two_a_day) == pytest.approx(2.0, rel=0.05)
    assert learned_rate([]) == 0.0
    # Recent releases count more than old ones: the same count, a week apart.
    assert learned_rate([1.0] * 4) > learned_rate([8.0] * 4) > learned_rate([27.0] * 4)
    # Outside the window they do not count at all.
    assert learned_rate([40.0, 29.0]) == 0.0


def test_poisson_tail_matches_known_values():
    assert poisson_at_least(0, 0.0) == 1.0
    assert poisson_at_least(1, 0.0) == 0.0
    assert poisson_at_least(1, 2.0) == pytest.approx(1 - 0.1353352832, abs=1e-9)
    assert poisson_at_least(3, 2.0) == pytest.approx(0.3233235838, abs=1e-9)
    assert poisson_at_least(1000, 10.0) == pytest.approx(0.0, abs=1e-12)
    assert poisson_at_least(5, 5000.0) == pytest.approx(1.0, abs=1e-12)


def test_no_history_is_restock_only():
    result = promise(PromiseInputs(today=TODAY, max_days=60, purchase_orders=(PurchaseOrder(days(20), 50),)))
    assert result.source == Source.RESTOCK
    # The default lateness (2 days ± 4) and a day to ship: later than the PO's date.
    assert 20 < result.ships_in_days <= 32
    assert result.ship_by == days(result.ships_in_days)
    assert result.confidence >= 0.95
    assert result.local_rate_per_day == 0.0


def test_a_unit_on_a_shelf_two_miles_away_ships_in_one_day():
    result = promise(PromiseInputs(today=TODAY, shelf=(ShelfUnit(2.0),)))
    assert (result.ships_in_days, result.ship_by, result.source) == (1, days(1), Source.LOCAL_UNIT)
    assert result.confidence == 1.0
    assert result.nearest_unit_miles == 2.0


def test_a_shelved_unit_taken_by_the_queue_ahead_is_not_ours():
    result = promise(PromiseInputs(today=TODAY, shelf=(ShelfUnit(2.0),), queue_ahead_local=1))
    assert result.ships_in_days is None


def test_thirty_ahead_and_two_releases_a_day_is_about_fifteen_days_at_half_later_at_95():
    result = promise(PromiseInputs(today=TODAY, max_days=60, queue_ahead_local=30, local_rate_per_day=2.0))
    median = first_day_at(result, 0.5)
    assert 15 <= median <= 16
    assert result.ships_in_days > median + 2  # 95 % needs a margin: about 20 days
    assert 19 <= result.ships_in_days <= 22
    assert result.source == Source.LOCAL_RETURN
    assert result.queue_ahead == 30


def test_no_supply_at_all_gives_no_date():
    result = promise(PromiseInputs(today=TODAY, queue_ahead_local=3, queue_ahead_restock=3))
    assert (result.ships_in_days, result.ship_by, result.confidence, result.source) == (None, None, None, None)
    assert result.best == 0.0


def test_supply_too_slow_for_the_horizon_gives_no_date():
    result = promise(PromiseInputs(today=TODAY, max_days=10, queue_ahead_local=30, local_rate_per_day=2.0))
    assert result.ships_in_days is None
    assert 0 < result.best < 0.95


def test_a_restock_that_covers_the_queue_fills_the_order():
    covered = promise(PromiseInputs(today=TODAY, queue_ahead_restock=40, purchase_orders=(PurchaseOrder(days(5), 41),)))
    short = promise(PromiseInputs(today=TODAY, queue_ahead_restock=40, purchase_orders=(PurchaseOrder(days(5), 40),)))
    assert covered.source == Source.RESTOCK and covered.ships_in_days is not None
    assert covered.queue_ahead == 40
    assert short.ships_in_days is None  # 40 units for 40 customers ahead: none left for this one
    # A second PO makes up the difference, later.
    two = promise(
        PromiseInputs(
            today=TODAY,
            queue_ahead_restock=40,
            purchase_orders=(PurchaseOrder(days(5), 40), PurchaseOrder(days(12), 10)),
        )
    )
    assert two.ships_in_days > covered.ships_in_days


def test_stock_on_hand_counts_before_the_pos():
    result = promise(
        PromiseInputs(today=TODAY, queue_ahead_restock=10, on_hand=8, purchase_orders=(PurchaseOrder(days(3), 3),))
    )
    assert result.ships_in_days is not None


def test_a_brand_whose_pos_run_late_gets_a_later_date():
    po = (PurchaseOrder(days(10), 20),)
    punctual = promise(PromiseInputs(today=TODAY, purchase_orders=po, lateness=Lateness.from_samples([0, 1, 0, 1] * 5)))
    late = promise(PromiseInputs(today=TODAY, purchase_orders=po, lateness=Lateness.from_samples([10, 12, 9, 11] * 5)))
    assert late.ships_in_days >= punctual.ships_in_days + 8
    assert punctual.ships_in_days >= 11  # never before the PO's date plus shipping


def test_lateness_history_is_shrunk_towards_the_default():
    one = Lateness.from_samples([30])
    assert one.samples == 1
    assert 2 < one.mean_days < 30  # one late PO is not a verdict
    many = Lateness.from_samples([30] * 200)
    assert many.mean_days == pytest.approx(30, abs=0.5)
    assert Lateness.from_samples([]) == Lateness()


def test_an_overdue_po_is_expected_soon_not_never():
    result = promise(PromiseInputs(today=TODAY, purchase_orders=(PurchaseOrder(days(-3), 5),)))
    assert result.source == Source.RESTOCK
    assert result.ships_in_days is not None and result.ships_in_days <= 15
    # A PO long past every lateness the history allows is not counted on.
    ancient = promise(PromiseInputs(today=TODAY, purchase_orders=(PurchaseOrder(days(-200), 5),)))
    assert ancient.ships_in_days is None


def test_the_likeliest_source_is_named_and_the_curve_rises():
    result = promise(
        PromiseInputs(
            today=TODAY,
            max_days=60,
            queue_ahead_local=2,
            local_rate_per_day=1.0,
            queue_ahead_restock=10,
            purchase_orders=(PurchaseOrder(days(40), 100),),
        )
    )
    assert result.source == Source.LOCAL_RETURN
    assert all(a <= b + 1e-12 for a, b in zip(result.curve, result.curve[1:], strict=False))
    assert len(result.curve) == 60


def test_a_lower_target_gives_an_earlier_date():
    inputs = {"today": TODAY, "max_days": 60, "queue_ahead_local": 30, "local_rate_per_day": 2.0}
    assert promise(PromiseInputs(**inputs, target=0.5)).ships_in_days < promise(PromiseInputs(**inputs)).ships_in_days
