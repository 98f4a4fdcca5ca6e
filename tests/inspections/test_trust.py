"""Trust services: audit decisions and hub reputation (Beta(9, 1) prior: one audit is not
a verdict), the hold decision for Like-New releases, approving and rejecting held units,
and the brand's trust settings."""

import pytest
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from brands.models import Brand
from closo.actors import Actor, Party
from closo.exceptions import InvalidTransition, ReasonRequired
from fulfillment.models import Event, StockUnit
from fulfillment.selectors import units as unit_selectors
from fulfillment.services import units as unit_services
from fulfillment.services.units import unit_release
from hubs.models import Hub, HubTask
from hubs.services.tasks import hub_task_open
from inspections.exceptions import ReasonTooLong
from inspections.models import Audit
from inspections.selectors import review as review_selectors
from inspections.selectors.inspections import inspection_started_token
from inspections.services import trust
from inspections.services.inspections import inspection_submit
from tests.factories import BRAND
from tests.inspections.inspect_builders import ALL_PASS, add_photos, publish_standard, received_return
from tests.inspections.trust_builders import make_inspection


@pytest.fixture
def actor(alice) -> Actor:
    return Actor(user=alice, label=alice.email)


@pytest.fixture
def inspect(brand_a, in_brand, active_hub, ivan, actor):
    """inspect(rma, **options): an inspection of brand A at the active hub, by ivan."""

    def make(rma: str, **options):
        with in_brand(brand_a):
            return make_inspection(hub=active_hub, inspector=ivan, rma=rma, actor=actor, **options)

    return make


def decide(brand, in_brand, inspection, verdict, reason="", actor=None):
    with in_brand(brand):
        audit = Audit.objects.get(inspection=inspection)
        return trust.audit_decide(
            audit=audit, verdict=verdict, reason=reason, actor=actor or Actor.system("auditor tests")
        )


def person(user) -> Actor:
    return Actor(user=user, label=user.email)


def hub_row(hub) -> Hub:
    return Hub.objects.get(pk=hub.pk)


# --- reputation ---


def test_a_hub_without_audits_starts_at_the_prior_and_in_good_standing(active_hub, brand_a):
    assert (active_hub.audits_agreed, active_hub.audits_total) == (0, 0)
    assert active_hub.reputation == pytest.approx(0.9)
    assert unit_services.hold_required(active_hub, brand_a) is False


def test_one_disagreement_keeps_a_hub_above_the_default_threshold(inspect, brand_a, in_brand, active_hub):
    inspection = inspect("RMA-T1", audit=True)
    decide(brand_a, in_brand, inspection, "disagree", "Stain on the back photo")
    hub = hub_row(active_hub)
    assert (hub.audits_agreed, hub.audits_total) == (0, 1)
    assert hub.reputation == pytest.approx(9 / 11)  # 0.82: one audit is not a verdict
    assert brand_a.reputation_threshold == 0.8
    assert unit_services.hold_required(hub, brand_a) is False


def test_a_run_of_disagreements_drops_a_hub_below_and_its_next_like_new_release_is_held(
    inspect, brand_a, in_brand, active_hub, actor
):
    before = inspect("RMA-T0")
    with in_brand(brand_a):
        assert unit_release(inspection=before, actor=actor).status == StockUnit.Status.AVAILABLE
    for n in range(2):
        decide(brand_a, in_brand, inspect(f"RMA-D{n}", audit=True), "disagree", "Pilling not reported")
    hub = hub_row(active_hub)
    assert hub.reputation == pytest.approx(9 / 12)  # 0.75 < 0.8
    assert unit_services.hold_required(hub, brand_a) is True

    like_new = inspect("RMA-T2")
    with in_brand(brand_a):
        unit = unit_release(inspection=like_new, actor=actor)
        assert StockUnit.objects.get(pk=unit.pk).status == StockUnit.Status.HELD
        assert unit_selectors.units_held().filter(pk=unit.pk).exists()


