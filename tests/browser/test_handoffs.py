"""Hand-offs on a phone (375×812): the hub sees the hand-off due with its shelf label, types
a wrong pickup code and then the customer's, and is told what to hand over; it records a
shipment for another; the brand sees the allocation, the hand-off and the chain of custody,
and its Local fills."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from brands.models import Brand
from fulfillment.models import Backorder
from hubs.models import Hub, HubTask
from tests.conftest import EMAILS, PASSWORD
from tests.fulfillment.test_handoffs import allocate

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(browser, server) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    yield page
    context.close()
    assert not errors, errors


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_hub_confirms_a_pickup_on_a_phone_and_the_brand_sees_the_chain(phone, server, sign_in, screenshot):
    acme = Brand.objects.get(slug="acme")
    Hub.objects.filter(name="Eastside Porch").update(opening_hours="Mon–Sat 9–18")
    hub = Hub.objects.get(name="Eastside Porch")
    pickup = allocate(acme, hub, n=1, name="Cara Jones")
    shipped = allocate(acme, hub, n=2, name="Dev Patel")

    page = phone
    sign_in(page, server.url("/accounts/sign-in/"), EMAILS["ivan"], PASSWORD)
    expect(page).to_have_url(server.url("/hub/"))
    lane = page.locator("#lane-handoff .task")
    expect(lane).to_have_count(2)
    expect(lane.first).to_contain_text("T1")
    expect(lane.first).to_contain_text("for Cara")
    expect(lane.first).to_contain_text("Customer pickup at the hub")
    no_sideways_scroll(page)
    page.locator("#lane-handoff").scroll_into_view_if_needed()
    screenshot(page, "hub-home-handoffs-phone.png")

    page.get_by_role("link", name="Confirm a pickup").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm a pickup")
    page.get_by_label("Pickup code").fill("ZZZZ-ZZZZ")
    page.get_by_role("button", name="Confirm pickup").click()
    expect(page.get_by_role("alert")).to_contain_text("is not a pickup code we know")
    no_sideways_scroll(page)
    screenshot(page, "hub-handoff-confirm-error-phone.png")

    code = pickup.pickup_code
    page.get_by_label("Pickup code").fill(f"{code[:4].lower()} {code[4:]}")
    page.get_by_role("button", name="Confirm pickup").click()
    expect(page.get_by_role("heading", name="Hand over now")).to_be_visible()
    done = page.locator(".handoff-done")
    expect(done).to_contain_text("T1")
    expect(done).to_contain_text("WB-15-SAGE · Weighted blanket")
    expect(page.locator(".messages")).to_contain_text("Code accepted for Acme Apparel. Hand over T1.")
    no_sideways_scroll(page)
    screenshot(page, "hub-handoff-done-phone.png")

    # The other one leaves by parcel: its page, a missing tracking number, then recorded.
    page.goto(server.url(f"/hub/handoffs/{HubTask.objects.get(code=shipped.pickup_code).pk}/"))
    expect(page.get_by_role("heading", name="What to hand over")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Dev")
    no_sideways_scroll(page)
    screenshot(page, "hub-handoff-detail-phone.png")
    page.get_by_label("Shipped by us").check()
    page.get_by_role("button", name="Record hand-off").click()
    expect(page.locator(".field-error")).to_contain_text("Enter the carrier's tracking number")
    page.get_by_label("Tracking number").fill("1Z999AA10123456784")
    page.get_by_role("button", name="Record hand-off").click()
    expect(page.locator(".handoff-done")).to_contain_text("tracking 1Z999AA10123456784")

    # The brand's side: the picked-up backorder is fulfilled, with the whole chain.
    page.context.clear_cookies()
    sign_in(page, server.url("/accounts/sign-in/", brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url(f"/backorders/{pickup.backorder_id}/", brand="acme"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fulfilled")
    timeline = page.get_by_role("list", name="Timeline")
    for step in ("Reserved for a backorder", "Allocated", "Handed off", "Fulfilled"):
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text("at Eastside Porch")
    no_sideways_scroll(page)
    screenshot(page, "brand-backorder-handed-off-phone.png")

    page.goto(server.url(f"/backorders/{shipped.backorder_id}/", brand="acme"))
    expect(page.locator("section.card").nth(1)).to_contain_text("1Z999AA10123456784")
    page.get_by_role("button", name="Mark delivered (fulfilled)").click()
    expect(page.locator(".messages")).to_contain_text("fulfilled: the customer has it")
    with schema_context(acme.schema_name):
        assert Backorder.objects.get(pk=shipped.backorder_id).status == "fulfilled"

    allocate(acme, hub, n=3, name="Eli")  # one still waiting on the shelf for its customer
    page.get_by_role("link", name="Local fills").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Local fills")
    expect(page.locator(".cards.stats")).to_contain_text(re.compile(r"2\s+filled in 7 days"))
    expect(page.locator("#shelves")).to_contain_text("Eastside Porch")
    no_sideways_scroll(page)
    screenshot(page, "brand-local-fills-phone.png")
