"""Issue 12 end to end, on a phone: a brand admin pastes the Shopify secret and adds a webhook
endpoint; Shopify delivers an order; the backorders it creates are delivered, signed, to the
brand's receiver and show in the delivery log; the admin redelivers one and previews every
customer e-mail; the customer opens the status page from the confirmation e-mail, and a
tampered or expired link is refused."""

from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from brands.models import Brand
from fulfillment.models import EmailLog
from tests.conftest import EMAILS, PASSWORD
from tests.intake.helpers import catalogue, shopify_headers, shopify_order
from tests.webhooks.receiver import serve

pytestmark = pytest.mark.browser

SHOPIFY_SECRET = "shpss_e2e0123456789abcdef0123456789ab"
WIDTH = 375
LINK = re.compile(r"https?://\S+/status/\S+/")


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with serve() as state:
        yield state


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def deliver_shopify(server, order: dict) -> int:
    body = json.dumps(order).encode()
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in shopify_headers(body, secret=SHOPIFY_SECRET, webhook_id="e2e-1").items()
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/integrations/shopify/webhooks",
        data=body,
        method="POST",
        headers={"Host": server.host("acme"), "Content-Type": "application/json", **headers},
    )
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
        return response.status


def test_shopify_in_webhooks_out_e_mails_and_the_status_page(
    page, server, sign_in, screenshot, receiver, commit_hooks, settings
):
    acme = Brand.objects.get(slug="acme")
    with schema_context(acme.schema_name):
        catalogue(IPOD2008PINK=0)
    page.set_viewport_size({"width": WIDTH, "height": 812})
    sign_in(page, server.url("/accounts/sign-in/", brand="acme"), EMAILS["alice"], PASSWORD)

    # 1. The Shopify secret, pasted on the Integrations page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.locator("#shopify").get_by_label("Signing secret").fill(SHOPIFY_SECRET)
    page.locator("#shopify").get_by_role("button", name="Save secret").click()
    expect(page.get_by_text("Current secret: …89ab")).to_be_visible()

    # 2. A webhook endpoint for new backorders, pointing at the brand's receiver.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="Add endpoint").click()
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("backorder.created").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")

    # 3. Shopify delivers an order: its out-of-stock lines become backorders, each one a
    # delivery of `backorder.created` queued for the task worker after commit.
    assert deliver_shopify(server, shopify_order()) == 200

    # 4. The deliveries arrive in the endpoint's log (the server is single-threaded: this page
    # is served after the webhook's request has finished, after-commit work included); the
    # admin sends one now with Redeliver, signed, to the receiver.
    page.goto(server.url("/webhooks/", brand="acme"))
    page.locator('td[data-label="URL"] a').first.click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i).locator('[data-label="Event"]')).to_contain_text("backorder.created")
    rows.first.get_by_role("button", name="Redeliver").click()
    expect(page.locator(".messages")).to_contain_text("Delivered: HTTP 200")
    expect(page.locator("table tbody tr").first.locator('[data-label="Status"]')).to_contain_text("Delivered")
    (sent,) = receiver.requests
    assert json.loads(sent.body)["type"] == "backorder.created"
    assert sent.headers["Closo-Signature"].startswith("t=")
    assert fits(page)
    screenshot(page, "e2e-webhook-log-375.png")

    # 5. Every customer e-mail previewed.
    page.goto(server.url("/emails/preview/", brand="acme"))
    links = page.locator("#previews a")
    kinds = len(EmailLog.Kind.values)
    expect(links).to_have_count(kinds)
    for i in range(kinds):
        page.goto(server.url("/emails/preview/", brand="acme"))
        label = page.locator("#previews a").nth(i).inner_text()
        page.locator("#previews a").nth(i).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        expect(page.frame_locator("#preview-html").locator("body")).not_to_be_empty()

    # 6. The customer opens the status page from the confirmation e-mail, on the phone.
    (confirmation, *_) = [m for m in mail.outbox if m.to == ["jon@example.com"]]
    url = LINK.findall(confirmation.body)[0]
    customer = page.context.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = customer.new_page()
    path = urlsplit(url).path
    phone.goto(server.url(path, brand="acme"))
    expect(phone.get_by_text("On backorder")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "e2e-status-page-390.png")

    # A tampered link is refused; so is one past its lifetime.
    tampered = phone.goto(server.url(path[:-3] + ("x" if path[-3] != "x" else "y") + path[-2:], brand="acme"))
    assert tampered.status == 404
    settings.STATUS_LINK_DAYS = -1  # every link is older than that
    expired = phone.goto(server.url(path, brand="acme"))
    assert expired.status == 410
    expect(phone.get_by_text("expired")).to_be_visible()
    customer.close()
