"""Hand-offs (issue 9, item 3): the hub confirms a pickup by the customer's code, or
records a courier or a shipment with a tracking number; every refusal with its code and
status, the attempts limit shared with drop-off codes, another hub's and another brand's
codes, two confirms at once, and the customer's e-mails after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from closo.actors import Actor, Party
from closo.exceptions import HubNotActive, Invalid, InvalidTransition, Required, TooManyAttempts, WrongHub
from fulfillment.exceptions import CodeCancelled, CodeExpired, CodeUsed, UnknownCode
from fulfillment.models import Allocation, Backorder, Event, Sku, StockUnit
from fulfillment.services import handoffs as services
from fulfillment.services.matching import unit_match
from hubs.models import HubStatus, HubTask
from hubs.services import registry as hub_services
from tests.conftest import run_concurrently
from tests.factories import applied_hub, as_staff
from tests.fulfillment.loop_builders import shelve, waiting
from tests.hubs.conftest import activate

SYSTEM = Actor.system("tests")


def hub_actor(user=None):
    return Actor.for_user(user, party=Party.HUB) if user is not None else Actor(label="hub", party=Party.HUB)


def allocate(brand, hub, *, n=1, sku_code="WB-15-SAGE", email="cara@example.test", name="Cara Jones") -> Allocation:
    """A unit on `hub`'s shelf matched to a customer waiting nearby (the real matcher)."""
    with schema_context(brand.schema_name):
        sku = Sku.objects.filter(code=sku_code).first() or Sku.objects.create(
            code=sku_code, title="Weighted blanket", price=120
        )
        waiting(sku, f"#{n}", customer_email=email, customer_name=name)
        unit = shelve(brand, sku, hub, n=n)
        allocation = unit_match(unit_id=unit.pk)
        assert allocation is not None
        return allocation


def confirm(code, hub, user=None):
    return services.handoff_confirm_pickup(code=code, hub=hub, actor=hub_actor(user))


def states(brand, allocation):
    with schema_context(brand.schema_name):
        a = Allocation.objects.get(pk=allocation.pk)
        return a.status, StockUnit.objects.get(pk=a.unit_id).status, Backorder.objects.get(pk=a.backorder_id).status


def end(brand, allocation, outcome):
    """The allocation ended without a hand-off (the timer, or a cancel), as the index shows it:
    what matching.allocation_end leaves behind for the code."""
    with schema_context(brand.schema_name):
        Allocation.objects.filter(pk=allocation.pk).update(status=outcome, closed_at=timezone.now())
    HubTask.objects.filter(code=allocation.pickup_code).update(status="cancelled", closed_at=timezone.now())


# --- pickup ---


def test_a_pickup_code_hands_the_unit_over_and_fulfils_the_backorder(brand_a, active_hub, ivan):
    allocation = allocate(brand_a, active_hub)
    brand, done = confirm(allocation.pickup_code.lower()[:4] + "-" + allocation.pickup_code[4:], active_hub, ivan)
    assert brand == brand_a and done.pk == allocation.pk
    assert states(brand_a, allocation) == ("handed_off", "handed_off", "fulfilled")
    with schema_context(brand_a.schema_name):
        a = Allocation.objects.get(pk=allocation.pk)
        assert (a.method, a.tracking) == ("pickup", "") and a.handed_off_at is not None
        backorder_events = list(Event.objects.filter(backorder_id=a.backorder_id).order_by("pk"))
        unit_events = list(Event.objects.filter(unit_id=a.unit_id).order_by("pk"))
    handed, fulfilled = backorder_events[-2:]
    assert (handed.kind, handed.from_status, handed.to_status) == ("handed_off", "allocated", "handed_off")
    assert (handed.hub_id, handed.actor_id, handed.actor_label) == (active_hub.pk, ivan.pk, ivan.email)
    assert (fulfilled.kind, fulfilled.to_status, fulfilled.hub_id) == ("fulfilled", "fulfilled", active_hub.pk)
    assert fulfilled.actor_id is None and fulfilled.actor_label == f"hand-off, after {ivan.email}"
    unit_event = unit_events[-1]
    assert (unit_event.kind, unit_event.to_status, unit_event.hub_id, unit_event.actor_id) == (
        "handed_off",
        "handed_off",
        active_hub.pk,
        ivan.pk,
    )
    task = HubTask.objects.get(code=allocation.pickup_code)
    assert (task.kind, task.status) == ("handoff", "done")


