"""Trust on a phone: a brand admin reviews an inspection (photo gallery, answers, computed
vs final grade), works through the audit queue, approves a held unit and reads the trust
settings (driven through Chromium, see conftest.py)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from closo.actors import Actor
from closo.storage import file_storage_from_env
from fulfillment.models import StockUnit
from hubs.models import Hub
from inspections.models import InspectionPhoto
from tests.conftest import EMAILS, PASSWORD
from tests.inspections.trust_builders import make_inspection

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
SLOT_COLOURS = {
    "front": (122, 150, 120),
    "back": (110, 138, 108),
    "care-label": (236, 233, 222),
    "defect": (128, 156, 126),
}


def _jpeg(slot: str, size: tuple[int, int]) -> bytes:
    """A stand-in photo of a sage blanket: its slot written on it, a stain on the defect shot."""
    image = Image.new("RGB", size, SLOT_COLOURS[slot])
    draw = ImageDraw.Draw(image)
    w, h = size
    for y in range(0, h, max(h // 12, 4)):
        draw.line([(0, y), (w, y + h // 10)], fill=tuple(c - 12 for c in SLOT_COLOURS[slot]), width=max(w // 200, 1))
    if slot == "defect":
        draw.ellipse([w * 0.4, h * 0.35, w * 0.62, h * 0.62], fill=(150, 120, 80))
    draw.text((w * 0.06, h * 0.08), slot.upper(), fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def review(settings, tmp_path, brand_a, in_brand, active_hub, ivan, alice):
    """Brand A with three sampled inspections at the active hub (one lowered by the
    inspector), a held unit, and real photo files in a temp storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": file_storage_from_env({}, media_root=tmp_path / "media", media_url="/media/"),
    }
    Hub.objects.filter(pk=active_hub.pk).update(audits_agreed=6, audits_total=8)
    actor = Actor(user=alice, label=alice.email)
    made = {}
    with in_brand(brand_a):
        for rma, options in [
            ("RMA-1040", {"seconds": 26}),
            ("RMA-1041", {"failed": ("pilling",), "seconds": 31, "audit": True}),
            ("RMA-1042", {"failed": ("tags",), "lower_to": "fair", "lower_reason": "Snag on the hem", "audit": True}),
            ("RMA-1043", {"seconds": 29, "audit": True}),
            ("RMA-1044", {"seconds": 35, "unit_status": StockUnit.Status.HELD}),
        ]:
            made[rma] = make_inspection(hub=active_hub, inspector=ivan, rma=rma, actor=actor, **options)
        # The photos are part of submitted inspections (their rows never change): write
        # each rendition's file under the name the row already has.
        storage = InspectionPhoto._meta.get_field("original").storage
        for photo in InspectionPhoto.objects.all():
            for rendition, size in (("original", (2048, 1536)), ("display", (1600, 1200)), ("thumbnail", (400, 300))):
                name = getattr(photo, rendition).name
                assert storage.save(name, ContentFile(_jpeg(photo.slot, size))) == name
    return made


def no_sideways_scroll(page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the {name} scrolls sideways on a phone ({width} px wide)"


def test_admin_reviews_audits_and_approves_a_held_unit_on_a_phone(page, server, sign_in, screenshot, review):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)

    page.goto(server.url("/inspections/", brand="acme"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Inspections")
    expect(page.get_by_text("3 audits waiting for your verdict")).to_be_visible()
    expect(page.locator(".table tbody tr")).to_have_count(5)
    no_sideways_scroll(page, "inspection list")
    screenshot(page, "trust-inspections-phone.png")

    page.get_by_role("link", name="RMA-1042").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("RMA-1042")
    expect(page.locator(".grade-compare")).to_contain_text("The checklist computed Good")
    expect(page.locator(".grade-compare")).to_contain_text("Final grade Fair")
    expect(page.locator(".lowered")).to_have_text("Lowered by the inspector: “Snag on the hem”")
    expect(page.locator(".answer-fail")).to_contain_text("Tags attached")
    gallery = page.locator(".gallery img")
    expect(gallery).to_have_count(4)
    for i in range(4):  # every thumbnail came through the authorizing photo view
        gallery.nth(i).scroll_into_view_if_needed()
        expect(gallery.nth(i)).to_have_js_property("complete", True)
        assert gallery.nth(i).evaluate("img => img.naturalWidth") == 400
    no_sideways_scroll(page, "inspection detail")
    screenshot(page, "trust-inspection-detail-phone.png")

    page.get_by_label("Reason").fill("Tags are on in the front photo: Good was right")
    page.get_by_role("button", name="Disagree").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: you disagreed with RMA-1042. 2 audits left")
    expect(page.get_by_role("heading", level=1)).to_contain_text("RMA-1041")
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("1 audit left")

    page.goto(server.url("/audits/", brand="acme"))
    expect(page.get_by_text("Next: open the oldest one")).to_be_visible()
    no_sideways_scroll(page, "audit queue")
    screenshot(page, "trust-audits-phone.png")

    page.goto(server.url("/units/held/", brand="acme"))
    expect(page.locator(".held-units > li")).to_have_count(1)
    expect(page.get_by_role("link", name="See its inspection: photos, answers, grade →")).to_be_visible()
    no_sideways_scroll(page, "held units page")
    screenshot(page, "trust-held-units-phone.png")
    page.get_by_role("link", name="See its inspection: photos, answers, grade →").click()
    expect(page.locator("#unit")).to_contain_text("Held for brand approval")
    expect(page.locator("#unit").get_by_role("button", name="Approve")).to_be_visible()
    no_sideways_scroll(page, "held unit's inspection")
    screenshot(page, "trust-held-inspection-phone.png")
    page.go_back()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("is local stock at Eastside Porch")
    expect(page.get_by_text("No units held.")).to_be_visible()

    page.goto(server.url("/settings/trust/", brand="acme"))
    expect(page.get_by_label("Reputation threshold")).to_have_value("0.8")
    expect(page.locator(".hub-standing")).to_contain_text("Eastside Porch")
    no_sideways_scroll(page, "trust settings")
    screenshot(page, "trust-settings-phone.png")
