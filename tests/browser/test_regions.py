"""A brand admin limits backorders to a region and tries ZIPs against it, on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"


def try_zip(page, zip_code: str):
    box = page.locator("#try-zip")
    box.get_by_label("ZIP code").fill(zip_code)
    box.get_by_role("button", name="Check").click()
    return box.get_by_role("status").locator(".decision-text")


def test_brand_admin_sets_a_region_limit_and_tries_zips(page, server, sign_in, screenshot):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Regions").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Regions")
    expect(page.locator(".empty")).to_contain_text("No regions set — backorders are allowed everywhere.")
    expect(try_zip(page, "78701")).to_have_text("78701: allowed — no regions set — backorders are allowed everywhere")

    page.get_by_role("link", name="New region").click()
    page.get_by_label("Name").fill("Austin metro")
    page.get_by_label("ZIP prefixes").fill("787, 7x")
    page.get_by_label("Within miles of an active hub").fill("10")
    page.get_by_label("Longest ship-by promise (days)").fill("21")
    page.get_by_label("Cap: open backorders per SKU").fill("25")
    page.get_by_label("Customers must agree to receive a Like-New returned unit").check()
    page.get_by_role("button", name="Add region").click()

    # The bad prefix is explained on its field, and nothing typed is lost.
    expect(page.locator(".field-error .error")).to_have_text(
        "7x: a ZIP prefix is 3 to 5 digits, e.g. 787 (one digit alone covers a tenth of the US)."
    )
    expect(page.get_by_label("ZIP prefixes")).to_have_value("787, 7x")
    expect(page.get_by_label("Name")).to_have_value("Austin metro")
    expect(page.get_by_label("Within miles of an active hub")).to_have_value("10")
    expect(page.get_by_label("Customers must agree to receive a Like-New returned unit")).to_be_checked()
    screenshot(page, "region-form-error-phone.png")

    page.get_by_label("ZIP prefixes").fill("")
    page.get_by_role("button", name="Add region").click()

    expect(page.get_by_role("status").filter(has_text="added")).to_have_text("Region “Austin metro” added.")
    row = page.locator("#regions tbody tr", has_text="Austin metro")
    expect(row.locator('[data-label="Where"]')).to_have_text("within 10 mi of an active hub")
    expect(row.locator('[data-label="Promise"]')).to_have_text("≤ 21 days")
    expect(row.locator('[data-label="Cap per SKU"]')).to_have_text("25")
    expect(row.locator('[data-label="Consent"]')).to_have_text("Required")

    expect(try_zip(page, "78701")).to_have_text(
        "78701: allowed — 1.6 mi from Eastside Porch (within 10 mi of an active hub, region “Austin metro”)"
    )
    expect(page.locator("#try-zip").get_by_role("status")).to_contain_text(
        "Promise at most 21 days · customer consent to a Like-New returned unit required"
    )
    expect(page).to_have_url(re.compile(r"/regions/\?zip=78701$"))
    screenshot(page, "region-try-zip-allowed-phone.png")

    expect(try_zip(page, "10001")).to_have_text(
        "10001: not allowed — no region covers it (nearest active hub: Eastside Porch, 1,511 mi)"
    )
    expect(page.locator(".decision-no")).to_be_visible()
    expect(try_zip(page, "00000")).to_have_text("00000: not a US ZIP code")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the regions page scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "region-try-zip-refused-phone.png")


def test_a_region_form_shows_every_problem_at_once_and_refuses_too_wide_or_unreal_prefixes(
    page, server, sign_in, screenshot
):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/regions/new/", brand="acme"))
    expect(page.locator(".field", has=page.get_by_label("ZIP prefixes")).locator(".help")).to_contain_text(
        "3 to 5 digits"
    )
    page.get_by_label("ZIP prefixes").fill("7, 00000")
    page.get_by_label("Longest ship-by promise (days)").fill("0")
    page.get_by_label("Cap: open backorders per SKU").fill("-3")
    page.get_by_role("button", name="Add region").click()

    # One submit, every problem: the name, both prefixes and both numbers.
    def errors_of(label: str):
        return page.locator(".field", has=page.get_by_label(label, exact=True)).locator(".error")

    expect(page.locator(".field-error")).to_have_count(4)
    expect(errors_of("Name")).to_have_text("Give the region a name, e.g. “Austin metro”.")
    expect(errors_of("ZIP prefixes")).to_have_text(
        [
            "7: a ZIP prefix is 3 to 5 digits, e.g. 787 (one digit alone covers a tenth of the US).",
            "00000: no US ZIP code starts with these digits.",
        ]
    )
    expect(errors_of("Longest ship-by promise (days)")).to_have_text("Between 1 and 365 days.")
    expect(errors_of("Cap: open backorders per SKU")).to_have_text("Between 1 and 1,000,000 backorders.")
    expect(page.get_by_label("ZIP prefixes")).to_have_value("7, 00000")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the region form scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "region-form-all-errors-phone.png")

    page.get_by_label("Name").fill("Central Texas")
    page.get_by_label("ZIP prefixes").fill("787, 786")
    page.get_by_label("Longest ship-by promise (days)").fill("30")
    page.get_by_label("Cap: open backorders per SKU").fill("")
    page.get_by_role("button", name="Add region").click()
    expect(page.get_by_role("status").filter(has_text="added")).to_have_text("Region “Central Texas” added.")


def test_viewer_can_try_a_zip_but_not_change_regions(page, server, sign_in, brand_a, in_brand):
    from fulfillment.models import RegionLimit

    with in_brand(brand_a):
        RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"])
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["vera"], PASSWORD)
    page.goto(server.url("/regions/", brand="acme"))

    expect(try_zip(page, "78745")).to_have_text("78745: allowed — in region “Austin core” (prefix 787)")
    expect(page.get_by_role("link", name="New region")).to_have_count(0)
    expect(page.get_by_role("link", name="Austin core")).to_have_count(0)