def test_agreements_count_in_both_counters_and_lift_reputation_back(inspect, brand_a, in_brand, active_hub):
    for n in range(2):
        decide(brand_a, in_brand, inspect(f"RMA-D{n}", audit=True), "disagree", "Wrong grade")
    assert unit_services.hold_required(hub_row(active_hub), brand_a) is True
    for n in range(4):
        decide(brand_a, in_brand, inspect(f"RMA-A{n}", audit=True), "agree")
    hub = hub_row(active_hub)
    assert (hub.audits_agreed, hub.audits_total) == (4, 6)
    assert hub.reputation == pytest.approx(13 / 16)  # 0.81
    assert unit_services.hold_required(hub, brand_a) is False


def test_reputation_counts_audits_from_every_brand(inspect, brand_a, brand_b, in_brand, active_hub, ivan, actor):
    decide(brand_a, in_brand, inspect("RMA-A", audit=True), "disagree", "Wrong grade")
    with in_brand(brand_b):
        b_inspection = make_inspection(hub=active_hub, inspector=ivan, rma="RMA-B", actor=actor, audit=True)
    decide(brand_b, in_brand, b_inspection, "disagree", "Odor")
    assert hub_row(active_hub).audits_total == 2
    assert unit_services.hold_required(hub_row(active_hub), brand_a) is True


def test_hold_needs_a_reputation_strictly_below_the_threshold(active_hub, brand_a):
    brand_a.reputation_threshold = 0.9
    assert unit_services.hold_required(active_hub, brand_a) is False  # 0.9 is not below 0.9
    brand_a.reputation_threshold = 0.95
    assert unit_services.hold_required(active_hub, brand_a) is True  # a strict brand holds even new hubs


# --- audit decisions ---


def test_a_decision_is_stored_with_its_auditor_and_on_the_returns_timeline(inspect, brand_a, in_brand, alice):
    inspection = inspect("RMA-E", audit=True)
    decide(brand_a, in_brand, inspection, "disagree", "  Tags missing in the photo  ", actor=person(alice))
    with in_brand(brand_a):
        audit = Audit.objects.get(inspection=inspection)
        event = Event.objects.get(return_item=inspection.return_item, kind="audited")
    assert (audit.verdict, audit.reason, audit.auditor) == ("disagree", "Tags missing in the photo", alice)
    assert audit.decided_at is not None
    assert event.detail == "Audit: disagreed with the inspection — Tags missing in the photo"
    assert event.actor == alice
    assert event.data["verdict"] == "disagree"
    assert event.data["hub_reputation"] == pytest.approx(9 / 11, abs=1e-4)


def test_disagreeing_needs_a_reason_and_changes_nothing_without_one(inspect, brand_a, in_brand, active_hub):
    inspection = inspect("RMA-R", audit=True)
    with pytest.raises(trust.ReasonRequired) as error:
        decide(brand_a, in_brand, inspection, "disagree", "   ")
    assert error.value.code == "reason_required"
    assert "reason" in error.value.fields
    with in_brand(brand_a):
        assert Audit.objects.get(inspection=inspection).verdict == ""
    assert hub_row(active_hub).audits_total == 0


def test_agreeing_needs_no_reason(inspect, brand_a, in_brand, active_hub):
    decide(brand_a, in_brand, inspect("RMA-OK", audit=True), "agree")
    assert (hub_row(active_hub).audits_agreed, hub_row(active_hub).audits_total) == (1, 1)


def test_an_unknown_verdict_is_refused(inspect, brand_a, in_brand):
    with pytest.raises(trust.InvalidVerdict) as error:
        decide(brand_a, in_brand, inspect("RMA-U", audit=True), "maybe")
    assert error.value.code == "invalid_verdict"


def test_a_reason_over_300_characters_is_refused(inspect, brand_a, in_brand):
    with pytest.raises(ReasonTooLong) as error:
        decide(brand_a, in_brand, inspect("RMA-L", audit=True), "disagree", "x" * 301)
    assert error.value.code == "reason_too_long"


