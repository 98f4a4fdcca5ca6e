"""The backorders list on a phone: the age chart counts what the filters select, and its
bars narrow the list without losing the filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fulfillment.models import Backorder, Sku
from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"


@pytest.fixture
def backorders(brand_a, in_brand):
    """Ten backorders in Austin (787…) and ten in New York (100…), 0 to 38 days old."""
    now = timezone.now()
    with in_brand(brand_a):
        sku = Sku.objects.create(code="WB-15", title="Weighted blanket 15 lb", price=119)
        Backorder.objects.bulk_create(
            Backorder(
                order_ref=f"#{i:04d}",
                sku=sku,
                value=120,
                customer_zip="78701" if i % 2 else "10001",
                placed_at=now - dt.timedelta(days=2 * i, hours=1),
            )
            for i in range(20)
        )


def bars(page) -> list[str]:
    return page.locator(".histogram .bar-row").all_inner_texts()


def test_the_age_chart_follows_the_filters(page, server, sign_in, screenshot, backorders):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/backorders/", brand="acme"))
    chart = page.locator(".histogram .bar-value")
    expect(chart).to_have_text(["2", "2", "4", "8", "4"])  # ages 0, 2 | 4, 6 | 8…14 | 16…30 | 32…38

    page.get_by_label("ZIP prefix").fill("787")
    page.get_by_role("button", name="Show").click()
    expect(chart).to_have_text(["1", "1", "2", "4", "2"])  # odd i: ages 2 | 6 | 10, 14 | 18…30 | 34, 38
    expect(page.get_by_text("Only backorders that match the SKU, ZIP and date filters below.")).to_be_visible()
    expect(page.locator("#backorders tbody tr")).to_have_count(10)
    screenshot(page, "backorders-chart-filtered-phone.png")

    page.locator(".histogram").get_by_role("link", name="15–30 days").click()
    expect(page.locator("#backorders tbody tr")).to_have_count(4)  # still Austin only
    expect(page.get_by_label("ZIP prefix")).to_have_value("787")
    expect(chart).to_have_text(["1", "1", "2", "4", "2"])  # the chart stays whole: its bar is marked
    expect(page.locator(".histogram [aria-current]")).to_have_text("15–30 days")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the backorders page scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "backorders-chart-bucket-phone.png")
