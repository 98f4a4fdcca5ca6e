"""Matchers racing for the same rows: real threads, each on its own connection and brand
schema, against PostgreSQL, committed data (see tests/conftest.py `committed`).

Matching claims the unit, then the best waiting backorder, with SKIP LOCKED
(fulfillment.services.matching): concurrent matchers never wait on each other and never
take one row twice. The last two tests force the interleaving that matters — a second
matcher running completely while the first holds its claims — and show that without the
lock the same interleaving breaks."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.exceptions import InvalidTransition
from fulfillment.models import Allocation, Backorder, Event, ReturnItem, Sku, StockUnit
from fulfillment.services import matching
from hubs.models import Hub, HubTask
from tests.conftest import BRAND_A, run_concurrently

REPEATS = 20


@pytest.fixture
def shelf(committed):
    """Brand A, the cast's active hub and a committed SKU; `shelf.fill(units, backorders)`
    bulk-inserts available units on the hub's shelf (with their shelf tasks) and waiting
    backorders at the hub's ZIP, oldest first; `shelf.wipe()` removes them again (and runs
    as the cleanup)."""
    brand = Brand.objects.get(slug=BRAND_A["slug"])
    hub = Hub.objects.get(name="Eastside Porch")

    class Shelf:
        def __init__(self) -> None:
            self.brand, self.hub = brand, hub
            with schema_context(brand.schema_name):
                self.sku = Sku.objects.create(code="RACE-MATCH", title="Race blanket", price=120)

        def fill(self, units: int, backorders: int) -> tuple[list[int], list[int]]:
            now = timezone.now()
            with schema_context(brand.schema_name):
                items = ReturnItem.objects.bulk_create(
                    ReturnItem(
                        rma_ref=f"RMA-RACE-{i}",
                        sku=self.sku,
                        customer_zip="78702",
                        status="disposed",
                        route="hub",
                        hub=hub,
                    )
                    for i in range(units)
                )
                made = StockUnit.objects.bulk_create(
                    StockUnit(
                        sku=self.sku,
                        hub=hub,
                        return_item=item,
                        inspection_id=item.pk,
                        label=f"RACE-{i}",
                        condition="like_new",
                        hold_until=now + datetime.timedelta(days=14),
                    )
                    for i, item in enumerate(items)
                )
                HubTask.objects.bulk_create(
                    HubTask(
                        hub=hub,
                        brand=brand,
                        kind=HubTask.Kind.SHELF,
                        return_item_id=unit.return_item_id,
                        stock_unit_id=unit.pk,
                        title=f"{unit.label} — RACE-MATCH · Race blanket",
                        reference=f"RMA-RACE-{i}",
                        due_at=unit.hold_until,
                    )
                    for i, unit in enumerate(made)
                )
                waiting = Backorder.objects.bulk_create(
                    Backorder(
                        order_ref=f"#race-{i}",
                        sku=self.sku,
                        value=120,
                        customer_zip="78702",
                        lat=hub.lat,
                        lon=hub.lon,
                        placed_at=now - datetime.timedelta(minutes=i),
                    )
                    for i in range(backorders)
                )
            return [unit.pk for unit in made], [backorder.pk for backorder in waiting]

        def wipe(self) -> None:
            """Every row fill() made and the matchers wrote (of this SKU only)."""
            with schema_context(brand.schema_name):
                items = list(ReturnItem.objects.filter(sku=self.sku).values_list("pk", flat=True))
                Allocation.objects.filter(unit__sku=self.sku).delete()
                Event.objects.filter(Q(unit__sku=self.sku) | Q(backorder__sku=self.sku)).delete()
                HubTask.objects.filter(brand=brand, return_item_id__in=items).delete()
                StockUnit.objects.filter(sku=self.sku).delete()
                ReturnItem.objects.filter(pk__in=items).delete()
                Backorder.objects.filter(sku=self.sku).delete()

    def cleanup() -> None:
        made.wipe()
        with schema_context(brand.schema_name):
            Sku.objects.filter(code="RACE-MATCH").delete()

    committed.append(cleanup)
    made = Shelf()
    return made


def in_brand(brand, fn):
    with schema_context(brand.schema_name):
        return fn()


def assert_one_to_one(shelf, allocations: int) -> list[Allocation]:
    """Exactly `allocations` active allocations, no unit or backorder in two, and the rows
    and the hub's queue saying the same."""
    with schema_context(shelf.brand.schema_name):
        rows = list(Allocation.objects.all())
        assert len(rows) == allocations
        assert {a.status for a in rows} <= {"active"}
        assert len({a.unit_id for a in rows}) == len({a.backorder_id for a in rows}) == allocations
        assert Backorder.objects.filter(status="allocated").count() == allocations
        assert StockUnit.objects.filter(status="reserved").count() == allocations
        assert Event.objects.filter(kind="reserved").count() == allocations
        assert Event.objects.filter(kind="allocated").count() == allocations
        handoffs = HubTask.objects.filter(brand=shelf.brand, kind="handoff", status="open")
        assert sorted(handoffs.values_list("stock_unit_id", "code")) == sorted((a.unit_id, a.pickup_code) for a in rows)
    return rows


