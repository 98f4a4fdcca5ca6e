"""Payloads shaped like the platforms' documented examples, and signed deliveries."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from itertools import count

from closo.actors import Actor
from fulfillment.services import skus as sku_services
from intake.models import IntegrationSecret
from intake.services.secrets import integration_secret_set
from intake.signatures import sign_base64, sign_hex

SHOPIFY_SECRET = "shpss_0123456789abcdef0123456789abcdef"
RETURNS_SECRET = "loop_whsec_fedcba9876543210fedcba98"
ADMIN = Actor(label="tests")
SHOPIFY_URL = "/integrations/shopify/webhooks"
RETURNS_URL = "/integrations/returns/webhooks"
LOOP_URL = "/integrations/loop/webhooks"

_ids = count(1)

# Shopify's documented `orders/create` example (shopify.dev webhook reference), fields
# as they appear there: two lines of "IPod Nano - 8GB", shipping to Shippington, KY 40003.
# Only the SKUs are ours (the tests' catalogue).
SHOPIFY_ORDER_EXAMPLE = {
    "id": 820982911946154508,
    "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "app_id": None,
    "browser_ip": None,
    "buyer_accepts_marketing": True,
    "cancel_reason": "customer",
    "cancelled_at": None,
    "cart_token": None,
    "checkout_id": None,
    "checkout_token": None,
    "client_details": None,
    "closed_at": None,
    "confirmed": False,
    "contact_email": "jon@example.com",
    "created_at": "2021-12-31T19:00:00-05:00",
    "currency": "USD",
    "current_subtotal_price": "398.00",
    "current_total_price": "403.00",
    "email": "jon@example.com",
    "financial_status": "voided",
    "fulfillment_status": "pending",
    "name": "#9999",
    "note": None,
    "note_attributes": [],
    "number": 234,
    "order_number": 1234,
    "phone": None,
    "presentment_currency": "USD",
    "processed_at": "2021-12-31T19:00:00-05:00",
    "source_name": "web",
    "subtotal_price": "388.00",
    "tags": "tag1, tag2",
    "total_price": "403.00",
    "updated_at": "2021-12-31T19:00:00-05:00",
    "billing_address": {
        "first_name": "Steve",
        "address1": "123 Shipping Street",
        "phone": "555-555-SHIP",
        "city": "Shippington",
        "zip": "40003",
        "province": "Kentucky",
        "country": "United States",
        "last_name": "Shipper",
        "address2": None,
        "company": "Shipping Company",
        "latitude": None,
        "longitude": None,
        "name": "Steve Shipper",
        "country_code": "US",
        "province_code": "KY",
    },
    "customer": {
        "id": 115310627314723954,
        "email": "john@example.com",
        "created_at": None,
        "updated_at": None,
        "first_name": "John",
        "last_name": "Smith",
        "state": "disabled",
        "note": None,
        "verified_email": True,
        "tags": "",
        "currency": "USD",
    },
    "line_items": [
        {
            "id": 866550311766439020,
            "admin_graphql_api_id": "gid://shopify/LineItem/866550311766439020",
            "fulfillable_quantity": 1,
            "fulfillment_service": "manual",
            "fulfillment_status": None,
            "gift_card": False,
            "grams": 567,
            "name": "IPod Nano - 8GB",
            "price": "199.00",
            "product_exists": True,
            "product_id": 632910392,
            "properties": [],
            "quantity": 1,
            "requires_shipping": True,
            "sku": "IPOD2008PINK",
            "taxable": True,
            "title": "IPod Nano - 8GB",
            "total_discount": "0.00",
            "variant_id": 808950810,
            "variant_title": None,
            "vendor": None,
            "tax_lines": [],
            "duties": [],
            "discount_allocations": [],
        },
        {
            "id": 141249953214522974,
            "admin_graphql_api_id": "gid://shopify/LineItem/141249953214522974",
            "fulfillable_quantity": 1,
            "fulfillment_service": "manual",
            "fulfillment_status": None,
            "gift_card": False,
            "grams": 567,
            "name": "IPod Nano - 8GB",
            "price": "199.00",
            "product_exists": True,
            "product_id": 632910392,
            "properties": [],
            "quantity": 1,
            "requires_shipping": True,
            "sku": "IPOD2008PINK",
            "taxable": True,
            "title": "IPod Nano - 8GB",
            "total_discount": "0.00",
            "variant_id": 808950810,
            "variant_title": None,
            "vendor": None,
            "tax_lines": [],
            "duties": [],
            "discount_allocations": [],
        },
    ],
    "shipping_address": {
        "first_name": "Steve",
        "address1": "123 Shipping Street",
        "phone": "555-555-SHIP",
        "city": "Shippington",
        "zip": "40003",
        "province": "Kentucky",
        "country": "United States",
        "last_name": "Shipper",
        "address2": None,
        "company": "Shipping Company",
        "latitude": None,
        "longitude": None,
        "name": "Steve Shipper",
        "country_code": "US",
        "province_code": "KY",
    },
    "shipping_lines": [
        {"id": 271878346596884015, "code": None, "price": "10.00", "source": "shopify", "title": "Generic Shipping"}
    ],
}


def shopify_order(*, lines: list[tuple[int, str, int]] | None = None, **changes) -> dict:
    """The documented example, with `lines` as (line id, SKU, quantity) and other fields
    replaced by `changes` (None deletes a field)."""
    order = copy.deepcopy(SHOPIFY_ORDER_EXAMPLE)
    if lines is not None:
        template = order["line_items"][0]
        order["line_items"] = [
            {**copy.deepcopy(template), "id": line_id, "sku": sku, "quantity": qty, "fulfillable_quantity": qty}
            for line_id, sku, qty in lines
        ]
    for key, value in changes.items():
        if value is None:
            order.pop(key, None)
        else:
            order[key] = value
    return order


def shopify_headers(body: bytes, *, topic: str = "orders/create", webhook_id: str | None = None, secret=SHOPIFY_SECRET):
    """Shopify's documented delivery headers, as Django test-client keywords."""
    return {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_HMAC_SHA256": sign_base64(secret, body),
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": "acme-apparel.myshopify.com",
        "HTTP_X_SHOPIFY_API_VERSION": "2025-01",
        "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id or f"b54557e4-bdd9-4b37-8a5f-{next(_ids):012d}",
        "HTTP_X_SHOPIFY_TRIGGERED_AT": "2026-11-30T20:00:00.000000Z",
        "HTTP_X_SHOPIFY_EVENT_ID": "98880550-7158-44d4-b7cd-2c97c8a091b5",
    }


