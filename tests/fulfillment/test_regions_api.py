"""/api/v1/regions/: CRUD, the ZIP check, roles, isolation, idempotency, query counts."""

import pytest

from fulfillment.models import Backorder, RegionLimit, Sku
from tests.conftest import patch_json, post_json

REGION = {"name": "Austin core", "zip_prefixes": ["787", "786"], "max_promise_days": 21}


def test_create_returns_201_with_location_and_the_region(api, brand_a, in_brand):
    response = post_json(api, "/api/v1/regions/", {**REGION, "zips": ["78664", "78664"], "within_miles_of_hub": 10})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/regions/{body['id']}"
    assert body["zip_prefixes"] == ["787", "786"]
    assert body["zips"] == ["78664"]
    assert body["within_miles_of_hub"] == 10
    assert body["max_open_backorders_per_sku"] is None
    assert body["is_active"] is True
    with in_brand(brand_a):
        assert RegionLimit.objects.get().name == "Austin core"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "Bad", "zip_prefixes": ["78x"]}, "invalid_zip", "zip_prefixes"),
        ({"name": "Bad", "zips": ["00000"]}, "invalid_zip", "zips"),
        ({"name": "Nowhere"}, "no_rule", "zip_prefixes"),
        ({"name": "Far", "within_miles_of_hub": 900}, "invalid", "within_miles_of_hub"),
        ({"zip_prefixes": ["787"]}, "required", "name"),
        ({"name": "Bad", "zip_prefixes": "787"}, "not_a_list", "zip_prefixes"),
    ],
)
def test_create_refuses_bad_settings_with_a_code(api, body, code, field):
    response = post_json(api, "/api/v1/regions/", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]