def test_64_releases_against_20_waiting_backorders_make_exactly_20_allocations_every_time(shelf):
    # 20 rounds of 64 threads, each on a connection of its own: 15–20 s on 2 busy cores,
    # nearly all of it the 1,280 unit_match calls themselves.
    for repeat in range(REPEATS):
        units, _ = shelf.fill(units=64, backorders=20)
        results = run_concurrently(
            lambda i, ids=units: in_brand(shelf.brand, lambda: matching.unit_match(unit_id=ids[i])), n=64
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, f"repeat {repeat}: {errors[:3]}"
        allocated = [r for r in results if isinstance(r, Allocation)]
        assert (len(allocated), results.count(None)) == (20, 44), f"repeat {repeat}"
        rows = assert_one_to_one(shelf, 20)
        assert {a.pk for a in allocated} == {a.pk for a in rows}
        shelf.wipe()


def test_10_waiting_backorders_against_1_available_unit_make_exactly_one_allocation(shelf):
    for _ in range(5):
        _, backorders = shelf.fill(units=1, backorders=10)
        results = run_concurrently(
            lambda i, ids=backorders: in_brand(shelf.brand, lambda: matching.backorder_match(backorder_id=ids[i])), n=10
        )
        assert not [r for r in results if isinstance(r, BaseException)], results
        assert sum(isinstance(r, Allocation) for r in results) == 1, results
        assert results.count(None) == 9
        assert_one_to_one(shelf, 1)
        shelf.wipe()


def read_first(queryset, *, order_by, skip_locked=True):
    """closo.locks.lock_first without the lock: what a matcher would do with a plain read."""
    ordering = list(order_by) if isinstance(order_by, list | tuple) else [order_by]
    return queryset.order_by(*ordering, "pk").first()


def interleave(shelf, monkeypatch) -> tuple[object, object, list[int]]:
    """Two units, one waiting backorder. Matcher A claims unit 1 and the backorder, then
    pauses (in matching._between_claims, before it writes anything) while matcher B runs a
    whole unit_match for unit 2 and commits; then A goes on. Returns (A's result, B's)."""
    (first, second), _ = shelf.fill(units=2, backorders=1)
    a_claimed, b_done = threading.Event(), threading.Event()

    def between_claims(unit, backorder):
        if unit.pk == first:
            a_claimed.set()
            assert b_done.wait(15), "B never finished"

    monkeypatch.setattr(matching, "_between_claims", between_claims)

    def match(i):
        if i == 0:
            return in_brand(shelf.brand, lambda: matching.unit_match(unit_id=first))
        try:
            assert a_claimed.wait(15), "A never reached its claims"
            return in_brand(shelf.brand, lambda: matching.unit_match(unit_id=second))
        finally:
            b_done.set()

    a, b = run_concurrently(match, n=2)
    return a, b, [first, second]


def test_a_matcher_skips_the_backorder_another_holds_and_the_holder_allocates_it(shelf, monkeypatch):
    a, b, (first, second) = interleave(shelf, monkeypatch)
    assert b is None  # SKIP LOCKED: B passed over the claimed backorder instead of waiting
    assert isinstance(a, Allocation) and a.unit_id == first, a
    assert_one_to_one(shelf, 1)
    with schema_context(shelf.brand.schema_name):
        assert StockUnit.objects.get(pk=second).status == "available"


def test_without_the_lock_the_same_interleaving_lets_two_matchers_take_one_backorder(shelf, monkeypatch):
    """The control for the test above: the same two matchers, `lock_first` replaced by a
    plain read. B no longer sees A's claim, takes the backorder and commits; A's write is
    then refused (by the one-active-allocation constraint, or the backorder's conditional
    move). So the test above passes because of the lock, not because of the timing."""
    monkeypatch.setattr(matching, "lock_first", read_first)
    a, b, (first, second) = interleave(shelf, monkeypatch)
    assert isinstance(b, Allocation) and b.unit_id == second, b
    assert isinstance(a, IntegrityError | InvalidTransition), a
    assert_one_to_one(shelf, 1)
    with schema_context(shelf.brand.schema_name):
        assert StockUnit.objects.get(pk=first).status == "available"  # A's writes rolled back
