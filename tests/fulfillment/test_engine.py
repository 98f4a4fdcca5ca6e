"""The engine sweep (fulfillment.services.engine): allocations that expire put both sides
back and the unit goes to the next customer; units past their shelf time go to the
warehouse with a pack task for the hub; a second sweep changes nothing; two sweeps at once
expire each allocation exactly once; the command and the schedule `migrate` creates."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import Schedule
from django_tenants.utils import schema_context

from brands.models import Brand
from fulfillment.management.commands.engine_tick import Command as EngineTickCommand
from fulfillment.models import Allocation, Backorder, Event, EventKind, ReturnItem, Sku, StockUnit
from fulfillment.services.engine import SCHEDULE_FUNC, SCHEDULE_NAME, engine_schedule_ensure, engine_tick
from fulfillment.services.matching import unit_match
from hubs.models import HubTask
from tests.conftest import BRAND_A, run_concurrently
from tests.fulfillment.loop_builders import shelve, waiting

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def sage(brand_a, in_brand) -> Sku:
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket", price=120)


def tick(**kwargs):
    return engine_tick(brands=[BRAND_A["slug"]], **kwargs)


def open_tasks(brand, unit):
    return {t.kind: t for t in HubTask.objects.filter(brand=brand, return_item_id=unit.return_item_id, status="open")}


def test_an_expired_allocation_puts_both_sides_back_and_the_unit_goes_to_the_next_customer(
    brand_a, in_brand, active_hub, sage, django_capture_on_commit_callbacks, mailoutbox
):
    with in_brand(brand_a):
        first = waiting(sage, "#first", customer_email="first@example.com")
        unit = shelve(brand_a, sage, active_hub)
        allocation = unit_match(unit_id=unit.pk)
        second = waiting(sage, "#second", customer_email="second@example.com")
        handoff = open_tasks(brand_a, unit)["handoff"]

    with django_capture_on_commit_callbacks(execute=True):
        report = tick(now=allocation.due_at + HOUR)

    assert report.expired == 1 and report.failed == 0
    with in_brand(brand_a):
        assert Allocation.objects.get(pk=allocation.pk).status == "expired"
        assert Backorder.objects.get(pk=first.pk).status == "waiting"  # back in the queue
        # …and the unit went to the next customer, not back to the one who did not come.
        again = Allocation.objects.get(status="active")
        assert (again.unit_id, again.backorder_id) == (unit.pk, second.pk)
        assert Backorder.objects.get(pk=second.pk).status == "allocated"
        kinds = list(Event.objects.filter(unit=unit).values_list("kind", "actor_label"))
        assert (EventKind.UNRESERVED, "engine") in kinds
        ended = Event.objects.get(backorder=first, kind=EventKind.ALLOCATION_ENDED)
        assert "back in the queue" in ended.detail
        tasks = open_tasks(brand_a, unit)
    assert HubTask.objects.get(pk=handoff.pk).status == "cancelled"  # the old code is dead
    assert tasks["handoff"].code == again.pickup_code != allocation.pickup_code
    to_first = [m for m in mailoutbox if m.to == ["first@example.com"]]
    assert [m.subject for m in to_first][-1].endswith("pickup window for Weighted blanket passed")
    assert "back in the queue" in to_first[-1].body
    assert any(m.to == ["second@example.com"] for m in mailoutbox)


def test_an_allocation_not_yet_due_is_left_alone(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        waiting(sage)
        allocation = unit_match(unit_id=shelve(brand_a, sage, active_hub).pk)
    report = tick(now=allocation.due_at - HOUR)
    assert report.expired == 0
    with in_brand(brand_a):
        assert Allocation.objects.get(pk=allocation.pk).status == "active"


def test_a_unit_past_its_shelf_time_goes_to_the_warehouse_with_a_pack_task(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        unit = shelve(brand_a, sage, active_hub)
        assert set(open_tasks(brand_a, unit)) == {"shelf"}
    now = unit.hold_until + HOUR
    report = tick(now=now)
    assert report.to_warehouse == 1
    with in_brand(brand_a):
        assert StockUnit.objects.get(pk=unit.pk).status == "to_warehouse"
        event = Event.objects.get(unit=unit, kind=EventKind.EXPIRED)
        assert (event.actor_label, event.hub_id, event.to_status) == ("engine", active_hub.pk, "to_warehouse")
        tasks = open_tasks(brand_a, unit)
    assert set(tasks) == {"pack"}
    assert tasks["pack"].title.startswith(f"{unit.label} — ") and tasks["pack"].due_at > now
    assert tick(now=now).to_warehouse == 0  # once


def test_a_unit_still_within_its_shelf_time_stays(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        unit = shelve(brand_a, sage, active_hub)
    assert tick(now=unit.hold_until - HOUR).to_warehouse == 0
    with in_brand(brand_a):
        assert StockUnit.objects.get(pk=unit.pk).status == "available"


def test_the_sweep_matches_a_unit_a_failed_after_commit_match_left_on_the_shelf(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        unit = shelve(brand_a, sage, active_hub)
        backorder = waiting(sage)  # created without matching, as if the match after commit had failed
    report = tick()
    assert report.matched == 1
    with in_brand(brand_a):
        assert Allocation.objects.get().backorder_id == backorder.pk
        assert StockUnit.objects.get(pk=unit.pk).status == "reserved"
    assert tick().matched == 0


def test_a_second_sweep_changes_nothing(brand_a, in_brand, active_hub, sage, django_capture_on_commit_callbacks):
    with in_brand(brand_a):
        waiting(sage, "#1")
        unit = shelve(brand_a, sage, active_hub, n=1)
        allocation = unit_match(unit_id=unit.pk)
        stale = shelve(brand_a, sage, active_hub, n=2)
        StockUnit.objects.filter(pk=stale.pk).update(hold_until=timezone.now() - HOUR)
        Allocation.objects.filter(pk=allocation.pk).update(due_at=timezone.now() - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        first = tick()
    assert (first.expired, first.to_warehouse, first.failed) == (1, 1, 0)

    def state():
        with in_brand(brand_a):
            return (
                list(Event.objects.order_by("pk").values_list("pk", flat=True)),
                list(StockUnit.objects.order_by("pk").values_list("status", "updated_at")),
                list(Backorder.objects.order_by("pk").values_list("status", "updated_at")),
                list(Allocation.objects.order_by("pk").values_list("status", "updated_at")),
                list(HubTask.objects.filter(brand=brand_a).order_by("pk").values_list("status", "closed_at")),
            )

    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        second = tick()
    assert (second.expired, second.to_warehouse, second.matched, second.failed) == (0, 0, 0, 0)
    assert state() == before


def test_one_failing_item_is_logged_and_the_others_are_done(brand_a, in_brand, active_hub, sage, monkeypatch, caplog):
    from fulfillment.services import engine

    with in_brand(brand_a):
        units = [shelve(brand_a, sage, active_hub, n=i) for i in (1, 2)]
    real = engine.UNITS.transition

    def flaky(unit, *args, **kwargs):
        if unit.pk == units[0].pk:
            raise RuntimeError("disk on fire")
        return real(unit, *args, **kwargs)

    monkeypatch.setattr(engine.UNITS, "transition", flaky)
    report = tick(now=units[1].hold_until + HOUR)
    assert (report.to_warehouse, report.failed) == (1, 1)
    assert "disk on fire" in caplog.text
    with in_brand(brand_a):
        assert StockUnit.objects.get(pk=units[0].pk).status == "available"  # its transaction rolled back
        assert StockUnit.objects.get(pk=units[1].pk).status == "to_warehouse"


# --- two sweeps at once (real threads and connections, committed rows) ---


@pytest.fixture
def due_allocations(committed):
    """8 committed allocations of brand A past their due time, one SKU each (so an expired
    unit has nobody else to go to and the end state is exact); removed afterwards."""
    brand = Brand.objects.get(slug=BRAND_A["slug"])
    from hubs.models import Hub

    hub = Hub.objects.get(name="Eastside Porch")
    with schema_context(brand.schema_name):
        skus, allocations = [], []
        for i in range(8):
            sku = Sku.objects.create(code=f"RACE-ENGINE-{i}", title=f"Race blanket {i}", price=100)
            skus.append(sku)
            waiting(sku, f"#race-{i}")
            unit = shelve(brand, sku, hub, rma=f"RMA-ENGINE-{i}", label=f"RACE-E{i}")
            allocations.append(unit_match(unit_id=unit.pk))
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(due_at=timezone.now() - HOUR)

    def cleanup():
        with schema_context(brand.schema_name):
            units = StockUnit.objects.filter(sku__in=skus)
            backorders = Backorder.objects.filter(sku__in=skus)
            items = ReturnItem.objects.filter(sku__in=skus)
            Event.objects.filter(unit__in=units).delete()
            Event.objects.filter(backorder__in=backorders).delete()
            HubTask.objects.filter(brand=brand, return_item_id__in=list(items.values_list("pk", flat=True))).delete()
            Allocation.objects.filter(unit__in=units).delete()
            units.delete()
            items.delete()
            backorders.delete()
            Sku.objects.filter(pk__in=[s.pk for s in skus]).delete()

    committed.append(cleanup)
    return brand, allocations


@pytest.mark.parametrize("run", range(3))
def test_two_sweeps_at_once_expire_each_allocation_exactly_once(due_allocations, run):
    brand, allocations = due_allocations
    reports = run_concurrently(lambda i: tick(), n=2)
    assert not [r for r in reports if isinstance(r, BaseException)], reports
    assert sum(r.expired for r in reports) == len(allocations)
    assert sum(r.failed for r in reports) == 0
    with schema_context(brand.schema_name):
        ids = [a.pk for a in allocations]
        assert set(Allocation.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"expired"}
        for allocation in allocations:
            assert Event.objects.filter(unit_id=allocation.unit_id, kind=EventKind.UNRESERVED).count() == 1
            assert (
                Event.objects.filter(backorder_id=allocation.backorder_id, kind=EventKind.ALLOCATION_ENDED).count() == 1
            )
        assert set(
            StockUnit.objects.filter(pk__in=[a.unit_id for a in allocations]).values_list("status", flat=True)
        ) == {"available"}
    again = tick()
    assert (again.expired, again.matched, again.failed) == (0, 0, 0)


# --- the command and the schedule ---


def test_the_command_prints_what_the_sweep_did(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        shelve(brand_a, sage, active_hub)
        waiting(sage)
    out = io.StringIO()
    call_command("engine_tick", "--brand", "acme", stdout=out)
    assert out.getvalue().strip() == "brands=1 expired=0 to_warehouse=0 matched=1 promises_moved=0 failed=0"
    with pytest.raises(CommandError, match="No active brand with slug nope"):
        call_command("engine_tick", "--brand", "nope")


def test_the_command_explains_itself():
    text = EngineTickCommand().create_parser("manage.py", "engine_tick").format_help()
    assert "--brand SLUG" in text
    assert "expire allocations not handed off" in " ".join(text.split())
    assert "every 5 minutes" in " ".join(text.split())


def test_migrate_creates_the_engine_schedule_once(db):
    assert Schedule.objects.filter(name=SCHEDULE_NAME).count() == 1  # the test database was migrated
    call_command("migrate", shared=True, interactive=False, verbosity=0)
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        SCHEDULE_FUNC,
        Schedule.MINUTES,
        5,
        -1,
    )
    assert engine_schedule_ensure() is False


def test_the_scheduled_task_runs_the_sweep(brand_a, in_brand, active_hub, sage):
    from fulfillment import tasks

    with in_brand(brand_a):
        shelve(brand_a, sage, active_hub)
        waiting(sage)
    result = tasks.engine_tick()
    assert result["matched"] == 1 and result["brands"] >= 2


def test_the_sweep_refuses_to_run_inside_a_transaction(db):
    """Each item commits on its own; inside a caller's transaction one failure would undo
    every other item of the sweep."""
    from django.db import transaction

    with transaction.atomic(), pytest.raises(RuntimeError, match=r"outside transaction\.atomic"):
        engine_tick()
