"""Inbound supply on a phone: the weekly chart of expected units, and receiving a restock
from its page (driven through Chromium, see conftest.py)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from closo.actors import Actor
from fulfillment.models import Sku
from fulfillment.services.supply import supply_create
from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"


@pytest.fixture
def restocks(brand_a, in_brand):
    today = timezone.localdate()
    with in_brand(brand_a):
        Sku.objects.create(code="WB-15", title="Weighted blanket 15 lb", price=119, available_qty=3)
        Sku.objects.create(code="TH-1", title="Knit throw", price=49)
        for ref, code, qty, days in [
            ("PO-2031", "WB-15", 120, 3),
            ("PO-2032", "TH-1", 40, 10),
            ("PO-2033", "WB-15", 200, 24),
            ("PO-2034", "TH-1", 60, 45),
        ]:
            supply_create(
                sku_code=code,
                qty=qty,
                expected_date=today + datetime.timedelta(days=days),
                po_ref=ref,
                actor=Actor.system(),
            )


def test_admin_reads_the_weekly_chart_and_receives_a_restock(page, server, sign_in, screenshot, restocks):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supply").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Inbound supply")
    expect(page.locator(".weekchart .bar-row")).to_have_count(8)
    expect(page.get_by_text("420 units expected in all.")).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the supply page scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "supply-list-phone.png")

    page.get_by_role("link", name="PO-2031").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PO-2031")
    screenshot(page, "supply-detail-expected-phone.png")
    page.get_by_role("button", name="Mark received").click()
    expect(page.get_by_role("status")).to_contain_text("Received 120 × WB-15")
    expect(page.get_by_role("heading", level=1).locator(".pill")).to_have_text("Received")
    expect(page.get_by_text("123 at your warehouse")).to_be_visible()
    expect(page.locator(".timeline > li")).to_have_count(2)
    screenshot(page, "supply-detail-phone.png")
