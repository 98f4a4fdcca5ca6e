import pytest
from django.urls import reverse

from brands.authentication import ApiKeyAuthentication
from brands.models import ApiKey, BrandRole
from brands.services import api_keys as api_key_services


def auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {key}"}


@pytest.fixture
def key_a(brand_a, alice):
    return api_key_services.api_key_create(brand=brand_a, name="Storefront", actor=alice)


def test_key_is_shown_once_and_stored_only_as_a_digest(key_a):
    key, full = key_a
    assert full.startswith(f"closo_{key.key_id}.")
    secret = full.split(".", 1)[1]
    key.refresh_from_db()
    assert secret not in key.digest
    assert key.digest == ApiKey.hash_secret(secret)
    assert all(secret not in str(value) for value in ApiKey.objects.filter(pk=key.pk).values().get().values())


def test_key_authenticates_on_its_own_brand_host(host_client, brand_a, key_a):
    _, full = key_a
    response = host_client(brand_a.host).get("/api/v1/brand", **auth(full))
    assert response.status_code == 200
    assert response.json()["slug"] == "acme"
    assert response.json()["principal"] == {"type": "api_key", "key_id": key_a[0].key_id, "role": "admin"}


def test_key_of_brand_a_is_rejected_on_brand_b_host(host_client, brand_b, key_a):
    _, full = key_a
    response = host_client(brand_b.host).get("/api/v1/skus/", **auth(full))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_key_is_rejected_on_the_public_host(host_client, public_host, key_a):
    _, full = key_a
    response = host_client(public_host).get("/api/v1/brand", **auth(full))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "header, code",
    [
        ("Api-Key not-a-key", "invalid_api_key"),
        ("Api-Key closo_000000000000.wrongsecret", "invalid_api_key"),
        ("Api-Key closo_short.secret", "invalid_api_key"),
    ],
)
def test_bad_keys_get_401_with_a_code(host_client, brand_a, header, code):
    response = host_client(brand_a.host).get("/api/v1/brand", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"] == ApiKeyAuthentication.keyword


def test_right_key_id_with_wrong_secret_is_rejected(host_client, brand_a, key_a):
    key, _ = key_a
    response = host_client(brand_a.host).get("/api/v1/brand", **auth(f"closo_{key.key_id}.guessed"))
    assert response.status_code == 401


def test_revoked_key_is_refused(host_client, brand_a, alice, key_a):
    key, full = key_a
    api_key_services.api_key_revoke(key=key, actor=alice)
    response = host_client(brand_a.host).get("/api/v1/brand", **auth(full))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "revoked_api_key"


def test_the_twentieth_bad_key_from_one_ip_locks_that_ip_even_for_a_good_key(host_client, brand_a, key_a, clock):
    key, full = key_a
    client = host_client(brand_a.host)
    bad = [f"closo_{key.key_id}.wrong-secret-{n}" for n in range(10)] + ["closo_nope"] * 5 + ["garbage"] * 4
    statuses = [client.get("/api/v1/brand", **auth(k)).status_code for k in bad]
    assert statuses == [401] * 19
    twentieth = client.get("/api/v1/brand", **auth("closo_still.wrong"))
    assert (twentieth.status_code, twentieth["Retry-After"]) == (429, "600")
    error = twentieth.json()["error"]
    assert (error["code"], error["fields"]) == ("too_many_attempts", {})
    assert error["message"].startswith("Too many bad API keys from your network. Try again in 10 minutes")
    assert client.get("/api/v1/brand", **auth(full)).status_code == 429
    # Another address is not held to it; the lock ends after its window.
    assert host_client(brand_a.host).get("/api/v1/brand", REMOTE_ADDR="203.0.113.9", **auth(full)).status_code == 200
    clock.advance(10 * 60)
    assert client.get("/api/v1/brand", **auth(full)).status_code == 200


def test_good_keys_do_not_count_towards_the_ip_limit(host_client, brand_a, key_a):
    _, full = key_a
    client = host_client(brand_a.host)
    assert {client.get("/api/v1/brand", **auth(full)).status_code for _ in range(25)} == {200}


def test_revoking_twice_keeps_the_first_revocation(brand_a, alice, bob, key_a):
    key, _ = key_a
    first = api_key_services.api_key_revoke(key=key, actor=alice).revoked_at
    again = api_key_services.api_key_revoke(key=key, actor=bob)
    assert again.revoked_at == first
    assert again.revoked_by == alice


def test_missing_credentials_get_401(host_client, brand_a):
    response = host_client(brand_a.host).get("/api/v1/skus/")
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_key_use_is_recorded(host_client, brand_a, key_a):
    key, full = key_a
    assert key.last_used_at is None
    host_client(brand_a.host).get("/api/v1/brand", **auth(full))
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_read_only_key_can_read_but_not_write(host_client, brand_a, alice):
    _, full = api_key_services.api_key_create(brand=brand_a, name="BI export", role=BrandRole.VIEWER, actor=alice)
    client = host_client(brand_a.host)
    assert client.get("/api/v1/skus/", **auth(full)).status_code == 200
    response = client.post("/api/v1/skus/", {}, **auth(full))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Your role can read but not change this brand's data."


def test_admin_creates_a_key_in_the_portal_and_sees_it_once(host_client, brand_a, alice):
    client = host_client(brand_a.host, alice)
    response = client.post(reverse("brand_api_keys"), {"name": "WMS", "role": "admin"})
    assert response.status_code == 200
    full = response.context["new_key"]
    assert full.startswith("closo_")
    assert full.encode() in response.content
    again = client.get(reverse("brand_api_keys"))
    assert full.encode() not in again.content
    assert b"WMS" in again.content


def test_viewer_cannot_create_or_revoke_keys_in_the_portal(host_client, brand_a, alice, vera, key_a):
    key, _ = key_a
    client = host_client(brand_a.host, vera)
    client.post(reverse("brand_api_keys"), {"name": "Sneaky", "role": "admin"})
    assert not ApiKey.objects.filter(name="Sneaky").exists()
    response = client.post(reverse("brand_api_key_revoke", args=[key.pk]))
    assert response.status_code == 403
    key.refresh_from_db()
    assert key.is_active


def test_key_name_is_required(host_client, brand_a, alice):
    response = host_client(brand_a.host, alice).post(reverse("brand_api_keys"), {"name": "", "role": "admin"})
    assert response.status_code == 200
    assert response.context["new_key"] is None
    assert "name" in response.context["form"].errors
