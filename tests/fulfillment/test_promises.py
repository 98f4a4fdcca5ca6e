"""Promises kept honest (issue 10 §3): the brand's confidence setting, the promise recorded
when a backorder is taken (the model's, or the store's date), re-evaluation when supply
changes and daily (a slip is told; an earlier date is not), and the outcome on fulfilment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from closo.actors import Actor, Party
from closo.exceptions import Invalid, InvalidTransition
from fulfillment.models import Backorder, ConfigChange, Event, Promise, Sku
from fulfillment.selectors.availability import availability_many
from fulfillment.services.backorders import backorder_cancel, backorder_create
from fulfillment.services.engine import engine_tick
from fulfillment.services.handoffs import backorder_fulfill
from fulfillment.services.promises import promise_settle, promises_refresh
from fulfillment.services.settings import loop_settings_update
from fulfillment.services.supply import restock_fill, supply_cancel, supply_create, supply_receive
from tests.factories import in_days
from tests.fulfillment import loop_builders

BRAND = Actor.system("tests")
PERSON = Actor(label="alice@acme.test", party=Party.BRAND)


@pytest.fixture
def acme(brand_a, in_brand):
    with in_brand(brand_a):
        yield brand_a


@pytest.fixture
def sold_out(acme):
    return Sku.objects.create(code="WB-20", title="Weighted blanket 20 lb", price=139, available_qty=0)


def released(sku, hub, ages_days) -> None:
    loop_builders.released(sku, hub, ages_days, prefix="P")


def take(ref, sku_code="WB-20", **values) -> Backorder:
    values = {"customer_zip": "78702", "value": "139.00", "customer_email": f"{ref[1:]}@example.test", **values}
    return backorder_create(order_ref=ref, sku_code=sku_code, channel="api", actor=BRAND, **values)


def current(backorder) -> Promise:
    return Promise.objects.filter(backorder=backorder).order_by("-created_at", "-pk").first()


# --- the brand's confidence ---


def test_the_confidence_is_a_loop_setting_checked_and_audited(acme):
    with pytest.raises(Invalid) as refused:
        loop_settings_update(brand=acme, values={"promise_confidence": 0.4}, actor=BRAND)
    assert "promise_confidence" in refused.value.fields
    loop_settings_update(brand=acme, values={"promise_confidence": 0.99}, actor=BRAND)
    acme.refresh_from_db()
    assert acme.promise_confidence == 0.99
    change = ConfigChange.objects.filter(area="loop_settings").latest("pk")
    assert change.changes == {"promise_confidence": [0.95, 0.99]}


def test_a_higher_confidence_promises_a_later_date(acme, sold_out, active_hub):
    released(sold_out, active_hub, [day + 0.5 for day in range(28) for _ in range(2)])
    at_95 = availability_many([("WB-20", "78702")], target=0.95)[0]
    at_60 = availability_many([("WB-20", "78702")], target=0.6)[0]
    assert at_60.ships_in_days < at_95.ships_in_days
    assert at_60.confidence >= 0.6 and at_95.confidence >= 0.95
    loop_settings_update(brand=acme, values={"promise_confidence": 0.6}, actor=BRAND)  # the default target
    assert availability_many([("WB-20", "78702")])[0].ships_in_days == at_60.ships_in_days


# --- made at create ---


def test_a_backorder_without_a_date_gets_the_models_promise_and_its_record(acme, sold_out, active_hub):
    released(sold_out, active_hub, [day + 0.5 for day in range(28) for _ in range(2)])
    for i in range(4):
        take(f"#W{i}", promised_ship_by=in_days(30))  # ahead in the queue
    backorder = take("#N1")
    quoted = availability_many([("WB-20", "78702")])[0]  # the same state minus this order
    promise = current(backorder)
    backorder.refresh_from_db()
    assert promise.why == "created" and promise.source == "local_return"
    assert backorder.promised_ship_by == promise.ship_by is not None
    assert 0.95 <= promise.confidence < 1
    assert promise.inputs["queue_ahead"] == 4 and promise.inputs["local_rate_per_day"] == pytest.approx(2, rel=0.01)
    assert promise.inputs["units_within_reach"] == 0 and promise.inputs["restock_pos"] == []
    assert promise.inputs["lateness"] == {"mean_days": 2.0, "sd_days": 4.0, "samples": 0}
    assert quoted.queue_ahead == 5 and quoted.ship_by >= promise.ship_by
    created = Event.objects.get(backorder=backorder, kind="created")
    assert created.data["promise_source"] == "local_return"


def test_a_date_the_store_gave_is_recorded_as_given(acme, sold_out):
    backorder = take("#G1", promised_ship_by=in_days(9))
    promise = current(backorder)
    assert (promise.ship_by, promise.source, promise.confidence) == (in_days(9), "given", None)


def test_no_day_reaching_the_confidence_leaves_the_date_empty_and_says_so(acme, sold_out):
    backorder = take("#X1")  # no history, no restock: nothing can fill it
    backorder.refresh_from_db()
    promise = current(backorder)
    assert backorder.promised_ship_by is None
    assert (promise.ship_by, promise.source, promise.confidence) == (None, "none", None)
    assert promise.inputs["best"] == 0


def test_creating_a_backorder_costs_a_bounded_number_of_queries(
    acme, sold_out, active_hub, django_assert_max_num_queries
):
    released(sold_out, active_hub, [1, 2, 3])
    with django_assert_max_num_queries(30):
        take("#Q1")


# --- re-evaluated ---


def test_a_restock_cancelled_slips_the_promise_tells_the_customer_once(
    acme, sold_out, django_capture_on_commit_callbacks
):
    po = supply_create(sku_code="WB-20", qty=5, expected_date=in_days(6), po_ref="PO-1", actor=BRAND)
    backorder = take("#R1")
    backorder.refresh_from_db()
    first = current(backorder)
    assert first.source == "restock" and backorder.promised_ship_by is not None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        supply_cancel(supply=po, reason="supplier out", actor=PERSON)
    backorder.refresh_from_db()
    moved = current(backorder)
    assert (moved.why, moved.ship_by, moved.source) == ("supply_changed", None, "none")
    assert backorder.promised_ship_by is None
    event = Event.objects.get(backorder=backorder, kind="promise_changed")
    assert event.data["from"] == first.ship_by.isoformat() and event.data["to"] is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["R1@example.test"]
    assert "will not ship by" in mail.outbox[0].body
    assert promises_refresh(sku_id=sold_out.pk, why="daily") == 0  # nothing moved: nothing written
    assert Event.objects.filter(kind="promise_changed").count() == 1


def test_an_earlier_date_is_recorded_without_an_event_or_an_e_mail(acme, sold_out, django_capture_on_commit_callbacks):
    supply_create(sku_code="WB-20", qty=5, expected_date=in_days(20), po_ref="PO-2", actor=BRAND)
    backorder = take("#E1")
    before = current(backorder).ship_by
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        supply_create(sku_code="WB-20", qty=5, expected_date=in_days(3), po_ref="PO-3", actor=BRAND)
    backorder.refresh_from_db()
    assert current(backorder).ship_by < before and backorder.promised_ship_by == current(backorder).ship_by
    assert not Event.objects.filter(kind="promise_changed").exists() and mail.outbox == []


def test_a_cancellation_ahead_moves_the_queue_up(acme, sold_out, active_hub, django_capture_on_commit_callbacks):
    released(sold_out, active_hub, [day + 0.5 for day in range(28) for _ in range(2)])
    first, second = take("#C1"), take("#C2")
    before = current(second).ship_by
    with django_capture_on_commit_callbacks(execute=True):
        backorder_cancel(backorder=first, reason="changed my mind", actor=BRAND)
    assert current(second).ship_by <= before
    assert current(second).inputs["queue_ahead"] == 0


def test_a_unit_reported_missing_or_found_again_re_evaluates_the_skus_promises(
    acme, brand_a, sold_out, active_hub, django_capture_on_commit_callbacks, monkeypatch
):
    from fulfillment.services import promises as promise_services
    from fulfillment.services.counts import unit_found_again, unit_report_missing

    refreshed = []
    real = promise_services.promises_refresh
    monkeypatch.setattr(promise_services, "promises_refresh", lambda **kw: refreshed.append(kw["sku_id"]) or real(**kw))
    hub_actor = Actor(label="hub", party=Party.HUB)
    unit = loop_builders.shelve(brand_a, sold_out, active_hub, 1)
    with django_capture_on_commit_callbacks(execute=True):
        unit_report_missing(unit_id=unit.pk, hub=active_hub, actor=hub_actor)
    assert refreshed == [sold_out.pk]
    with django_capture_on_commit_callbacks(execute=True):
        unit_found_again(unit_id=unit.pk, hub=active_hub, actor=hub_actor, at=timezone.now())
    assert refreshed == [sold_out.pk, sold_out.pk]


def test_many_moves_in_one_transaction_re_evaluate_a_skus_promises_once(
    acme, sold_out, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from fulfillment.services.promises import promises_refresh_later

    backorder = take("#O1")
    before = Promise.objects.filter(backorder=backorder).count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for _ in range(5):
            promises_refresh_later(sku_id=sold_out.pk)
        supply_create(sku_code="WB-20", qty=5, expected_date=in_days(3), po_ref="PO-O", actor=BRAND)
    ran = [c for c in callbacks if getattr(c, "closo_once", None) is not None]
    assert len(ran) == 1  # the last registration; the five before it stood down
    assert Promise.objects.filter(backorder=backorder).count() == before + 1


def test_a_date_the_store_gave_is_not_re_evaluated(acme, sold_out):
    backorder = take("#G2", promised_ship_by=in_days(2))
    assert promises_refresh(sku_id=sold_out.pk, why="daily") == 0
    assert Promise.objects.filter(backorder=backorder).count() == 1


def test_the_daily_sweep_re_evaluates_once_a_day(acme, brand_a, sold_out, active_hub):
    released(sold_out, active_hub, [day + 0.5 for day in range(28) for _ in range(2)])
    backorder = take("#D1")
    cache.delete(f"promises-daily:{brand_a.schema_name}")
    later = timezone.now() + dt.timedelta(days=12)
    report = engine_tick(now=later, brands=[brand_a.slug])
    assert report.promises_moved == 1 and report.failed == 0
    assert current(backorder).why == "daily"
    assert engine_tick(now=later, brands=[brand_a.slug]).promises_moved == 0  # once a day
    cache.delete(f"promises-daily:{brand_a.schema_name}")


# --- a restock ships to the queue ---


def test_a_received_restock_ships_to_the_waiting_in_promise_order_as_far_as_it_goes(acme, sold_out):
    later = take("#F1", promised_ship_by=in_days(9))
    sooner = take("#F2", promised_ship_by=in_days(4))
    two = take("#F3", promised_ship_by=in_days(12), qty=2)
    po = supply_create(sku_code="WB-20", qty=3, expected_date=in_days(1), po_ref="PO-F", actor=BRAND)
    supply_receive(supply=po, actor=BRAND)
    assert restock_fill(sku_id=sold_out.pk) == 2
    states = dict(Backorder.objects.values_list("order_ref", "status"))
    assert states == {"#F2": "fulfilled", "#F1": "fulfilled", "#F3": "waiting"}  # 1 left: #F3 needs 2
    assert Backorder.objects.get(pk=sooner.pk).fill_source == "restock"
    sold_out.refresh_from_db()
    assert sold_out.available_qty == 1
    assert (current(later).kept, current(later).slack_days) == (True, 9)
    event = Event.objects.filter(backorder=sooner, kind="fulfilled").get()
    assert (event.from_status, event.actor_label) == ("waiting", "restock")
    assert current(two).kept is None


# --- settled ---


def test_fulfilment_settles_the_current_promise_kept_or_late_with_the_slack(acme, sold_out):
    on_time = take("#S1", promised_ship_by=in_days(3))
    promise = promise_settle(backorder=on_time)
    assert (promise.kept, promise.slack_days) == (True, 3)
    late = take("#S2", promised_ship_by=in_days(1))
    promise = promise_settle(backorder=late, at=timezone.now() + dt.timedelta(days=3))
    assert (promise.kept, promise.slack_days) == (False, -2)
    assert promise_settle(backorder=late) is None  # settled once
    nothing = take("#S3")  # no date: nothing to keep
    assert promise_settle(backorder=nothing) is None


def test_a_waiting_backorder_cannot_be_marked_delivered(acme, sold_out):
    backorder = take("#S5", promised_ship_by=in_days(2))
    with pytest.raises(InvalidTransition):
        backorder_fulfill(backorder=backorder, actor=PERSON)


def test_a_delivered_backorder_settles_its_promise(acme, sold_out):
    backorder = take("#S4", promised_ship_by=in_days(2))
    Backorder.objects.filter(pk=backorder.pk).update(status="handed_off")
    backorder_fulfill(backorder=backorder, actor=BRAND)
    assert (current(backorder).kept, current(backorder).slack_days) == (True, 2)


def test_deferred_re_evaluations_run_once_per_sku_when_the_block_ends(
    acme, sold_out, active_hub, django_capture_on_commit_callbacks, monkeypatch
):
    from fulfillment.services import promises as promise_services

    released(sold_out, active_hub, [day + 0.5 for day in range(28) for _ in range(2)])
    first, second, third = take("#D1"), take("#D2"), take("#D3")
    before = current(third).ship_by
    calls = []
    real = promise_services.promises_refresh
    monkeypatch.setattr(promise_services, "promises_refresh", lambda **kw: calls.append(kw) or real(**kw))
    with promise_services.promises_refresh_deferred():
        for backorder in (first, second):
            with django_capture_on_commit_callbacks(execute=True):
                backorder_cancel(backorder=backorder, reason="changed my mind", actor=BRAND)
        assert calls == []  # two cancellations, nothing re-evaluated yet
    assert [c["sku_id"] for c in calls] == [sold_out.pk]  # once, at the end
    assert current(third).ship_by <= before
    assert current(third).inputs["queue_ahead"] == 0
