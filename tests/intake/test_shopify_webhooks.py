"""Shopify order webhooks on a brand host: signature, dedupe, the mapping of each line,
cancellations and edits, and tenant isolation. Payloads are Shopify's documented
`orders/create` example (tests/intake/helpers.py)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from fulfillment.models import Backorder, BackorderStatus, Channel
from intake.models import Delivery, IntegrationSecret
from intake.services.secrets import integration_secret_set
from tests.intake.helpers import (
    ADMIN,
    SHOPIFY_SECRET,
    SHOPIFY_URL,
    catalogue,
    secrets,
    send_shopify,
    shopify_headers,
    shopify_order,
)

ORDER = "820982911946154508"


@pytest.fixture
def shop(brand_a, in_brand, host_client):
    with in_brand(brand_a):
        catalogue(IPOD2008PINK=0, WB15SAGE=5)
        secrets()
    return host_client(brand_a.host)


def backorders(brand, in_brand) -> dict[str, Backorder]:
    with in_brand(brand):
        return {b.order_ref: b for b in Backorder.objects.all()}


def deliveries(brand, in_brand) -> list[Delivery]:
    with in_brand(brand):
        return list(Delivery.objects.all())


def test_documented_example_makes_a_backorder_per_out_of_stock_line(shop, brand_a, in_brand):
    response = send_shopify(shop, shopify_order())

    assert response.status_code == 200, response.content
    made = backorders(brand_a, in_brand)
    assert set(made) == {f"{ORDER}:866550311766439020", f"{ORDER}:141249953214522974"}
    backorder = made[f"{ORDER}:866550311766439020"]
    assert backorder.sku.code == "IPOD2008PINK"
    assert backorder.customer_zip == "40003"
    assert backorder.customer_email == "jon@example.com"
    assert backorder.customer_name == "John Smith"
    assert backorder.value == Decimal("199.00")
    assert backorder.placed_at == dt.datetime(2022, 1, 1, 0, 0, tzinfo=dt.UTC)
    assert backorder.channel == Channel.WEBHOOK
    assert backorder.consent_local_return is False
    assert response.json()["summary"] == "2 created"


def test_in_stock_and_unknown_lines_are_skipped_with_their_reason(shop, brand_a, in_brand):
    order = shopify_order(
        lines=[(1, "IPOD2008PINK", 2), (2, "WB15SAGE", 3), (3, "NOT-IN-CATALOGUE", 1), (4, "WB15SAGE", 3)]
    )

    response = send_shopify(shop, order)

    assert response.status_code == 200
    made = backorders(brand_a, in_brand)
    # WB15SAGE has 5 free: line 2 takes 3, line 4's 3 no longer fit.
    assert set(made) == {f"{ORDER}:1", f"{ORDER}:4"}
    assert made[f"{ORDER}:1"].qty == 2 and made[f"{ORDER}:1"].value == Decimal("398.00")
    [delivery] = deliveries(brand_a, in_brand)
    assert delivery.lines == [
        {"ref": f"{ORDER}:1", "action": "created", "reason": "IPOD2008PINK is out of stock"},
        {"ref": f"{ORDER}:2", "action": "skipped", "reason": "WB15SAGE is in stock"},
        {"ref": f"{ORDER}:3", "action": "skipped", "reason": "unknown SKU “NOT-IN-CATALOGUE”"},
        {"ref": f"{ORDER}:4", "action": "created", "reason": "WB15SAGE is out of stock"},
    ]
    assert delivery.summary == "2 created, 2 skipped"


def test_waiting_backorders_use_up_stock_before_a_new_order(shop, brand_a, in_brand):
    with in_brand(brand_a):
        from fulfillment.models import Sku

        Sku.objects.filter(code="IPOD2008PINK").update(available_qty=1)
    send_shopify(shop, shopify_order(id=1, lines=[(1, "IPOD2008PINK", 1)]))  # in stock: 1 free
    assert backorders(brand_a, in_brand) == {}
    with in_brand(brand_a):
        Sku.objects.filter(code="IPOD2008PINK").update(available_qty=0)
    send_shopify(shop, shopify_order(id=2, lines=[(1, "IPOD2008PINK", 1)]))
    with in_brand(brand_a):
        Sku.objects.filter(code="IPOD2008PINK").update(available_qty=1)  # one unit, one waiting
    send_shopify(shop, shopify_order(id=3, lines=[(1, "IPOD2008PINK", 1)]))
    assert set(backorders(brand_a, in_brand)) == {"2:1", "3:1"}


def test_no_shipping_address_skips_the_lines_saying_why(shop, brand_a, in_brand):
    response = send_shopify(shop, shopify_order(shipping_address=None))

    assert response.status_code == 200
    assert backorders(brand_a, in_brand) == {}
    [delivery] = deliveries(brand_a, in_brand)
    assert {line["reason"] for line in delivery.lines} == {"no shipping address (local pickup or a digital order)"}


def test_a_non_us_address_skips_the_lines_saying_why(shop, brand_a, in_brand):
    address = {**shopify_order()["shipping_address"], "country": "Canada", "country_code": "CA", "zip": "K1A 0B1"}

    send_shopify(shop, shopify_order(shipping_address=address))

    assert backorders(brand_a, in_brand) == {}
    [delivery] = deliveries(brand_a, in_brand)
    assert {line["reason"] for line in delivery.lines} == {"ships outside the US (CA)"}


@pytest.mark.parametrize(
    "changes",
    [
        {"note_attributes": [{"name": "closo_local_consent", "value": "yes"}]},
        {"tags": "vip, closo-local-ok"},
    ],
    ids=["note-attribute", "tag"],
)
def test_consent_comes_from_a_note_attribute_or_a_tag(shop, brand_a, in_brand, changes):
    send_shopify(shop, shopify_order(lines=[(1, "IPOD2008PINK", 1)], **changes))

    assert backorders(brand_a, in_brand)[f"{ORDER}:1"].consent_local_return is True


def test_a_line_the_backorder_rules_refuse_is_skipped_with_the_field_problem(shop, brand_a, in_brand):
    response = send_shopify(shop, shopify_order(lines=[(1, "IPOD2008PINK", 40000)]))

    assert response.json()["lines"] == [
        {"ref": f"{ORDER}:1", "action": "skipped", "reason": "qty: A whole number from 1 to 32,767."}
    ]
    assert backorders(brand_a, in_brand) == {}


def test_a_line_the_region_rules_refuse_is_skipped_not_failed(shop, brand_a, in_brand):
    from fulfillment.services import regions as region_services

    with in_brand(brand_a):
        region_services.region_create(name="Austin", zip_prefixes="787", max_promise_days=30, actor=ADMIN)

    response = send_shopify(shop, shopify_order(lines=[(1, "IPOD2008PINK", 1)]))

    assert response.status_code == 200
    assert backorders(brand_a, in_brand) == {}
    [delivery] = deliveries(brand_a, in_brand)
    assert delivery.lines[0]["action"] == "skipped" and "40003" in delivery.lines[0]["reason"]


def test_the_same_webhook_id_twice_has_one_effect(shop, brand_a, in_brand):
    first = send_shopify(shop, shopify_order(), webhook_id="wh-1")
    again = send_shopify(shop, shopify_order(), webhook_id="wh-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert len(backorders(brand_a, in_brand)) == 2
    assert len(deliveries(brand_a, in_brand)) == 1


def test_an_order_sent_again_under_a_new_id_makes_no_second_backorder(shop, brand_a, in_brand):
    send_shopify(shop, shopify_order(), webhook_id="wh-1")
    response = send_shopify(shop, shopify_order(), webhook_id="wh-2")

    assert len(backorders(brand_a, in_brand)) == 2
    assert {line["reason"] for line in response.json()["lines"]} == {"already a backorder"}


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_SHOPIFY_HMAC_SHA256": "bm90IHRoZSBzaWduYXR1cmU="},
        {"HTTP_X_SHOPIFY_HMAC_SHA256": ""},
    ],
    ids=["bad", "missing"],
)
def test_a_bad_or_missing_signature_is_401_and_stores_nothing(shop, brand_a, in_brand, headers):
    body = json.dumps(shopify_order()).encode()
    sent = {**shopify_headers(body), **headers}

    response = shop.post(SHOPIFY_URL, body, content_type="application/json", **sent)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert backorders(brand_a, in_brand) == {}
    assert deliveries(brand_a, in_brand) == []


def test_a_body_changed_after_signing_is_refused(shop, brand_a, in_brand):
    body = json.dumps(shopify_order()).encode()
    headers = shopify_headers(body)

    response = shop.post(SHOPIFY_URL, body.replace(b"40003", b"78702"), content_type="application/json", **headers)

    assert response.status_code == 401
    assert backorders(brand_a, in_brand) == {}


def test_without_a_secret_every_delivery_is_refused(brand_a, in_brand, host_client):
    with in_brand(brand_a):
        catalogue(IPOD2008PINK=0)

    response = send_shopify(host_client(brand_a.host), shopify_order())

    assert response.status_code == 401
    assert "No shopify webhook secret" in response.json()["error"]["message"]


def test_a_rotated_secret_refuses_the_old_one(shop, brand_a, in_brand):
    with in_brand(brand_a):
        integration_secret_set(kind=IntegrationSecret.Kind.SHOPIFY, secret="a-brand-new-secret-0000", actor=ADMIN)

    assert send_shopify(shop, shopify_order()).status_code == 401
    assert send_shopify(shop, shopify_order(), secret="a-brand-new-secret-0000").status_code == 200


def test_other_topics_are_200_and_logged_as_ignored(shop, brand_a, in_brand):
    response = send_shopify(shop, {"id": 1, "title": "A product"}, topic="products/update")

    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    [delivery] = deliveries(brand_a, in_brand)
    assert (delivery.topic, delivery.outcome) == ("products/update", Delivery.Outcome.IGNORED)
    assert backorders(brand_a, in_brand) == {}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"line_items": []}).encode(),
        json.dumps({"id": 1, "line_items": {}}).encode(),
        json.dumps({"id": 1, "line_items": [{"sku": "X"}]}).encode(),
        json.dumps({"id": 1, "line_items": [{"id": 2, "quantity": "2"}]}).encode(),
    ],
    ids=["not-json", "array", "no-id", "line-items-object", "line-without-id", "quantity-text"],
)
def test_a_body_that_is_not_an_order_is_400_with_the_error_shape(shop, brand_a, in_brand, body):
    response = shop.post(SHOPIFY_URL, body, content_type="application/json", **shopify_headers(body))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_payload" and error["message"] and isinstance(error["fields"], dict)
    assert deliveries(brand_a, in_brand) == []


def test_a_missing_webhook_id_is_400(shop):
    body = json.dumps(shopify_order()).encode()
    headers = shopify_headers(body)
    del headers["HTTP_X_SHOPIFY_WEBHOOK_ID"]

    response = shop.post(SHOPIFY_URL, body, content_type="application/json", **headers)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"X-Shopify-Webhook-Id": ["Required."]}


def test_a_cancelled_order_cancels_its_open_backorders(shop, brand_a, in_brand):
    send_shopify(shop, shopify_order())
    send_shopify(shop, shopify_order(id=5, lines=[(1, "IPOD2008PINK", 1)]))  # another order: untouched

    response = send_shopify(shop, shopify_order(cancelled_at="2022-01-02T10:00:00-05:00"), topic="orders/cancelled")

    assert response.json()["summary"] == "2 cancelled"
    made = backorders(brand_a, in_brand)
    assert {ref: b.status for ref, b in made.items()} == {
        f"{ORDER}:866550311766439020": BackorderStatus.CANCELLED,
        f"{ORDER}:141249953214522974": BackorderStatus.CANCELLED,
        "5:1": BackorderStatus.WAITING,
    }
    assert made[f"{ORDER}:866550311766439020"].cancel_reason == "The Shopify order #9999 was cancelled."


def test_an_edit_cancels_a_removed_line_and_adds_a_new_out_of_stock_one(shop, brand_a, in_brand):
    send_shopify(shop, shopify_order(lines=[(1, "IPOD2008PINK", 1), (2, "IPOD2008PINK", 1)]))

    edited = shopify_order(lines=[(1, "IPOD2008PINK", 1), (3, "IPOD2008PINK", 2), (4, "WB15SAGE", 1)])
    response = send_shopify(shop, edited, topic="orders/updated")

    assert response.status_code == 200
    made = backorders(brand_a, in_brand)
    assert {ref: (b.status, b.qty) for ref, b in made.items()} == {
        f"{ORDER}:1": (BackorderStatus.WAITING, 1),
        f"{ORDER}:2": (BackorderStatus.CANCELLED, 1),
        f"{ORDER}:3": (BackorderStatus.WAITING, 2),
    }
    assert made[f"{ORDER}:2"].cancel_reason == "the line was removed from the Shopify order"
    assert response.json()["summary"] == "1 cancelled, 2 skipped, 1 created"


def test_an_edit_that_sets_a_line_to_zero_cancels_its_backorder(shop, brand_a, in_brand):
    send_shopify(shop, shopify_order(lines=[(1, "IPOD2008PINK", 1)]))

    send_shopify(shop, shopify_order(lines=[(1, "IPOD2008PINK", 0)]), topic="orders/updated")

    assert backorders(brand_a, in_brand)[f"{ORDER}:1"].status == BackorderStatus.CANCELLED


# --- tenant isolation ---


def test_brand_a_secret_is_never_accepted_on_brand_b_host(shop, brand_a, brand_b, in_brand, host_client):
    with in_brand(brand_b):
        catalogue(IPOD2008PINK=0)
        integration_secret_set(kind=IntegrationSecret.Kind.SHOPIFY, secret="bolt-bedding-secret-9999", actor=ADMIN)

    response = send_shopify(host_client(brand_b.host), shopify_order())  # signed with brand A's secret

    assert response.status_code == 401
    assert backorders(brand_a, in_brand) == {} and backorders(brand_b, in_brand) == {}


def test_a_webhook_on_brand_b_host_writes_brand_b_schema_only(shop, brand_a, brand_b, in_brand, host_client):
    with in_brand(brand_b):
        catalogue(IPOD2008PINK=0)
        integration_secret_set(kind=IntegrationSecret.Kind.SHOPIFY, secret="bolt-bedding-secret-9999", actor=ADMIN)

    response = send_shopify(
        host_client(brand_b.host), shopify_order(), secret="bolt-bedding-secret-9999", webhook_id="same"
    )
    again_on_a = send_shopify(shop, shopify_order(), webhook_id="same")  # one id, two brands: two deliveries

    assert response.status_code == again_on_a.status_code == 200
    assert len(backorders(brand_b, in_brand)) == 2 and len(deliveries(brand_b, in_brand)) == 1
    assert len(backorders(brand_a, in_brand)) == 2 and len(deliveries(brand_a, in_brand)) == 1


def test_get_is_not_allowed(shop):
    assert shop.get(SHOPIFY_URL).status_code == 405


def test_the_secret_is_never_in_the_response(shop):
    response = send_shopify(shop, shopify_order())
    assert SHOPIFY_SECRET not in response.content.decode()


def test_a_body_over_the_size_limit_is_413_before_anything_is_read(shop, settings, brand_a, in_brand):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps(shopify_order()).encode()

    response = shop.post(SHOPIFY_URL, body, content_type="application/json", **shopify_headers(body))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert backorders(brand_a, in_brand) == {}
