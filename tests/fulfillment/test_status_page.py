"""The customer status page, /status/<token>/ on the brand's host: no login; what was ordered,
the promise and how it moved, the pickup place, hours and code, tracking; for a return the
drop-off code and QR and the refund. A tampered, expired or other brand's link is refused
with a page that says so, and never shows anyone's data."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from fulfillment.customer import status_token, status_url
from fulfillment.models import Backorder, Channel, EventKind, Sku
from fulfillment.services import handoffs as handoff_services
from fulfillment.services import returns as return_services
from fulfillment.services.backorders import backorder_cancel, backorder_create
from fulfillment.services.events import event_record
from tests.factories import BRAND, HUB
from tests.fulfillment.test_handoffs import allocate

SKU = "WB-15-SAGE"
PROMISER = Actor.system("promise model")


@pytest.fixture
def sku(brand_a, in_brand) -> Sku:
    with in_brand(brand_a):
        return Sku.objects.create(code=SKU, title="Weighted blanket, sage", price=120, available_qty=0)


def new_backorder(brand, ref="#1001-1", ship_by=None, moves=0) -> Backorder:
    """A backorder created through the service, its promise then moved `moves` times (as
    the promise service records a move)."""
    ship_by = ship_by or timezone.localdate() + dt.timedelta(days=10)
    with schema_context(brand.schema_name):
        backorder = backorder_create(
            order_ref=ref,
            sku_code=SKU,
            customer_zip="78701",
            value="120.00",
            promised_ship_by=ship_by,
            customer_name="Ana Diaz",
            customer_email="ana@example.com",
            channel=Channel.API,
            actor=BRAND,
        )
        for i in range(moves):
            before, after = ship_by + dt.timedelta(days=i), ship_by + dt.timedelta(days=i + 1)
            event_record(
                subject=backorder,
                kind=EventKind.PROMISE_CHANGED,
                actor=PROMISER,
                from_status="waiting",
                to_status="waiting",
                detail=f"Ship-by moved from {before:%b %-d} to {after:%b %-d} (95% confidence). INTERNAL",
                data={"from": before.isoformat(), "to": after.isoformat(), "source": "restock", "why": "daily"},
            )
        if moves:
            Backorder.objects.filter(pk=backorder.pk).update(promised_ship_by=ship_by + dt.timedelta(days=moves))
        return backorder


def path_of(brand, **ids) -> str:
    return f"/status/{status_token(brand=brand, **ids)}/"


def page(host_client, brand, path):
    response = host_client(brand.host).get(path)  # nobody signed in
    return response, response.content.decode()


# --- what it shows ---


def test_a_waiting_backorder_shows_the_order_the_promise_and_how_it_moved(host_client, brand_a, sku):
    ship_by = timezone.localdate() + dt.timedelta(days=10)
    backorder = new_backorder(brand_a, ship_by=ship_by, moves=2)
    response, html = page(host_client, brand_a, path_of(brand_a, backorder_id=backorder.pk))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "Weighted blanket, sage" in html and "#1001-1" in html and "On backorder" in html
    current = ship_by + dt.timedelta(days=2)
    assert f'data-testid="ship-by">{current:%b %-d}<' in html
    assert "How the date changed" in html
    for day in (ship_by, ship_by + dt.timedelta(days=1), current):
        assert f"ships by {day:%b %-d}" in html
    assert "Acme Apparel" in html and 'name="viewport"' in html
    assert "INTERNAL" not in html and "ana@example.com" not in html and "promise model" not in html


def test_an_allocated_backorder_shows_the_pickup_place_hours_and_code(host_client, brand_a, active_hub):
    type(active_hub).objects.filter(pk=active_hub.pk).update(opening_hours="Mon–Fri 9–18", phone="512-555-0100")
    allocation = allocate(brand_a, active_hub)
    response, html = page(host_client, brand_a, path_of(brand_a, backorder_id=allocation.backorder_id))
    assert response.status_code == 200
    assert "Ready for pickup" in html and f'data-testid="pickup-code">{allocation.pickup_code}<' in html
    assert "Eastside Porch" in html and active_hub.full_address in html and "Mon–Fri 9–18" in html
    # Nothing of the hub's people: no contact e-mail, phone, members.
    assert active_hub.contact_email not in html and "512-555-0100" not in html and "ivan@hub.test" not in html


def test_a_shipped_backorder_shows_its_tracking_number(host_client, brand_a, active_hub):
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name):
        handoff_services.handoff_record(
            allocation=allocation, method="ship", tracking="1Z999AA1", hub=active_hub, actor=HUB
        )
    _, html = page(host_client, brand_a, path_of(brand_a, backorder_id=allocation.backorder_id))
    assert "On its way to you" in html and "1Z999AA1" in html
    assert allocation.pickup_code not in html


def test_a_cancelled_backorder_says_so_without_the_brands_reason(host_client, brand_a, sku, alice):
    backorder = new_backorder(brand_a)
    with schema_context(brand_a.schema_name):
        backorder_cancel(backorder=backorder, reason="fraud check flagged it", actor=Actor(user=alice, label="alice"))
    _, html = page(host_client, brand_a, path_of(brand_a, backorder_id=backorder.pk))
    assert "Cancelled" in html and "fraud" not in html and "Ships by" not in html


def test_a_routed_return_shows_the_drop_off_code_qr_hub_and_pending_refund(host_client, brand_a, sku, active_hub):
    with schema_context(brand_a.schema_name):
        item = return_services.return_create(
            rma_ref="RMA-7", sku_code=SKU, customer_zip="78702", hub=active_hub, actor=BRAND
        )
    response, html = page(host_client, brand_a, path_of(brand_a, return_id=item.pk))
    assert response.status_code == 200
    code = f"{item.dropoff_code[:4]}-{item.dropoff_code[4:]}"
    assert "Ready to drop off" in html and f'data-testid="dropoff-code">{code}<' in html
    assert "<svg" in html and f"Drop-off code {item.dropoff_code}" in html  # the QR
    assert "Eastside Porch" in html and "Valid until" in html
    assert "<strong>Pending</strong>" in html and "RMA-7" in html


def test_a_received_return_shows_its_refund_ready_and_no_code(host_client, brand_a, sku, active_hub):
    Brand.objects.filter(pk=brand_a.pk).update(refund_ready_at="dropoff")
    with schema_context(brand_a.schema_name):
        item = return_services.return_create(
            rma_ref="RMA-8", sku_code=SKU, customer_zip="78702", hub=active_hub, actor=BRAND
        )
    return_services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    _, html = page(host_client, brand_a, path_of(brand_a, return_id=item.pk))
    assert "We have your return" in html and "<strong>Ready</strong>" in html
    assert item.dropoff_code not in html and "<svg" not in html


# --- refused links ---


def test_a_tampered_link_is_a_404_that_shows_nothing(host_client, brand_a, sku):
    backorder = new_backorder(brand_a)
    token = status_token(brand=brand_a, backorder_id=backorder.pk)
    payload, _, rest = token.partition(":")
    forged = signing.dumps({"b": "acme", "k": "b", "id": backorder.pk}, salt="another salt")
    for bad in (payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + rest, token[:-2], forged, "nonsense"):
        response, html = page(host_client, brand_a, f"/status/{bad}/")
        assert response.status_code == 404, bad
        assert "This link is not valid" in html and "Weighted blanket" not in html and "#1001-1" not in html


def test_an_expired_link_is_a_410_that_says_to_ask_the_brand(host_client, brand_a, sku, settings, monkeypatch):
    settings.STATUS_LINK_DAYS = 30
    backorder = new_backorder(brand_a)
    path = path_of(brand_a, backorder_id=backorder.pk)
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 29 * 86400)
    assert page(host_client, brand_a, path)[0].status_code == 200
    monkeypatch.setattr(signing.time, "time", lambda: now + 31 * 86400)
    response, html = page(host_client, brand_a, path)
    assert response.status_code == 410
    assert "This link has expired" in html and "Ask Acme Apparel for a new one" in html
    assert "Weighted blanket" not in html


def test_a_link_of_brand_a_is_refused_on_brand_bs_host_even_with_the_same_id(host_client, brand_a, brand_b, sku):
    backorder = new_backorder(brand_a)
    with schema_context(brand_b.schema_name):
        other = Sku.objects.create(code=SKU, title="Bolt duvet", price=90)
        Backorder.objects.create(
            id=backorder.pk, order_ref="#B-1", sku=other, value=90, customer_zip="78701", placed_at=timezone.now()
        )
    path = path_of(brand_a, backorder_id=backorder.pk)
    response, html = page(host_client, brand_b, path)
    assert response.status_code == 404
    assert "Bolt duvet" not in html and "#B-1" not in html and "Weighted blanket" not in html
    assert page(host_client, brand_a, path)[0].status_code == 200


def test_a_link_to_a_row_deleted_since_is_a_404(host_client, brand_a):
    response, html = page(host_client, brand_a, path_of(brand_a, return_id=987654))
    assert response.status_code == 404 and "This link is not valid" in html


def test_the_e_mail_link_is_absolute_on_the_brands_host(brand_a, settings):
    settings.LINK_SCHEME, settings.LINK_PORT = "https", ""
    url = status_url(brand=brand_a, backorder_id=5)
    assert url.startswith("https://acme.localhost/status/") and url.endswith("/")


# --- queries ---


@pytest.mark.parametrize("kind", ["backorder", "return"])
def test_the_page_reads_as_many_queries_for_a_long_history_as_for_a_short_one(
    host_client, brand_a, sku, active_hub, kind
):
    def count(path) -> int:
        client = host_client(brand_a.host)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    if kind == "backorder":
        short = path_of(brand_a, backorder_id=new_backorder(brand_a, ref="#S", moves=2).pk)
        long = path_of(brand_a, backorder_id=new_backorder(brand_a, ref="#L", moves=20).pk)
    else:
        with schema_context(brand_a.schema_name):
            first = return_services.return_create(rma_ref="R-1", sku_code=SKU, customer_zip="78702", actor=BRAND)
            items = [
                return_services.return_create(rma_ref=f"R-{i}", sku_code=SKU, customer_zip="78702", actor=BRAND)
                for i in range(2, 12)
            ]
        short, long = path_of(brand_a, return_id=first.pk), path_of(brand_a, return_id=items[-1].pk)
    host_client(brand_a.host).get(short)  # the host's brand is cached after its first request
    assert count(short) == count(long) <= 5
