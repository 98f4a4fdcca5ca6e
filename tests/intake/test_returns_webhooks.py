"""The generic returns webhook and the Loop mapping: signature, dedupe (delivery id and
RMA reference), automatic routing, tenant isolation."""

from __future__ import annotations

import json

import pytest

from fulfillment.models import ReturnItem, ReturnStatus
from intake.models import Delivery, IntegrationSecret
from intake.services.secrets import integration_secret_set
from tests.intake.helpers import ADMIN, RETURNS_URL, catalogue, secrets, send_loop, send_returns

RETURN = {
    "rma_ref": "RMA-10452",
    "sku": "WB15SAGE",
    "customer_zip": "78702",
    "customer_email": "ana@example.com",
    "customer_name": "Ana Ruiz",
    "reason": "Too warm",
    "order_ref": "#1042",
}
LOOP_RETURN = {
    "topic": "return",
    "trigger": "return.created",
    "shop_id": 42,
    "id": 9001,
    "state": "open",
    "order_name": "#1042",
    "customer": "ana@example.com",
    "shipping_address": {"zip": "78702"},
    "line_items": [
        {"line_item_id": 11, "sku": "WB15SAGE", "return_reason": "Too warm"},
        {"line_item_id": 12, "sku": "NOT-LOCAL", "return_reason": "Changed my mind"},
    ],
}


@pytest.fixture
def app(brand_a, in_brand, host_client):
    with in_brand(brand_a):
        catalogue(WB15SAGE=0)
        secrets()
    return host_client(brand_a.host)


def returns_of(brand, in_brand) -> dict[str, ReturnItem]:
    with in_brand(brand):
        return {r.rma_ref: r for r in ReturnItem.objects.all()}


def test_a_signed_return_is_created_and_routed(app, brand_a, in_brand, active_hub):
    response = send_returns(app, RETURN)

    assert response.status_code == 200, response.content
    assert response.json()["lines"] == [{"ref": "RMA-10452", "action": "created", "reason": "order #1042"}]
    item = returns_of(brand_a, in_brand)["RMA-10452"]
    assert (item.sku.code, item.customer_zip, item.customer_email, item.reason) == (
        "WB15SAGE",
        "78702",
        "ana@example.com",
        "Too warm",
    )
    assert item.status == ReturnStatus.ROUTED  # to ivan's hub in 78702, or the warehouse: routed either way


def test_the_same_delivery_twice_has_one_effect(app, brand_a, in_brand):
    send_returns(app, RETURN, delivery="d-1")
    again = send_returns(app, RETURN, delivery="d-1")

    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert len(returns_of(brand_a, in_brand)) == 1


def test_a_known_rma_under_a_new_delivery_is_200_already_have_it(app, brand_a, in_brand):
    send_returns(app, RETURN, delivery="d-1")
    again = send_returns(app, RETURN, delivery="d-2")

    assert again.status_code == 200
    assert again.json()["lines"] == [{"ref": "RMA-10452", "action": "exists", "reason": "already have it"}]
    assert len(returns_of(brand_a, in_brand)) == 1


@pytest.mark.parametrize("signature", ["", "00" * 32, "not hex"], ids=["missing", "wrong", "garbage"])
def test_a_bad_signature_is_401_and_stores_nothing(app, brand_a, in_brand, signature):
    body = json.dumps(RETURN).encode()
    response = app.post(
        RETURNS_URL,
        body,
        content_type="application/json",
        HTTP_CLOSO_RETURNS_SIGNATURE=signature,
        HTTP_CLOSO_RETURNS_DELIVERY="d-1",
    )

    assert response.status_code == 401
    assert returns_of(brand_a, in_brand) == {}
    with in_brand(brand_a):
        assert not Delivery.objects.exists()


def test_an_unknown_sku_is_a_400_and_nothing_is_stored_so_a_fixed_retry_works(app, brand_a, in_brand):
    response = send_returns(app, {**RETURN, "sku": "NOPE"}, delivery="d-1")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_sku"
    with in_brand(brand_a):
        assert not Delivery.objects.exists()
    assert send_returns(app, RETURN, delivery="d-1").json()["status"] == "processed"


def test_a_missing_field_is_400_naming_it(app):
    response = send_returns(app, {"rma_ref": "RMA-1", "sku": "WB15SAGE"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"customer_zip": ["`customer_zip` is required."]}


def test_brand_a_returns_secret_is_refused_on_brand_b_host(app, brand_b, in_brand, host_client):
    with in_brand(brand_b):
        catalogue(WB15SAGE=0)
        integration_secret_set(kind=IntegrationSecret.Kind.RETURNS, secret="bolt-returns-secret-123", actor=ADMIN)

    response = send_returns(host_client(brand_b.host), RETURN)

    assert response.status_code == 401
    assert returns_of(brand_b, in_brand) == {}


# --- Loop ---


def test_a_loop_return_creates_one_return_per_known_line(app, brand_a, in_brand):
    response = send_loop(app, LOOP_RETURN)

    assert response.status_code == 200, response.content
    assert [(line["ref"], line["action"]) for line in response.json()["lines"]] == [
        ("LOOP-9001-11", "created"),
        ("LOOP-9001-12", "skipped"),
    ]
    assert set(returns_of(brand_a, in_brand)) == {"LOOP-9001-11"}


def test_loop_redelivering_the_same_body_is_a_duplicate(app, brand_a, in_brand):
    send_loop(app, LOOP_RETURN)
    again = send_loop(app, LOOP_RETURN)

    assert again.json() == {"status": "duplicate"}
    assert len(returns_of(brand_a, in_brand)) == 1


def test_loop_a_changed_body_for_a_known_return_is_already_have_it(app, brand_a, in_brand):
    send_loop(app, LOOP_RETURN)
    again = send_loop(app, {**LOOP_RETURN, "state": "open", "shop_id": 43})

    assert again.json()["lines"][0] == {"ref": "LOOP-9001-11", "action": "exists", "reason": "already have it"}
    assert len(returns_of(brand_a, in_brand)) == 1


def test_loop_other_triggers_are_ignored(app, brand_a, in_brand):
    response = send_loop(app, {**LOOP_RETURN, "trigger": "return.closed"})

    assert response.json() == {"status": "ignored"}
    assert returns_of(brand_a, in_brand) == {}


def test_loop_with_a_bad_signature_is_401(app, brand_a, in_brand):
    response = send_loop(app, LOOP_RETURN, secret="someone-elses-secret-000")

    assert response.status_code == 401
    assert returns_of(brand_a, in_brand) == {}
