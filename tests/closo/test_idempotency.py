import json

import pytest

from brands.services import api_keys as api_key_services
from fulfillment.models import Sku
from tests.conftest import run_concurrently

SKU = {"code": "IDEM-1", "title": "Weighted blanket", "price": "120.00"}


def post(client, body, key):
    return client.post("/api/v1/skus/", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def acme(api_client, brand_a):
    return api_client(brand_a)


def test_same_key_and_body_returns_the_same_response_and_creates_one_row(acme, brand_a, in_brand):
    first = post(acme, SKU, "k-1")
    again = post(acme, SKU, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    with in_brand(brand_a):
        assert Sku.objects.filter(code="IDEM-1").count() == 1


def test_same_key_with_another_body_is_a_409(acme):
    post(acme, SKU, "k-2")
    response = post(acme, {**SKU, "title": "Something else"}, "k-2")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_a_failed_request_is_not_remembered(acme, brand_a, in_brand):
    bad = post(acme, {**SKU, "price": "free"}, "k-3")
    assert bad.status_code == 400
    assert post(acme, {**SKU, "price": "free"}, "k-3").status_code == 400  # runs again, same answer
    fixed = post(acme, SKU, "k-3")  # the key was never used up by the failure
    assert fixed.status_code == 201
    with in_brand(brand_a):
        assert Sku.objects.filter(code="IDEM-1").count() == 1


def test_without_a_key_each_post_runs(acme):
    assert post(acme, SKU, "").status_code == 201
    assert acme.post("/api/v1/skus/", json.dumps(SKU), content_type="application/json").status_code == 409


def test_overlong_key_is_refused(acme):
    response = post(acme, SKU, "x" * 256)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"


def test_keys_belong_to_one_brand(api_client, brand_a, brand_b, in_brand):
    assert post(api_client(brand_a), SKU, "shared-key").status_code == 201
    response = post(api_client(brand_b), SKU, "shared-key")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    with in_brand(brand_b):
        assert Sku.objects.filter(code="IDEM-1").exists()


def test_concurrent_retries_with_one_key_create_one_row(committed):
    from django.test import Client
    from django_tenants.utils import schema_context

    from brands.models import Brand

    brand = Brand.objects.get(slug="acme")
    key, full = api_key_services.api_key_create(brand=brand, name="race", actor=None)

    def cleanup():
        from closo.models import IdempotencyRecord

        IdempotencyRecord.objects.filter(brand=brand).delete()
        key.delete()
        with schema_context(brand.schema_name):
            Sku.objects.filter(code="IDEM-RACE").delete()

    committed.append(cleanup)
    body = {**SKU, "code": "IDEM-RACE"}

    def send(_):
        client = Client(HTTP_HOST=brand.host, HTTP_AUTHORIZATION=f"Api-Key {full}")
        response = post(client, body, "race-key")
        return response.status_code, response.json()

    results = run_concurrently(send, n=4)
    assert all(isinstance(r, tuple) for r in results), results
    assert {status for status, _ in results} == {201}
    assert len({json.dumps(body, sort_keys=True) for _, body in results}) == 1
    with schema_context(brand.schema_name):
        assert Sku.objects.filter(code="IDEM-RACE").count() == 1


def test_a_replay_needs_the_same_authorisation_as_the_call(acme, host_client, brand_a, vera):
    assert post(acme, SKU, "k-auth").status_code == 201
    anonymous = post(host_client(brand_a.host), SKU, "k-auth")
    assert anonymous.status_code == 401
    assert "IDEM-1" not in anonymous.content.decode()
    viewer = post(host_client(brand_a.host, vera), SKU, "k-auth")
    assert viewer.status_code == 403
    assert "IDEM-1" not in viewer.content.decode()
