"""Promise accuracy: GET /api/v1/promises/accuracy (kept share against stated confidence,
the calibration table, mean slack; one query) and the brand's Promises page (the SVG
calibration chart with its numbers in a table)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import Backorder, Promise, Sku


def settled(n: int, *, confidence: float | None, kept: int, slack: int = 1, source: str = "local_return") -> None:
    sku = Sku.objects.get_or_create(code="WB-20", defaults={"title": "Blanket", "price": 139})[0]
    start = Backorder.objects.count()
    for i in range(n):
        backorder = Backorder.objects.create(
            order_ref=f"#A{start + i}", sku=sku, value=139, customer_zip="78702", placed_at=timezone.now()
        )
        Promise.objects.create(
            backorder=backorder,
            ship_by=timezone.localdate(),
            confidence=confidence,
            source=source,
            why="created",
            kept=i < kept,
            slack_days=slack if i < kept else -slack,
            settled_at=timezone.now(),
        )


@pytest.fixture
def history(brand_a, in_brand):
    with in_brand(brand_a):
        settled(20, confidence=0.96, kept=19, slack=2)  # 95 % kept
        settled(10, confidence=0.85, kept=6, slack=1)  # 60 % kept: optimistic
        settled(4, confidence=None, kept=3, source="given")
        # an unsettled promise and a superseded one are not counted
        backorder = Backorder.objects.first()
        Promise.objects.create(backorder=backorder, ship_by=None, source="none", why="daily")


def test_the_api_states_kept_share_against_confidence_by_bucket(api_client, brand_a, history):
    api = api_client(brand_a, role="viewer")
    with CaptureQueriesContext(connection) as queries:
        body = api.get("/api/v1/promises/accuracy").json()
    assert sum('"fulfillment_promise"' in q["sql"] for q in queries.captured_queries) == 1  # one aggregate
    assert (body["n"], body["kept"], body["kept_share"]) == (30, 25, pytest.approx(25 / 30, abs=1e-4))
    assert body["stated_confidence"] == pytest.approx((20 * 0.96 + 10 * 0.85) / 30, abs=1e-4)
    assert body["mean_slack_days"] == pytest.approx((19 * 2 - 1 * 2 + 6 * 1 - 4 * 1) / 30, abs=0.01)
    buckets = {(b["low"], b["high"]): b for b in body["buckets"]}
    assert buckets[(0.95, 0.98)] == {"low": 0.95, "high": 0.98, "n": 20, "kept": 19, "kept_share": 0.95, "stated": 0.96}
    assert buckets[(0.8, 0.9)]["kept_share"] == 0.6 and buckets[(0.5, 0.8)]["n"] == 0
    assert buckets[(0.5, 0.8)]["kept_share"] is None
    assert (body["given_n"], body["given_kept"]) == (4, 3)


def test_with_nothing_settled_the_api_says_so_with_nulls(api_client, brand_a):
    body = api_client(brand_a).get("/api/v1/promises/accuracy").json()
    assert (body["n"], body["kept_share"], body["mean_slack_days"]) == (0, None, None)


def test_the_page_draws_the_calibration_chart_and_its_table(host_client, brand_a, vera, history):
    page = host_client(brand_a.host, vera).get(reverse("promise_accuracy"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg class="calibration-chart"' in html and "stroke-dasharray" in html  # the diagonal
    assert html.count("<circle") == 2 and "Stated confidence" in html and "Share kept" in html
    assert 'id="calibration-table"' in html and "95%–98%" in html and "83 %" in html
    assert 'aria-current="page">Promises</a>' in html
    assert "3 of 4 kept" in html


def test_the_page_takes_a_constant_number_of_queries(
    host_client, brand_a, vera, in_brand, django_assert_max_num_queries
):
    client = host_client(brand_a.host, vera)
    client.get(reverse("promise_accuracy"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("promise_accuracy"))
    with in_brand(brand_a):
        settled(40, confidence=0.97, kept=39)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("promise_accuracy"))


def test_an_outsider_cannot_read_it(host_client, brand_a, olga):
    assert host_client(brand_a.host, olga).get(reverse("promise_accuracy")).status_code in (302, 403, 404)
