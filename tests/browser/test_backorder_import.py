"""A brand admin imports a 200-row backorder CSV with a few bad rows, on a phone, and
watches it go through: the progress bar fills chunk by chunk, the counts add up, and
each bad line is listed with its reason."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
ROWS = 200
ZIPS = ["78701", "78702", "78704", "78745", "78613", "78660"]
HEADER = "order_ref,sku,customer_zip,value,qty,customer_name,placed_at,priority\n"
# line number in the file (header = line 1) → (what goes wrong, the row's cells, the reason shown)
BAD = {
    23: ("unknown SKU", "#BAD-23,NO-SUCH-SKU,78701,120.00,1,Ana,,0", "sku: No SKU with code “NO-SUCH-SKU”."),
    61: (
        "not a ZIP",
        "#BAD-61,WB-15-SAGE,00000,120.00,1,Ben,,0",
        "customer_zip: Enter a 5-digit US ZIP code, e.g. 78702.",
    ),
    102: (
        "outside the regions",
        "#BAD-102,WB-15-SAGE,10001,120.00,1,Cy,,0",
        "customer_zip: 10001: not allowed — no region covers it (nearest active hub: Eastside Porch, 1,511 mi)",
    ),
    150: (
        "not an amount",
        "#BAD-150,WB-15-SAGE,78701,twelve,1,Di,,0",
        "value: “twelve” is not an amount, e.g. 120.00.",
    ),
    187: (
        "not a date",
        "#BAD-187,WB-20-SLATE,78702,140.00,1,Ed,31/02/2026,0",
        "placed_at: “31/02/2026” is not a date, e.g. 2026-03-01 or 2026-03-01 14:30.",
    ),
}
DUPLICATE_LINE = 130  # repeats the order_ref of line 2: recognised and skipped, not an error


def backorders_csv() -> bytes:
    today = dt.date.today()
    lines = [HEADER]
    for line in range(2, ROWS + 2):
        if line in BAD:
            lines.append(BAD[line][1] + "\n")
            continue
        n = 2 if line == DUPLICATE_LINE else line
        sku = "WB-15-SAGE" if n % 3 else "WB-20-SLATE"
        placed = today - dt.timedelta(days=n % 45)
        lines.append(f"#SH-{n:04d}-1,{sku},{ZIPS[n % len(ZIPS)]},{100 + n % 50}.00,1,Customer {n},{placed},{n % 3}\n")
    return "".join(lines).encode()


@pytest.fixture
def catalogue(brand_a, in_brand):
    """Two SKUs (created directly, not through the SKU services) and a region around Austin."""
    from fulfillment.models import RegionLimit, Sku

    with in_brand(brand_a):
        Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket 15 lb, sage", price=120)
        Sku.objects.create(code="WB-20-SLATE", title="Weighted blanket 20 lb, slate", price=140)
        RegionLimit.objects.create(name="Austin metro", within_miles_of_hub=25, max_promise_days=30)


def test_brand_admin_imports_200_backorders_and_sees_progress_and_the_bad_lines(
    page, server, sign_in, screenshot, catalogue
):
    data = backorders_csv()
    assert data.count(b"\n") == ROWS + 1
    steps = []  # what each chunk reported, as the page received it
    page.on(
        "response",
        lambda r: (
            steps.append(json.loads(r.body())["processed_rows"]) if re.search(r"/imports/\d+/run/$", r.url) else None
        ),
    )

    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Backorders").click()
    expect(page.locator(".empty")).to_contain_text("No backorders yet.")
    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import backorders from a CSV file")
    page.get_by_label("CSV file").set_input_files(
        {"name": "shopify-backorders.csv", "mimeType": "text/csv", "buffer": data}
    )
    screenshot(page, "backorder-import-form-phone.png")
    page.get_by_role("button", name="Upload and import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Importing shopify-backorders.csv")
    box = page.locator("#import")
    expect(box).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.locator(".progress-bar")).to_have_attribute("style", "width: 100%;")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", str(ROWS))
    expect(box.locator(".progress-text")).to_have_text(re.compile(rf"{ROWS} of {ROWS} rows\s+· Done"))
    assert steps == list(range(25, ROWS + 1, 25)), steps  # the bar moved chunk by chunk

    expect(box.locator('[data-field="created"]')).to_have_text(str(ROWS - len(BAD) - 1))
    expect(box.locator('[data-field="skipped"]')).to_have_text("1")
    expect(box.locator('[data-field="error_count"]')).to_have_text(str(len(BAD)))
    expect(box.locator('[data-field="updated"]')).to_have_text("0")
    problems = page.locator("#import-errors tbody tr")
    expect(problems.locator('[data-label="Line"]')).to_have_text([str(line) for line in BAD])
    expect(problems.locator('[data-label="Problem"]')).to_have_text([reason for _, _, reason in BAD.values()])
    expect(box.locator(".done-next")).to_have_text(
        re.compile(r"Done\. See the Backorders, or fix the lines below and upload just those again\.")
    )
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the import page scrolls sideways on a phone ({scroll_width} px wide)"
    screenshot(page, "backorder-import-done-phone.png")

    # The list now holds the good rows, with the age histogram over them.
    box.get_by_role("link", name=re.compile("See the backorders", re.IGNORECASE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Backorders")
    expect(page.locator(".pager")).to_contain_text(f"{ROWS - len(BAD) - 1} in all")
    counts = page.locator(".histogram .bar-value")
    expect(counts).to_have_count(5)
    assert sum(int(n) for n in counts.all_inner_texts()) == ROWS - len(BAD) - 1
    screenshot(page, "backorder-list-phone.png")

    # One of them, with its timeline; cancelling it asks for a reason and adds to the timeline.
    page.get_by_role("link", name="#SH-0100-1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Backorder #SH-0100-1 Waiting")
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline.locator("li")).to_have_text(
        [
            re.compile(
                r"Created: new → Waiting\s+— CSV import — 78613: allowed — 17\.8 mi from Eastside Porch .*"
                r"\s+alice@acme\.test \(CSV shopify-backorders\.csv\)"
            )
        ]
    )
    page.get_by_role("button", name="Cancel backorder").click()
    expect(page.locator(".msg-error")).to_have_text("Say why the backorder is cancelled.")
    page.get_by_label("Why cancel?").fill("Customer asked for a refund")
    page.get_by_role("button", name="Cancel backorder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Backorder #SH-0100-1 Cancelled")
    expect(timeline.locator("li").nth(1)).to_contain_text(
        "Cancelled: Waiting → Cancelled — Customer asked for a refund"
    )
    expect(page.get_by_role("button", name="Cancel backorder")).to_have_count(0)
    screenshot(page, "backorder-detail-phone.png")
    page.get_by_role("link", name="← Backorders").click()

    # Uploading the same file again creates nothing: every good line is already there.
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "shopify-backorders.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#import")).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.locator('#import [data-field="created"]')).to_have_text("0")
    expect(page.locator('#import [data-field="skipped"]')).to_have_text(str(ROWS - len(BAD)))
    expect(page.locator('#import [data-field="error_count"]')).to_have_text(str(len(BAD)))


def test_a_file_missing_columns_is_refused_whole_on_the_page(page, server, sign_in, catalogue):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/backorders/import/", brand="acme"))
    page.get_by_label("CSV file").set_input_files(
        {"name": "orders.csv", "mimeType": "text/csv", "buffer": b"order_ref,sku\n#1,WB-15-SAGE\n"}
    )
    page.get_by_role("button", name="Upload and import").click()

    expect(page.locator(".field-error .error")).to_contain_text("Missing columns: customer_zip, value.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import backorders from a CSV file")