def send_shopify(client, order: dict, **headers):
    body = json.dumps(order).encode()
    return client.post(SHOPIFY_URL, body, content_type="application/json", **shopify_headers(body, **headers))


def send_returns(client, data: dict, *, delivery: str = "dlv-1", secret=RETURNS_SECRET):
    body = json.dumps(data).encode()
    return client.post(
        RETURNS_URL,
        body,
        content_type="application/json",
        HTTP_CLOSO_RETURNS_SIGNATURE=sign_hex(secret, body),
        HTTP_CLOSO_RETURNS_DELIVERY=delivery,
    )


def send_loop(client, data: dict, *, secret=RETURNS_SECRET):
    body = json.dumps(data, separators=(",", ":")).encode()
    return client.post(LOOP_URL, body, content_type="application/json", HTTP_X_LOOP_SIGNATURE=sign_base64(secret, body))


def catalogue(**stock: int) -> None:
    """SKUs with warehouse stock, e.g. catalogue(IPOD2008PINK=0)."""
    for code, qty in stock.items():
        sku_services.sku_create(code=code, title=code.title(), price=Decimal("199.00"), available_qty=qty, actor=ADMIN)


def secrets() -> None:
    integration_secret_set(kind=IntegrationSecret.Kind.SHOPIFY, secret=SHOPIFY_SECRET, actor=ADMIN)
    integration_secret_set(kind=IntegrationSecret.Kind.RETURNS, secret=RETURNS_SECRET, actor=ADMIN)
