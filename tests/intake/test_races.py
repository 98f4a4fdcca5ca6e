"""Concurrent deliveries of one Shopify webhook id, with real threads and connections on
committed data (tests/conftest.py `committed`): one set of backorders, every response 200."""

from __future__ import annotations

import threading
import time

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from brands.models import Brand
from fulfillment.models import Backorder, Sku
from intake.models import Delivery, IntegrationSecret
from intake.services import shopify as shopify_services
from tests.conftest import BRAND_A, run_concurrently
from tests.intake.helpers import catalogue, secrets, send_shopify, shopify_order


@pytest.fixture
def acme(committed):
    brand = Brand.objects.get(slug=BRAND_A["slug"])

    def cleanup():
        with schema_context(brand.schema_name):
            Delivery.objects.all().delete()
            Backorder.objects.all().delete()
            Sku.objects.all().delete()
            IntegrationSecret.objects.all().delete()

    committed.append(cleanup)
    with schema_context(brand.schema_name):
        catalogue(IPOD2008PINK=0)
        secrets()
    return brand


def test_ten_concurrent_deliveries_of_one_webhook_id_make_one_set_of_backorders(acme, monkeypatch):
    # Force the worst interleaving: the first delivery to claim the id holds its
    # transaction open a moment, so the other nine have all passed the quick "seen?" read
    # (the row is not committed yet) and meet the unique index while it is in flight.
    finish, first = shopify_services.delivery_finish, threading.Event()

    def slow_finish(delivery, **kwargs):
        if not first.is_set():
            first.set()
            time.sleep(1.0)
        return finish(delivery, **kwargs)

    monkeypatch.setattr(shopify_services, "delivery_finish", slow_finish)
    order = shopify_order()

    results = run_concurrently(
        lambda i: send_shopify(Client(HTTP_HOST=acme.host), order, webhook_id="4b1f0c9e-same-id"), n=10
    )

    statuses = [getattr(r, "status_code", r) for r in results]
    assert statuses == [200] * 10, results
    bodies = [r.json()["status"] for r in results]
    assert bodies.count("processed") == 1 and bodies.count("duplicate") == 9, bodies
    with schema_context(acme.schema_name):
        assert Backorder.objects.count() == 2
        assert Delivery.objects.count() == 1
