"""The storefront demo on a 375 px phone: an admin creates the publishable key on the API-keys
page, opens the demo product page, types a ZIP and sees "Backorder — ships in N days" from
closo-availability.js (driven through Chromium, see conftest.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fulfillment.models import InboundSupply, Sku
from tests.conftest import EMAILS, PASSWORD
from tests.factories import in_days

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"


@pytest.fixture
def catalogue(brand_a, in_brand):
    """WB-20 sold out with a restock PO in 10 days (a dated promise); TH-1 sold out with
    nothing coming (no backorder)."""
    with in_brand(brand_a):
        blanket = Sku.objects.create(code="WB-20", title="Weighted blanket 20 lb", price=139, available_qty=0)
        Sku.objects.create(code="TH-1", title="Knit throw", price=49, available_qty=0)
        InboundSupply.objects.create(po_ref="PO-1", sku=blanket, qty=50, expected_date=in_days(10))


def test_demo_page_shows_ships_in_n_days_for_a_zip_on_a_phone(page, server, sign_in, screenshot, catalogue):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/api-keys/", brand="acme"))
    page.get_by_role("button", name="Create publishable key").click()
    key = page.get_by_role("textbox", name="Publishable key").input_value()
    assert key.startswith("closo_pk_")
    screenshot(page, "api-keys-publishable-phone.png")

    page.get_by_role("link", name="See it on a demo product page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Storefront demo")
    page.get_by_label("Product (SKU)").select_option("WB-20")
    page.get_by_label("Delivery ZIP code").fill("78702")
    page.get_by_role("button", name="Check").click()
    status = page.get_by_role("status").filter(has_text="Backorder")
    expect(status).to_have_text(re.compile(r"^Backorder — ships in \d+ days \(by \w{3}, \w{3} \d{1,2}\)$"))
    assert page.locator(".closo-availability__status").get_attribute("aria-live") == "polite"
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the demo page scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "storefront-demo-phone.png")

    # A variant change asks again; nothing comes for the throw.
    page.get_by_label("Product (SKU)").select_option("TH-1")
    expect(page.locator(".closo-availability__status")).to_have_text("Not available for backorder")

    # The ZIP is remembered: the next product page answers without typing.
    page.goto(server.url("/storefront-demo/?sku=WB-20", brand="acme"))
    expect(page.get_by_label("Delivery ZIP code")).to_have_value("78702")
    expect(page.locator(".closo-availability__status")).to_contain_text("Backorder — ships in")
