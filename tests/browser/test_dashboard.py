"""The brand dashboard in Chromium (issue 11 §2): a brand whose fills, returns and refunds
went through the real services; every chart renders with labelled axes, the figures on
the page are the ones GET /api/v1/metrics returns, a chart's CSV link downloads the same
numbers, and the page fits a 375 px phone without sideways scroll."""

from __future__ import annotations

import csv
import datetime
import json

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from brands.models import Brand, RefundReadyAt
from brands.services import api_keys as api_key_services
from fulfillment.charts import CHARTS
from fulfillment.models import InboundSupply, Sku
from fulfillment.services import returns as return_services
from fulfillment.services import supply as supply_services
from fulfillment.services.handoffs import handoff_confirm_pickup
from fulfillment.services.matching import unit_match
from hubs.models import Hub
from tests.conftest import EMAILS, PASSWORD
from tests.factories import BRAND, HUB
from tests.fulfillment.loop_builders import shelve, waiting

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
NARROW = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def seed_through_the_services(brand: Brand, hub: Hub) -> None:
    """Three local fills (picked up at the hub), two restock fills, three returns (two to
    the hub, one dropped off, one to the warehouse) and two customers still waiting."""
    Brand.objects.filter(pk=brand.pk).update(refund_ready_at=RefundReadyAt.DROPOFF)
    now = timezone.now()
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket, sage", price=120)
        InboundSupply.objects.create(
            po_ref="PO-1", sku=sku, qty=100, expected_date=timezone.localdate() + datetime.timedelta(days=25)
        )
        codes = []
        for n, age in enumerate((2, 4, 9), start=1):
            waiting(sku, ref=f"#L{n}", placed_at=now - datetime.timedelta(days=age))
            codes.append(unit_match(unit_id=shelve(brand, sku, hub, n).pk).pickup_code)
        for n in (1, 2):
            waiting(sku, ref=f"#R{n}", placed_at=now - datetime.timedelta(days=20 + n))
        Sku.objects.filter(pk=sku.pk).update(available_qty=2)  # a received restock
        assert supply_services.restock_fill(sku_id=sku.pk) == 2
        dropped = return_services.return_create(
            rma_ref="RMA-1", sku_code=sku.code, customer_zip="78702", hub=hub, actor=BRAND
        )
        return_services.return_create(rma_ref="RMA-2", sku_code=sku.code, customer_zip="78702", hub=hub, actor=BRAND)
        return_services.return_create(
            rma_ref="RMA-3", sku_code=sku.code, customer_zip="78702", route="warehouse", actor=BRAND
        )
        waiting(sku, ref="#W1", placed_at=now - datetime.timedelta(days=1), lat=None, lon=None, zip_code="10001")
        waiting(sku, ref="#W2", placed_at=now - datetime.timedelta(days=40), lat=None, lon=None, zip_code="10001")
    for code in codes:
        handoff_confirm_pickup(code=code, hub=hub, actor=HUB)
    return_services.return_receive_dropoff(code=dropped.dropoff_code, hub=hub, actor=HUB)


def cells(page, chart: str) -> list[list[str]]:
    """A chart's table as its exact values (data-value), row by row."""
    return page.locator(f"#{chart}-table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.children].map(c => c.dataset.value))"
    )


def number(text: str) -> float | None:
    return None if text == "" else float(text)


def same(shown: list[tuple], api: list[tuple]) -> bool:
    """The page's values against the API's: equal, floats to the 4 decimals tables and CSV carry."""
    return shown == [tuple(None if v is None else pytest.approx(v, abs=1e-4) for v in row) for row in api]


def test_the_dashboard_shows_the_metrics_api_figures_on_a_phone(page, server, sign_in, screenshot, tmp_path):
    brand = Brand.objects.get(slug="acme")
    seed_through_the_services(brand, Hub.objects.get(name="Eastside Porch"))
    _, key = api_key_services.api_key_create(brand=brand, name="dashboard test", role="viewer", actor=None)
    status, body = server.get("/api/v1/metrics", brand="acme", headers={"Authorization": f"Api-Key {key}"})
    assert status == 200
    api = json.loads(body)
    assert api["summary"]["local_fill_rate"] == 0.6 and api["summary"]["backorders_waiting"] == 2

    page.set_viewport_size(NARROW)
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/", brand="acme"))
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    # Every chart is drawn, with its axis titles and tick labels.
    for name in CHARTS:
        svg = page.locator(f"#{name}-svg")
        expect(svg).to_be_visible()
        assert svg.get_attribute("role") == "img"
        assert svg.locator("text.x-title").text_content().strip()
        assert svg.locator("text.y-title").text_content().strip()
        assert svg.locator("text.y-tick").count() >= 2
    assert page.locator("#filled-svg rect[height]:not([height='0'])").count() >= 2  # bars drawn
    assert page.locator("#days-svg path").count() == 2  # local and restock lines

    # The headline figures and the tables are the API's numbers.
    summary = api["summary"]
    for key in ("local_fill_rate", "savings", "revenue_kept", "promises_kept_share", "backorders_waiting"):
        shown = page.locator(f"#stat-{key}").get_attribute("data-value")
        assert number(shown) == summary[key], key
    assert page.locator("#stat-savings .stat-n").text_content() == "$44"  # two hub returns × $22
    weeks = api["weeks"]
    money = cells(page, "money")
    assert [row[0] for row in money] == [w["week"] for w in weeks]
    assert [(number(r[1]), number(r[2])) for r in money] == [(w["savings"], w["revenue_kept"]) for w in weeks]
    fills = cells(page, "filled")
    assert [(int(r[1]), int(r[2])) for r in fills] == [(w["filled_local"], w["filled_restock"]) for w in weeks]
    days = cells(page, "days")
    assert same(
        [(number(r[1]), number(r[2])) for r in days],
        [(w["median_days_to_fill_local"], w["median_days_to_fill_restock"]) for w in weeks],
    )
    refunds = cells(page, "refunds")
    assert same(
        [(number(r[1]), number(r[2])) for r in refunds],
        [(w["refund_days_hub"], w["refund_days_warehouse"]) for w in weeks],
    )
    queue = cells(page, "queue")
    assert [(r[0], int(r[1])) for r in queue] == [(b["label"], b["waiting"]) for b in api["queue_ageing"]]

    # The CSV link downloads the same numbers.
    details = page.locator("#money details")
    details.locator("summary").click()
    with page.expect_download() as download:
        details.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.startswith("money-acme-")
    path = tmp_path / "money.csv"
    download.value.save_as(path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["Week starting", "Savings", "Revenue kept"]
    assert [(r[0], float(r[1]), float(r[2])) for r in rows[1:]] == [
        (w["week"], w["savings"], w["revenue_kept"]) for w in weeks
    ]

    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= NARROW["width"], f"the dashboard scrolls sideways ({wide}px)"
    screenshot(page, "dashboard-375.png")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "dashboard-desktop.png")


def test_a_new_brand_sees_what_to_do_next(page, server, sign_in, screenshot):
    page.set_viewport_size(NARROW)
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/dashboard/", brand="acme"))
    expect(page.get_by_role("heading", name="No fills yet — here is what to do next")).to_be_visible()
    expect(page.get_by_role("link", name="Bring in your backorders")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    screenshot(page, "dashboard-empty-375.png")
