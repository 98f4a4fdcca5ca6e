"""Matching (fulfillment.services.matching): a Like-New unit on a hub's shelf ↔ the best
backorder waiting within reach. Who is within reach, in which order, and what happens
around an allocation (events, the hub's hand-off task, the customer's e-mail), through the
real services: backorders are taken by `backorder_create` (ZIP centroids from
hubs.PostalCode), units approved, and backorders cancelled by their services."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from fulfillment.models import Allocation, Backorder, Channel, Event, RegionLimit, ReturnItem, Sku, StockUnit
from fulfillment.services.backorders import backorder_cancel, backorder_create
from fulfillment.services.matching import _CODE_INDEXES, backorder_match, unit_match
from fulfillment.services.units import unit_approve
from hubs.geo import haversine_miles
from hubs.models import HubStatus, HubTask, PostalCode
from hubs.services.registry import hub_set_status
from hubs.services.tasks import BRAND_ROW_TASKS
from tests.factories import BRAND, SYSTEM, as_staff, in_days

SAGE = "WB-15-SAGE"
# Real ZIP centroids around Eastside Porch (ZIP 78702, radius 10 mi): 78759 (north Austin)
# lies 9.9 mi from it, 78747 (south Austin) 10.04 mi.
JUST_INSIDE, JUST_OUTSIDE = "78759", "78747"


@pytest.fixture
def sage(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code=SAGE, title="Weighted blanket, sage", price=120)


def shelve(hub, sku, n: int = 1, status: str = StockUnit.Status.AVAILABLE) -> StockUnit:
    """Unit T<n> of `sku` on `hub`'s shelf (with its shelf task), as a Like-New release
    leaves it. Call inside the brand's schema."""
    item = ReturnItem.objects.create(
        rma_ref=f"RMA-S{n}", sku=sku, customer_zip="78702", status="disposed", route="hub", hub=hub
    )
    with transaction.atomic():
        unit = StockUnit.objects.create(
            sku=sku,
            hub=hub,
            return_item=item,
            inspection_id=n,
            label=f"T{n}",
            condition="like_new",
            status=status,
            hold_until=timezone.now() + datetime.timedelta(days=14),
        )
        BRAND_ROW_TASKS.open(unit, HubTask.Kind.SHELF)
    return unit


def order(ref: str, *, sku_code: str = SAGE, zip_code: str = "78702", days_ago: int = 21, **values) -> Backorder:
    """A backorder taken through the service (its on-commit match does not run unless the
    test executes on-commit callbacks). Call inside the brand's schema."""
    return backorder_create(
        order_ref=ref,
        sku_code=sku_code,
        customer_zip=zip_code,
        value="120",
        placed_at=timezone.now() - datetime.timedelta(days=days_ago),
        channel=Channel.API,
        actor=SYSTEM,
        **values,
    )


def status_of(obj) -> str:
    return type(obj).objects.get(pk=obj.pk).status


# --- the core path (the first two cases were tests/fulfillment/test_matching_smoke.py) ---


