"""The split-ship card on a backorder's page, on a phone (375 px): the backorder's own wait
says split; the whole order's value and a shorter wait, typed in, say wait."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fulfillment.models import Backorder, Sku
from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
NARROW = {"width": 375, "height": 812}


def test_the_split_ship_card_on_a_phone(page, server, sign_in, screenshot, brand_a, in_brand):
    with in_brand(brand_a):
        sku = Sku.objects.create(code="WB-15", title="Weighted blanket 15 lb", price=45)
        backorder = Backorder.objects.create(
            order_ref="#1042-2",
            sku=sku,
            value=45,
            customer_zip="78702",
            placed_at=timezone.now() - dt.timedelta(days=3),
            promised_ship_by=timezone.localdate() + dt.timedelta(days=30),
        )
    page.set_viewport_size(NARROW)
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url(f"/backorders/{backorder.pk}/", brand="acme"))
    card = page.locator(".split-advice")
    expect(card).to_contain_text("Ship now in two parcels: waiting ~30 days risks $19.32")
    expect(card.locator(".pill")).to_have_text("Split now")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    screenshot(page, "split-ship-advice-375.png")

    card.get_by_text("The whole order's value, another wait").click()
    card.get_by_label("Order value ($)").fill("45")
    card.get_by_label("Expected wait (days)").fill("7")
    card.get_by_role("button", name="Advise").click()
    expect(card).to_contain_text("Wait and ship once: waiting ~7 days risks $5.60")
    expect(card.locator(".pill")).to_have_text("Wait")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    screenshot(page, "split-ship-advice-wait-375.png")