def test_a_taken_name_is_a_409(api):
    post_json(api, "/api/v1/regions/", REGION)
    response = post_json(api, "/api/v1/regions/", {**REGION, "name": "AUSTIN CORE"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "region_exists"


def test_list_is_by_name_with_open_backorder_counts(api, brand_a, in_brand):
    with in_brand(brand_a):
        b = RegionLimit.objects.create(name="B region", zip_prefixes=["787"])
        RegionLimit.objects.create(name="A region", zips=["10001"], is_active=False)
        sku = Sku.objects.create(code="WB", title="Blanket", price=1)
        for i, status in enumerate(["waiting", "allocated", "cancelled"]):
            Backorder.objects.create(
                order_ref=f"#{i}", sku=sku, value=1, customer_zip="78701", placed_at="2026-01-01T00:00Z", region=b,
                status=status,
            )  # fmt: skip
    body = api.get("/api/v1/regions/").json()
    assert [(r["name"], r["open_backorders"]) for r in body["results"]] == [("A region", 0), ("B region", 2)]
    assert api.get("/api/v1/regions/?is_active=false").json()["count"] == 1


def test_read_patch_and_delete_one_region(api, brand_a, in_brand):
    region_id = post_json(api, "/api/v1/regions/", REGION).json()["id"]
    assert api.get(f"/api/v1/regions/{region_id}").json()["name"] == "Austin core"

    response = patch_json(api, f"/api/v1/regions/{region_id}", {"max_open_backorders_per_sku": 5, "zips": ["78613"]})
    assert response.status_code == 200
    assert response.json()["max_open_backorders_per_sku"] == 5
    assert response.json()["zips"] == ["78613"]
    assert response.json()["zip_prefixes"] == ["787", "786"]

    response = patch_json(api, f"/api/v1/regions/{region_id}", {"zip_prefixes": [], "zips": []})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_rule"

    assert api.delete(f"/api/v1/regions/{region_id}").status_code == 204
    assert api.get(f"/api/v1/regions/{region_id}").status_code == 404
    with in_brand(brand_a):
        assert not RegionLimit.objects.exists()


def test_check_answers_with_the_decision_and_its_reason(api, active_hub):
    post_json(api, "/api/v1/regions/", {"name": "Austin metro", "within_miles_of_hub": 10, "requires_consent": True})
    body = api.get("/api/v1/regions/check?zip=78701").json()
    assert body["allowed"] is True
    assert body["valid"] is True
    assert body["zip"] == "78701"
    assert body["explanation"] == (
        "78701: allowed — 1.6 mi from Eastside Porch (within 10 mi of an active hub, region “Austin metro”)"
    )
    assert body["region"]["name"] == "Austin metro"
    assert body["nearest_hub"] == {"name": "Eastside Porch", "distance_miles": 1.6}
    assert body["max_promise_days"] == 30
    assert body["requires_consent"] is True

    far = api.get("/api/v1/regions/check?zip=10001").json()
    assert far["allowed"] is False
    assert far["region"] is None
    assert far["max_promise_days"] is None
    assert (
        far["explanation"] == "10001: not allowed — no region covers it (nearest active hub: Eastside Porch, 1,511 mi)"
    )

    bad = api.get("/api/v1/regions/check?zip=00000").json()
    assert (bad["valid"], bad["allowed"], bad["explanation"]) == (False, False, "00000: not a US ZIP code")
    assert bad["nearest_hub"] is None


def test_check_needs_a_zip(api):
    response = api.get("/api/v1/regions/check")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "required"
    assert "zip" in response.json()["error"]["fields"]


def test_check_with_no_regions_says_backorders_are_allowed_everywhere(api):
    body = api.get("/api/v1/regions/check?zip=78701").json()
    assert body["allowed"] is True
    assert body["explanation"] == "78701: allowed — no regions set — backorders are allowed everywhere"


def test_read_only_key_and_viewer_can_read_but_not_write(api_client, host_client, brand_a, vera, in_brand):
    with in_brand(brand_a):
        region = RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"])
    for client in (api_client(brand_a, role="viewer"), host_client(brand_a.host, vera)):
        assert client.get("/api/v1/regions/").status_code == 200
        assert client.get("/api/v1/regions/check?zip=78701").status_code == 200
        assert post_json(client, "/api/v1/regions/", {**REGION, "name": "Other"}).status_code == 403
        assert patch_json(client, f"/api/v1/regions/{region.pk}", {"name": "Renamed"}).status_code == 403
        assert client.delete(f"/api/v1/regions/{region.pk}").status_code == 403
    with in_brand(brand_a):
        assert list(RegionLimit.objects.values_list("name", flat=True)) == ["Austin core"]


def test_anonymous_and_outsiders_get_nothing(host_client, brand_a, olga):
    assert host_client(brand_a.host).get("/api/v1/regions/").status_code == 401
    assert host_client(brand_a.host, olga).get("/api/v1/regions/check?zip=78701").status_code == 403


def test_another_brands_region_is_unreachable(api, api_client, brand_a, brand_b, in_brand):
    with in_brand(brand_b):
        bolt = RegionLimit.objects.create(name="Bolt secret region", zip_prefixes=["100"])
    assert api.get(f"/api/v1/regions/{bolt.pk}").status_code == 404
    assert patch_json(api, f"/api/v1/regions/{bolt.pk}", {"name": "Mine"}).status_code == 404
    assert api.delete(f"/api/v1/regions/{bolt.pk}").status_code == 404
    assert b"Bolt secret" not in api.get("/api/v1/regions/").content
    # Brand B's rules do not apply on A's host.
    assert "no regions set" in api.get("/api/v1/regions/check?zip=78701").json()["explanation"]
    # A's key on B's host.
    api.defaults["HTTP_HOST"] = brand_b.host
    assert api.get("/api/v1/regions/").status_code == 403
    with in_brand(brand_b):
        assert RegionLimit.objects.get().name == "Bolt secret region"


def test_idempotent_create_replays_and_refuses_a_reused_key(api, brand_a, in_brand):
    first = post_json(api, "/api/v1/regions/", REGION, HTTP_IDEMPOTENCY_KEY="region-1")
    again = post_json(api, "/api/v1/regions/", REGION, HTTP_IDEMPOTENCY_KEY="region-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    other = post_json(api, "/api/v1/regions/", {**REGION, "name": "Other"}, HTTP_IDEMPOTENCY_KEY="region-1")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    with in_brand(brand_a):
        assert RegionLimit.objects.count() == 1


def test_list_uses_the_same_number_of_queries_at_10_and_100_rows(api, brand_a, in_brand, django_assert_num_queries):
    def make(start, n):
        with in_brand(brand_a):
            RegionLimit.objects.bulk_create(
                RegionLimit(name=f"Region {i:03d}", zip_prefixes=[f"{i:03d}"]) for i in range(start, start + n)
            )

    make(0, 10)
    api.get("/api/v1/brand")  # records the key's first use (a write made once per 5 minutes)
    with django_assert_num_queries(5) as ten:  # … the client IP's lock (closo.attempts), key, count, page
        assert api.get("/api/v1/regions/").json()["count"] == 10
    make(10, 90)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert api.get("/api/v1/regions/?page_size=100").json()["count"] == 100