def test_a_released_unit_goes_to_the_customer_waiting_nearby(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        far = order("#far", zip_code="10001")
        near = order("#near")
        unit = shelve(active_hub, sage)
        allocation = unit_match(unit_id=unit.pk)
        assert allocation is not None and allocation.backorder_id == near.pk
        assert (allocation.hub_id, allocation.status, allocation.method) == (active_hub.pk, "active", "pickup")
        assert status_of(near) == "allocated" and status_of(far) == "waiting"
        assert Backorder.objects.get(pk=near.pk).fill_source == "local_return"
        assert status_of(unit) == "reserved"
        task = HubTask.objects.get(brand=brand_a, return_item_id=unit.return_item_id, status="open")
        assert (task.kind, task.code, task.due_at) == ("handoff", allocation.pickup_code, allocation.due_at)
        assert unit_match(unit_id=unit.pk) is None  # reserved now: nothing more to do


def test_a_new_backorder_takes_a_unit_already_on_a_shelf(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        unit = shelve(active_hub, sage)
        backorder = order("#1")
        allocation = backorder_match(backorder_id=backorder.pk)
        assert allocation.unit_id == unit.pk
        assert Allocation.objects.get().status == "active"
        assert backorder_match(backorder_id=backorder.pk) is None  # allocated now


# --- who is within reach ---


def test_only_a_backorder_of_the_same_sku_is_matched(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        Sku.objects.create(code="WB-15-NAVY", title="Weighted blanket, navy", price=120)
        navy = order("#navy", sku_code="WB-15-NAVY", days_ago=60)
        unit = shelve(active_hub, sage)
        assert unit_match(unit_id=unit.pk) is None
        assert backorder_match(backorder_id=navy.pk) is None
        sage_order = order("#sage", days_ago=1)
        assert unit_match(unit_id=unit.pk).backorder_id == sage_order.pk
        assert status_of(navy) == "waiting"


def test_a_customer_just_inside_the_hubs_radius_is_matched_and_one_just_outside_is_not(
    brand_a, in_brand, active_hub, sage
):
    radius = active_hub.service_radius_miles
    miles = {
        code: haversine_miles(active_hub.lat, active_hub.lon, place.lat, place.lon)
        for code, place in PostalCode.objects.in_bulk([JUST_INSIDE, JUST_OUTSIDE]).items()
    }
    assert radius - 0.2 < miles[JUST_INSIDE] <= radius < miles[JUST_OUTSIDE] < radius + 0.2, miles
    with in_brand(brand_a):
        outside = order("#outside", zip_code=JUST_OUTSIDE, days_ago=30)  # waited longest
        inside = order("#inside", zip_code=JUST_INSIDE, days_ago=1)
        first, second = shelve(active_hub, sage, 1), shelve(active_hub, sage, 2)
        allocation = unit_match(unit_id=first.pk)
        assert allocation.backorder_id == inside.pk
        assert allocation.distance_miles == round(miles[JUST_INSIDE], 1)
        assert unit_match(unit_id=second.pk) is None
        assert backorder_match(backorder_id=outside.pk) is None
        assert (status_of(outside), status_of(second)) == ("waiting", "available")


def test_a_suspended_hubs_units_are_never_matched(brand_a, in_brand, active_hub, sage, stan):
    with in_brand(brand_a):
        unit = shelve(active_hub, sage)
    hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Failed an audit")
    with in_brand(brand_a):
        backorder = order("#1")
        assert unit_match(unit_id=unit.pk) is None
        assert backorder_match(backorder_id=backorder.pk) is None
        assert (status_of(unit), status_of(backorder)) == ("available", "waiting")
        assert not Allocation.objects.exists()


def test_a_backorder_in_an_inactive_region_is_skipped(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        east = RegionLimit.objects.create(name="Austin east", zips=["78702"])
        RegionLimit.objects.create(name="Austin south", zips=["78704"])
        in_east = order("#east", zip_code="78702", days_ago=30)
        in_south = order("#south", zip_code="78704", days_ago=1)
        assert (in_east.region.name, in_south.region.name) == ("Austin east", "Austin south")
        RegionLimit.objects.filter(pk=east.pk).update(is_active=False)  # the brand pauses the region
        first, second = shelve(active_hub, sage, 1), shelve(active_hub, sage, 2)
        assert unit_match(unit_id=first.pk).backorder_id == in_south.pk
        assert unit_match(unit_id=second.pk) is None
        assert backorder_match(backorder_id=in_east.pk) is None
        RegionLimit.objects.filter(pk=east.pk).update(is_active=True)
        assert backorder_match(backorder_id=in_east.pk).unit_id == second.pk


def test_a_region_requiring_consent_matches_only_customers_who_gave_it(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        region = RegionLimit.objects.create(name="Austin", zip_prefixes=["787"])
        without = order("#without", days_ago=30)  # taken before the region required consent
        RegionLimit.objects.filter(pk=region.pk).update(requires_consent=True)
        consenting = order("#consenting", days_ago=1, consent_local_return=True)
        first, second = shelve(active_hub, sage, 1), shelve(active_hub, sage, 2)
        assert unit_match(unit_id=first.pk).backorder_id == consenting.pk
        assert unit_match(unit_id=second.pk) is None
        assert backorder_match(backorder_id=without.pk) is None
        assert status_of(without) == "waiting"


# --- the order ---


def test_the_best_backorder_is_the_earliest_promise_then_the_highest_priority_then_the_oldest(
    brand_a, in_brand, active_hub, sage
):
    with in_brand(brand_a):
        backorders = {
            "no promise, top priority, oldest": order("#a", priority=9, days_ago=30),
            "promise in 10 days": order("#b", promised_ship_by=in_days(10), days_ago=1),
            "promise in 5 days": order("#c", promised_ship_by=in_days(5), days_ago=2),
            "promise in 5 days, priority 2, newer": order("#d", promised_ship_by=in_days(5), priority=2, days_ago=1),
            "promise in 5 days, priority 2, older": order("#e", promised_ship_by=in_days(5), priority=2, days_ago=3),
        }
        served = []
        for n in range(1, len(backorders) + 2):
            allocation = unit_match(unit_id=shelve(active_hub, sage, n).pk)
            served.append(allocation and next(k for k, b in backorders.items() if b.pk == allocation.backorder_id))
    assert served == [
        "promise in 5 days, priority 2, older",
        "promise in 5 days, priority 2, newer",
        "promise in 5 days",
        "promise in 10 days",
        "no promise, top priority, oldest",
        None,  # nobody left waiting
    ]


def test_a_backorder_is_allocated_a_unit_within_reach_once_its_creation_commits(
    brand_a, in_brand, active_hub, sage, django_capture_on_commit_callbacks
):
    with in_brand(brand_a):
        far_unit_sku = Sku.objects.create(code="WB-15-NAVY", title="Weighted blanket, navy", price=120)
        shelve(active_hub, far_unit_sku, 1)  # another SKU: not a candidate
        unit = shelve(active_hub, sage, 2)
        with django_capture_on_commit_callbacks(execute=True):
            backorder = order("#1", customer_email="casey@example.com")
            assert (status_of(backorder), status_of(unit)) == ("waiting", "available")  # not before commit
        allocation = Allocation.objects.get(backorder=backorder)
        assert (allocation.unit_id, allocation.status) == (unit.pk, "active")
        assert (status_of(backorder), status_of(unit)) == ("allocated", "reserved")


# --- which units ---


def test_held_units_are_never_matched(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        backorder = order("#1")
        unit = shelve(active_hub, sage, status=StockUnit.Status.HELD)
        assert unit_match(unit_id=unit.pk) is None
        assert backorder_match(backorder_id=backorder.pk) is None
        assert (status_of(unit), status_of(backorder)) == ("held", "waiting")


def test_approving_a_held_unit_matches_it(brand_a, in_brand, active_hub, sage, django_capture_on_commit_callbacks):
    with in_brand(brand_a):
        backorder = order("#1")
        unit = shelve(active_hub, sage, status=StockUnit.Status.HELD)
        with django_capture_on_commit_callbacks(execute=True):
            unit_approve(unit=unit, actor=BRAND)
        assert Allocation.objects.get(unit=unit).backorder_id == backorder.pk
        assert [e.kind for e in Event.objects.filter(unit=unit)] == ["approved", "reserved"]


def test_cancelling_an_allocated_backorder_puts_its_unit_back_and_matches_it_to_the_next_customer(
    brand_a, in_brand, active_hub, sage, django_capture_on_commit_callbacks
):
    with in_brand(brand_a):
        first = order("#first", days_ago=30)
        second = order("#second", days_ago=1)
        unit = shelve(active_hub, sage)
        old = unit_match(unit_id=unit.pk)
        assert old.backorder_id == first.pk
        with django_capture_on_commit_callbacks(execute=True):
            backorder_cancel(
                backorder=Backorder.objects.get(pk=first.pk), reason="Customer bought elsewhere", actor=BRAND
            )
        old.refresh_from_db()
        assert (old.status, status_of(first)) == ("cancelled", "cancelled")
        assert old.closed_at is not None
        new = Allocation.objects.get(status="active")
        assert (new.unit_id, new.backorder_id) == (unit.pk, second.pk)
        assert new.pickup_code != old.pickup_code
        assert (status_of(unit), status_of(second)) == ("reserved", "allocated")
        assert [e.kind for e in Event.objects.filter(unit=unit)] == ["reserved", "unreserved", "reserved"]
        tasks = HubTask.objects.filter(brand=brand_a, return_item_id=unit.return_item_id).order_by("pk")
        assert [(t.kind, t.status, t.code) for t in tasks] == [
            ("shelf", "done", ""),
            ("handoff", "cancelled", old.pickup_code),
            ("shelf", "done", ""),
            ("handoff", "open", new.pickup_code),
        ]


# --- what an allocation leaves behind ---


def test_an_allocation_is_on_both_timelines_with_the_hub_and_the_actor(brand_a, in_brand, active_hub, sage):
    with in_brand(brand_a):
        backorder = order("#1")
        unit = shelve(active_hub, sage)
        allocation = unit_match(unit_id=unit.pk)
        reserved = Event.objects.get(unit=unit, kind="reserved")
        allocated = Event.objects.get(backorder=backorder, kind="allocated")
    for event in (reserved, allocated):
        assert event.hub_id == active_hub.pk
        assert event.actor_label == "matching" and event.actor_id is None
    assert (reserved.from_status, reserved.to_status) == ("available", "reserved")
    assert (allocated.from_status, allocated.to_status) == ("waiting", "allocated")
    assert reserved.data["backorder"] == backorder.pk and backorder.order_ref in reserved.detail
    assert allocated.data["allocation"] == allocation.pk and allocated.data["unit"] == unit.label
    assert "Eastside Porch" in allocated.detail


def test_the_customer_is_told_after_commit_with_the_pickup_code_place_and_hours(
    brand_a, in_brand, active_hub, sage, mailoutbox, django_capture_on_commit_callbacks
):
    active_hub.opening_hours = "Mon–Fri 9–18, Sat 10–14"
    active_hub.save(update_fields=["opening_hours"])
    with in_brand(brand_a):
        order("#1", customer_name="Casey", customer_email="casey@example.com")
        unit = shelve(active_hub, sage)
        with django_capture_on_commit_callbacks(execute=True):
            allocation = unit_match(unit_id=unit.pk)
            assert mailoutbox == []  # nothing before the commit
    [mail] = mailoutbox
    assert mail.to == ["casey@example.com"]
    assert mail.subject == "Acme Apparel: your Weighted blanket, sage is ready near you"
    for part in (allocation.pickup_code, "Eastside Porch", active_hub.full_address, "Mon–Fri 9–18, Sat 10–14", "#1"):
        assert part in mail.body


def test_a_unit_of_one_brand_never_matches_a_backorder_of_another_at_the_same_hub(
    brand_a, brand_b, in_brand, active_hub, sage
):
    with in_brand(brand_b):
        Sku.objects.create(code=SAGE, title="Bolt's sage blanket", price=90)  # the same code
        theirs = order("#bolt-1")
    with in_brand(brand_a):
        unit = shelve(active_hub, sage)
        assert unit_match(unit_id=unit.pk) is None
        assert status_of(unit) == "available"
    with in_brand(brand_b):
        assert backorder_match(backorder_id=theirs.pk) is None
        assert status_of(theirs) == "waiting"


def test_a_pickup_code_another_task_or_allocation_holds_is_drawn_again(
    brand_a, in_brand, active_hub, sage, monkeypatch
):
    """Codes are random: a draw that collides with a code in use (any brand's hub task, or
    an allocation) is rolled back to its savepoint and drawn again; nothing is left half
    written."""
    with in_brand(brand_a):
        order("#1", days_ago=2)
        order("#2", days_ago=1)
        first = unit_match(unit_id=shelve(active_hub, sage, 1).pk)
        draws = iter([first.pickup_code, "FRESHCD2"])
        monkeypatch.setattr("fulfillment.services.matching.dropoff_code_new", lambda: next(draws))
        unit = shelve(active_hub, sage, 2)
        second = unit_match(unit_id=unit.pk)
        assert second.pickup_code == "FRESHCD2"
        assert [e.kind for e in Event.objects.filter(unit=unit)] == ["reserved"]
        tasks = HubTask.objects.filter(brand=brand_a, return_item_id=unit.return_item_id).order_by("pk")
        assert [(t.kind, t.status, t.code) for t in tasks] == [("shelf", "done", ""), ("handoff", "open", "FRESHCD2")]
        # The allocation's own unique index is one the retry knows, should a task's code
        # ever be gone while its allocation's stays.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint "
                "WHERE conrelid = 'fulfillment_allocation'::regclass AND contype = 'u'"
            )
            unique = {row[0] for row in cursor.fetchall()}
        assert unique & _CODE_INDEXES, unique
