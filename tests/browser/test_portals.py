"""What people see on a phone: hub portal, brand portal, API keys, hub applications and
staff vetting, driven through Chromium against the live server (see conftest.py)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import BRAND_A, BRAND_B, EMAILS, PASSWORD
from tests.factories import applied_hub

pytestmark = pytest.mark.browser

SIGN_IN = "/accounts/sign-in/"


def heading(page):
    return page.get_by_role("heading", level=1)


def test_hub_inspector_signs_in_and_sees_the_hub_portal(page, server, sign_in, screenshot):
    sign_in(page, server.url(SIGN_IN), EMAILS["ivan"], PASSWORD)

    expect(page).to_have_url(server.url("/hub/"))
    expect(heading(page)).to_have_text("Eastside Porch")
    expect(page.locator(".status")).to_have_text(re.compile(r"Active — taking returns within 10 mi"))
    expect(page.get_by_text("Nothing to do right now.")).to_be_visible()
    expect(page.get_by_role("link", name="Receive a drop-off")).to_be_visible()
    screenshot(page, "hub-portal-phone.png")


def test_a_locked_account_is_told_on_the_phone_when_to_try_again(page, server, sign_in, screenshot):
    for _ in range(4):
        sign_in(page, server.url(SIGN_IN), EMAILS["ivan"], "not-the-password")
        expect(page.get_by_role("alert")).to_have_text(re.compile("E-mail and password do not match"))
    page.get_by_label("Password").fill("not-the-password")
    with page.expect_response(lambda r: r.request.method == "POST") as fifth:
        page.get_by_role("button", name="Sign in").click()
    assert fifth.value.status == 429
    locked = re.compile(r"Too many failed sign-ins for this account\. Try again in 15 minutes \(at \d\d:\d\d UTC\)\.")
    expect(page.get_by_role("alert")).to_have_text(locked)

    sign_in(page, server.url(SIGN_IN), EMAILS["ivan"], PASSWORD)  # the right password, while locked
    expect(page).to_have_url(server.url(SIGN_IN))
    expect(page.get_by_role("alert")).to_have_text(locked)
    expect(page.get_by_label("E-mail")).to_have_value(EMAILS["ivan"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "sign-in-locked-phone.png")


def test_a_fourth_reset_email_within_the_hour_is_refused_with_when_to_try_again(page, server, screenshot):
    for _ in range(3):
        page.goto(server.url("/accounts/password-reset/"))
        page.get_by_label("Email").fill(EMAILS["ivan"])
        page.get_by_role("button", name="Send the link").click()
        expect(heading(page)).to_have_text("Check your e-mail")
    page.goto(server.url("/accounts/password-reset/"))
    page.get_by_label("Email").fill(EMAILS["ivan"])
    page.get_by_role("button", name="Send the link").click()
    expect(heading(page)).to_have_text("Reset your password")
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"We have already sent several e-mails to this address\. Try again in (60|59) minutes")
    )
    screenshot(page, "password-reset-refused-phone.png")


def test_brand_admin_signs_in_on_the_brand_host_and_sees_the_portal(page, server, sign_in, screenshot):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)

    expect(page).to_have_url(server.url("/", brand="acme"))
    expect(heading(page)).to_have_text(BRAND_A["name"])
    nav = page.get_by_role("navigation", name="Main")
    for link in ("Overview", "Team", "API keys"):
        expect(nav.get_by_role("link", name=link, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Set up your workspace")).to_be_visible()
    expect(page.locator("ol.steps > li")).to_have_text(
        [
            re.compile("Add or import your SKUs"),
            re.compile("Publish a grading standard"),
            re.compile("Set where backorders may be offered"),
            re.compile("Create an API key"),
            re.compile("Check who can sign in"),
        ]
    )
    expect(page.get_by_role("figure", name="Backorders by status")).to_be_visible()
    screenshot(page, "brand-portal-phone.png")


def test_brand_admin_creates_uses_and_revokes_an_api_key(page, server, sign_in, screenshot):
    sign_in(page, server.url(SIGN_IN, brand="acme"), EMAILS["alice"], PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    expect(heading(page)).to_have_text("API keys")

    page.get_by_label("What is this key for?").fill("Storefront")
    page.get_by_label("Access").select_option(label="Read and write")
    page.get_by_role("button", name="Create key").click()

    callout = page.get_by_role("alert").filter(has_text="Copy your new key now")
    expect(callout).to_be_visible()
    key = page.get_by_label("New API key").input_value()
    assert key.startswith("closo_")
    callout.get_by_role("button", name="Copy").click()
    expect(callout.get_by_role("button", name="Copied")).to_be_visible()
    screenshot(page, "api-keys-phone.png")

    auth = {"Authorization": f"Api-Key {key}"}
    status, body = server.get("/api/v1/brand", brand="acme", headers=auth)
    assert status == 200
    assert json.loads(body)["slug"] == BRAND_A["slug"]
    status, _ = server.get("/api/v1/brand", brand="bolt", headers=auth)
    assert status == 403

    row = page.locator("tbody tr", has_text="Storefront")
    confirmations = []

    def accept(dialog):
        confirmations.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    row.get_by_role("button", name="Revoke").click()

    expect(page.get_by_role("status")).to_contain_text("Revoked “Storefront”")
    assert confirmations == ["Revoke this key? Apps using it stop working at once."]
    expect(row.locator(".pill")).to_have_text(re.compile(r"^Revoked"))
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    expect(page.get_by_text("Copy your new key now")).to_have_count(0)
    status, _ = server.get("/api/v1/brand", brand="acme", headers=auth)
    assert status == 401


def test_other_brands_admin_cannot_see_the_brand_by_signing_in_on_its_host(page, server, sign_in):
    sign_in(page, server.url(SIGN_IN, brand="bolt"), EMAILS["bob"], PASSWORD)
    expect(heading(page)).to_have_text(BRAND_B["name"])

    # Sessions are per host: on acme's host bob is a stranger and has to sign in.
    page.goto(server.url("/", brand="acme"))
    expect(page).to_have_url(server.url(f"{SIGN_IN}?next=/", brand="acme"))
    page.get_by_label("E-mail").fill(EMAILS["bob"])
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(server.url("/", brand="acme")) as landed:
        page.get_by_role("button", name="Sign in").click()

    assert landed.value.status == 404
    expect(heading(page)).to_have_text("Page not found")
    expect(page.get_by_text(BRAND_A["name"])).to_have_count(0)
    expect(page).not_to_have_title(re.compile(BRAND_A["name"]))


@pytest.mark.parametrize(
    ("path", "title", "shot"),
    [
        pytest.param("/", "Turn returns into tomorrow's deliveries.", "landing-phone.png", id="landing"),
        pytest.param("/hubs/apply/", "Become a Closo hub", "hub-apply-phone.png", id="hub-apply"),
    ],
)
def test_public_pages_fit_a_360px_phone(page, server, screenshot, path, title, shot):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(server.url(path))

    expect(heading(page)).to_have_text(title)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"{path} scrolls sideways on a 360 px phone ({scroll_width} px wide)"
    screenshot(page, shot)


def test_applicant_applies_to_be_a_hub_and_follows_the_application(page, server, sign_in, screenshot):
    page.goto(server.url("/hubs/apply/"))
    page.get_by_label("Hub name").fill("Southside Stoop")
    page.get_by_label("Small business").check()
    page.get_by_label("Street address").fill("4500 S 1st St, Austin, TX 78745")  # the whole address, as people do
    page.get_by_label("ZIP code").fill("00000")
    page.get_by_label("Phone").fill("call me maybe")
    page.get_by_label("Your e-mail").fill("sam@stoop.test")
    page.get_by_label("Choose a password").fill("a-long-passphrase-9")
    page.get_by_role("button", name="Send application").click()

    # Both problems at once, each under its field.
    expect(page.locator(".field-error")).to_have_count(2)
    zip_field = page.locator(".field", has=page.get_by_label("ZIP code"))
    expect(zip_field.locator(".error")).to_have_text("Enter a 5-digit US ZIP code, e.g. 78702.")
    phone_field = page.locator(".field", has=page.get_by_label("Phone"))
    expect(phone_field.locator(".error")).to_have_text(
        "Enter a phone number: 7 to 15 digits, with spaces, +, - or ( ) if you like, e.g. (512) 555-0142."
    )
    expect(page.get_by_label("Hub name")).to_have_value("Southside Stoop")
    expect(page.get_by_label("Small business")).to_be_checked()
    phone_field.scroll_into_view_if_needed()
    screenshot(page, "hub-apply-errors-phone.png")

    page.get_by_label("ZIP code").fill("78745")
    page.get_by_label("Phone").fill("(512) 555-0142")
    page.get_by_label("Choose a password").fill("a-long-passphrase-9")  # never sent back to the browser
    page.get_by_role("button", name="Send application").click()

    # Not signed in: the same answer as for an address that already has an account.
    expect(page).to_have_url(server.url("/hubs/apply/sent/"))
    expect(heading(page)).to_have_text("Check your e-mail")
    screenshot(page, "hub-apply-sent-phone.png")
    page.get_by_role("link", name="Sign in", exact=True).last.click()
    sign_in(page, page.url, "sam@stoop.test", "a-long-passphrase-9")
    expect(page).to_have_url(server.url("/hub/"))
    expect(heading(page)).to_have_text("Southside Stoop")
    expect(page.locator("main")).to_contain_text("4500 S 1st St, Austin, TX 78745 · you are owner")
    expect(page.locator("main")).not_to_contain_text("TX 78745, Austin")
    expect(page.locator(".status")).to_have_text(re.compile(r"Applied — not taking returns yet"))
    application = page.locator("section.card", has=page.get_by_role("heading", name="Your application"))
    expect(application.locator("ol.steps > li")).to_have_text(
        ["ID verified", "Hub agreement signed", "Inspection training completed", "Vetted, then activated by Closo"]
    )
    expect(application.locator("ol.steps > li.done")).to_have_count(0)


def test_staff_vets_and_activates_an_applicant_hub(page, server, sign_in):
    applied_hub("Northside Porch", owner_email="dana@porch.test")
    sign_in(page, server.url(SIGN_IN), EMAILS["stan"], PASSWORD)
    expect(page).to_have_url(server.url("/staff/hubs/"))
    page.get_by_role("link", name="Northside Porch").click()

    expect(heading(page)).to_contain_text("Northside Porch")
    expect(heading(page).locator(".pill")).to_have_text("Applied")
    mark_vetted = page.get_by_role("button", name="Mark vetted")
    expect(mark_vetted).to_be_disabled()
    for check in ("ID verified", "Agreement signed", "Training completed"):
        page.get_by_role("button", name=f"Confirm: {check}").click()
        expect(page.locator(".checks li", has_text=check)).to_contain_text(f"✓ {check}")
        expect(page.locator(".checks li", has_text=check)).to_contain_text(EMAILS["stan"])

    expect(mark_vetted).to_be_enabled()
    mark_vetted.click()
    expect(page.get_by_role("status")).to_have_text("Northside Porch is now vetted.")
    expect(heading(page).locator(".pill")).to_have_text("Vetted")
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("status")).to_have_text("Northside Porch is now active.")
    expect(heading(page).locator(".pill")).to_have_text("Active")
    expect(page.locator(".timeline > li")).to_have_text(
        [
            re.compile(r"Status changed: vetted → active .*stan@closo\.test"),
            re.compile(r"Status changed: applied → vetted .*stan@closo\.test"),
            re.compile(r"Vetting check recorded — Training completed"),
            re.compile(r"Vetting check recorded — Agreement signed"),
            re.compile(r"Vetting check recorded — ID verified"),
            re.compile(r"Applied: new → applied — Application received .*dana@porch\.test"),
        ]
    )
