"""Clients and data the fulfillment tests share (the cast is in tests/conftest.py)."""

import pytest

from fulfillment.models import Sku


@pytest.fixture
def alice_client(host_client, brand_a, alice):
    """Brand A's admin, signed in on brand A's host."""
    return host_client(brand_a.host, alice)


@pytest.fixture
def vera_client(host_client, brand_a, vera):
    """Brand A's viewer, signed in on brand A's host."""
    return host_client(brand_a.host, vera)


@pytest.fixture
def api(api_client, brand_a):
    """A read-write API key of brand A."""
    return api_client(brand_a)


@pytest.fixture
def blanket(brand_a, in_brand):
    """SKU WB-15 of brand A, 2 units available (the inbound-supply tests restock it)."""
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15", title="Weighted blanket", price=119, available_qty=2)
