"""The hub's day on a phone (390×844): the queue across brands with overdue work first,
receiving a drop-off by typing its code (a wrong code first), and the item page that
says what to do next."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from brands.models import Brand
from closo.actors import Actor
from fulfillment.models import Sku
from fulfillment.services import returns as services
from hubs.models import Hub, HubTask
from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SYSTEM = Actor.system("tests")


def routed(brand: Brand, hub: Hub, rma: str, sku_code: str, title: str):
    with schema_context(brand.schema_name):
        Sku.objects.get_or_create(code=sku_code, defaults={"title": title, "price": 100})
        return services.return_create(rma_ref=rma, sku_code=sku_code, customer_zip="78702", hub=hub, actor=SYSTEM)


def test_inspector_works_the_queue_and_receives_a_drop_off_by_code(page, server, sign_in, screenshot):
    acme, bolt = Brand.objects.get(slug="acme"), Brand.objects.get(slug="bolt")
    hub = Hub.objects.get(name="Eastside Porch")
    late = routed(bolt, hub, "BB-1042", "DUVET-Q", "Linen duvet, queen")
    HubTask.objects.filter(code=late.dropoff_code).update(due_at=timezone.now() - timedelta(days=2, hours=1))
    coming = routed(acme, hub, "RMA-2001", "WB-15", "Weighted blanket, sage")
    routed(acme, hub, "RMA-2002", "WB-15", "Weighted blanket, sage")

    sign_in(page, server.url("/accounts/sign-in/"), EMAILS["ivan"], PASSWORD)
    expect(page).to_have_url(server.url("/hub/"))
    lanes = page.get_by_role("list", name="Queue lanes")
    expect(lanes.locator("li")).to_have_text(
        [
            re.compile(r"3\s+expected drop-offs"),
            re.compile(r"0\s+awaiting inspection"),
            re.compile(r"0\s+on the shelf"),
            re.compile(r"0\s+hand-offs due"),
            re.compile(r"0\s+pack for the warehouse"),
        ]
    )
    expect(page.get_by_role("heading", name="Today's queue")).to_contain_text("1 overdue")
    dropoffs = page.locator("#lane-dropoff .task")
    expect(dropoffs).to_have_count(3)
    first = dropoffs.first
    expect(first).to_have_class(re.compile("task-overdue"))
    expect(first).to_contain_text("Bolt Bedding")
    expect(first).to_contain_text("BB-1042")
    expect(first).to_contain_text("Linen duvet, queen")
    overdue = first.locator(".pill-overdue")
    expect(overdue).to_have_text(re.compile(r"overdue 2\s+days"))
    assert overdue.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(185, 28, 28)"
    expect(dropoffs.nth(1)).to_contain_text("Acme Apparel")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "hub-queue-phone.png")

    page.get_by_role("link", name="Receive a drop-off").click()
    code_field = page.get_by_label("Drop-off code")
    expect(code_field).to_be_focused()
    code_field.fill("HJKM 2345")
    page.get_by_role("button", name="Receive", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("is not a drop-off code we know")
    expect(code_field).to_have_value("HJKM 2345")
    screenshot(page, "hub-receive-error-phone.png")

    code_field.fill(f"{coming.dropoff_code[:4].lower()}-{coming.dropoff_code[4:].lower()}")
    page.get_by_role("button", name="Receive", exact=True).click()

    expect(page).to_have_url(server.url(f"/hub/b/acme/returns/{coming.pk}/"))
    expect(page.get_by_role("status")).to_contain_text("Received RMA-2001 for Acme Apparel")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Weighted blanket, sage")
    expect(page.get_by_role("link", name="Inspect now")).to_have_attribute(
        "href", f"/hub/b/acme/returns/{coming.pk}/inspect/"
    )
    expect(page.get_by_role("list", name="Timeline").locator("li").last).to_contain_text("Received at the hub")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "hub-received-phone.png")

    page.get_by_role("link", name="← Queue").click()
    expect(lanes.locator("li").nth(0)).to_have_text(re.compile(r"2\s+expected drop-offs"))
    expect(lanes.locator("li").nth(1)).to_have_text(re.compile(r"1\s+awaiting inspection"))
    expect(page.locator("#lane-inspect .task")).to_contain_text("RMA-2001")
