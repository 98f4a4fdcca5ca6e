"""Activity on a phone: a brand admin lowers a SKU's price, then finds the change — with who
made it and the old and new price — on the Activity page (driven through Chromium, see
conftest.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from closo.actors import Actor
from closo.models import User
from fulfillment.services import regions as region_services
from fulfillment.services import skus as sku_services
from inspections.services import standard_rows as row_services
from inspections.services import standards as standard_services
from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"


@pytest.fixture
def setup(brand_a, in_brand):
    """Brand A's earlier changes: its catalogue, a WMS stock push, a region and a standard's draft."""
    alice = User.objects.get(email=EMAILS["alice"])
    vera = User.objects.get(email=EMAILS["vera"])
    as_alice = Actor(user=alice, label=alice.email)
    with in_brand(brand_a):
        sku = sku_services.sku_create(
            code="WB-15-SAGE",
            title="Weighted blanket 15 lb",
            price=Decimal("120.00"),
            category="Blankets",
            attributes={"colour": "Sage"},
            actor=as_alice,
        )
        sku_services.sku_set_stock(sku=sku, available_qty=12, actor=Actor.system("API key “WMS” (closo_7c1e04…)"))
        region_services.region_create(
            name="Austin metro", zip_prefixes="787, 786", max_promise_days=21, actor=Actor(user=vera, label=vera.email)
        )
        standard = standard_services.standard_create(name="Default", scope="default", actor=as_alice)
        row_services.checklist_item_add(
            version=standard.versions.get(), key="odor", prompt="No odor", fail_cap="unsellable", actor=as_alice
        )
    return sku


def test_admin_edits_a_price_and_finds_it_in_the_activity(page, server, sign_in, screenshot, setup):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SKUs").click()
    page.get_by_role("link", name="WB-15-SAGE").click()
    page.get_by_label("Price").fill("110.00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved WB-15-SAGE.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activity")
    newest = page.locator("#activity tbody tr").first
    expect(newest.locator('[data-label="What"]')).to_have_text("SKU changed")
    expect(newest.locator('[data-label="Subject"]')).to_have_text("WB-15-SAGE")
    expect(newest.locator('[data-label="Who"]')).to_have_text(EMAILS["alice"])
    expect(newest.locator('[data-label="Changes"]')).to_have_text("price: 120.00 → 110.00")
    expect(page.locator("#activity tbody tr")).to_have_count(6)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the Activity page scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "activity-phone.png")

    page.get_by_label("Area").select_option("region")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#activity tbody tr")).to_have_count(1)
    expect(page.locator("#activity tbody tr")).to_contain_text("Austin metro")
    expect(page.locator("#activity tbody tr")).to_contain_text(EMAILS["vera"])
