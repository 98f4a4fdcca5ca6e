"""Storefront access (issue 10): the publishable key reads availability and nothing else, only
from the brand's storefront origins (CORS), throttled per IP; admins manage the key and the
origins on the API-keys page; the storefront demo page uses it."""

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse

from brands.exceptions import InvalidOrigin
from brands.models import PublishableKey
from brands.services import storefront as services
from brands.services.api_keys import api_key_create
from brands.storefront import origin_normalise
from fulfillment.models import InboundSupply, Sku
from tests.conftest import post_json
from tests.factories import in_days

URL = "/api/v1/availability"
SHOP = "https://acme.myshopify.com"
WWW = "https://www.acme.com"


@pytest.fixture
def storefront(brand_a, alice):
    """Brand A's publishable key, with its two storefront origins listed."""
    services.storefront_origins_update(brand=brand_a, origins=[SHOP, WWW], actor=alice)
    return services.publishable_key_rotate(brand=brand_a, actor=alice)


@pytest.fixture
def restocking(brand_a, in_brand):
    """WB-20 sold out, a PO in 10 days: availability answers with a date."""
    with in_brand(brand_a):
        sku = Sku.objects.create(code="WB-20", title="Weighted blanket 20 lb", price=139, available_qty=0)
        InboundSupply.objects.create(po_ref="PO-1", sku=sku, qty=50, expected_date=in_days(10))
    return sku


def ask(client, key, origin=SHOP, sku="WB-20", zip_code="78702", **headers):
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    return client.get(URL, {"key": key, "sku": sku, "zip": zip_code}, **headers)


def code_of(response) -> str:
    return response.json()["error"]["code"]


# --- what the key may read, from where ---


def test_an_allowed_origin_reads_availability_with_cors_headers(host_client, brand_a, storefront, restocking):
    response = ask(host_client(brand_a.host), storefront.key)
    assert response.status_code == 200
    body = response.json()
    assert (body["offer_backorder"], body["reason"]) == (True, "restock")
    assert body["ships_in_days"] > 0
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response["Vary"]
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    www = ask(host_client(brand_a.host), storefront.key, origin=WWW)
    assert www["Access-Control-Allow-Origin"] == WWW


def test_the_batch_form_is_allowed_from_an_allowed_origin(host_client, brand_a, storefront, restocking):
    items = [{"sku": "WB-20", "zip": "78702"}, {"sku": "NOPE", "zip": "78702"}]
    response = post_json(host_client(brand_a.host), f"{URL}?key={storefront.key}", {"items": items}, HTTP_ORIGIN=SHOP)
    assert response.status_code == 200
    assert [item["reason"] for item in response.json()["items"]] == ["restock", "unknown_sku"]
    assert response["Access-Control-Allow-Origin"] == SHOP


