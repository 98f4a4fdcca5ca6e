"""SKUs on a phone: import a CSV and watch its progress bar and line-by-line problems, then
find the imported SKUs in the list (driven through Chromium, see conftest.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
CSV = (
    "code,title,price,category,attributes,local_returns_enabled\n"
    + "".join(f"WB-{i:02d},Weighted blanket {i},119.00,Blankets,colour=Sage; size=Queen,yes\n" for i in range(1, 60))
    + "WB-BAD,Broken price,abc,Blankets,,yes\n"
    + "TH-1,Throw,49,Throws,,maybe\n"
).encode()


def test_admin_imports_a_csv_and_sees_progress_and_bad_lines(page, server, sign_in, screenshot):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SKUs").click()
    expect(page.get_by_text("No SKUs yet.")).to_be_visible()
    screenshot(page, "skus-empty-phone.png")

    page.locator(".actions").get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import SKUs from a CSV file")
    expect(page.get_by_text("Good rows are kept; rows with problems are skipped")).to_be_visible()
    page.get_by_label("CSV file").set_input_files({"name": "catalogue.csv", "mimeType": "text/csv", "buffer": CSV})
    page.get_by_role("button", name="Upload and import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Importing catalogue.csv")
    expect(page.locator("[data-field=status-label]")).to_have_text("Done")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "61")
    expect(page.locator("[data-field=created]")).to_have_text("59")
    expect(page.locator("[data-field=error_count]")).to_have_text("2")
    rows = page.locator("#import-errors tbody tr")
    expect(rows).to_have_text([re.compile(r"61\s*price: Enter a number\."), re.compile(r"62\s*local_returns_enabled:")])
    screenshot(page, "sku-import-done-phone.png")

    page.locator(".done-next").get_by_role("link", name="See the skus").click()
    expect(page.locator("tbody tr")).to_have_count(50)
    expect(page.get_by_text("Page 1 of 2 · 59 in all")).to_be_visible()
    page.get_by_label("Search").fill("WB-07")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("colour: Sage · size: Queen")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the SKU list scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "sku-list-phone.png")


def test_upload_of_an_unreadable_file_is_explained_on_the_form(page, server, sign_in, screenshot):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/skus/import/", brand="acme"))
    page.get_by_label("CSV file").set_input_files(
        {"name": "skus.csv", "mimeType": "text/csv", "buffer": b"sku,name\nA,a\n"}
    )
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator(".field-error .error")).to_contain_text("Missing columns: code, title, price.")
    screenshot(page, "sku-import-refused-phone.png")
