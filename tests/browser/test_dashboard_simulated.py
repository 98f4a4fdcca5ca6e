"""The dashboard of a brand the simulator filled (issue 11): a short `quiet` run through the
real services into a throwaway brand, committed, served by a live server on its own
connection; every chart renders, and the headline figures and weekly tables are the ones
GET /api/v1/metrics returns for that brand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from brands.models import BrandMembership, BrandRole
from brands.services import api_keys as api_key_services
from closo.models import User
from fulfillment.charts import CHARTS
from simulator.driver import Simulation, make_plan, travel, zip_pools
from simulator.scenarios import SCENARIOS
from tests.browser.test_dashboard import cells, number
from tests.conftest import EMAILS, PASSWORD

pytestmark = pytest.mark.browser

DAYS, SEED = 6, 11


@pytest.fixture
def simulated(committed):
    """A throwaway brand with DAYS of the quiet scenario, ending today; dropped afterwards."""
    scenario = SCENARIOS["quiet"]
    local_zips, other_zips = zip_pools(scenario)
    plan = make_plan(scenario, seed=SEED, local_zips=local_zips, other_zips=other_zips)
    sim = Simulation(scenario=scenario, seed=SEED, days=DAYS, start=dt.date.today() - dt.timedelta(days=DAYS))
    committed.append(sim.drop)
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        travel(sim.at(0, 0)) as traveller,
    ):
        sim.setup(traveller)
        sim.run(plan, traveller)
    # Alice reads its dashboard (the membership goes with the brand).
    BrandMembership.objects.create(user=User.objects.get(email=EMAILS["alice"]), brand=sim.brand, role=BrandRole.VIEWER)
    return sim.brand


def test_the_dashboard_of_a_simulated_brand_shows_the_metrics_api_figures(
    simulated, committed_server, browser, screenshot
):
    brand, server = simulated, committed_server
    _, key = api_key_services.api_key_create(brand=brand, name="dashboard", role="viewer", actor=None)
    status, body = server.get("/api/v1/metrics", brand=brand.slug, headers={"Authorization": f"Api-Key {key}"})
    assert status == 200
    api = json.loads(body)
    assert sum(w["returns_local"] + w["returns_warehouse"] for w in api["weeks"]) > 0  # the run did things

    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(server.url("/accounts/sign-in/", brand=brand.slug))
    page.get_by_label("E-mail").fill(EMAILS["alice"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(server.url("/dashboard/", brand=brand.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    for name in CHARTS:
        svg = page.locator(f"#{name}-svg")
        expect(svg).to_be_visible()
        assert svg.locator("text.x-title").text_content().strip()
        assert svg.locator("text.y-title").text_content().strip()

    summary = api["summary"]
    for stat in ("local_fill_rate", "savings", "revenue_kept", "promises_kept_share", "backorders_waiting"):
        assert number(page.locator(f"#stat-{stat}").get_attribute("data-value")) == summary[stat], stat
    weeks = api["weeks"]
    fills = cells(page, "filled")
    assert [(r[0], int(r[1]), int(r[2])) for r in fills] == [
        (w["week"], w["filled_local"], w["filled_restock"]) for w in weeks
    ]
    money = cells(page, "money")
    assert [(number(r[1]), number(r[2])) for r in money] == [(w["savings"], w["revenue_kept"]) for w in weeks]
    queue = cells(page, "queue")
    assert [(r[0], int(r[1])) for r in queue] == [(b["label"], b["waiting"]) for b in api["queue_ageing"]]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "dashboard-simulated-375.png")
    context.close()
