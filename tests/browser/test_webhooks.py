"""A brand admin adds a webhook endpoint on a 375 px phone, sends a test event to a real
receiver, sees the delivery in the log and redelivers it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import EMAILS, PASSWORD
from tests.webhooks.receiver import serve

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
WIDTH = 375


@pytest.fixture
def narrow_page(browser, server):
    context = browser.new_context(viewport={"width": WIDTH, "height": 812}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    yield page
    context.close()
    assert not errors


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with serve() as state:
        yield state


def fits(page) -> bool:
    """Nothing wider than the phone (a mobile layout viewport grows to fit its content, so
    compare with the device width, not innerWidth)."""
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_admin_adds_an_endpoint_sends_a_test_event_and_redelivers(narrow_page, server, sign_in, screenshot, receiver):
    page = narrow_page
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/webhooks/", brand="acme"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    assert fits(page)
    screenshot(page, "webhooks-list-empty-375.png")

    page.get_by_role("link", name="Add endpoint").click()
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("Order service")
    page.get_by_label("backorder.allocated").check()
    page.get_by_label("handoff.completed").check()
    assert fits(page)
    screenshot(page, "webhooks-form-375.png")
    page.get_by_role("button", name="Add endpoint").click()

    expect(page.get_by_role("heading", name="Copy the signing secret now")).to_be_visible()
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")

    page.get_by_role("button", name="Send test event").click()
    expect(page.locator(".messages")).to_contain_text("Delivered: HTTP 200")
    row = page.locator("table tbody tr").first
    expect(row.locator('[data-label="Event"]')).to_contain_text("ping")
    expect(row.locator('[data-label="Status"]')).to_contain_text("Delivered")
    assert fits(page)

    receiver.plan = [(500, 0, b"receiver is down")]
    row.get_by_role("button", name="Redeliver").click()
    expect(page.locator(".messages")).to_contain_text("Not delivered: HTTP 500")
    row = page.locator("table tbody tr").first
    row.locator("summary").click()
    expect(row.locator('[data-label="Attempts"]')).to_contain_text("receiver is down")
    assert fits(page)
    screenshot(page, "webhooks-detail-375.png")
    assert len(receiver.requests) == 2

    page.goto(server.url("/webhooks/", brand="acme"))
    expect(page.locator("table tbody tr")).to_have_count(1)
    screenshot(page, "webhooks-list-375.png")