def test_a_preflight_from_an_allowed_origin_is_answered(host_client, brand_a, storefront):
    response = host_client(brand_a.host).options(
        f"{URL}?key={storefront.key}",
        HTTP_ORIGIN=SHOP,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert response["Vary"] == "Origin"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert "Content-Type" in response["Access-Control-Allow-Headers"]
    assert response["Access-Control-Max-Age"] == "7200"


def test_a_preflight_from_another_origin_is_refused_without_cors_headers(host_client, brand_a, storefront):
    response = host_client(brand_a.host).options(
        URL, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert (response.status_code, code_of(response)) == (403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in response


def test_another_origin_is_refused_without_cors_headers(host_client, brand_a, storefront, restocking):
    response = ask(host_client(brand_a.host), storefront.key, origin="https://evil.example")
    assert (response.status_code, code_of(response)) == (403, "origin_not_allowed")
    assert "https://evil.example is not one of this brand's storefront origins" in response.json()["error"]["message"]
    assert "Access-Control-Allow-Origin" not in response
    # An origin is compared whole: scheme and port count.
    assert ask(host_client(brand_a.host), storefront.key, origin="http://acme.myshopify.com").status_code == 403
    assert ask(host_client(brand_a.host), storefront.key, origin=f"{SHOP}:8443").status_code == 403


def test_a_request_without_origin_is_refused_servers_use_secret_keys(host_client, brand_a, storefront, restocking):
    response = ask(host_client(brand_a.host), storefront.key, origin=None)
    assert (response.status_code, code_of(response)) == (403, "origin_required")
    assert "secret API key" in response.json()["error"]["message"]


def test_the_brand_host_itself_is_always_an_allowed_origin(host_client, brand_a, storefront, restocking):
    client = host_client(brand_a.host)
    cross = ask(client, storefront.key, origin=f"http://{brand_a.host}")
    assert cross.status_code == 200
    # A same-origin GET carries no Origin; the browser's Sec-Fetch-Site stands for it.
    same = ask(client, storefront.key, origin=None, HTTP_SEC_FETCH_SITE="same-origin")
    assert same.status_code == 200
    assert "Access-Control-Allow-Origin" not in same
    assert ask(client, storefront.key, origin=None, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/brand"),
        ("get", "/api/v1/skus/"),
        ("get", "/api/v1/backorders/"),
        ("post", "/api/v1/skus/"),
        ("post", "/api/v1/backorders/"),
        ("post", "/api/v1/advice/split-ship"),
    ],
)
def test_every_other_endpoint_and_every_write_is_refused(host_client, brand_a, storefront, method, path):
    client = host_client(brand_a.host)
    if method == "get":
        response = client.get(f"{path}?key={storefront.key}", HTTP_ORIGIN=SHOP)
    else:
        response = post_json(client, f"{path}?key={storefront.key}", {"code": "X"}, HTTP_ORIGIN=SHOP)
    assert (response.status_code, code_of(response)) == (403, "publishable_key_not_allowed")
    assert "Access-Control-Allow-Origin" not in response


def test_other_methods_on_availability_are_refused(host_client, brand_a, storefront):
    client = host_client(brand_a.host)
    response = client.delete(f"{URL}?key={storefront.key}", HTTP_ORIGIN=SHOP)
    assert response.status_code == 405


def test_a_publishable_key_is_not_accepted_as_a_secret_key(host_client, brand_a, storefront, restocking):
    client = host_client(brand_a.host)
    response = client.get(URL, {"sku": "WB-20", "zip": "78702"}, HTTP_AUTHORIZATION=f"Api-Key {storefront.key}")
    assert (response.status_code, code_of(response)) == (401, "invalid_api_key")
    assert "not a secret key" in response.json()["error"]["message"]


def test_a_revoked_or_rotated_key_is_refused(host_client, brand_a, alice, storefront, restocking):
    client = host_client(brand_a.host)
    new = services.publishable_key_rotate(brand=brand_a, actor=alice)
    response = ask(client, storefront.key)
    assert (response.status_code, code_of(response)) == (401, "revoked_publishable_key")
    assert ask(client, new.key).status_code == 200
    services.publishable_key_revoke(key=new, actor=alice)
    assert code_of(ask(client, new.key)) == "revoked_publishable_key"


@pytest.mark.parametrize("key", ["closo_pk_000000000000000000000000", "closo_pk_short", "nonsense"])
def test_an_unknown_key_is_refused(host_client, brand_a, storefront, key):
    response = ask(host_client(brand_a.host), key)
    assert (response.status_code, code_of(response)) == (401, "invalid_publishable_key")


def test_secret_key_requests_work_as_before_without_cors_headers(api_client, brand_a, storefront, restocking):
    response = api_client(brand_a).get(URL, {"sku": "WB-20", "zip": "78702"}, HTTP_ORIGIN=SHOP)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_brand_a_key_is_refused_on_brand_b_host(host_client, brand_a, brand_b, storefront):
    client = host_client(brand_b.host)
    for origin in (SHOP, f"http://{brand_b.host}"):
        response = ask(client, storefront.key, origin=origin)
        assert response.status_code == 403
        assert "Access-Control-Allow-Origin" not in response
    preflight = client.options(URL, HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert (preflight.status_code, code_of(preflight)) == (403, "origin_not_allowed")


# --- throttling per IP ---

STOREFRONT_3_PER_MINUTE = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"storefront": "3/min"}}


@override_settings(REST_FRAMEWORK=STOREFRONT_3_PER_MINUTE)
def test_requests_past_the_rate_get_429_with_retry_after(host_client, brand_a, storefront, restocking, clock):
    client = host_client(brand_a.host)
    assert [ask(client, storefront.key).status_code for _ in range(3)] == [200, 200, 200]
    refused = ask(client, storefront.key)
    assert (refused.status_code, code_of(refused)) == (429, "throttled")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Access-Control-Allow-Origin"] == SHOP  # so the page can read it
    # Another address has its own count; secret keys are not counted.
    assert ask(client, storefront.key, REMOTE_ADDR="203.0.113.7").status_code == 200
    _, secret = api_key_create(brand=brand_a, name="WMS", actor=None)
    assert client.get(URL, {"sku": "WB-20", "zip": "78702"}, HTTP_AUTHORIZATION=f"Api-Key {secret}").status_code == 200
    clock.advance(61)
    assert ask(client, storefront.key).status_code == 200


def test_the_default_rate_is_120_a_minute():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["storefront"] == "120/min"


# --- the key and the origins ---


def test_one_active_key_per_brand(brand_a, alice, storefront):
    services.publishable_key_rotate(brand=brand_a, actor=alice)
    assert PublishableKey.objects.filter(brand=brand_a).count() == 2
    assert PublishableKey.objects.active().filter(brand=brand_a).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishableKey.objects.create(brand=brand_a, key=PublishableKey.generate())


@pytest.mark.parametrize(
    "raw, origin",
    [
        ("https://Northwind.myshopify.com", "https://northwind.myshopify.com"),
        ("https://www.northwind.com/", "https://www.northwind.com"),
        ("https://www.northwind.com:443", "https://www.northwind.com"),
        ("https://shop.northwind.com:8443", "https://shop.northwind.com:8443"),
        ("http://northwind.localhost:8000", "http://northwind.localhost:8000"),
    ],
)
def test_origins_are_normalised_as_browsers_send_them(raw, origin):
    assert origin_normalise(raw) == origin


@pytest.mark.parametrize(
    "raw",
    [
        "northwind.com",
        "https://www.northwind.com/products/blanket",
        "https://www.northwind.com?x=1",
        "http://www.northwind.com",
        "https://*.northwind.com",
        "ftp://northwind.com",
        "https://user:pw@northwind.com",
    ],
)
def test_what_is_not_an_https_origin_is_refused(raw):
    with pytest.raises(InvalidOrigin):
        origin_normalise(raw)


def test_admin_creates_rotates_and_revokes_the_key_on_the_page(host_client, brand_a, alice):
    client = host_client(brand_a.host, alice)
    page = client.get(reverse("brand_api_keys"))
    assert b"No publishable key yet." in page.content
    client.post(reverse("brand_publishable_key_rotate"))
    first = PublishableKey.objects.active().get(brand=brand_a)
    assert first.key.startswith("closo_pk_")
    page = client.get(reverse("brand_api_keys"))
    assert first.key.encode() in page.content  # shown in full: it is not a secret
    assert b"storefront-demo" in page.content

    response = client.post(reverse("brand_publishable_key_rotate"), follow=True)
    second = PublishableKey.objects.active().get(brand=brand_a)
    assert second != first
    assert "the old one is refused from now on" in response.content.decode()
    first.refresh_from_db()
    assert (first.revoked_by, first.is_active) == (alice, False)

    client.post(reverse("brand_publishable_key_revoke", args=[second.pk]))
    assert not PublishableKey.objects.active().filter(brand=brand_a).exists()


def test_admin_saves_origins_and_gets_errors_for_bad_ones(host_client, brand_a, alice):
    client = host_client(brand_a.host, alice)
    response = client.post(
        reverse("brand_storefront_origins"), {"origins": "https://Acme.myshopify.com/\n\nhttps://www.acme.com\n"}
    )
    assert response.status_code == 302
    brand_a.refresh_from_db()
    assert brand_a.storefront_origins == ["https://acme.myshopify.com", "https://www.acme.com"]
    assert brand_a.storefront_origins_changed_by == alice

    bad = client.post(reverse("brand_storefront_origins"), {"origins": "https://www.acme.com/shop\nhttp://acme.com"})
    assert bad.status_code == 200
    errors = bad.context["origins_form"].errors["origins"]
    assert len(errors) == 2 and "no path" in errors[0] and "not https" in errors[1]
    brand_a.refresh_from_db()
    assert brand_a.storefront_origins == ["https://acme.myshopify.com", "https://www.acme.com"]

    too_many = "\n".join(f"https://s{n}.acme.com" for n in range(21))
    assert client.post(reverse("brand_storefront_origins"), {"origins": too_many}).context["origins_form"].errors


def test_viewers_see_the_key_but_cannot_change_it_or_the_origins(host_client, brand_a, vera, storefront):
    client = host_client(brand_a.host, vera)
    page = client.get(reverse("brand_api_keys"))
    assert storefront.key.encode() in page.content
    assert b"Rotate" not in page.content
    assert client.post(reverse("brand_publishable_key_rotate")).status_code == 403
    assert client.post(reverse("brand_publishable_key_revoke", args=[storefront.pk])).status_code == 403
    assert client.post(reverse("brand_storefront_origins"), {"origins": ""}).status_code == 403
    storefront.refresh_from_db()
    assert storefront.is_active


def test_brand_b_cannot_revoke_brand_a_key(host_client, brand_b, bob, storefront):
    response = host_client(brand_b.host, bob).post(reverse("brand_publishable_key_revoke", args=[storefront.pk]))
    assert response.status_code == 404
    storefront.refresh_from_db()
    assert storefront.is_active


# --- the demo page ---


def test_the_demo_page_includes_the_script_with_the_key_and_a_sku_picker(
    host_client, brand_a, alice, storefront, restocking
):
    page = host_client(brand_a.host, alice).get(reverse("storefront_demo"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "closo-availability.js" in html
    assert f'data-closo-key="{storefront.key}"' in html
    assert f'data-closo-host="http://{brand_a.host}"' in html
    assert 'data-sku="WB-20"' in html
    assert '<option value="WB-20"' in html


def test_the_demo_page_without_a_key_points_to_the_keys_page(host_client, brand_a, alice, restocking):
    html = host_client(brand_a.host, alice).get(reverse("storefront_demo")).content.decode()
    assert "There is no publishable key yet." in html
    assert "data-closo-key" not in html


def test_the_demo_page_is_for_members_only(host_client, brand_a, olga):
    assert host_client(brand_a.host, olga).get(reverse("storefront_demo")).status_code == 404


def test_a_storefront_get_costs_the_secret_key_path_plus_the_throttle(
    host_client, api_client, brand_a, storefront, restocking
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    secret = api_client(brand_a)
    public = host_client(brand_a.host)
    secret.get(URL, {"sku": "WB-20", "zip": "78702"})
    ask(public, storefront.key)  # warm both as a steady state would (last_used_at written)
    with CaptureQueriesContext(connection) as by_secret:
        secret.get(URL, {"sku": "WB-20", "zip": "78702"})
    with CaptureQueriesContext(connection) as by_key:
        assert ask(public, storefront.key).status_code == 200
    # The key lookup replaces the secret key's; the throttle's history is the only extra
    # work: a read and a write of one entry, six statements with the database cache used in
    # tests (a Redis round trip or two in production).
    throttle = [q["sql"] for q in by_key.captured_queries if "throttle_storefront" in q["sql"]]
    assert len(throttle) == 3
    assert len(by_key.captured_queries) <= len(by_secret.captured_queries) + 6
