"""The split-ship advisor: the arithmetic (fulfillment/advice.py), the brand's figures in
the loop settings, POST /api/v1/advice/split-ship and the card on a backorder's page.

The seed's failure case: a $45 average order and $14 of extra shipping for a second
parcel. With the defaults (2 %/day, 50 % margin, $15 support, $5 acquisition) a
cancellation costs 0.5 × 45 + 15 + 5 = $42.50, and the two sides cost the same at a wait of
ln(1 − 14/42.5) / ln(0.98) ≈ 19.8 days."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from brands.models import Brand
from fulfillment.advice import SplitShipCosts, break_even_days, cancel_probability, split_ship_advice
from fulfillment.models import Backorder, ConfigChange, Sku
from fulfillment.services.settings import loop_settings_update
from tests.conftest import patch_json, post_json
from tests.factories import BRAND

DEFAULTS = SplitShipCosts(
    split_label_cost=Decimal("14.00"),
    cancel_hazard_per_day=0.02,
    gross_margin=0.5,
    support_cost=Decimal("15.00"),
    acquisition_cost=Decimal("5.00"),
)
SEED_ORDER = Decimal("45.00")
URL = "/api/v1/advice/split-ship"


def advise(days, value=SEED_ORDER, costs=DEFAULTS):
    return split_ship_advice(order_value=value, expected_wait_days=days, costs=costs)


# --- the arithmetic ---


def test_the_chance_of_a_cancellation_compounds_daily():
    assert cancel_probability(0.02, 30) == pytest.approx(1 - 0.98**30)
    assert cancel_probability(0.02, 30) == pytest.approx(0.4545, abs=1e-4)  # ≈ 45 % after a month
    assert cancel_probability(0.02, 1) == pytest.approx(0.02)
    assert cancel_probability(0.02, 0) == 0.0
    assert cancel_probability(0.0, 30) == 0.0


def test_the_seeds_45_dollar_order_waits_when_the_wait_is_short():
    advice = advise(7)
    assert advice.recommendation == "wait"
    assert advice.split_cost == Decimal("14.00")
    assert advice.at_risk == Decimal("42.50")
    assert advice.wait_cost == Decimal("5.60")  # (1 − 0.98⁷) × 42.50 = 0.1319 × 42.50
    assert advice.sentence == (
        "Wait and ship once: waiting ~7 days risks $5.60 in expected cancellations, less than a $14.00 "
        "second label. Split if the wait grows past 19.8 days."
    )


def test_the_seeds_45_dollar_order_splits_when_the_wait_is_long():
    advice = advise(30)
    assert advice.recommendation == "split"
    assert advice.cancel_probability == pytest.approx(0.4545, abs=1e-4)
    assert advice.wait_cost == Decimal("19.32")  # 0.4545 × 42.50
    assert advice.sentence == (
        "Ship now in two parcels: waiting ~30 days risks $19.32 in expected cancellations against a $14.00 "
        "second label."
    )


def test_the_break_even_wait_is_where_both_sides_cost_the_same():
    expected = math.log(1 - 14 / 42.5) / math.log(0.98)
    assert expected == pytest.approx(19.8, abs=0.05)
    assert break_even_days(label=Decimal("14"), at_risk=Decimal("42.50"), hazard_per_day=0.02) == pytest.approx(
        expected
    )
    assert cancel_probability(0.02, expected) * 42.5 == pytest.approx(14)
    assert advise(0).break_even_days == 19.8
    # The whole days on either side of it.
    assert (advise(19).recommendation, advise(19).wait_cost) == ("wait", Decimal("13.55"))
    assert (advise(20).recommendation, advise(20).wait_cost) == ("split", Decimal("14.13"))


def test_a_cancellation_risks_the_margin_on_the_whole_order_plus_support_and_acquisition():
    advice = advise(10, value=Decimal("120.00"))
    assert advice.at_risk == Decimal("80.00")  # 0.5 × 120 + 15 + 5: the in-stock lines go with it
    assert advice.wait_cost == (Decimal(str(1 - 0.98**10)) * Decimal("80.00")).quantize(Decimal("0.01"))
    # A bigger order makes waiting dearer: the break-even comes sooner.
    assert advice.break_even_days < advise(10).break_even_days


def test_splitting_never_pays_when_a_cancellation_costs_less_than_the_label():
    costly_label = SplitShipCosts(**{**DEFAULTS.__dict__, "split_label_cost": Decimal("50.00")})
    advice = advise(365, costs=costly_label)
    assert (advice.recommendation, advice.break_even_days) == ("wait", None)
    assert "would never pay for itself on this order (a cancellation costs at most $42.50)" in advice.sentence
    no_hazard = SplitShipCosts(**{**DEFAULTS.__dict__, "cancel_hazard_per_day": 0.0})
    advice = advise(365, costs=no_hazard)
    assert (advice.recommendation, advice.wait_cost, advice.break_even_days) == ("wait", Decimal("0.00"), None)
    assert "with no cancellation risk set, waiting costs nothing" in advice.sentence


def test_a_free_second_label_always_splits_a_wait_with_any_risk():
    free = SplitShipCosts(**{**DEFAULTS.__dict__, "split_label_cost": Decimal("0")})
    assert advise(1, costs=free).recommendation == "split"
    assert advise(1, costs=free).break_even_days == 0.0
    assert advise(0, costs=free).recommendation == "wait"  # nothing to wait for: a tie ships once


def test_negative_inputs_are_refused():
    with pytest.raises(ValueError):
        advise(-1)
    with pytest.raises(ValueError):
        advise(3, value=Decimal("-1"))


# --- the brand's figures ---


def test_the_brands_settings_change_the_answer(brand_a, in_brand):
    brand = Brand.objects.get(pk=brand_a.pk)
    assert SplitShipCosts.of(brand) == DEFAULTS
    assert advise(9, costs=SplitShipCosts.of(brand)).recommendation == "wait"
    loop_settings_update(brand=brand, values={"cancel_hazard_per_day": 0.05}, actor=BRAND)
    assert advise(9, costs=SplitShipCosts.of(brand)).recommendation == "split"  # 1 − 0.95⁹ = 37 % × 42.50
    loop_settings_update(brand=brand, values={"cancel_hazard_per_day": 0.02, "split_label_cost": "6.50"}, actor=BRAND)
    assert advise(9, costs=SplitShipCosts.of(brand)).recommendation == "split"
    loop_settings_update(
        brand=brand, values={"split_label_cost": "14.00", "gross_margin": 1, "support_cost": "40.00"}, actor=BRAND
    )
    assert advise(9, costs=SplitShipCosts.of(brand)).at_risk == Decimal("90.00")
    with in_brand(brand_a):
        changed = [c.changes for c in ConfigChange.objects.filter(area="loop_settings").order_by("pk")]
    assert changed[0] == {"cancel_hazard_per_day": [0.02, 0.05]}
    assert changed[2] == {
        "split_label_cost": ["6.50", "14.00"],
        "gross_margin": [0.5, 1.0],
        "support_cost": ["15.00", "40.00"],
    }


def test_the_settings_api_patches_the_split_ship_figures_and_refuses_out_of_range(api_client, brand_a):
    api = api_client(brand_a)
    response = patch_json(api, "/api/v1/settings/loop", {"split_label_cost": "9.75", "gross_margin": 0.6})
    assert response.status_code == 200, response.json()
    assert (response.json()["split_label_cost"], response.json()["gross_margin"]) == ("9.75", 0.6)
    for body in ({"cancel_hazard_per_day": 0.6}, {"gross_margin": 1.5}, {"support_cost": "-1"}):
        response = patch_json(api, "/api/v1/settings/loop", body)
        assert response.status_code == 400, body
        assert set(response.json()["error"]["fields"]) == set(body)


def test_the_settings_page_shows_the_split_ship_figures(host_client, brand_a, alice, vera):
    admin_page = host_client(brand_a.host, alice).get(reverse("loop_settings")).content.decode()
    assert 'name="split_label_cost"' in admin_page and 'name="cancel_hazard_per_day"' in admin_page
    assert "Split shipping: ship now or wait?" in admin_page and "(2 % a day, compounding)" in admin_page
    viewer_page = host_client(brand_a.host, vera).get(reverse("loop_settings")).content.decode()
    assert "<dt>Gross margin</dt><dd>50 % of the order's value</dd>" in viewer_page
    assert "<dt>Split shipping: second label</dt><dd>$14.00</dd>" in viewer_page


# --- the API ---


def order(days=None, value="45.00", zip_code="78702", **extra):
    body = {
        "lines": [
            {"sku": "TEE-M", "qty": 1, "backordered": False},
            {"sku": "WB-15", "qty": 1, "backordered": True},
        ],
        "zip": zip_code,
        "order_value": value,
        **extra,
    }
    if days is not None:
        body["expected_wait_days"] = days
    return body


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15", title="Weighted blanket", price=120)


def backorder(sku, ref="#1001-2", promised_in_days=None, **values):
    promised = (
        timezone.localdate() + datetime.timedelta(days=promised_in_days) if promised_in_days is not None else None
    )
    return Backorder.objects.create(
        order_ref=ref,
        sku=sku,
        value=45,
        customer_zip="78702",
        placed_at=timezone.now() - datetime.timedelta(days=2),
        promised_ship_by=promised,
        **values,
    )


def test_the_api_says_wait_for_a_short_wait_and_split_for_a_long_one(api):
    short = post_json(api, URL, order(days=7))
    assert short.status_code == 200, short.json()
    assert short.json() == {
        "recommendation": "wait",
        "sentence": "Wait and ship once: waiting ~7 days risks $5.60 in expected cancellations, less than a "
        "$14.00 second label. Split if the wait grows past 19.8 days.",
        "split_cost": "14.00",
        "wait_cost": "5.60",
        "cancel_probability": pytest.approx(1 - 0.98**7),
        "at_risk": "42.50",
        "expected_wait_days": 7,
        "wait_source": "expected_wait_days",
        "break_even_days": 19.8,
        "order_value": "45.00",
        "zip": "78702",
        "backorder": None,
        "ship_now": [{"sku": "TEE-M", "qty": 1}],
        "ship_later": [{"sku": "WB-15", "qty": 1}],
        "costs": {
            "split_label_cost": "14.00",
            "cancel_hazard_per_day": 0.02,
            "gross_margin": 0.5,
            "support_cost": "15.00",
            "acquisition_cost": "5.00",
        },
    }
    long = post_json(api, URL, order(days=30)).json()
    assert (long["recommendation"], long["wait_cost"]) == ("split", "19.32")
    assert long["sentence"].startswith("Ship now in two parcels: waiting ~30 days risks $19.32")


def test_the_api_reads_the_wait_from_a_backorders_promise(api, sku, brand_a, in_brand):
    with in_brand(brand_a):
        soon, later = backorder(sku, "#1001-2", promised_in_days=5), backorder(sku, "#1002-2", promised_in_days=25)
    body = post_json(api, URL, order(backorder=soon.pk)).json()
    assert (body["recommendation"], body["expected_wait_days"]) == ("wait", 5)
    assert (body["wait_source"], body["backorder"]) == ("backorder_promise", soon.pk)
    body = post_json(api, URL, order(backorder=later.pk)).json()
    assert (body["recommendation"], body["expected_wait_days"]) == ("split", 25)


def test_the_api_answers_with_the_brands_own_figures(api, brand_a):
    loop_settings_update(brand=Brand.objects.get(pk=brand_a.pk), values={"split_label_cost": "4.00"}, actor=BRAND)
    body = post_json(api, URL, order(days=7)).json()
    assert (body["recommendation"], body["split_cost"], body["costs"]["split_label_cost"]) == ("split", "4.00", "4.00")


def test_a_read_only_key_and_a_viewer_may_ask_for_advice(api_client, brand_a, host_client, vera):
    assert post_json(api_client(brand_a, role="viewer"), URL, order(days=7)).status_code == 200
    viewer = host_client(brand_a.host, vera)
    viewer.enforce_csrf_checks = False
    assert post_json(viewer, URL, order(days=7)).status_code == 200


def test_outsiders_get_no_advice(host_client, brand_a, olga):
    assert post_json(host_client(brand_a.host, olga), URL, order(days=7)).status_code == 403
    assert post_json(host_client(brand_a.host), URL, order(days=7)).status_code in (401, 403)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (order(days=7, zip_code="1234"), "invalid_zip", "zip"),
        (order(days=7, zip_code="00000"), "invalid_zip", "zip"),
        (order(), "wait_unknown", "expected_wait_days"),
        (order(days=7, backorder=1), "invalid", "backorder"),
        (order(backorder=999_999), "invalid", "backorder"),
        (order(days=-1), "min_value", "expected_wait_days"),
        (order(days=366), "max_value", "expected_wait_days"),
        (order(days=7, value="-1"), "min_value", "order_value"),
        (order(days=7, value="1e12"), "max_digits", "order_value"),
        ({**order(days=7), "lines": []}, "min_length", "lines"),
        ({**order(days=7), "lines": [{"sku": "A", "qty": 0, "backordered": True}] * 2}, "min_value", "lines"),
        ({**order(days=7), "lines": [{"sku": "A", "backordered": "maybe"}] * 2}, "invalid", "lines"),
        ({**order(days=7), "lines": [{"sku": "A", "backordered": True}] * 101}, "max_length", "lines"),
        ({**order(days=7), "lines": "TEE-M"}, "not_a_list", "lines"),
        ({k: v for k, v in order(days=7).items() if k != "order_value"}, "required", "order_value"),
    ],
)
def test_bad_requests_are_400s_naming_the_field(api, body, code, field):
    response = post_json(api, URL, body)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"], error


def test_an_order_with_nothing_to_split_is_refused_with_nothing_to_split(api):
    for backordered, says in ((True, "Every line of this order is backordered"), (False, "No line of this order")):
        lines = [{"sku": "A", "backordered": backordered}, {"sku": "B", "backordered": backordered}]
        response = post_json(api, URL, {**order(days=7), "lines": lines})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "nothing_to_split"
        assert response.json()["error"]["message"].startswith(says)


def test_a_backorder_without_a_future_promise_gives_no_wait(api, sku, brand_a, in_brand):
    with in_brand(brand_a):
        unpromised = backorder(sku, "#1")
        overdue = backorder(sku, "#2", promised_in_days=-1)
        cancelled = backorder(sku, "#3", promised_in_days=9, status="cancelled")
    for made, says in (
        (unpromised, "it has no promised ship-by date"),
        (overdue, "has passed"),
        (cancelled, "it is cancelled"),
    ):
        response = post_json(api, URL, order(backorder=made.pk))
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "wait_unknown"
        assert says in response.json()["error"]["message"]


def test_another_brands_backorder_is_unknown(api_client, sku, brand_a, brand_b, in_brand):
    with in_brand(brand_a):
        mine = backorder(sku, promised_in_days=5)
    response = post_json(api_client(brand_b), URL, order(backorder=mine.pk))
    assert response.status_code == 400 and response.json()["error"]["fields"] == {"backorder": ["No such backorder."]}


def test_asking_writes_nothing_and_a_retry_gets_the_same_answer(api, brand_a, in_brand, django_assert_max_num_queries):
    # The brand (its host), the key's IP lock, the key and its last use, the ZIP; search_path.
    with django_assert_max_num_queries(7):
        first = post_json(api, URL, order(days=12))
    assert post_json(api, URL, order(days=12)).json() == first.json()
    with in_brand(brand_a):
        assert not ConfigChange.objects.exists() and not Backorder.objects.exists()


# --- the backorder page ---


def test_a_waiting_backorders_page_advises_splitting_a_long_wait(alice_client, sku, brand_a, in_brand):
    with in_brand(brand_a):
        made = backorder(sku, promised_in_days=30)
    page = alice_client.get(reverse("backorder_detail", args=[made.pk])).content.decode()
    assert "Split-ship advice" in page and 'pill-advice-split">Split now' in page
    assert "Ship now in two parcels: waiting ~30 days risks $19.32 in expected cancellations" in page
    assert "<dt>Split now</dt><dd>$14.00" in page
    assert '$19.32 <span class="muted">— a 45.5 % chance the customer cancels, costing $42.50' in page
    assert "a wait of 19.8 days" in page


def test_the_card_takes_the_whole_orders_value_and_another_wait(alice_client, sku, brand_a, in_brand):
    with in_brand(brand_a):
        made = backorder(sku, promised_in_days=30)
    url = reverse("backorder_detail", args=[made.pk])
    page = alice_client.get(url, {"order_value": "45", "expected_wait_days": "7"}).content.decode()
    assert 'pill-advice-wait">Wait' in page and "waiting ~7 days risks $5.60" in page
    page = alice_client.get(url, {"order_value": "300", "expected_wait_days": "7"}).content.decode()
    assert 'pill-advice-split">Split now' in page  # 0.5 × 300 + 20 = $170 at risk: 13 % of it beats $14
    # Nonsense is shown on its field; the card keeps the backorder's own figures.
    response = alice_client.get(url, {"expected_wait_days": "-3"})
    assert response.context["advice_form"].errors["expected_wait_days"]
    assert "waiting ~30 days" in response.content.decode()


def test_a_backorder_without_a_promise_asks_for_the_wait(vera_client, sku, brand_a, in_brand):
    with in_brand(brand_a):
        made = backorder(sku)
    url = reverse("backorder_detail", args=[made.pk])
    page = vera_client.get(url).content.decode()
    assert "It has no promised ship-by date, so its wait is unknown" in page and 'name="expected_wait_days"' in page
    assert "Ship now in two parcels" in vera_client.get(url, {"expected_wait_days": "40"}).content.decode()


def test_a_closed_backorder_shows_no_advice(alice_client, sku, brand_a, in_brand):
    with in_brand(brand_a):
        made = backorder(sku, promised_in_days=30, status="fulfilled")
    assert "Split-ship advice" not in alice_client.get(reverse("backorder_detail", args=[made.pk])).content.decode()
