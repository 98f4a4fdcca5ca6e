"""A customer on a phone (390 px) opens the status page from the link in their e-mail: the
promise, then the pickup place and code once a unit is found; a tampered link is refused.
A brand admin previews the e-mails; the HTML e-mail is looked at as a mail client shows it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from brands.models import Brand
from fulfillment.models import Channel, Sku
from fulfillment.services import returns as return_services
from fulfillment.services.backorders import backorder_create
from hubs.models import Hub
from tests.conftest import EMAILS, PASSWORD
from tests.factories import BRAND
from tests.fulfillment.test_handoffs import allocate

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/status/\S+/")


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def link_in(message) -> str:
    (url,) = set(LINK.findall(message.body))
    return url


def opened(server, url: str) -> str:
    """The e-mail's link on the test server: same host and path, the server's port."""
    parts = urlsplit(url)
    assert parts.hostname == "acme.localhost"
    return server.url(parts.path, brand="acme")


def test_a_customer_follows_the_e_mail_link_on_a_phone(page, server, screenshot, commit_hooks):
    Brand.objects.filter(slug="acme").update(brand_colour="#0B5D1E")
    acme = Brand.objects.get(slug="acme")
    hub = Hub.objects.get(name="Eastside Porch")
    Hub.objects.filter(pk=hub.pk).update(opening_hours="Mon–Sat 9–18")
    ship_by = timezone.localdate() + timezone.timedelta(days=18)
    with schema_context(acme.schema_name):
        Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket, sage", price=120, available_qty=0)
        backorder_create(
            order_ref="#1042-1",
            sku_code="WB-15-SAGE",
            customer_zip="78702",
            value="120.00",
            promised_ship_by=ship_by,
            customer_name="Ana Diaz",
            customer_email="ana@example.com",
            channel=Channel.API,
            actor=BRAND,
        )
    commit_hooks()  # the test's transaction never commits: run what its commit would
    (confirmation,) = [m for m in mail.outbox if m.to == ["ana@example.com"]]

    page.goto(opened(server, link_in(confirmation)))
    expect(page.get_by_text("On backorder")).to_be_visible()
    expect(page.get_by_role("heading", name="Weighted blanket, sage")).to_be_visible()
    expect(page.get_by_test_id("ship-by")).to_have_text(f"{ship_by:%b %-d}")
    no_sideways_scroll(page)
    screenshot(page, "status-page-backorder-phone.png")

    # The HTML part, as a mail client renders it on the phone.
    ((html, _),) = confirmation.alternatives
    page.set_content(html)
    expect(page.get_by_role("link", name="See your order's status")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "email-backorder-confirmed-phone.png")

    # A unit is found near the customer: the unit-found e-mail's link shows the pickup.
    mail.outbox.clear()
    allocation = allocate(acme, hub, n=7, name="Cara Jones", email="cara@example.test")
    commit_hooks()
    (found,) = mail.outbox
    page.goto(opened(server, link_in(found)))
    expect(page.get_by_text("Ready for pickup")).to_be_visible()
    expect(page.get_by_test_id("pickup-code")).to_have_text(allocation.pickup_code)
    expect(page.get_by_text("Mon–Sat 9–18")).to_be_visible()
    expect(page.get_by_test_id("ship-by")).to_have_count(0)  # found: no ship date to wait for
    no_sideways_scroll(page)
    screenshot(page, "status-page-pickup-phone.png")

    # A link changed by one character is refused, and shows nothing of the order.
    url = opened(server, link_in(found))
    tampered = url[:-3] + ("x" if url[-3] != "x" else "y") + url[-2:]
    response = page.goto(tampered)
    assert response.status == 404
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
    expect(page.get_by_text(allocation.pickup_code)).to_have_count(0)
    screenshot(page, "status-page-refused-phone.png")


def test_a_brand_admin_previews_each_e_mail_on_a_phone(page, server, sign_in, screenshot):
    sign_in(page, server.url("/accounts/sign-in/", brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/emails/preview/", brand="acme"))
    links = page.locator("#previews a")
    expect(links).to_have_count(8)
    no_sideways_scroll(page)
    screenshot(page, "email-previews-phone.png")
    page.get_by_role("link", name="Local unit found").click()
    expect(page.locator("#preview-subject")).to_contain_text(
        "Acme Apparel: your Weighted blanket, sage is ready near you"
    )
    frame = page.frame_locator("#preview-html")
    expect(frame.get_by_text("K7P2Q9", exact=True)).to_be_visible()
    expect(page.locator("#preview-text")).to_contain_text("Your pickup code: K7P2Q9")
    no_sideways_scroll(page)
    screenshot(page, "email-preview-unit-found-phone.png")


def test_a_customer_opens_drop_off_instructions_with_the_qr_on_a_phone(page, server, screenshot, commit_hooks):
    acme = Brand.objects.get(slug="acme")
    hub = Hub.objects.get(name="Eastside Porch")
    with schema_context(acme.schema_name):
        Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket, sage", price=120)
        item = return_services.return_create(
            rma_ref="RMA-2048",
            sku_code="WB-15-SAGE",
            customer_zip="78702",
            hub=hub,
            customer_email="sam@example.com",
            actor=BRAND,
        )
    commit_hooks()
    (instructions,) = [m for m in mail.outbox if m.to == ["sam@example.com"]]
    page.goto(opened(server, link_in(instructions)))
    expect(page.get_by_text("Ready to drop off")).to_be_visible()
    expect(page.get_by_test_id("dropoff-code")).to_have_text(f"{item.dropoff_code[:4]}-{item.dropoff_code[4:]}")
    expect(page.locator(".qr svg")).to_be_visible()
    expect(page.get_by_test_id("refund-status")).to_contain_text("Pending")
    no_sideways_scroll(page)
    screenshot(page, "status-page-return-phone.png")
