"""Tenant isolation, from the attacker's side: every way brand A's people or keys could
reach brand B's data is tried, and each must fail without revealing anything."""

import pytest
from django.urls import reverse
from django_tenants.utils import schema_context

from brands.models import ApiKey
from brands.services import api_keys as api_key_services
from fulfillment.models import Sku


@pytest.fixture
def b_secret_sku(brand_b):
    with schema_context(brand_b.schema_name):
        return Sku.objects.create(code="BOLT-SECRET", title="Bolt's unreleased duvet", price=199)


@pytest.fixture
def b_key(brand_b, bob):
    return api_key_services.api_key_create(brand=brand_b, name="Bolt storefront", actor=bob)


@pytest.mark.parametrize("path", ["/", "/team/", "/api-keys/"])
def test_brand_a_admin_gets_404_on_brand_b_pages(host_client, brand_b, alice, b_secret_sku, path):
    response = host_client(brand_b.host, alice).get(path)
    assert response.status_code == 404
    assert b"Bolt" not in response.content
    assert b"bob@bolt.test" not in response.content


def test_brand_a_admin_session_cannot_read_brand_b_api(host_client, brand_b, alice, b_secret_sku):
    response = host_client(brand_b.host, alice).get("/api/v1/skus/")
    assert response.status_code == 403
    assert b"BOLT-SECRET" not in response.content


def test_brand_a_key_cannot_read_brand_b_skus(host_client, brand_a, brand_b, alice, b_secret_sku):
    _, full = api_key_services.api_key_create(brand=brand_a, name="A", actor=alice)
    response = host_client(brand_b.host).get("/api/v1/skus/", HTTP_AUTHORIZATION=f"Api-Key {full}")
    assert response.status_code == 403
    assert b"BOLT-SECRET" not in response.content


def test_brand_a_host_never_lists_brand_b_rows(host_client, brand_a, alice, b_secret_sku):
    response = host_client(brand_a.host, alice).get("/api/v1/skus/")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_brand_a_admin_cannot_revoke_brand_b_key_by_id(host_client, brand_a, brand_b, alice, b_key):
    key, _ = b_key
    # On A's own host, with B's key id: the lookup is scoped to A, so B's key is not found.
    response = host_client(brand_a.host, alice).post(reverse("brand_api_key_revoke", args=[key.pk]))
    assert response.status_code == 404
    # On B's host: not a member.
    response = host_client(brand_b.host, alice).post(reverse("brand_api_key_revoke", args=[key.pk]))
    assert response.status_code == 404
    assert ApiKey.objects.get(pk=key.pk).is_active


def test_brand_a_admin_does_not_see_brand_b_keys(host_client, brand_a, alice, b_key):
    response = host_client(brand_a.host, alice).get(reverse("brand_api_keys"))
    assert b"Bolt storefront" not in response.content


def test_brand_a_admin_cannot_create_a_key_on_brand_b(host_client, brand_b, alice):
    response = host_client(brand_b.host, alice).post(reverse("brand_api_keys"), {"name": "x", "role": "admin"})
    assert response.status_code == 404
    assert not brand_b.api_keys.exists()


@pytest.mark.parametrize("who", ["olga", "ivan", "stan"])
def test_non_members_get_404_on_brand_pages(host_client, brand_a, request, who):
    user = request.getfixturevalue(who)
    assert host_client(brand_a.host, user).get("/").status_code == 404


def test_anonymous_brand_page_redirects_to_sign_in_on_that_host(host_client, brand_a):
    response = host_client(brand_a.host).get("/team/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/team/"


def test_sign_in_on_brand_b_host_as_brand_a_admin_shows_no_brand_b_data(host_client, brand_b):
    from tests.conftest import EMAILS, PASSWORD

    client = host_client(brand_b.host)
    response = client.post("/accounts/sign-in/", {"username": EMAILS["alice"], "password": PASSWORD}, follow=True)
    assert response.status_code == 404
    assert b"bob@bolt.test" not in response.content


def test_session_of_one_host_is_not_valid_on_another(host_client, brand_a, brand_b, alice):
    """Session cookies are host-only: signing in on A's host gives no session on B's."""
    client_a = host_client(brand_a.host, alice)
    cookie = client_a.cookies["sessionid"]
    assert not cookie["domain"]


def test_schema_context_of_a_request_does_not_leak_into_the_next(host_client, brand_a, brand_b, alice, bob):
    with schema_context(brand_a.schema_name):
        Sku.objects.create(code="ACME-1", title="Acme tee", price=20)
    assert host_client(brand_a.host, alice).get("/api/v1/skus/").json()["count"] == 1
    assert host_client(brand_b.host, bob).get("/api/v1/skus/").json()["count"] == 0
