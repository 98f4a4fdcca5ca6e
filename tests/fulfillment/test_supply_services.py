"""Inbound-supply services: races on receive, the weekly chart's buckets, SKU stock sync
against a receive, and events."""

import datetime

import pytest
from django.utils import timezone

from closo.actors import Actor
from closo.exceptions import InvalidTransition
from fulfillment.exceptions import UnknownSku
from fulfillment.models import InboundSupply, Sku
from fulfillment.selectors import supply as supply_selectors
from fulfillment.services import supply as services
from fulfillment.services.skus import sku_set_stock
from tests.conftest import run_concurrently
from tests.factories import in_days


def test_concurrent_receives_add_the_units_once(committed):
    from django_tenants.utils import schema_context

    from brands.models import Brand

    brand = Brand.objects.get(slug="acme")
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="RACE-1", title="Race", price=1, available_qty=5)
        po = services.supply_create(
            sku_code="RACE-1", qty=10, expected_date=in_days(1), po_ref="RACE-PO", actor=Actor()
        )

    def cleanup():
        with schema_context(brand.schema_name):
            InboundSupply.objects.filter(pk=po.pk).delete()
            Sku.objects.filter(pk=sku.pk).delete()

    committed.append(cleanup)

    def receive(_):
        with schema_context(brand.schema_name):
            return services.supply_receive(supply=InboundSupply.objects.get(pk=po.pk), actor=Actor())

    results = run_concurrently(receive, n=4)
    received = [r for r in results if isinstance(r, InboundSupply)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(received), len(refused)) == (1, 3), results
    with schema_context(brand.schema_name):
        assert Sku.objects.get(pk=sku.pk).available_qty == 15
        assert list(po.events.values_list("kind", flat=True)) == ["created", "received"]


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15", title="Weighted blanket", price=119)


def test_unknown_sku_code_is_refused(brand_a, in_brand):
    with in_brand(brand_a), pytest.raises(UnknownSku) as excinfo:
        services.supply_create(sku_code="NOPE", qty=1, expected_date=in_days(1), po_ref="PO-1", actor=Actor())
    assert excinfo.value.fields == {"sku": ["No SKU with code “NOPE”."]}


def test_events_record_who_and_what(brand_a, in_brand, sku, alice):
    actor = Actor(user=alice, label=alice.email)
    with in_brand(brand_a):
        po = services.supply_create(sku_code="WB-15", qty=3, expected_date=in_days(2), po_ref="PO-1", actor=actor)
        services.supply_cancel(supply=po, reason="  Supplier went bust ", actor=actor)
        events = list(po.events.values_list("kind", "from_status", "to_status", "actor_id", "detail"))
    assert events == [
        ("created", "", "expected", alice.pk, f"3 × WB-15 expected {in_days(2).isoformat()}"),
        ("cancelled", "expected", "cancelled", alice.pk, "Supplier went bust"),
    ]


def test_weekly_chart_buckets_units_by_week_and_counts_overdue(brand_a, in_brand, sku):
    today = datetime.date(2030, 1, 9)  # a Wednesday: this week runs Mon 7 – Sun 13
    with in_brand(brand_a):
        for i, (day, qty, status) in enumerate(
            [
                (datetime.date(2030, 1, 8), 4, "expected"),  # yesterday: overdue
                (datetime.date(2029, 12, 1), 1, "expected"),  # long overdue
                (datetime.date(2030, 1, 9), 10, "expected"),  # today: this week
                (datetime.date(2030, 1, 13), 5, "expected"),  # Sunday: this week
                (datetime.date(2030, 1, 14), 7, "expected"),  # next Monday: week 2
                (datetime.date(2030, 3, 3), 9, "expected"),  # Sunday of week 8
                (datetime.date(2030, 3, 4), 50, "expected"),  # week 9: off the chart
                (datetime.date(2030, 1, 10), 99, "received"),
                (datetime.date(2030, 1, 10), 99, "cancelled"),
            ]
        ):
            InboundSupply.objects.create(po_ref=f"PO-{i}", sku=sku, qty=qty, expected_date=day, status=status)
        chart = supply_selectors.supply_weekly_expected(today=today)
    assert [w["units"] for w in chart["weeks"]] == [15, 7, 0, 0, 0, 0, 0, 9]
    assert [w["percent"] for w in chart["weeks"]] == [100, 47, 0, 0, 0, 0, 0, 60]
    assert (chart["weeks"][0]["start"], chart["weeks"][0]["end"]) == (
        datetime.date(2030, 1, 7),
        datetime.date(2030, 1, 13),
    )
    assert (chart["total"], chart["overdue"]) == (31, 5)


def test_a_wms_stock_push_after_a_receive_is_the_truth(brand_a, in_brand, sku):
    with in_brand(brand_a):
        po = services.supply_create(sku_code="WB-15", qty=10, expected_date=in_days(0), po_ref="PO-1", actor=Actor())
        services.supply_receive(supply=po, actor=Actor())
        assert Sku.objects.get(pk=sku.pk).available_qty == 10
        sku_set_stock(sku=sku, available_qty=8, actor=Actor())  # the WMS counted 8 on the shelf
        assert Sku.objects.get(pk=sku.pk).available_qty == 8


@pytest.mark.parametrize(
    "now, accepted, refused",
    [
        # 05:00 UTC on Jan 10: it is still Jan 9 in Hawaii and UTC−12, so Jan 9 is "today" somewhere
        (datetime.datetime(2030, 1, 10, 5, tzinfo=datetime.UTC), datetime.date(2030, 1, 9), datetime.date(2030, 1, 8)),
        # 13:00 UTC: Jan 9 has ended everywhere
        (
            datetime.datetime(2030, 1, 10, 13, tzinfo=datetime.UTC),
            datetime.date(2030, 1, 10),
            datetime.date(2030, 1, 9),
        ),
    ],
)
def test_a_date_is_in_the_past_only_once_it_has_ended_everywhere(
    brand_a, in_brand, sku, monkeypatch, now, accepted, refused
):
    monkeypatch.setattr(timezone, "now", lambda: now)
    with in_brand(brand_a):
        services.supply_create(sku_code="WB-15", qty=1, expected_date=accepted, po_ref="PO-OK", actor=Actor())
        with pytest.raises(services.DateInPast) as excinfo:
            services.supply_create(sku_code="WB-15", qty=1, expected_date=refused, po_ref="PO-LATE", actor=Actor())
    assert excinfo.value.code == "date_in_past"
