"""Backorder intake and cancellation rules, and the CSV row function."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from closo.actors import Actor
from closo.exceptions import DomainError, InvalidTransition, ReasonRequired
from fulfillment.exceptions import RowError, UnknownSku
from fulfillment.models import Backorder, BackorderStatus, Channel, Event, ImportJob, RegionLimit, Sku
from fulfillment.selectors import regions as region_selectors
from fulfillment.selectors.backorders import backorder_age_histogram
from fulfillment.services.backorders import backorder_cancel, backorder_create, backorder_import_row
from fulfillment.services.imports import import_job_create, import_job_run


@pytest.fixture
def acme(brand_a, in_brand):
    with in_brand(brand_a):
        yield brand_a


@pytest.fixture
def actor(alice):
    return Actor(user=alice, label=alice.email)


@pytest.fixture
def sku(acme):
    return Sku.objects.create(code="WB-15", title="Weighted blanket 15 lb", price=120)


def create(actor, **values):
    values = {"order_ref": "#1001-1", "sku_code": "WB-15", "customer_zip": "78701", "value": "120.00", **values}
    return backorder_create(**values, channel=values.pop("channel", Channel.API), actor=actor)


def test_create_stores_the_zip_centroid_the_region_and_a_created_event(sku, actor):
    region = RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"])
    before = timezone.now()
    backorder = create(actor, qty=2, customer_name="Ana Diaz", customer_email="ana@example.com", priority=3)
    assert backorder.status == BackorderStatus.WAITING
    assert backorder.sku == sku
    assert backorder.region == region
    assert backorder.value == Decimal("120.00")
    assert (round(backorder.lat, 2), round(backorder.lon, 2)) == (30.27, -97.74)
    assert backorder.placed_at >= before
    assert backorder.channel == Channel.API
    event = backorder.events.get()
    assert (event.kind, event.from_status, event.to_status) == ("created", "", "waiting")
    assert event.actor_label == "alice@acme.test"
    assert event.detail == "API — 78701: allowed — in region “Austin core” (prefix 787)"


def test_create_without_regions_is_allowed_everywhere_and_has_no_region(sku, actor):
    backorder = create(actor, customer_zip="10001")
    assert backorder.region is None
    assert "no regions set" in backorder.events.get().detail


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"sku_code": "NOPE"}, "unknown_sku", "sku"),
        ({"customer_zip": "00000"}, "invalid_zip", "customer_zip"),
        ({"customer_zip": "7870"}, "invalid_zip", "customer_zip"),
        ({"order_ref": "  "}, "invalid", "order_ref"),
        ({"qty": 0}, "invalid", "qty"),
        ({"value": "-1"}, "invalid", "value"),
        ({"value": "12.345"}, "invalid", "value"),
        ({"value": "lots"}, "invalid", "value"),
        ({"customer_email": "ana@"}, "invalid", "customer_email"),
        ({"placed_at": timezone.now() + dt.timedelta(days=3)}, "invalid", "placed_at"),
        (
            {
                "placed_at": timezone.now() - dt.timedelta(days=10),
                "promised_ship_by": timezone.localdate() - dt.timedelta(days=20),
            },
            "invalid",
            "promised_ship_by",
        ),
    ],
)
def test_create_refuses_bad_input_with_a_code_and_the_field(sku, actor, values, code, field):
    with pytest.raises(DomainError) as exc:
        create(actor, **values)
    assert exc.value.code == code
    assert exc.value.status == 400
    assert field in exc.value.fields
    assert not Backorder.objects.exists()


def test_every_field_problem_is_reported_at_once(sku, actor):
    with pytest.raises(DomainError) as exc:
        create(actor, sku_code="NOPE", customer_zip="00000", qty=0)
    assert set(exc.value.fields) == {"sku", "customer_zip", "qty"}


def test_a_second_backorder_for_one_order_ref_is_a_conflict(sku, actor):
    create(actor)
    with pytest.raises(DomainError) as exc:
        create(actor, value="99")
    assert exc.value.code == "backorder_exists"
    assert exc.value.status == 409
    assert Backorder.objects.count() == 1


def test_a_zip_outside_every_region_is_refused_with_the_explanation(sku, actor, active_hub):
    RegionLimit.objects.create(name="Austin metro", within_miles_of_hub=10)
    with pytest.raises(DomainError) as exc:
        create(actor, customer_zip="10001")
    assert exc.value.code == "region_not_allowed"
    assert exc.value.status == 400
    assert exc.value.message.startswith("10001: not allowed — no region covers it (nearest active hub: Eastside Porch")
    assert exc.value.fields == {"customer_zip": [exc.value.message]}


def test_a_region_that_requires_consent_refuses_without_it(sku, actor):
    RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"], requires_consent=True)
    with pytest.raises(DomainError) as exc:
        create(actor)
    assert exc.value.code == "consent_required"
    assert "consent_local_return" in exc.value.fields
    assert create(actor, consent_local_return=True).consent_local_return


def test_a_promise_beyond_the_regions_max_days_is_too_late(sku, actor):
    RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"], max_promise_days=14)
    today = timezone.localdate()
    with pytest.raises(DomainError) as exc:
        create(actor, promised_ship_by=today + dt.timedelta(days=15))
    assert exc.value.code == "promise_too_late"
    assert exc.value.fields["promised_ship_by"][0].startswith("Region “Austin core” promises at most 14 days")
    assert create(actor, promised_ship_by=today + dt.timedelta(days=14)).promised_ship_by == today + dt.timedelta(14)


def test_the_cap_counts_open_backorders_of_that_sku_in_that_region(sku, actor):
    region = RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"], max_open_backorders_per_sku=2)
    other_sku = Sku.objects.create(code="WB-20", title="Weighted blanket 20 lb", price=140)
    first = create(actor, order_ref="#1")
    create(actor, order_ref="#2")
    with pytest.raises(DomainError) as exc:
        create(actor, order_ref="#3")
    assert exc.value.code == "region_cap_reached"
    assert exc.value.status == 409
    assert exc.value.message == "Region “Austin core” already has 2 open backorders of WB-15 (its cap is 2)."
    # Another SKU has its own count; a cancelled backorder no longer counts.
    assert create(actor, order_ref="#4", sku_code="WB-20").sku == other_sku
    backorder_cancel(backorder=first, reason="customer changed their mind", actor=actor)
    assert create(actor, order_ref="#3").region == region


def test_a_region_deleted_while_taking_the_backorder_is_a_conflict(sku, actor, monkeypatch):
    from fulfillment.services import backorders

    region = RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"], max_open_backorders_per_sku=5)

    def check_then_delete(zip_code):
        decision = region_selectors.zip_check(zip_code)
        RegionLimit.objects.filter(pk=region.pk).delete()  # another admin, between the check and the lock
        return decision

    monkeypatch.setattr(backorders, "zip_check", check_then_delete)
    with pytest.raises(DomainError) as exc:
        create(actor)
    assert exc.value.code == "region_changed"


def test_allocated_backorders_count_against_the_cap(sku, actor):
    RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"], max_open_backorders_per_sku=1)
    first = create(actor, order_ref="#1")
    Backorder.objects.filter(pk=first.pk).update(status=BackorderStatus.ALLOCATED)
    with pytest.raises(DomainError):
        create(actor, order_ref="#2")
    Backorder.objects.filter(pk=first.pk).update(status=BackorderStatus.FULFILLED)
    assert create(actor, order_ref="#2")


def test_cancel_records_who_why_and_from_which_status(sku, actor):
    backorder = create(actor)
    cancelled = backorder_cancel(backorder=backorder, reason="  Customer asked for a refund ", actor=actor)
    assert cancelled.status == BackorderStatus.CANCELLED
    assert cancelled.cancel_reason == "Customer asked for a refund"
    event = cancelled.events.get(kind="cancelled")
    assert (event.from_status, event.to_status, event.detail) == ("waiting", "cancelled", "Customer asked for a refund")
    assert event.data == {"cancel_reason": "Customer asked for a refund"}
    assert event.actor_label == "alice@acme.test"


def test_cancel_from_allocated_says_so(sku, actor):
    backorder = create(actor)
    Backorder.objects.filter(pk=backorder.pk).update(status=BackorderStatus.ALLOCATED)
    backorder.refresh_from_db()
    backorder_cancel(backorder=backorder, reason="duplicate order", actor=actor)
    assert backorder.events.get(kind="cancelled").from_status == "allocated"


def test_a_cancel_that_lost_a_race_to_another_move_is_refused(sku, actor):
    """No retry: a backorder that moved since it was read (here, allocated) is a 409."""
    backorder = create(actor)
    Backorder.objects.filter(pk=backorder.pk).update(status=BackorderStatus.ALLOCATED)
    with pytest.raises(InvalidTransition) as exc:
        backorder_cancel(backorder=backorder, reason="duplicate order", actor=actor)
    assert (exc.value.status, exc.value.fields) == (409, {"from_status": "allocated", "to_status": "cancelled"})
    assert Backorder.objects.get(pk=backorder.pk).status == BackorderStatus.ALLOCATED
    assert not backorder.events.filter(kind="cancelled").exists()


def test_cancel_needs_a_reason(sku, actor):
    backorder = create(actor)
    with pytest.raises(ReasonRequired) as exc:
        backorder_cancel(backorder=backorder, reason="   ", actor=actor)
    assert exc.value.code == "reason_required"
    assert exc.value.fields == {"reason": ["This field is required."]}
    backorder.refresh_from_db()
    assert backorder.status == BackorderStatus.WAITING


@pytest.mark.parametrize("status", [BackorderStatus.CANCELLED, BackorderStatus.HANDED_OFF, BackorderStatus.FULFILLED])
def test_only_open_backorders_can_be_cancelled(sku, actor, status):
    backorder = create(actor)
    Backorder.objects.filter(pk=backorder.pk).update(status=status)
    with pytest.raises(InvalidTransition) as exc:
        backorder_cancel(backorder=backorder, reason="too late", actor=actor)
    assert exc.value.code == "invalid_transition"
    assert exc.value.status == 409
    assert not Event.objects.filter(kind="cancelled").exists()


def row(**values):
    return {"order_ref": "#2001-1", "sku": "WB-15", "customer_zip": "78701", "value": "120.00", **values}


def test_import_row_parses_the_optional_columns(sku, actor):
    outcome = backorder_import_row(
        row(
            value="$1,200.50",
            qty="2",
            customer_name="Ana Diaz",
            customer_email="ana@example.com",
            placed_at="2026-01-05 14:30",
            promised_ship_by="2099-01-01",
            priority="-2",
            consent_local_return="Yes",
        ),
        actor=actor,
    )
    assert outcome == "created"
    backorder = Backorder.objects.get()
    assert backorder.value == Decimal("1200.50")
    assert backorder.qty == 2
    assert backorder.placed_at == dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
    assert backorder.promised_ship_by == dt.date(2099, 1, 1)
    assert backorder.priority == -2
    assert backorder.consent_local_return is True
    assert backorder.channel == Channel.CSV


def test_import_row_reads_us_dates(sku, actor):
    backorder_import_row(row(placed_at="1/5/2026", promised_ship_by="2/1/2026"), actor=actor)
    backorder = Backorder.objects.get()
    assert backorder.placed_at.date() == dt.date(2026, 1, 5)
    assert backorder.promised_ship_by == dt.date(2026, 2, 1)


def test_import_row_skips_an_order_ref_that_is_there(sku, actor):
    assert backorder_import_row(row(), actor=actor) == "created"
    assert backorder_import_row(row(value="1"), actor=actor) == "skipped"
    assert Backorder.objects.get().value == Decimal("120.00")


def test_import_row_reports_unparseable_values_per_column(sku, actor):
    with pytest.raises(RowError) as exc:
        backorder_import_row(row(qty="two", value="", placed_at="yesterday", consent_local_return="maybe"), actor=actor)
    assert exc.value.fields == {
        "qty": ["A whole number."],
        "placed_at": ["“yesterday” is not a date, e.g. 2026-03-01 or 2026-03-01 14:30."],
        "consent_local_return": ["“maybe”: write yes or no."],
        "value": ["Required: the order line's value, e.g. 120.00."],
    }


def test_import_row_passes_on_the_services_reasons(sku, actor):
    with pytest.raises(UnknownSku) as exc:
        backorder_import_row(row(sku="NOPE", customer_zip="99999"), actor=actor)
    assert exc.value.code == "unknown_sku"
    assert exc.value.fields == {
        "sku": ["No SKU with code “NOPE”."],
        "customer_zip": ["Enter a 5-digit US ZIP code, e.g. 78702."],
    }


def test_importing_a_file_keeps_good_rows_and_lists_bad_lines(sku, actor):
    RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"], max_open_backorders_per_sku=3)
    csv = (
        b"order_ref,sku,customer_zip,value,placed_at\n"
        b"#1,WB-15,78701,120,2026-01-01\n"
        b"#2,WB-15,78702,120,2026-01-02\n"
        b"#3,NOPE,78702,120,\n"
        b"#4,WB-15,10001,120,\n"
        b"#5,WB-15,78703,120,\n"
        b"#6,WB-15,78704,120,\n"
    )
    job = import_job_create(kind=ImportJob.Kind.BACKORDERS, filename="orders.csv", data=csv, actor=actor)
    job = import_job_run(job_id=job.pk)
    assert (job.created_count, job.skipped_count, job.error_count) == (3, 0, 3)
    assert [e["line"] for e in job.errors] == [4, 5, 7]
    assert job.errors[0]["errors"] == {"sku": ["No SKU with code “NOPE”."]}
    assert job.errors[1]["errors"]["customer_zip"][0].startswith("10001: not allowed")
    assert job.errors[2]["errors"] == {
        "row": ["Region “Austin core” already has 3 open backorders of WB-15 (its cap is 3)."]
    }
    assert Event.objects.filter(kind="created").first().actor_label == "alice@acme.test (CSV orders.csv)"

    again = import_job_run(
        job_id=import_job_create(kind=ImportJob.Kind.BACKORDERS, filename="orders.csv", data=csv, actor=actor).pk
    )
    assert (again.created_count, again.skipped_count, again.error_count) == (0, 3, 3)
    assert Backorder.objects.count() == 3


def test_age_histogram_counts_waiting_backorders_by_days_since_placed(sku, actor):
    now = timezone.now()
    for i, days in enumerate([0, 3, 4, 7, 8, 14, 15, 30, 31, 90]):
        create(actor, order_ref=f"#{i}", placed_at=now - dt.timedelta(days=days, hours=1))
    cancelled = create(actor, order_ref="#gone", placed_at=now - dt.timedelta(days=2))
    backorder_cancel(backorder=cancelled, reason="duplicate", actor=actor)
    histogram = backorder_age_histogram()
    assert [(b["label"], b["count"]) for b in histogram] == [
        ("0–3 days", 2),
        ("4–7 days", 2),
        ("8–14 days", 2),
        ("15–30 days", 2),
        ("over 30 days", 2),
    ]
    assert {b["percent"] for b in histogram} == {100}