def test_an_audit_is_decided_once_and_counted_once(inspect, brand_a, in_brand, active_hub, alice):
    inspection = inspect("RMA-2X", audit=True)
    decide(brand_a, in_brand, inspection, "agree", actor=person(alice))
    with pytest.raises(trust.AuditDecided) as error:
        decide(brand_a, in_brand, inspection, "disagree", "Second thoughts")
    assert error.value.status == 409
    assert "alice@acme.test" in error.value.message
    with in_brand(brand_a):
        assert Audit.objects.get(inspection=inspection).verdict == "agree"
    assert (hub_row(active_hub).audits_agreed, hub_row(active_hub).audits_total) == (1, 1)


# --- held units ---


def test_approving_a_held_unit_makes_it_local_stock(inspect, brand_a, in_brand, alice):
    inspection = inspect("RMA-H", unit_status=StockUnit.Status.HELD)
    with in_brand(brand_a):
        unit = StockUnit.objects.get(return_item=inspection.return_item)
        unit_services.unit_approve(unit=unit, actor=person(alice))
        unit.refresh_from_db()
        event = Event.objects.get(unit=unit)
    assert unit.status == StockUnit.Status.AVAILABLE
    assert (event.kind, event.from_status, event.to_status, event.actor) == ("approved", "held", "available", alice)


def test_rejecting_a_held_unit_sends_it_to_the_warehouse_and_off_the_hubs_shelf(
    inspect, brand_a, in_brand, active_hub, alice
):
    inspection = inspect("RMA-J", unit_status=StockUnit.Status.HELD)
    with in_brand(brand_a):
        unit = StockUnit.objects.get(return_item=inspection.return_item)
        with transaction.atomic():
            task = hub_task_open(
                hub=active_hub,
                brand=brand_a,
                kind=HubTask.Kind.SHELF,
                return_item=inspection.return_item,
                stock_unit=unit,
            )
        unit_services.unit_reject(unit=unit, reason="Pilling on the front photo", actor=person(alice))
        unit.refresh_from_db()
        event = Event.objects.get(unit=unit)
    task.refresh_from_db()
    assert unit.status == StockUnit.Status.TO_WAREHOUSE
    assert task.status == HubTask.Status.DONE and task.closed_at is not None
    assert (event.kind, event.get_kind_display()) == ("rejected", "Rejected by the brand")
    assert event.detail == "Pilling on the front photo"


def test_rejecting_locks_the_shelf_task_before_the_unit(inspect, brand_a, in_brand, active_hub, alice):
    """closo.locks order (HubTask before StockUnit): a hub's suspension locks its tasks,
    then the rows they index, so a rejection taking them the other way round could deadlock."""
    inspection = inspect("RMA-LK", unit_status=StockUnit.Status.HELD)
    with in_brand(brand_a):
        unit = StockUnit.objects.get(return_item=inspection.return_item)
        with transaction.atomic():
            hub_task_open(
                hub=active_hub,
                brand=brand_a,
                kind=HubTask.Kind.SHELF,
                return_item=inspection.return_item,
                stock_unit=unit,
            )
        with CaptureQueriesContext(connection) as queries:
            unit_services.unit_reject(unit=unit, reason="Pilling", actor=person(alice))
    locks = [
        table
        for sql in (q["sql"] for q in queries.captured_queries)
        for table in ("hubs_hubtask", "fulfillment_stockunit")
        if ("FOR UPDATE" in sql and f'FROM "{table}"' in sql) or sql.startswith(f'UPDATE "{table}"')
    ]
    assert locks[:3] == ["hubs_hubtask", "fulfillment_stockunit", "fulfillment_stockunit"]  # lock, lock, move


def test_rejecting_needs_a_reason(inspect, brand_a, in_brand):
    inspection = inspect("RMA-K", unit_status=StockUnit.Status.HELD)
    with in_brand(brand_a):
        unit = StockUnit.objects.get(return_item=inspection.return_item)
        with pytest.raises(ReasonRequired):
            unit_services.unit_reject(unit=unit, reason=" ", actor=BRAND)
        assert StockUnit.objects.get(pk=unit.pk).status == StockUnit.Status.HELD