@pytest.mark.parametrize("code", ["", "NOPE", "ABCDEFGH", "0O1IL234"])
def test_an_unknown_pickup_code_says_so(db, active_hub, code):
    with pytest.raises(UnknownCode) as refused:
        confirm(code, active_hub)
    assert (refused.value.code, refused.value.status) == ("unknown_code", 404)
    assert "is not a pickup code we know" in refused.value.message


def test_a_drop_off_code_is_not_a_pickup_code(brand_a, in_brand, active_hub):
    from fulfillment.services import returns as return_services

    with in_brand(brand_a):
        Sku.objects.create(code="WB-15", title="Weighted blanket", price=120)
        item = return_services.return_create(
            rma_ref="R-1", sku_code="WB-15", customer_zip="78702", hub=active_hub, actor=SYSTEM
        )
    with pytest.raises(UnknownCode):
        confirm(item.dropoff_code, active_hub)


def test_a_used_pickup_code_says_it_was_used(brand_a, active_hub, ivan):
    allocation = allocate(brand_a, active_hub)
    confirm(allocation.pickup_code, active_hub, ivan)
    with pytest.raises(CodeUsed) as refused:
        confirm(allocation.pickup_code, active_hub, ivan)
    assert (refused.value.code, refused.value.status) == ("code_used", 409)
    assert refused.value.message.startswith("This code was already used: the unit was handed over on ")


def test_a_code_past_its_due_time_is_expired_even_before_the_timer_runs(brand_a, active_hub, ivan):
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name):
        Allocation.objects.filter(pk=allocation.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(CodeExpired) as refused:
        confirm(allocation.pickup_code, active_hub, ivan)
    assert (refused.value.code, refused.value.status) == ("code_expired", 410)
    assert states(brand_a, allocation) == ("active", "reserved", "allocated")


def test_an_expired_allocations_code_is_expired(brand_a, active_hub, ivan):
    allocation = allocate(brand_a, active_hub)
    end(brand_a, allocation, "expired")
    with pytest.raises(CodeExpired):
        confirm(allocation.pickup_code, active_hub, ivan)


def test_a_cancelled_allocations_code_is_cancelled(brand_a, active_hub, ivan):
    allocation = allocate(brand_a, active_hub)
    end(brand_a, allocation, "cancelled")
    with pytest.raises(CodeCancelled) as refused:
        confirm(allocation.pickup_code, active_hub, ivan)
    assert (refused.value.code, refused.value.status) == ("code_cancelled", 409)


def test_another_hubs_pickup_code_is_refused_without_naming_that_hub(brand_a, active_hub, stan):
    far_hub = activate(applied_hub("Zilker Stoop", zip_code="78704"), stan)
    allocation = allocate(brand_a, far_hub)
    with pytest.raises(WrongHub) as refused:
        confirm(allocation.pickup_code, active_hub)
    assert (refused.value.code, refused.value.status) == ("wrong_hub", 409)
    assert far_hub.name not in refused.value.message
    assert states(brand_a, allocation) == ("active", "reserved", "allocated")


def test_another_brands_code_at_its_own_hub_works_and_a_brand_never_sees_the_other(brand_a, brand_b, active_hub):
    mine = allocate(brand_a, active_hub, n=1)
    theirs = allocate(brand_b, active_hub, n=2)
    brand, allocation = confirm(theirs.pickup_code, active_hub)
    assert brand == brand_b and allocation.pk == theirs.pk
    assert states(brand_a, mine) == ("active", "reserved", "allocated")


def test_a_suspended_hub_cannot_confirm_and_cannot_probe_codes(brand_a, active_hub, stan):
    allocation = allocate(brand_a, active_hub)
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    for code in (allocation.pickup_code, "ZZZZZZZZ"):
        with pytest.raises(HubNotActive) as refused:
            confirm(code, active_hub)
        assert refused.value.status == 409
    assert states(brand_a, allocation) == ("active", "reserved", "allocated")


def test_the_tenth_wrong_pickup_code_locks_the_member_and_shares_the_drop_off_count(brand_a, active_hub, ivan):
    from fulfillment.services import returns as return_services

    allocation = allocate(brand_a, active_hub)
    for n in range(5):
        with pytest.raises(UnknownCode):
            return_services.return_receive_dropoff(code=f"ZZZZZZ{n + 2}2", hub=active_hub, actor=hub_actor(ivan))
    for n in range(4):
        with pytest.raises(UnknownCode):
            confirm(f"YYYYYY{n + 2}2", active_hub, ivan)
    with pytest.raises(TooManyAttempts) as tenth:
        confirm("YYYYYYY2", active_hub, ivan)
    assert tenth.value.status == 429
    with pytest.raises(TooManyAttempts):
        confirm(allocation.pickup_code, active_hub, ivan)
    assert states(brand_a, allocation) == ("active", "reserved", "allocated")


def test_two_hub_phones_confirming_one_code_at_once_hand_over_once(committed):
    from brands.models import Brand
    from hubs.models import Hub

    brand = Brand.objects.get(slug="acme")
    hub = Hub.objects.get(name="Eastside Porch")
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="RACE-H", title="Race blanket", price=10)
        backorder = waiting(sku, "#race")
        unit = shelve(brand, sku, hub, n=77)
        allocation = unit_match(unit_id=unit.pk)

    def cleanup():
        HubTask.objects.filter(brand=brand, return_item_id=unit.return_item_id).delete()
        with schema_context(brand.schema_name):
            Event.objects.filter(unit_id=unit.pk).delete()
            Event.objects.filter(backorder_id=backorder.pk).delete()
            Allocation.objects.filter(pk=allocation.pk).delete()
            StockUnit.objects.filter(pk=unit.pk).delete()
            Backorder.objects.filter(pk=backorder.pk).delete()
            unit.return_item.delete()
            sku.delete()

    committed.append(cleanup)
    results = run_concurrently(lambda i: confirm(allocation.pickup_code, hub), n=4)
    wins = [r for r in results if isinstance(r, tuple)]
    losses = [r for r in results if isinstance(r, CodeUsed)]
    assert (len(wins), len(losses)) == (1, 3), results
    with schema_context(brand.schema_name):
        assert Event.objects.filter(backorder_id=backorder.pk, kind="handed_off").count() == 1
        assert Event.objects.filter(backorder_id=backorder.pk, kind="fulfilled").count() == 1
        assert Event.objects.filter(unit_id=unit.pk, kind="handed_off").count() == 1
        assert Backorder.objects.get(pk=backorder.pk).status == "fulfilled"


