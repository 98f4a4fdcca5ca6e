"""The local loop's brand pages on a phone (375 px): a return routed automatically shows
its routing decision and its drop-off QR code; an admin changes the local loop settings
(driven through Chromium, see conftest.py)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from brands.models import Brand
from fulfillment.models import Backorder, Sku
from fulfillment.services import returns as return_services
from hubs.models import Hub
from tests.conftest import EMAILS, PASSWORD
from tests.factories import BRAND

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
NARROW = {"width": 375, "height": 812}


def no_sideways_scroll(page, what: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= NARROW["width"], f"{what} scrolls sideways ({wide}px)"


def test_a_routed_return_shows_its_decision_and_qr_on_a_phone(page, server, sign_in, screenshot):
    hub = Hub.objects.get(name="Eastside Porch")
    brand = Brand.objects.get(slug="acme")
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket, sage", price=120)
        Backorder.objects.bulk_create(
            Backorder(
                order_ref=f"#{i}",
                sku=sku,
                value=120,
                customer_zip="78702",
                lat=hub.lat,
                lon=hub.lon,
                placed_at=timezone.now() - datetime.timedelta(days=21),
            )
            for i in range(3)
        )
        item = return_services.return_create(
            rma_ref="RMA-10452", sku_code="WB-15-SAGE", customer_zip="78702", customer_name="Casey", actor=BRAND
        )
    page.set_viewport_size(NARROW)
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url(f"/returns/{item.pk}/", brand="acme"))
    routing = page.locator("#routing")
    expect(routing).to_contain_text("Eastside Porch: 3 customers within 10 mi wait for WB-15-SAGE")
    expect(routing).to_contain_text("$22.00")
    qr = page.locator(".dropoff-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 100 and box["width"] == box["height"]
    expect(page.locator("#dropoff")).to_contain_text(f"{item.dropoff_code[:4]}-{item.dropoff_code[4:]}")
    no_sideways_scroll(page, "return page")
    screenshot(page, "return-routed-qr-375.png")


def test_an_admin_changes_the_local_loop_settings_on_a_phone(page, server, sign_in, screenshot):
    page.set_viewport_size(NARROW)
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/", brand="acme"))
    page.get_by_role("link", name="Local loop", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Local loop settings")
    page.get_by_label("Local route: hub fee ($)").fill("4.50")
    page.get_by_label("Refund ready").select_option("dropoff")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Local loop settings saved.")).to_be_visible()
    expect(page.get_by_label("Local route: hub fee ($)")).to_have_value("4.50")
    no_sideways_scroll(page, "settings page")
    screenshot(page, "loop-settings-375.png")
    brand = Brand.objects.get(slug="acme")
    assert (str(brand.cost_hub_fee), brand.refund_ready_at) == ("4.50", "dropoff")


def test_the_promises_page_shows_the_calibration_chart_on_a_phone(page, server, sign_in, screenshot):
    from fulfillment.models import Promise

    with schema_context(Brand.objects.get(slug="acme").schema_name):
        sku = Sku.objects.create(code="PR-1", title="Blanket", price=120)
        for i, (confidence, kept) in enumerate(
            [(0.96, True)] * 19 + [(0.96, False)] + [(0.85, True)] * 6 + [(0.85, False)] * 4
        ):
            backorder = Backorder.objects.create(
                order_ref=f"#PR{i}", sku=sku, value=120, customer_zip="78702", placed_at=timezone.now()
            )
            Promise.objects.create(
                backorder=backorder,
                ship_by=timezone.localdate(),
                confidence=confidence,
                source="local_return",
                why="created",
                kept=kept,
                slack_days=2 if kept else -1,
                settled_at=timezone.now(),
            )
    page.set_viewport_size(NARROW)
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["vera"], PASSWORD)
    page.goto(server.url("/", brand="acme"))
    page.get_by_role("link", name="Promises", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Promises")
    expect(
        page.get_by_role("img", name="Calibration: stated confidence against the share of promises kept")
    ).to_be_visible()
    expect(page.locator("#calibration-table")).to_contain_text("95%–98%")
    no_sideways_scroll(page, "promises page")
    screenshot(page, "promises-375.png")
