"""Property-based fuzz of the webhook addresses: random bodies and headers, signed with the
right secret or not, never produce a 5xx (and never a 2xx without a valid signature).
Order-shaped bodies with random field values reach the mapping and the backorder rules."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.signatures import sign_base64, sign_hex
from tests.intake.helpers import (
    LOOP_URL,
    RETURNS_SECRET,
    RETURNS_URL,
    SHOPIFY_SECRET,
    SHOPIFY_URL,
    catalogue,
    secrets,
    shopify_order,
)

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
weird = scalars | st.sampled_from(
    [
        "",
        "  ",
        "1e400",
        "-1",
        "0",
        "99999999999999999999",
        "2099-01-01T00:00:00Z",
        "0001-01-01T00:00:00-23:59",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "not a date",
        "IPOD2008PINK",
        "78702",
        "CA",
        "US",
    ]
)
line = st.fixed_dictionaries(
    {"id": st.integers() | st.text(max_size=60), "sku": weird, "quantity": weird, "price": weird},
    optional={"title": weird},
)
order_like = st.builds(
    lambda base, lines, zip_code, country, processed_at, email, tags: {
        **base,
        "line_items": lines,
        "shipping_address": {"zip": zip_code, "country_code": country},
        "processed_at": processed_at,
        "email": email,
        "tags": tags,
    },
    st.just(shopify_order()),
    st.lists(line, max_size=4),
    weird,
    weird,
    weird,
    weird,
    weird,
)
topics = st.sampled_from(["orders/create", "orders/updated", "orders/cancelled", "products/update", "", "x" * 100])
ids = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=150)


@pytest.fixture
def client(brand_a, in_brand):
    with in_brand(brand_a):
        catalogue(IPOD2008PINK=0, WB15SAGE=2)
        secrets()
    return Client(HTTP_HOST=brand_a.host, raise_request_exception=False)


def _post(client, url, body: bytes, headers: dict):
    return client.generic("POST", url, body, content_type="application/json", **headers)


@FUZZ
@given(body=order_like | json_values, topic=topics, webhook_id=ids, signed=st.booleans())
def test_shopify_never_answers_5xx(client, body, topic, webhook_id, signed):
    raw = json.dumps(body).encode()
    headers = {"HTTP_X_SHOPIFY_TOPIC": topic, "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id}
    headers["HTTP_X_SHOPIFY_HMAC_SHA256"] = sign_base64(SHOPIFY_SECRET, raw) if signed else "AAAA"

    response = _post(client, SHOPIFY_URL, raw, headers)

    assert response.status_code < 500, response.content
    if not signed:
        assert response.status_code == 401


@FUZZ
@given(raw=st.binary(max_size=200), signature=st.text(max_size=60), delivery=ids)
def test_raw_bytes_never_answer_5xx(client, raw, signature, delivery):
    for url, header in ((SHOPIFY_URL, "HTTP_X_SHOPIFY_HMAC_SHA256"), (RETURNS_URL, "HTTP_CLOSO_RETURNS_SIGNATURE")):
        headers = {header: signature, "HTTP_X_SHOPIFY_WEBHOOK_ID": delivery, "HTTP_CLOSO_RETURNS_DELIVERY": delivery}
        assert _post(client, url, raw, headers).status_code < 500
    signed = {
        "HTTP_X_SHOPIFY_HMAC_SHA256": sign_base64(SHOPIFY_SECRET, raw),
        "HTTP_X_SHOPIFY_WEBHOOK_ID": delivery or "x",
    }
    assert _post(client, SHOPIFY_URL, raw, {**signed, "HTTP_X_SHOPIFY_TOPIC": "orders/create"}).status_code < 500


generic_like = st.fixed_dictionaries(
    {"rma_ref": weird, "sku": weird, "customer_zip": weird},
    optional={"customer_email": weird, "customer_name": weird, "reason": weird, "order_ref": weird},
)
loop_like = st.fixed_dictionaries(
    {
        "trigger": st.sampled_from(["return.created", "created", "return.updated"]) | weird,
        "id": weird,
        "customer": weird | st.fixed_dictionaries({"email": weird, "first_name": weird}),
        "shipping_address": st.fixed_dictionaries({"zip": weird}) | weird,
        "line_items": st.lists(
            st.fixed_dictionaries({"line_item_id": weird, "sku": weird, "return_reason": weird}), max_size=3
        )
        | weird,
    }
)


@FUZZ
@given(body=generic_like | json_values, loop=loop_like | json_values, delivery=ids)
def test_returns_and_loop_never_answer_5xx(client, body, loop, delivery):
    raw = json.dumps(body).encode()
    headers = {"HTTP_CLOSO_RETURNS_SIGNATURE": sign_hex(RETURNS_SECRET, raw), "HTTP_CLOSO_RETURNS_DELIVERY": delivery}
    assert _post(client, RETURNS_URL, raw, headers).status_code < 500
    raw = json.dumps(loop).encode()
    assert _post(client, LOOP_URL, raw, {"HTTP_X_LOOP_SIGNATURE": sign_base64(RETURNS_SECRET, raw)}).status_code < 500
