"""The local loop end to end on a phone (390×844), as issue 9's "Done means" asks: a return
created for ZIP 78702, where a customer has waited 21 days for the same SKU, is routed
automatically to Eastside Porch; Ivan receives and inspects it Like New; the release is
matched to that backorder (the on-commit work runs through `commit_hooks`); the brand sees
it allocated with the hub and pickup code; Ivan confirms the pickup code; the backorder is
fulfilled, and both sides show the chain of custody."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from closo.actors import Actor
from fulfillment.models import Allocation, Backorder, ReturnItem, Sku, StockUnit
from fulfillment.services.backorders import backorder_create
from tests.browser.test_inspection_flow import camera_photos, photo_worker  # noqa: F401 (fixtures)
from tests.conftest import EMAILS, PASSWORD
from tests.factories import SYSTEM
from tests.inspections.inspect_builders import SKU_CODE, SLOTS, publish_standard

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"


def no_sideways_scroll(page: Page, what: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{what} scrolls sideways ({wide}px)"


def switch_to(page: Page, sign_in, url: str, who: str) -> None:
    page.context.clear_cookies()
    sign_in(page, url, EMAILS[who], PASSWORD)


def test_a_return_near_a_waiting_customer_becomes_their_order_with_custody_on_both_sides(
    page: Page,
    server,
    sign_in,
    screenshot,
    commit_hooks,
    brand_a,
    alice,
    active_hub,
    camera_photos,  # noqa: F811
    photo_worker,  # noqa: F811
):
    photo_worker.start()
    with schema_context(brand_a.schema_name):
        publish_standard(Actor(user=alice, label=alice.email))
        Sku.objects.create(code=SKU_CODE, title="Weighted blanket", price=119)
        backorder = backorder_create(
            order_ref="#5021",
            sku_code=SKU_CODE,
            customer_zip="78702",
            customer_name="Cara Jones",
            customer_email="cara@example.test",
            value=119,
            placed_at=timezone.now() - datetime.timedelta(days=21),
            channel="api",
            actor=SYSTEM,
        )
        assert backorder.status == "waiting" and backorder.lat is not None

    # 1. Alice records the return, leaving the hub to the automatic choice.
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.goto(server.url("/returns/new/", brand="acme"))
    page.get_by_label("RMA reference").fill("RMA-LOOP-1")
    page.get_by_label("SKU code").fill(SKU_CODE)
    page.get_by_label("Customer ZIP code").fill("78702")
    page.get_by_label("Customer name").fill("Dana Reyes")
    expect(page.get_by_label("Drop-off hub")).to_have_value("")  # "No particular hub"
    page.get_by_role("button", name="Create return").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Return RMA-LOOP-1")
    routing = page.locator("#routing")
    expect(routing).to_contain_text(re.compile(rf"Eastside Porch: 1 customer within \d+ mi waits? for {SKU_CODE}"))
    expect(page.locator("main")).to_contain_text("Eastside Porch (Austin)")
    with schema_context(brand_a.schema_name):
        item = ReturnItem.objects.get(rma_ref="RMA-LOOP-1")
    code = item.dropoff_code
    assert (item.route, item.hub_id, item.status) == ("hub", active_hub.pk, "routed")
    dropoff = page.locator("#dropoff")
    expect(dropoff.locator(".dropoff-qr svg")).to_be_visible()
    expect(dropoff.locator(".dropoff-code")).to_have_text(f"{code[:4]}-{code[4:]}")
    no_sideways_scroll(page, "routed return page")
    screenshot(page, "loop-e2e-1-return-routed.png")

    # 2. Ivan receives the drop-off and inspects it: Like New.
    switch_to(page, sign_in, server.url(SIGN_IN), "ivan")
    page.goto(server.url("/hub/"))
    page.get_by_role("link", name="Receive a drop-off").click()
    page.get_by_label("Drop-off code").fill(code.lower())
    page.get_by_role("button", name="Receive", exact=True).click()
    page.get_by_role("link", name="Inspect now").click()
    expect(page.get_by_role("heading", name="Inspect RMA-LOOP-1")).to_be_visible()
    for (slot, _), photo in zip(SLOTS, camera_photos, strict=True):
        page.locator(f"#photo-{slot}").set_input_files(str(photo))
    for slot, _ in SLOTS:
        expect(page.locator(f'.shot[data-slot="{slot}"]')).to_have_attribute("data-state", "done", timeout=20_000)
    page.get_by_role("button", name="All pass").click()
    page.get_by_role("button", name="Submit inspection").click()
    headline = page.locator(".result-action")
    expect(headline).to_have_text(re.compile(r"^Like New — shelf it with label ACM\d+-\d{4,}$"))
    label = headline.inner_text().rsplit(" ", 1)[-1]
    screenshot(page, "loop-e2e-2-inspected.png")

    # 3. The release was matched: the brand sees the backorder allocated at the hub.
    switch_to(page, sign_in, server.url(SIGN_IN, brand="acme"), "alice")
    page.goto(server.url(f"/backorders/{backorder.pk}/", brand="acme"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Allocated")
    allocation_card = page.locator("section.card", has=page.get_by_role("heading", name=re.compile("Allocated")))
    expect(allocation_card).to_contain_text("Eastside Porch")
    expect(allocation_card.locator(".shelf-label")).to_have_text(label)
    pickup_code = allocation_card.locator(".pickup-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{8}", pickup_code), pickup_code
    no_sideways_scroll(page, "allocated backorder page")
    screenshot(page, "loop-e2e-3-backorder-allocated.png")

    # 4. The customer comes by: Ivan confirms the pickup code.
    switch_to(page, sign_in, server.url(SIGN_IN), "ivan")
    page.goto(server.url("/hub/"))
    expect(page.locator("#lane-handoff .task")).to_contain_text(label)
    page.get_by_role("link", name="Confirm a pickup").click()
    page.get_by_label("Pickup code").fill(pickup_code)
    page.get_by_role("button", name="Confirm pickup").click()
    expect(page.get_by_role("heading", name="Hand over now")).to_be_visible()
    expect(page.locator(".handoff-done")).to_contain_text(label)
    no_sideways_scroll(page, "pickup confirmed page")
    screenshot(page, "loop-e2e-4-pickup-confirmed.png")

    # The hub's view of the return: its chain of custody, and the unit handed off.
    page.goto(server.url(f"/hub/b/acme/returns/{item.pk}/"))
    hub_chain = page.get_by_role("list", name="Timeline").get_by_role("listitem")
    custody = ["Received at the hub", "Inspected", "Shelved", "Reserved for a backorder", "Handed off"]
    expect(hub_chain).to_contain_text(custody)  # these steps, in this order
    expect(hub_chain.filter(has_text="Handed off")).to_contain_text("at Eastside Porch")
    expect(page.locator(".next-action")).to_have_text(f"Handed off ({label}): nothing left to do.")
    no_sideways_scroll(page, "hub return page")
    screenshot(page, "loop-e2e-5-hub-return.png")

    # 5. The brand: fulfilled, with the whole chain from the order to the hand-off.
    switch_to(page, sign_in, server.url(SIGN_IN, brand="acme"), "alice")
    page.goto(server.url(f"/backorders/{backorder.pk}/", brand="acme"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fulfilled")
    chain = page.get_by_role("list", name="Timeline").get_by_role("listitem")
    expect(chain).to_contain_text(
        [
            "Created: new → Waiting",  # the order
            re.compile(r"return RMA-LOOP-1\s+Routed.*customer within", re.S),
            re.compile(r"return RMA-LOOP-1\s+Received at the hub.*at Eastside Porch", re.S),
            re.compile(r"return RMA-LOOP-1\s+Inspected", re.S),
            re.compile(rf"unit {label}\s+Shelved.*at Eastside Porch", re.S),
            re.compile(rf"unit {label}\s+Reserved for a backorder", re.S),
            re.compile(r"Allocated.*at Eastside Porch", re.S),
            re.compile(rf"unit {label}\s+Handed off.*at Eastside Porch", re.S),
            "Fulfilled",
        ]
    )
    # The inspection's photo steps stay on the return's page: one "Inspected" stands for them.
    expect(chain.filter(has_text="Photo taken")).to_have_count(0)
    no_sideways_scroll(page, "fulfilled backorder page")
    screenshot(page, "loop-e2e-6-backorder-fulfilled.png")

    with schema_context(brand_a.schema_name):
        backorder.refresh_from_db()
        unit = StockUnit.objects.get(return_item_id=item.pk)
        allocation = Allocation.objects.get(backorder=backorder)
        assert backorder.status == "fulfilled"
        assert unit.label == label and unit.status == "handed_off"
        assert (allocation.unit_id, allocation.hub_id, allocation.pickup_code) == (unit.pk, active_hub.pk, pickup_code)
        assert Backorder.objects.filter(status="waiting").count() == 0