# --- courier / ship ---


@pytest.mark.parametrize("method", ["courier", "ship"])
def test_a_courier_or_a_shipment_is_recorded_with_its_tracking_number(brand_a, active_hub, ivan, method):
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name):
        services.handoff_record(
            allocation=allocation, method=method, tracking=" 1Z999AA10123456784 ", hub=active_hub, actor=hub_actor(ivan)
        )
        a = Allocation.objects.get(pk=allocation.pk)
        assert (a.status, a.method, a.tracking) == ("handed_off", method, "1Z999AA10123456784")
        event = Event.objects.filter(backorder_id=a.backorder_id).latest("pk")
        assert (event.kind, event.hub_id, event.actor_id) == ("handed_off", active_hub.pk, ivan.pk)
        assert "1Z999AA10123456784" in event.detail
    # A courier or a parcel is not in the customer's hands yet: the backorder waits for the brand.
    assert states(brand_a, allocation) == ("handed_off", "handed_off", "handed_off")
    assert HubTask.objects.get(code=allocation.pickup_code).status == "done"


@pytest.mark.parametrize(
    ("method", "tracking", "error", "field"),
    [
        ("ship", "", Required, "tracking"),
        ("courier", "   ", Required, "tracking"),
        ("ship", "X" * 121, Invalid, "tracking"),
        ("pickup", "123", Invalid, "method"),
        ("drone", "123", Invalid, "method"),
    ],
)
def test_recording_without_a_tracking_number_or_with_another_method_is_refused(
    brand_a, active_hub, method, tracking, error, field
):
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name), pytest.raises(error) as refused:
        services.handoff_record(
            allocation=allocation, method=method, tracking=tracking, hub=active_hub, actor=hub_actor()
        )
    assert refused.value.status == 400 and field in refused.value.fields
    assert states(brand_a, allocation) == ("active", "reserved", "allocated")