@pytest.mark.parametrize("status", [StockUnit.Status.AVAILABLE, StockUnit.Status.TO_WAREHOUSE])
def test_only_held_units_can_be_approved_or_rejected(inspect, brand_a, in_brand, status):
    inspection = inspect("RMA-N", unit_status=status)
    with in_brand(brand_a):
        unit = StockUnit.objects.get(return_item=inspection.return_item)
        with pytest.raises(InvalidTransition) as approve:
            unit_services.unit_approve(unit=unit, actor=BRAND)
        with pytest.raises(InvalidTransition):
            unit_services.unit_reject(unit=unit, reason="No", actor=BRAND)
        assert StockUnit.objects.get(pk=unit.pk).status == status
        assert not Event.objects.filter(unit=unit).exists()
    assert approve.value.code == "invalid_transition"


# --- settings and the reputation snippet ---


def test_trust_settings_are_saved_on_the_brand(brand_a):
    trust.trust_settings_update(
        brand=brand_a, reputation_threshold=0.85, audit_sample_rate=0.25, actor=Actor.system("tests")
    )
    brand_a.refresh_from_db()
    assert (brand_a.reputation_threshold, brand_a.audit_sample_rate) == (0.85, 0.25)


@pytest.mark.parametrize("threshold, rate", [(1.2, 0.1), (0.8, -0.1), (None, 0.1)])
def test_trust_settings_must_be_between_0_and_1(brand_a, threshold, rate):
    with pytest.raises(trust.InvalidTrustSettings) as error:
        trust.trust_settings_update(
            brand=brand_a, reputation_threshold=threshold, audit_sample_rate=rate, actor=Actor.system("tests")
        )
    assert error.value.code == "invalid_settings"
    brand_a.refresh_from_db()
    assert (brand_a.reputation_threshold, brand_a.audit_sample_rate) == (0.8, 0.1)


def test_the_reputation_snippet_says_how_it_is_computed(active_hub):
    active_hub.audits_agreed, active_hub.audits_total = 3, 4
    html = render_to_string("hubs/_reputation.html", {"hub": active_hub})
    assert "0.86" in html  # (3 + 9) / (4 + 10)
    assert "3 of 4 brand audits agreed" in html
    assert "one audit is never a verdict" in html
    fresh = render_to_string("hubs/_reputation.html", {"hub": Hub(audits_agreed=0, audits_total=0)})
    assert "0.90" in fresh and "no brand audits yet" in fresh


# --- through the hub's inspection ---


def test_a_like_new_inspection_at_a_hub_below_the_threshold_waits_for_the_brands_approval(
    brand_a, in_brand, active_hub, ivan, alice
):
    """The whole path: audits drop the hub below brand A's threshold, its next Like-New
    inspection (the hub's real submit) is held and sampled, and the brand approves it."""
    Hub.objects.filter(pk=active_hub.pk).update(audits_agreed=0, audits_total=3)  # (0 + 9) / (3 + 10) = 0.69
    Brand.objects.filter(pk=brand_a.pk).update(audit_sample_rate=1)
    with in_brand(brand_a):
        publish_standard(person(alice))
    item = received_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub)
        inspection = inspection_submit(
            item=item,
            hub=active_hub,
            inspector=ivan,
            started_token=inspection_started_token(item=item),
            answers=ALL_PASS,
            actor=Actor.for_user(ivan, party=Party.HUB),
        )
        unit = StockUnit.objects.get(return_item=item)
        assert unit.status == StockUnit.Status.HELD
        assert list(unit_selectors.units_held()) == [unit]
        assert [a.inspection_id for a in review_selectors.audits_pending()] == [inspection.pk]
        unit_services.unit_approve(unit=unit, actor=person(alice))
        assert StockUnit.objects.get(pk=unit.pk).status == StockUnit.Status.AVAILABLE
        assert [e.kind for e in review_selectors.inspection_events(inspection=inspection)][-2:] == [
            "released",
            "approved",
        ]
