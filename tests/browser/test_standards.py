"""A brand admin builds a grading standard on a phone: creates it, adds 6 checklist items
and 4 photo slots through the editor, reorders, sets dispositions, previews the hub's
form, publishes, and sees it published and read-only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"
CHECKS = [
    ("Tags attached", "Both hang tags, not cut", "Good", True),
    ("No odor", "Smell the seams and the filling", "Unsellable", True),
    ("No stains", "", "Fair", True),
    ("Seams intact", "", "Fair", True),
    ("No pilling", "", "Good", True),
    ("Original packaging", "", "Good", False),
]
PHOTOS = [
    ("Front", "1200", True),
    ("Back", "1200", True),
    ("Care label", "800", True),
    ("Defect close-up", "1600", False),
]


def heading(page):
    return page.get_by_role("heading", level=1)


def confirm_next_dialog(page, seen: list):
    def accept(dialog):
        seen.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)


def assert_fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a 390 px phone ({width} px wide)"


def test_brand_admin_creates_and_publishes_a_standard_with_6_checks_and_4_photo_slots(
    page, server, sign_in, screenshot
):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Standards").click()
    expect(heading(page)).to_have_text("Grading standards")
    expect(page.get_by_text("No standards yet.")).to_be_visible()
    expect(page.get_by_label("SKU code")).to_be_hidden()  # shown only for a SKU standard

    page.get_by_label("Name").fill("Acme default")
    expect(page.get_by_label("Every SKU (brand default)")).to_be_checked()
    page.get_by_role("button", name="Create standard").click()

    expect(heading(page)).to_contain_text("Acme default")
    expect(page.locator("#version-status")).to_have_text("v1 · Draft")
    expect(page.locator("#publish-problems")).to_contain_text("Add at least one checklist item.")

    # Publishing an empty draft is refused with a clear error.
    dialogs: list[str] = []
    confirm_next_dialog(page, dialogs)
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.locator(".msg-error")).to_have_text("Add at least one checklist item before publishing.")
    assert dialogs == ["Publish version 1? Hubs use it from now on, and it can no longer be changed."]

    add_check = page.locator("form", has=page.get_by_role("button", name="Add check"))
    for prompt, help_text, cap, required in CHECKS:
        add_check.get_by_label("Check", exact=True).fill(prompt)
        add_check.get_by_label("Help for the inspector").fill(help_text)
        add_check.get_by_label("If it fails, the grade is at most").select_option(label=cap)
        add_check.get_by_label("Required").set_checked(required)
        add_check.get_by_role("button", name="Add check").click()
        expect(page.locator(".msg").first).to_have_text(f"Added the check “{prompt}”.")
    expect(page.locator("#checklist-items > li")).to_have_count(6)

    add_photo = page.locator("form", has=page.get_by_role("button", name="Add photo slot"))
    for label, min_edge, required in PHOTOS:
        add_photo.get_by_label("Label").fill(label)
        add_photo.get_by_label("Minimum long edge (px)").fill(min_edge)
        add_photo.get_by_label("Required").set_checked(required)
        add_photo.get_by_role("button", name="Add photo slot").click()
        expect(page.locator(".msg").first).to_have_text(f"Added the photo slot “{label}”.")
    expect(page.locator("#photo-slots > li")).to_have_count(4)

    # Reorder: odor first (up buttons work without JavaScript: a form post each).
    page.get_by_role("button", name="Move “No odor” up").click()
    expect(page.locator("#checklist-items .std-row-title")).to_have_text(
        ["No odor", "Tags attached", "No stains", "Seams intact", "No pilling", "Original packaging"]
    )
    expect(page.get_by_role("button", name="Move “No odor” up")).to_be_disabled()

    dispositions = page.locator("form.dispositions-form")
    dispositions.get_by_label("Fair").select_option(label="Warehouse")
    dispositions.get_by_role("button", name="Save dispositions").click()
    expect(page.locator(".msg").first).to_have_text("Saved where each grade goes.")
    expect(page.locator("form.dispositions-form").get_by_label("Fair")).to_have_value("warehouse")
    expect(page.locator("#publish-problems")).to_have_count(0)
    assert_fits_the_phone(page)
    screenshot(page, "standard-editor-phone.png")

    # Preview: the hub's form, each photo a labelled box (nothing to take here: no file
    # input reading "Choose File No file chosen") and big pass/fail targets.
    page.get_by_role("navigation", name="This standard").get_by_role("link", name="Preview").click()
    expect(heading(page)).to_have_text("Preview: the hub's form")
    expect(page.locator("input[type=file]")).to_have_count(0)
    photos = page.locator("#hub-form .shot")
    expect(photos).to_have_count(4)
    expect(page.get_by_role("img", name="Photo: Front — taken by the hub")).to_be_visible()
    expect(photos.first).to_have_text(re.compile(r"^\s*Front\s+Taken by the hub · at least 1200 px\s*$"))
    expect(page.locator("#hub-form")).not_to_contain_text("Choose File")
    checks = page.locator("fieldset.hub-check")
    expect(checks).to_have_count(6)
    expect(page.locator(".progress-text")).to_have_text("0 of 6 checks answered · 0 of 4 photos")
    for i in range(5):
        checks.nth(i).get_by_text("Pass", exact=True).click()
    expect(page.locator(".progress-text")).to_have_text("5 of 6 checks answered · 0 of 4 photos")
    checks.filter(has_text="No stains").get_by_text("Fail", exact=True).click()
    tap = checks.first.locator("label.tap-pass span").bounding_box()
    assert tap["height"] >= 48, "pass/fail targets must be easy to tap"
    page.get_by_role("button", name="Grade these answers").click()
    result = page.get_by_role("status", name="Result")
    expect(result).to_contain_text("Grade: Fair → Warehouse")
    expect(result).to_contain_text("No stains: failed → at most Fair")
    assert_fits_the_phone(page)
    page.evaluate("window.scrollTo(0, 0)")  # the progress bar sticks to the top while scrolling
    screenshot(page, "standard-preview-phone.png")

    # Publish.
    page.get_by_role("navigation", name="This standard").get_by_role("link", name="Version 1").click()
    page.get_by_label("What changed (optional)").fill("First version for hubs")
    confirm_next_dialog(page, dialogs)
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.locator(".msg").first).to_have_text(
        "Published version 1. Hubs use it from now on for the items this standard covers."
    )
    expect(page.locator("#version-status")).to_have_text("v1 · Published")
    expect(page.get_by_role("button", name="Add check")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    expect(page.get_by_role("button", name="Start a new draft from v1")).to_be_visible()
    expect(page.locator("#disposition-map")).to_contain_text("Warehouse")
    screenshot(page, "standard-published-phone.png")

    page.get_by_role("link", name="← Standards").click()
    row = page.locator("#standards tbody tr", has_text="Acme default")
    expect(row).to_contain_text("v1 published")
    expect(row).to_contain_text("Every SKU without a category or SKU standard of its own")
    assert_fits_the_phone(page)
    screenshot(page, "standard-list-phone.png")

    page.goto(server.url("/standards/", brand="acme"))
    page.get_by_role("link", name="Acme default").click()
    page.get_by_role("navigation", name="This standard").get_by_role("link", name="History").click()
    expect(page.locator(".std-history > li")).to_have_count(1)
    expect(page.locator(".std-history > li").first).to_contain_text("First version: 6 checks, 4 photo slots.")
    expect(page.locator(".std-history > li").first).to_contain_text("“First version for hubs”")