def test_only_the_allocations_hub_records_it_and_only_once(brand_a, active_hub, stan):
    other = activate(applied_hub("Zilker Stoop", zip_code="78704"), stan)
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name):
        with pytest.raises(WrongHub):
            services.handoff_record(allocation=allocation, method="ship", tracking="T1", hub=other, actor=hub_actor())
        services.handoff_record(allocation=allocation, method="ship", tracking="T1", hub=active_hub, actor=hub_actor())
        with pytest.raises(InvalidTransition) as again:
            services.handoff_record(
                allocation=allocation, method="ship", tracking="T2", hub=active_hub, actor=hub_actor()
            )
        assert again.value.status == 409 and "handed off already" in again.value.message
    with pytest.raises(CodeUsed):
        confirm(allocation.pickup_code, active_hub)


def test_the_brand_marks_a_shipped_backorder_fulfilled_once(brand_a, active_hub, alice):
    allocation = allocate(brand_a, active_hub)
    brand_actor = Actor.for_user(alice, party=Party.BRAND)
    with schema_context(brand_a.schema_name):
        backorder = Backorder.objects.get(pk=allocation.backorder_id)
        with pytest.raises(InvalidTransition):
            services.backorder_fulfill(backorder=backorder, actor=brand_actor)  # not handed off yet
        services.handoff_record(allocation=allocation, method="ship", tracking="T1", hub=active_hub, actor=hub_actor())
        services.backorder_fulfill(backorder=backorder, actor=brand_actor)
        event = Event.objects.filter(backorder=backorder).latest("pk")
        assert (event.kind, event.actor_id, event.detail) == (
            "fulfilled",
            alice.pk,
            "Delivered to the customer (hub ships it, tracking T1).",
        )
        with pytest.raises(InvalidTransition):
            services.backorder_fulfill(backorder=backorder, actor=brand_actor)


# --- e-mails ---


def test_the_customer_is_told_a_unit_was_found_with_place_hours_and_code(
    brand_a, active_hub, django_capture_on_commit_callbacks
):
    type(active_hub).objects.filter(pk=active_hub.pk).update(opening_hours="Mon–Fri 9–18")
    with django_capture_on_commit_callbacks(execute=True):
        allocation = allocate(brand_a, active_hub)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cara@example.test"]
    assert message.subject == "Acme Apparel: your Weighted blanket is ready near you"
    assert allocation.pickup_code in message.body
    assert "Eastside Porch" in message.body and "1100 E 6th St" in message.body
    assert "Mon–Fri 9–18" in message.body


def test_the_customer_is_told_after_commit_when_they_picked_it_up(
    brand_a, active_hub, ivan, django_capture_on_commit_callbacks
):
    allocation = allocate(brand_a, active_hub)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        confirm(allocation.pickup_code, active_hub, ivan)
    assert mail.outbox == [] and len(callbacks) == 1  # nothing sent inside the transaction
    with schema_context(brand_a.schema_name):
        callbacks[0]()
    assert mail.outbox[0].subject == "Acme Apparel: you picked up your Weighted blanket"
    assert "at Eastside Porch" in mail.outbox[0].body and "Your order is complete." in mail.outbox[0].body


def test_the_customer_gets_the_tracking_number_of_a_shipment(brand_a, active_hub, django_capture_on_commit_callbacks):
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        services.handoff_record(
            allocation=allocation, method="courier", tracking="UBR-42", hub=active_hub, actor=hub_actor()
        )
    assert mail.outbox[0].subject == "Acme Apparel: your Weighted blanket is on its way (tracking UBR-42)"
    assert "Tracking number: UBR-42" in mail.outbox[0].body
    assert "a local courier is bringing it to you" in mail.outbox[0].body


def test_a_refused_confirm_sends_nothing(brand_a, active_hub, django_capture_on_commit_callbacks):
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name):
        Allocation.objects.filter(pk=allocation.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CodeExpired):
        confirm(allocation.pickup_code, active_hub)
    assert mail.outbox == []
