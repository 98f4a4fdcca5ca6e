"""The brand's metrics (issue 11 §2): fulfillment.selectors.metrics.brand_metrics — per ISO
week (empty weeks included) and over all time, from the ledger rows — and
GET /api/v1/metrics, which returns the same figures: its values from a seeded brand, bad
input, tenant isolation, and a constant number of queries from 10 rows to 100."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.models import Backorder, LedgerEntry, Promise, ReturnItem, Sku
from fulfillment.selectors.metrics import brand_metrics

Kind = LedgerEntry.Kind
TODAY = datetime.date(2026, 11, 25)  # a Wednesday; its week starts Monday 23 November
THIS_WEEK = datetime.date(2026, 11, 23)
LAST_WEEK = datetime.date(2026, 11, 16)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class Seed:
    """Ledger rows as the services write them, on the days given."""

    def __init__(self) -> None:
        self.sku = Sku.objects.get_or_create(code="WB-15", defaults={"title": "Weighted blanket", "price": 120})[0]
        self.n = Backorder.objects.count() + ReturnItem.objects.count()

    def _ref(self) -> str:
        self.n += 1
        return f"#{self.n}"

    def backorder(self, placed: datetime.datetime, status: str = "fulfilled") -> Backorder:
        return Backorder.objects.create(
            order_ref=self._ref(), sku=self.sku, value=120, customer_zip="78702", placed_at=placed, status=status
        )

    def item(self) -> ReturnItem:
        return ReturnItem.objects.create(rma_ref=f"RMA-{self._ref()}", sku=self.sku, customer_zip="78702")

    def routed(self, day, route: str) -> None:
        hub = route == "hub"
        LedgerEntry.objects.create(
            kind=Kind.RETURN_ROUTED,
            return_item=self.item(),
            at=at(day),
            source=route,
            cost_actual=5 if hub else 27,
            cost_other=27 if hub else 5,
            savings=22 if hub else 0,
        )

    def refund(self, day, route: str, days: float) -> None:
        LedgerEntry.objects.create(kind=Kind.REFUND_READY, return_item=self.item(), at=at(day), source=route, days=days)

    def filled(self, day, source: str, days: float, kept: str | None = None) -> None:
        LedgerEntry.objects.create(
            kind=Kind.BACKORDER_FILLED,
            backorder=self.backorder(at(day) - datetime.timedelta(days=days)),
            at=at(day),
            source=source,
            days=days,
            revenue_kept=Decimal(kept) if kept else None,
        )

    def cancelled(self, day) -> None:
        LedgerEntry.objects.create(
            kind=Kind.BACKORDER_CANCELLED,
            backorder=self.backorder(at(day) - datetime.timedelta(days=9), status="cancelled"),
            at=at(day),
            days=9,
            value=120,
            cancellation_cost=140,
        )


def seed_brand() -> None:
    s = Seed()
    # This week: 3 local fills (2, 3, 10 days), 1 restock fill (30 days), 2 returns at hubs and 1 to the warehouse.
    s.filled(TODAY, "local_return", 2, kept="58.09")
    s.filled(TODAY, "local_return", 3, kept="56.00")
    s.filled(THIS_WEEK, "local_return", 10, kept="40.00")
    s.filled(THIS_WEEK, "restock", 30)
    s.routed(TODAY, "hub")
    s.routed(THIS_WEEK, "hub")
    s.routed(TODAY, "warehouse")
    s.refund(TODAY, "hub", 1.0)
    s.refund(TODAY, "hub", 2.0)
    s.refund(TODAY, "warehouse", 9.0)
    s.cancelled(TODAY)
    # Last week: one restock fill and a cancellation.
    s.filled(LAST_WEEK, "restock", 20)
    s.cancelled(LAST_WEEK + datetime.timedelta(days=6))  # Sunday: still last week
    # Long ago (outside a 4-week window, inside the all-time summary).
    s.routed(TODAY - datetime.timedelta(weeks=20), "hub")
    s.filled(TODAY - datetime.timedelta(weeks=20), "local_return", 1, kept="60.00")
    # Waiting customers: ages 0, 5, 5, 12, 40 days.
    for age in (0, 5, 5, 12, 40):
        s.backorder(at(TODAY - datetime.timedelta(days=age), hour=1), status="waiting")
    # Settled promises: 3 of 4 kept at 0.9 stated.
    for i, backorder in enumerate(Backorder.objects.filter(status="fulfilled")[:4]):
        Promise.objects.create(
            backorder=backorder,
            ship_by=TODAY,
            confidence=0.9,
            source="local_return",
            why="created",
            kept=i < 3,
            slack_days=2 if i < 3 else -1,
            settled_at=at(TODAY),
        )


@pytest.fixture
def seeded(brand_a, in_brand):
    with in_brand(brand_a):
        seed_brand()
    return brand_a


def test_weeks_are_mondays_oldest_first_with_empty_weeks_included(seeded, in_brand):
    with in_brand(seeded):
        metrics = brand_metrics(weeks=4, today=TODAY)
    assert [w.week for w in metrics.weeks] == [
        datetime.date(2026, 11, 2),
        datetime.date(2026, 11, 9),
        LAST_WEEK,
        THIS_WEEK,
    ]
    empty = metrics.weeks[0]
    assert (empty.filled_local, empty.local_fill_rate, empty.savings, empty.median_days_to_fill_local) == (
        0,
        None,
        Decimal("0.00"),
        None,
    )


def test_a_weeks_figures_are_its_fills_returns_refunds_and_cancellations(seeded, in_brand):
    with in_brand(seeded):
        week = brand_metrics(weeks=4, today=TODAY).weeks[-1]
    assert (week.filled_local, week.filled_restock, week.local_fill_rate) == (3, 1, 0.75)
    assert (week.median_days_to_fill_local, week.median_days_to_fill_restock) == (3.0, 30.0)
    assert (week.savings, week.revenue_kept) == (Decimal("44.00"), Decimal("154.09"))
    assert (week.returns_local, week.returns_warehouse) == (2, 1)
    assert (week.refund_days_hub, week.refund_days_warehouse) == (1.5, 9.0)
    assert (week.cancellations, week.cancellation_loss) == (1, Decimal("140.00"))
    with in_brand(seeded):
        last = brand_metrics(weeks=4, today=TODAY).weeks[-2]
    assert (last.filled_local, last.filled_restock, last.local_fill_rate, last.cancellations) == (0, 1, 0.0, 1)


def test_the_summary_covers_all_time_rounded(seeded, in_brand):
    with in_brand(seeded):
        summary = brand_metrics(weeks=1, today=TODAY).summary
    assert summary == {
        "local_fill_rate": 0.667,  # 4 local of 6
        "median_days_to_fill_local": 2.5,  # 1, 2, 3, 10
        "median_days_to_fill_restock": 25.0,  # 20, 30
        "promises_kept_share": 0.75,
        "stated_confidence": 0.9,
        "mean_slack_days": 1.2,  # (2 + 2 + 2 − 1) / 4
        "cost_per_local_return": 5.0,
        "cost_per_warehouse_return": 27.0,
        "cancellations": 2,
        "revenue_kept": 214.09,
        "savings": 66.0,
        "returns_local": 3,
        "returns_warehouse": 1,
        "backorders_waiting": 5,
    }


def test_the_queue_ageing_counts_waiting_backorders_by_days_waited(seeded, in_brand):
    with in_brand(seeded):
        ageing = brand_metrics(today=TODAY).queue_ageing
    assert ageing == (("0–2 days", 1), ("3–7 days", 2), ("8–14 days", 1), ("15–30 days", 0), ("over 30 days", 1))


def test_with_no_ledger_every_figure_is_zero_or_none(brand_a, in_brand):
    with in_brand(brand_a):
        metrics = brand_metrics(weeks=2)
    assert len(metrics.weeks) == 2 and metrics.weeks[-1].week.weekday() == 0
    assert metrics.summary["local_fill_rate"] is None and metrics.summary["savings"] == 0.0
    assert metrics.summary["backorders_waiting"] == 0 and metrics.accuracy.n == 0


def _rows(n: int) -> None:
    s = Seed()
    for i in range(n):
        day = TODAY - datetime.timedelta(days=i % 60)
        s.filled(day, "local_return" if i % 2 else "restock", 1 + i % 7, kept="10.00")
        s.routed(day, "hub" if i % 3 else "warehouse")
        s.backorder(at(day), status="waiting")


def test_the_selector_takes_four_queries_from_10_rows_to_100(brand_a, in_brand, django_assert_num_queries):
    with in_brand(brand_a):
        _rows(10)
        with django_assert_num_queries(4):
            brand_metrics(weeks=12, today=TODAY)
        _rows(90)
        with django_assert_num_queries(4):
            metrics = brand_metrics(weeks=12, today=TODAY)
    assert metrics.summary["backorders_waiting"] == 100 and sum(w.filled_local for w in metrics.weeks) == 50


# --- GET /api/v1/metrics ---


def test_the_api_returns_the_selectors_figures(api_client, seeded, in_brand):
    body = api_client(seeded, role="viewer").get("/api/v1/metrics?weeks=3").json()
    with in_brand(seeded):
        metrics = brand_metrics(weeks=3)
    assert body["summary"] == metrics.summary
    assert [w["week"] for w in body["weeks"]] == [w.week.isoformat() for w in metrics.weeks]
    assert body["queue_ageing"] == [{"label": label, "waiting": n} for label, n in metrics.queue_ageing]
    assert body["accuracy"]["n"] == 4 and body["accuracy"]["kept"] == 3
    assert len(body["accuracy"]["buckets"]) == 5


def test_the_api_shows_a_weeks_money_as_numbers(api_client, brand_a, in_brand):
    today = timezone.localdate()
    with in_brand(brand_a):
        s = Seed()
        s.routed(today, "hub")
        s.filled(today, "local_return", 2, kept="58.09")
    week = api_client(brand_a).get("/api/v1/metrics?weeks=1").json()["weeks"][0]
    assert (week["savings"], week["revenue_kept"], week["filled_local"], week["local_fill_rate"]) == (
        22.0,
        58.09,
        1,
        1.0,
    )


@pytest.mark.parametrize("weeks", ["0", "53", "twelve", "-1"])
def test_a_bad_weeks_value_is_a_400_in_the_error_shape(api_client, brand_a, weeks):
    response = api_client(brand_a).get(f"/api/v1/metrics?weeks={weeks}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] and error["message"] and "weeks" in error["fields"]


def test_the_default_is_12_weeks(api_client, brand_a):
    assert len(api_client(brand_a).get("/api/v1/metrics").json()["weeks"]) == 12


def test_brand_bs_key_sees_only_brand_bs_figures(api_client, seeded, brand_b, in_brand):
    with in_brand(brand_b):
        Seed().routed(timezone.localdate(), "warehouse")
    body = api_client(brand_b).get("/api/v1/metrics").json()
    assert (body["summary"]["returns_local"], body["summary"]["returns_warehouse"]) == (0, 1)
    assert body["summary"]["backorders_waiting"] == 0 and body["accuracy"]["n"] == 0
    # …and brand A's key on brand B's host is refused.
    client = api_client(seeded)
    client.defaults["HTTP_HOST"] = brand_b.host
    assert client.get("/api/v1/metrics").status_code in (401, 403)


def test_no_key_no_metrics(host_client, brand_a):
    assert host_client(brand_a.host).get("/api/v1/metrics").status_code in (401, 403)


def test_the_api_takes_a_constant_number_of_queries(api_client, brand_a, in_brand, django_assert_max_num_queries):
    client = api_client(brand_a, role="viewer")
    with in_brand(brand_a):
        _rows(10)
    with django_assert_max_num_queries(12) as small:
        assert client.get("/api/v1/metrics").status_code == 200
    with in_brand(brand_a):
        _rows(90)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/api/v1/metrics").status_code == 200
