"""The brand's local loop settings: a page (admins change, viewers read) and
GET/PATCH /api/v1/settings/loop, one service, every change in the activity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from brands.models import Brand
from closo.exceptions import Invalid
from fulfillment.models import ConfigChange
from fulfillment.services.settings import loop_settings_update
from tests.conftest import patch_json
from tests.factories import BRAND

FORM = {
    "cost_warehouse_shipping": "18.00",
    "cost_warehouse_touch": "7.00",
    "cost_warehouse_processing": "5.00",
    "cost_hub_fee": "4.50",
    "refund_ready_at": "dropoff",
    "handoff_due_days": "2",
    "shelf_days": "21",
    "count_verify_days": "7",
    "split_label_cost": "14.00",
    "cancel_hazard_per_day": "0.02",
    "gross_margin": "0.5",
    "support_cost": "15.00",
    "acquisition_cost": "5.00",
    "promise_confidence": "0.95",
}


def changes(brand, in_brand):
    with in_brand(brand):
        return list(ConfigChange.objects.filter(area="loop_settings").values("action", "changes", "actor_label"))


def test_an_admin_changes_the_settings_and_the_activity_records_it(host_client, brand_a, alice, in_brand):
    client = host_client(brand_a.host, alice)
    page = client.get(reverse("loop_settings"))
    assert page.status_code == 200
    assert 'name="cost_hub_fee"' in page.content.decode() and "Local loop" in page.content.decode()
    response = client.post(reverse("loop_settings"), FORM)
    assert response.status_code == 302
    brand = Brand.objects.get(pk=brand_a.pk)
    assert (brand.cost_warehouse_route, brand.cost_local_route) == (Decimal("30.00"), Decimal("4.50"))
    assert (brand.refund_ready_at, brand.handoff_due_days, brand.shelf_days) == ("dropoff", 2, 21)
    (change,) = changes(brand_a, in_brand)
    assert change["action"] == "updated" and change["actor_label"] == alice.email
    assert change["changes"] == {
        "cost_warehouse_shipping": ["15.00", "18.00"],
        "cost_hub_fee": ["5.00", "4.50"],
        "refund_ready_at": ["inspection", "dropoff"],
        "handoff_due_days": [3, 2],
        "shelf_days": [14, 21],
    }
    # Saving the same values again writes nothing.
    client.post(reverse("loop_settings"), FORM)
    assert len(changes(brand_a, in_brand)) == 1


def test_a_viewer_reads_the_settings_and_cannot_change_them(host_client, brand_a, vera, in_brand):
    client = host_client(brand_a.host, vera)
    page = client.get(reverse("loop_settings")).content.decode()
    assert "$27.00" in page and "When it has been inspected" in page
    assert 'name="cost_hub_fee"' not in page and "Owners and admins can change these." in page
    response = client.post(reverse("loop_settings"), FORM)
    assert response.status_code == 302
    assert Brand.objects.get(pk=brand_a.pk).cost_hub_fee == Decimal("5.00")
    assert changes(brand_a, in_brand) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("cost_hub_fee", "-1"), ("handoff_due_days", "0"), ("shelf_days", "91"), ("refund_ready_at", "never")],
)
def test_a_value_out_of_range_is_shown_on_its_field_and_nothing_changes(
    host_client, brand_a, alice, in_brand, field, value
):
    response = host_client(brand_a.host, alice).post(reverse("loop_settings"), {**FORM, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert Brand.objects.get(pk=brand_a.pk).cost_hub_fee == Decimal("5.00")
    assert changes(brand_a, in_brand) == []


def test_the_service_checks_every_value_itself(brand_a, in_brand):
    brand = Brand.objects.get(pk=brand_a.pk)
    with pytest.raises(Invalid) as refused:
        loop_settings_update(
            brand=brand, values={"cost_hub_fee": "abc", "shelf_days": 0, "handoff_due_days": 2}, actor=BRAND
        )
    assert set(refused.value.fields) == {"cost_hub_fee", "shelf_days"}
    assert Brand.objects.get(pk=brand_a.pk).handoff_due_days == 3
    with pytest.raises(ValueError, match="Not loop settings: name"):
        loop_settings_update(brand=brand, values={"name": "X"}, actor=BRAND)


def test_the_api_reads_and_patches_some_settings(api_client, brand_a, brand_b, in_brand):
    api = api_client(brand_a)
    body = api.get("/api/v1/settings/loop").json()
    assert body == {
        "cost_warehouse_shipping": "15.00",
        "cost_warehouse_touch": "7.00",
        "cost_warehouse_processing": "5.00",
        "cost_hub_fee": "5.00",
        "refund_ready_at": "inspection",
        "handoff_due_days": 3,
        "shelf_days": 14,
        "count_verify_days": 7,
        "split_label_cost": "14.00",
        "cancel_hazard_per_day": 0.02,
        "gross_margin": 0.5,
        "support_cost": "15.00",
        "acquisition_cost": "5.00",
        "promise_confidence": 0.95,
        "logo": "",
        "brand_colour": "#1F4E79",
        "cost_warehouse_route": "27.00",
        "cost_local_route": "5.00",
    }
    response = patch_json(api, "/api/v1/settings/loop", {"cost_hub_fee": "6", "refund_ready_at": "warehouse"})
    assert response.status_code == 200, response.json()
    assert (response.json()["cost_local_route"], response.json()["refund_ready_at"]) == ("6.00", "warehouse")
    assert response.json()["shelf_days"] == 14  # the others stay
    (change,) = changes(brand_a, in_brand)
    assert change["changes"] == {"cost_hub_fee": ["5.00", "6.00"], "refund_ready_at": ["inspection", "warehouse"]}
    assert Brand.objects.get(pk=brand_b.pk).cost_hub_fee == Decimal("5.00")  # the other brand's untouched


@pytest.mark.parametrize(
    "body", [{"cost_hub_fee": "-2"}, {"shelf_days": 0}, {"refund_ready_at": "later"}, {"cost_hub_fee": "1e9"}]
)
def test_the_api_refuses_bad_values_with_400(api_client, brand_a, body):
    response = patch_json(api_client(brand_a), "/api/v1/settings/loop", body)
    assert response.status_code == 400, response.json()
    assert Brand.objects.get(pk=brand_a.pk).cost_hub_fee == Decimal("5.00")


def test_a_read_only_key_cannot_patch(api_client, brand_a):
    response = patch_json(api_client(brand_a, role="viewer"), "/api/v1/settings/loop", {"cost_hub_fee": "1"})
    assert response.status_code == 403
    assert Brand.objects.get(pk=brand_a.pk).cost_hub_fee == Decimal("5.00")
