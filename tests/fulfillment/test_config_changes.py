"""The configuration audit trail of the fulfillment app: SKUs, WMS stock pushes, CSV-imported
SKUs and regions each record who changed what (only what changed), in the transaction of
the change — so a no-op or a refused change records nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import Invalid
from fulfillment.exceptions import MinValue, NoRule, RegionNameTaken, SkuExists
from fulfillment.models import ConfigChange, RegionLimit, Sku
from fulfillment.services import regions as region_services
from fulfillment.services import skus as sku_services
from fulfillment.services.config import config_change_record, config_diff
from fulfillment.services.imports import import_job_create, import_job_run
from tests.conftest import BRAND_A

Area, Action = ConfigChange.Area, ConfigChange.Action


@pytest.fixture
def acme(brand_a, in_brand):
    with in_brand(brand_a):
        yield brand_a


@pytest.fixture
def actor(alice) -> Actor:
    return Actor(user=alice, label=alice.email)


def recorded() -> list[tuple]:
    """(area, action, subject, changes) of every row, oldest first."""
    return [(c.area, c.action, c.subject, c.changes) for c in ConfigChange.objects.order_by("created_at", "pk")]


def test_the_diff_keeps_changed_fields_only_as_json():
    before = {"price": Decimal("120.00"), "title": "Throw", "due": datetime.date(2026, 5, 1), "qty": None}
    after = {"price": Decimal("110.00"), "title": "Throw", "due": datetime.date(2026, 6, 1), "qty": 3}
    assert config_diff(before, after) == {
        "price": ["120.00", "110.00"],
        "due": ["2026-05-01", "2026-06-01"],
        "qty": [None, 3],
    }
    assert config_diff({"price": Decimal("120.00")}, {"price": Decimal("120")}) == {}


def test_recording_outside_a_transaction_is_refused(committed):
    schema = Brand.objects.get(slug=BRAND_A["slug"]).schema_name
    with schema_context(schema), pytest.raises(RuntimeError, match="inside the transaction"):
        config_change_record(area=Area.SKU, action=Action.CREATED, subject="X", actor=Actor.system("tests"))
    with schema_context(schema):
        assert not ConfigChange.objects.filter(subject="X").exists()


# --- SKUs ---


def test_sku_create_records_its_values_and_who(acme, actor, alice):
    sku = sku_services.sku_create(
        code="WB-15", title="Weighted blanket", price=Decimal("119.00"), category="Blankets", actor=actor
    )
    change = ConfigChange.objects.get()
    assert (change.area, change.action, change.subject, change.subject_id) == ("sku", "created", "WB-15", sku.pk)
    assert change.changes == {
        "title": "Weighted blanket",
        "category": "Blankets",
        "price": "119.00",
        "local_returns_enabled": True,
        "available_qty": 0,
    }
    assert (change.actor, change.actor_label) == (alice, "alice@acme.test")


def test_a_refused_sku_create_records_nothing(acme, actor):
    Sku.objects.create(code="WB-15", title="Weighted blanket", price=119)
    with pytest.raises(SkuExists):
        sku_services.sku_create(code="WB-15", title="Again", price=Decimal("1"), actor=actor)
    assert not ConfigChange.objects.exists()


def test_sku_update_records_only_the_fields_that_changed(acme, actor):
    sku = Sku.objects.create(code="WB-15", title="Weighted blanket", price=Decimal("120.00"), attributes={"c": "Sage"})
    sku_services.sku_update(
        sku=sku, title="Weighted blanket", price=Decimal("110.00"), attributes={"c": "Oat"}, actor=actor
    )
    assert recorded() == [
        ("sku", "updated", "WB-15", {"price": ["120.00", "110.00"], "attributes": [{"c": "Sage"}, {"c": "Oat"}]})
    ]
    sku.refresh_from_db()
    assert (sku.price, sku.attributes) == (Decimal("110.00"), {"c": "Oat"})


def test_sku_update_compares_with_the_stored_row_not_the_instance(acme, actor):
    """A ModelForm changes the instance before the service runs."""
    sku = Sku.objects.create(code="WB-15", title="Weighted blanket", price=Decimal("120.00"))
    sku.price = Decimal("110.00")
    sku_services.sku_update(sku=sku, price=Decimal("110.00"), actor=actor)
    assert recorded() == [("sku", "updated", "WB-15", {"price": ["120.00", "110.00"]})]


def test_an_sku_update_that_changes_nothing_writes_nothing(acme, actor):
    sku = Sku.objects.create(code="WB-15", title="Weighted blanket", price=Decimal("120.00"))
    stamp = Sku.objects.get(pk=sku.pk).updated_at
    sku_services.sku_update(sku=sku, title="Weighted blanket", price=Decimal("120"), actor=actor)
    sku_services.sku_update(sku=sku, actor=actor)
    assert not ConfigChange.objects.exists()
    assert Sku.objects.get(pk=sku.pk).updated_at == stamp


def test_a_refused_sku_update_records_nothing(acme, actor):
    sku = Sku.objects.create(code="WB-15", title="Weighted blanket", price=Decimal("120.00"))
    with pytest.raises(MinValue):
        sku_services.sku_update(sku=sku, title="New", price=Decimal("-1"), actor=actor)
    assert not ConfigChange.objects.exists()


def test_a_stock_push_records_old_and_new_quantity_once(acme):
    sku = Sku.objects.create(code="WB-15", title="Weighted blanket", price=119, available_qty=2)
    wms = Actor.system("API key “WMS”")
    sku_services.sku_set_stock(sku=sku, available_qty=5, actor=wms)
    sku_services.sku_set_stock(sku=sku, available_qty=5, actor=wms)  # a retried push
    assert recorded() == [("stock", "updated", "WB-15", {"available_qty": [2, 5]})]
    change = ConfigChange.objects.get()
    assert (change.actor, change.actor_label, change.subject_id) == (None, "API key “WMS”", sku.pk)
    assert sku.available_qty == 5


def test_csv_imported_skus_are_changes_by_the_importing_user(brand_a, in_brand, alice):
    with in_brand(brand_a):
        Sku.objects.create(code="WB-15", title="Weighted blanket", price=Decimal("119.00"))
        Sku.objects.create(code="WB-20", title="Same", price=Decimal("10.00"))
        data = b"code,title,price\nWB-15,Weighted blanket,99.00\nWB-20,Same,10.00\nTH-1,Throw,49\nBAD,,x\n"
        job = import_job_create(kind="skus", filename="cat.csv", data=data, actor=Actor(user=alice))
        job = import_job_run(job_id=job.pk)
        assert (job.created_count, job.updated_count, job.skipped_count, job.error_count) == (1, 1, 1, 1)
        assert recorded() == [
            ("sku", "updated", "WB-15", {"price": ["119.00", "99.00"]}),
            (
                "sku",
                "created",
                "TH-1",
                {"title": "Throw", "price": "49.00", "local_returns_enabled": True, "available_qty": 0},
            ),
        ]
        assert {(c.actor, c.actor_label) for c in ConfigChange.objects.all()} == {
            (alice, "alice@acme.test (CSV cat.csv)")
        }


# --- regions ---


AUSTIN = {"name": "Austin", "zip_prefixes": "787, 786", "max_promise_days": 21}
AUSTIN_VALUES = {
    "name": "Austin",
    "zip_prefixes": ["787", "786"],
    "zips": [],
    "within_miles_of_hub": None,
    "max_promise_days": 21,
    "max_open_backorders_per_sku": None,
    "requires_consent": False,
    "is_active": True,
}


def test_region_create_update_delete_are_recorded(acme, actor, alice):
    region = region_services.region_create(**AUSTIN, actor=actor)
    region_services.region_update(
        region=region, changes={"name": "Austin metro", "zip_prefixes": "787", "max_promise_days": 21}, actor=actor
    )
    region_services.region_delete(region=region, actor=actor)
    assert recorded() == [
        ("region", "created", "Austin", AUSTIN_VALUES),
        (
            "region",
            "updated",
            "Austin metro",
            {"name": ["Austin", "Austin metro"], "zip_prefixes": [["787", "786"], ["787"]]},
        ),
        ("region", "deleted", "Austin metro", {**AUSTIN_VALUES, "name": "Austin metro", "zip_prefixes": ["787"]}),
    ]
    assert set(ConfigChange.objects.values_list("subject_id", "actor")) == {(region.pk, alice.pk)}
    assert not RegionLimit.objects.exists()


def test_a_region_update_that_changes_nothing_writes_nothing(acme, actor):
    region = region_services.region_create(**AUSTIN, actor=actor)
    ConfigChange.objects.all().delete()
    stamp = RegionLimit.objects.get(pk=region.pk).updated_at
    region_services.region_update(
        region=region,
        changes={"name": " Austin ", "zip_prefixes": "787 786 787", "max_promise_days": "21"},
        actor=actor,
    )
    assert not ConfigChange.objects.exists()
    assert RegionLimit.objects.get(pk=region.pk).updated_at == stamp


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"max_promise_days": 0, "name": "Renamed"}, Invalid),
        ({"zip_prefixes": "", "name": "Renamed"}, NoRule),
        ({"name": "round rock"}, RegionNameTaken),
    ],
)
def test_a_refused_region_update_records_nothing_and_changes_nothing(acme, actor, changes, error):
    region = region_services.region_create(**AUSTIN, actor=actor)
    region_services.region_create(name="Round Rock", zips="78664", actor=actor)
    ConfigChange.objects.all().delete()
    with pytest.raises(error):
        region_services.region_update(region=region, changes=changes, actor=actor)
    assert not ConfigChange.objects.exists()
    assert RegionLimit.objects.get(pk=region.pk).name == "Austin"


def test_deleting_a_region_already_gone_records_nothing(acme, actor):
    region = region_services.region_create(**AUSTIN, actor=actor)
    RegionLimit.objects.filter(pk=region.pk).delete()
    ConfigChange.objects.all().delete()
    region_services.region_delete(region=region, actor=actor)
    assert not ConfigChange.objects.exists()


def test_changes_stay_in_the_brand_where_they_happen(brand_a, brand_b, in_brand, actor):
    with in_brand(brand_a):
        sku_services.sku_create(code="WB-15", title="Weighted blanket", price=Decimal("119.00"), actor=actor)
    with in_brand(brand_b):
        assert not ConfigChange.objects.exists()
    with in_brand(brand_a):
        assert ConfigChange.objects.count() == 1
