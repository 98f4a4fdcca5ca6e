"""The Swagger UI of each API draws its operations from its own schema, offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_hub_api_docs_show_the_hub_operations(page, server):
    page.goto(server.url("/api/v1/hub/docs/"))

    expect(page.locator(".information-container .title")).to_contain_text("Closo hub API")
    expect(page.get_by_text("/api/v1/hub/receive", exact=True)).to_be_visible()
    expect(page.get_by_text("/api/v1/hub/b/{brand_slug}/returns/{id}/photos", exact=True).first).to_be_visible()
    expect(page.get_by_text("/api/v1/skus/", exact=True)).to_have_count(0)


def test_the_brand_api_docs_show_no_hub_operation(page, server):
    page.goto(server.url("/api/docs/", brand="acme"))

    expect(page.locator(".information-container .title")).to_contain_text("Closo brand API")
    expect(page.get_by_text("/api/v1/skus/", exact=True).first).to_be_visible()
    expect(page.get_by_text("/api/v1/hub/receive", exact=True)).to_have_count(0)
