"""A brand admin records a return on a phone: the drop-off hub list follows the customer's
ZIP as it is typed, every problem is shown at once, and without JavaScript a button
updates the list and the server refuses a hub that does not serve the ZIP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fulfillment.models import ReturnItem, Sku
from tests.browser.conftest import PHONE
from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
EASTSIDE = "Eastside Porch — Austin, TX 78702 · 0.0 mi"  # the active hub of the cast, 10 mi radius


@pytest.fixture
def blanket(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15", title="Weighted blanket 15 lb", price=119)


def hub_options(page) -> list[str]:
    return page.get_by_label("Drop-off hub").locator("option").all_inner_texts()


def hub_help(page):
    return page.locator(".field", has=page.get_by_label("Drop-off hub")).locator(".help")


def error_of(page, label: str):
    return page.locator(".field", has=page.get_by_label(label, exact=True)).locator(".error")


def test_the_hub_list_follows_the_zip_and_every_error_shows_at_once(
    page, server, sign_in, screenshot, blanket, brand_a, in_brand
):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/returns/new/", brand="acme"))
    expect(page.get_by_role("button", name="Update the hub list for this ZIP")).to_be_hidden()
    assert hub_options(page) == ["No particular hub"]
    expect(hub_help(page)).to_contain_text(
        "Enter the customer's ZIP code: the active hubs that serve it are listed here."
    )

    page.get_by_label("Customer ZIP code").fill("78702")
    expect(page.get_by_label("Drop-off hub").locator("option")).to_have_text(["No particular hub", EASTSIDE])
    expect(hub_help(page)).to_contain_text("Active hubs that serve 78702 (Austin, TX), nearest first.")
    page.get_by_label("Drop-off hub").select_option(label=EASTSIDE)
    screenshot(page, "return-new-hubs-for-zip-phone.png")

    page.get_by_label("Customer ZIP code").fill("10001")  # New York: no hub there
    expect(page.get_by_label("Drop-off hub").locator("option")).to_have_text(["No particular hub"])
    expect(hub_help(page)).to_have_text(
        "No active hub serves 10001 (New York, NY) yet: the return goes to your warehouse."
    )

    # An unknown SKU and a ZIP that is no ZIP: both said at once, in the API's words.
    page.get_by_label("RMA reference").fill("RMA-2002")
    page.get_by_label("SKU code").fill("NOPE")
    page.get_by_label("Customer ZIP code").fill("7870")
    page.get_by_role("button", name="Create return").click()
    expect(page.locator(".field-error")).to_have_count(2)
    expect(error_of(page, "SKU code")).to_have_text("Unknown SKU code “NOPE”.")
    expect(error_of(page, "Customer ZIP code")).to_have_text("Enter a 5-digit US ZIP code, e.g. 78702.")
    expect(page.get_by_label("RMA reference")).to_have_value("RMA-2002")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"the new return form scrolls sideways ({scroll_width} px wide)"
    screenshot(page, "return-new-errors-phone.png")

    page.get_by_label("SKU code").fill("WB-15")
    page.get_by_label("Customer ZIP code").fill("78702")
    expect(page.get_by_label("Drop-off hub").locator("option")).to_have_text(["No particular hub", EASTSIDE])
    page.get_by_label("Drop-off hub").select_option(label=EASTSIDE)
    page.get_by_role("button", name="Create return").click()
    expect(page.get_by_role("status")).to_contain_text("Return RMA-2002 created and routed to Eastside Porch.")
    expect(page.locator("main")).to_contain_text("Eastside Porch, 1100 E 6th St, Austin, TX 78702")
    with in_brand(brand_a):
        assert ReturnItem.objects.get(rma_ref="RMA-2002").hub.name == "Eastside Porch"


def test_without_javascript_a_button_updates_the_list_and_the_server_refuses_a_hub_out_of_range(
    browser, server, sign_in, screenshot, blanket, brand_a, in_brand
):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
        page.goto(server.url("/returns/new/", brand="acme"))
        page.get_by_label("RMA reference").fill("RMA-3003")
        page.get_by_label("SKU code").fill("WB-15")
        page.get_by_label("Customer ZIP code").fill("78702")
        page.get_by_role("button", name="Update the hub list for this ZIP").click()
        expect(page.locator(".field-error")).to_have_count(0)  # only the list was asked for
        assert hub_options(page) == ["No particular hub", EASTSIDE]
        expect(page.get_by_label("RMA reference")).to_have_value("RMA-3003")

        page.get_by_label("Drop-off hub").select_option(label=EASTSIDE)
        page.get_by_label("Customer ZIP code").fill("10001")  # changed after picking the hub
        page.get_by_role("button", name="Create return").click()
        expect(error_of(page, "Drop-off hub")).to_have_text(
            "Eastside Porch does not serve ZIP 10001: it takes returns within 10 mi of 78702."
        )
        assert hub_options(page) == ["No particular hub"]  # the hubs for the ZIP now typed: none
        expect(hub_help(page)).to_contain_text("No active hub serves 10001 (New York, NY) yet")
        screenshot(page, "return-new-hub-out-of-range-nojs-phone.png")
        with in_brand(brand_a):
            assert not ReturnItem.objects.exists()
    finally:
        context.close()
