"""Integrations on a phone (375 px): a brand admin opens the page from the nav, pastes a
Shopify secret, Shopify delivers an order, and the delivery shows in the log."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.conftest import EMAILS, PASSWORD
from tests.intake.helpers import ADMIN, catalogue, shopify_headers, shopify_order

pytestmark = pytest.mark.browser

SECRET = "shpss_0123456789abcdef0123456789abcdef"


@pytest.fixture
def setup(brand_a, in_brand):
    with in_brand(brand_a):
        catalogue(IPOD2008PINK=0)
    return ADMIN


def _deliver(server, order: dict) -> int:
    body = json.dumps(order).encode()
    headers = {key[5:].replace("_", "-").title(): value for key, value in shopify_headers(body, secret=SECRET).items()}
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/integrations/shopify/webhooks",
        data=body,
        method="POST",
        headers={"Host": server.host("acme"), "Content-Type": "application/json", **headers},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return response.status


def test_admin_pastes_the_shopify_secret_and_sees_a_delivery(page, server, sign_in, screenshot, setup):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, server.url("/accounts/sign-in/", brand="acme"), EMAILS["alice"], PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrations")
    expect(page.locator("#shopify-url")).to_have_value(server.url("/integrations/shopify/webhooks", brand="acme"))

    page.locator("#shopify").get_by_label("Signing secret").fill(SECRET)
    page.locator("#shopify").get_by_role("button", name="Save secret").click()
    expect(page.get_by_text("Current secret: …cdef")).to_be_visible()
    assert SECRET not in page.content()

    assert _deliver(server, shopify_order()) == 200
    page.reload()
    row = page.locator("table tbody tr").first
    expect(row.locator('[data-label="Outcome"]')).to_contain_text("2 created")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the Integrations page scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "integrations-phone.png")
