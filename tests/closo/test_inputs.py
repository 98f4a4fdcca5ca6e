"""The input layer (closo/inputs.py): every request the fuzzer and the testers found a 500
with is refused with a 4xx in the API's error shape, before it reaches a query."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from closo import inputs
from closo.exceptions import InvalidJson
from fulfillment.models import Sku
from tests.conftest import EMAILS
from tests.factories import PASSWORD, make_return

BIG = "2" * 290


@pytest.fixture
def api(api_client, brand_a):
    return api_client(brand_a)


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket", price=120)


@pytest.fixture
def hub_api(db, host_client, public_host, ivan):
    client = host_client(public_host)
    credentials = base64.b64encode(f"{EMAILS['ivan']}:{PASSWORD}".encode()).decode()
    client.defaults["HTTP_AUTHORIZATION"] = f"Basic {credentials}"
    return client


def send(client: Client, method: str, path: str, body: str | bytes, **headers):
    return getattr(client, method)(path, body, content_type="application/json", **headers)


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()["error"]
    assert body["code"] == code, body
    return body


# --- JSON bodies ---


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/skus/"),
        ("patch", "/api/v1/skus/WB-15-SAGE"),
        ("post", "/api/v1/skus/WB-15-SAGE/stock"),
        ("post", "/api/v1/regions/"),
        ("post", "/api/v1/standards/"),
    ],
)
def test_json_nested_five_thousand_deep_is_invalid_json_not_a_recursion_error(api, sku, method, path):
    body = error(send(api, method, path, '{"a":' * 5000), 400, "invalid_json")
    assert "32 levels" in body["message"]


def test_a_deep_but_well_formed_array_is_refused_too(api, sku):
    error(send(api, "post", "/api/v1/skus/", "[" * 5000 + "]" * 5000), 400, "invalid_json")


def test_the_hub_api_refuses_deep_json_the_same_way(hub_api):
    error(send(hub_api, "post", "/api/v1/hub/receive", '{"code": ' + "[" * 3000), 400, "invalid_json")


def test_depth_is_counted_outside_strings_and_up_to_the_limit():
    at_limit = '{"a": ' * 31 + '["[[[[{{{{"]' + "}" * 31
    assert inputs.json_parse(at_limit.encode())["a"]
    with pytest.raises(InvalidJson):
        inputs.json_parse(('{"a": ' * 32 + "[]" + "}" * 32).encode())


@pytest.mark.parametrize("body", ['{"code": ', "{'code': 1}", '{"a": NaN}', '{"a": 1e999}', b'{"a": "\xff"}'])
def test_malformed_json_is_a_400_in_the_error_shape(api, body):
    error(send(api, "post", "/api/v1/skus/", body), 400, "invalid_json")


@pytest.mark.parametrize("body", ["1", "true", "null", '"x"', "[]", '[{"title": "x"}]'])
def test_a_body_that_is_not_an_object_is_refused_on_patch(api, sku, body):
    answer = error(send(api, "patch", "/api/v1/skus/WB-15-SAGE", body), 400, "expected_object")
    assert "Expected a JSON object" in answer["message"]


def test_a_body_over_the_limit_is_413_in_the_error_shape(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"code": "X", "title": "x" * (1024 * 1024)})
    error(send(api, "post", "/api/v1/skus/", body), 413, "request_too_large")
    # With an Idempotency-Key, whose fingerprint reads the whole body first (Django's limit).
    error(send(api, "post", "/api/v1/skus/", body, HTTP_IDEMPOTENCY_KEY="k-1"), 413, "request_too_large")


def test_a_ten_megabyte_json_body_is_413(api, sku):
    body = json.dumps({"code": "X", "title": "x" * (10 * 1024 * 1024)})
    error(send(api, "post", "/api/v1/skus/", body, HTTP_IDEMPOTENCY_KEY="k-10mb"), 413, "request_too_large")
    error(send(api, "patch", "/api/v1/skus/WB-15-SAGE", body), 413, "request_too_large")


# --- integers bounded by their column ---


def test_an_integer_beyond_its_column_is_a_400_naming_the_field(api, sku):
    response = send(api, "post", "/api/v1/skus/WB-15-SAGE/stock", '{"available_qty": 2147483648}')
    answer = error(response, 400, "max_value")
    assert answer["fields"] == {"available_qty": ["Ensure this value is less than or equal to 2147483647."]}
    new = {"code": "X-1", "title": "x", "price": "1.00", "weight_grams": 2**40}
    assert "weight_grams" in error(send(api, "post", "/api/v1/skus/", json.dumps(new)), 400, "max_value")["fields"]


def test_a_small_integer_column_bounds_its_field_to_its_own_range(api):
    region = {"name": "Far", "zip_prefixes": ["787"], "max_promise_days": 40000}
    answer = error(send(api, "post", "/api/v1/regions/", json.dumps(region)), 400, "max_value")
    assert answer["fields"] == {"max_promise_days": ["Ensure this value is less than or equal to 32767."]}


def test_an_id_field_takes_its_column_range(api):
    answer = error(send(api, "post", "/api/v1/returns/", json.dumps({"hub": int(BIG)})), 400, "required")
    assert answer["fields"]["hub"] == ["Ensure this value is less than or equal to 9223372036854775807."]


def test_input_serializers_get_the_range_of_their_model_columns():
    from fulfillment.apis.regions import _RegionInput

    fields = _RegionInput().fields
    assert (fields["within_miles_of_hub"].min_value, fields["within_miles_of_hub"].max_value) == (0, 32767)
    assert (fields["max_open_backorders_per_sku"].min_value, fields["max_open_backorders_per_sku"].max_value) == (
        0,
        2147483647,
    )


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/backorders/?min_age_days=2147483648", "min_age_days"),
        ("/api/v1/backorders/?max_age_days=999999999", "max_age_days"),
        (f"/api/v1/audits/?hub={BIG}", "hub"),
        (f"/api/v1/units/?hub={BIG}", "hub"),
    ],
)
def test_a_number_filter_beyond_its_range_is_a_400_naming_it(api, path, field):
    assert field in error(api.get(path), 400, "max_value")["fields"]


def test_the_backorder_page_shares_the_bounded_filter(host_client, brand_a, alice):
    response = host_client(brand_a.host, alice).get("/backorders/?min_age_days=2147483648")
    assert response.status_code == 200


# --- date-times in filters ---


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/returns/?created_after=0635-12-14T08:55:03-21:05", "created_after"),
        ("/api/v1/backorders/?placed_after=2025-01-01T00:00:00%2B15:00", "placed_after"),
        ("/api/v1/inspections/?submitted_before=0001-01-01T00:00:00%2B01:00", "submitted_before"),
        ("/api/v1/activity/?since=9999-12-31T23:59:59-01:00", "since"),
    ],
)
def test_a_date_time_filter_out_of_range_is_a_400(api, path, field):
    assert field in error(api.get(path), 400, "invalid")["fields"]


def test_a_date_time_filter_with_a_real_offset_still_filters(api):
    assert api.get("/api/v1/returns/?created_after=2025-01-01T00:00:00%2B05:30").status_code == 200
    assert api.get("/api/v1/backorders/?placed_before=2025-01-01T00:00:00-14:00").status_code == 200


# --- NUL and lone surrogates ---


@pytest.mark.parametrize(
    "path",
    ["/api/v1/skus/%00", "/api/v1/skus/?sku=%00", "/api/v1/skus/?q=a%00b", "/api/v1/backorders/?%00=1"],
)
def test_nul_in_the_path_or_query_string_is_invalid_characters(api, path):
    error(api.get(path), 400, "invalid_characters")


def test_nul_in_a_header_is_invalid_characters(api):
    response = send(api, "post", "/api/v1/skus/", "{}", HTTP_IDEMPOTENCY_KEY="k\x00")
    error(response, 400, "invalid_characters")


def test_nul_in_a_page_path_is_a_plain_400(host_client, brand_a, alice):
    response = host_client(brand_a.host, alice).get("/backorders/?sku=%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"code": "A\\u0000B", "title": "x", "price": "1"}', "code"),
        ('{"code": "A", "title": "x", "price": "1", "attributes": {"c": "\\u0000"}}', "attributes.c"),
        ('{"code": "A", "title": "\\ud800", "price": "1"}', "title"),
        ('{"code": "A", "title": "x", "price": "1", "attributes": {"\\udfff": "x"}}', "attributes.\\udfff"),
    ],
)
def test_nul_or_a_lone_surrogate_in_a_json_string_is_invalid_characters(api, body, field):
    answer = error(send(api, "post", "/api/v1/skus/", body), 400, "invalid_characters")
    assert list(answer["fields"]) == [field]


def test_a_lone_surrogate_that_would_be_echoed_in_a_message_is_refused_first(api, sku, brand_a, in_brand):
    item = make_return(brand_a, in_brand, sku_code=sku.code)
    response = send(api, "post", f"/api/v1/returns/{item.pk}/route", '{"route": "\\udc80"}')
    error(response, 400, "invalid_characters")


def test_the_hub_api_refuses_a_lone_surrogate_too(hub_api):
    error(send(hub_api, "post", "/api/v1/hub/receive", '{"code": "\\udc80"}'), 400, "invalid_characters")


def test_nul_in_a_form_body_is_invalid_characters(api):
    response = api.post("/api/v1/skus/", {"code": "A\x00", "title": "x", "price": "1"})
    error(response, 400, "invalid_characters")


# --- ids in URLs ---


@pytest.mark.parametrize("pk", [BIG, str(2**63), "0", "00000000000000000000001"])
def test_an_id_no_id_column_holds_is_a_404(api, pk):
    response = send(api, "post", f"/api/v1/backorders/{pk}/cancel", "{}", HTTP_IDEMPOTENCY_KEY="k-big")
    error(response, 404, "not_found")
    error(api.get(f"/api/v1/returns/{pk}"), 404, "not_found")


def test_the_largest_id_is_still_looked_up(api):
    error(api.get(f"/api/v1/returns/{2**63 - 1}"), 404, "not_found")


def test_a_page_with_a_huge_id_is_the_404_page(host_client, brand_a, alice):
    response = host_client(brand_a.host, alice).get(f"/backorders/{BIG}/")
    assert response.status_code == 404


def test_ids_are_documented_with_their_range(host_client, brand_a):
    schema = host_client(brand_a.host).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/backorders/{id}/cancel"]["post"]
    (parameter,) = [p for p in operation["parameters"] if p["in"] == "path"]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


# --- unknown API URLs under DEBUG ---


def test_an_unknown_api_url_is_the_json_404_under_debug_too(api, settings):
    settings.DEBUG = True
    error(api.get("/api/v1/no-such-thing/"), 404, "not_found")
    error(api.get(f"/api/v1/backorders/{BIG}"), 404, "not_found")


def test_an_unknown_page_under_debug_keeps_django_s_page(host_client, brand_a, alice, settings):
    settings.DEBUG = True
    response = host_client(brand_a.host, alice).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_host_keeps_its_page_under_debug(host_client, settings, db):
    settings.DEBUG = True
    response = host_client("nobody.localhost").get("/api/v1/skus/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- every integer a request body takes is bounded ---


def _unbounded_integers(schema: dict) -> list[str]:
    """Every integer that a request body of `schema` takes without both a minimum and a
    maximum, as `operation: path.to.field`."""
    components = schema.get("components", {}).get("schemas", {})
    found = []

    def walk(node, where, seen):
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], where, seen | {name})
            return
        if node.get("readOnly"):
            return
        for key in ("allOf", "oneOf", "anyOf"):
            for part in node.get(key, []):
                walk(part, where, seen)
        if node.get("type") == "integer" and ("minimum" not in node or "maximum" not in node):
            found.append(where)
        for name, child in node.get("properties", {}).items():
            walk(child, f"{where}.{name}", seen)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(node[key], f"{where}[]", seen)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                walk(media.get("schema", {}), f"{method.upper()} {path}: body", frozenset())
    return found


def test_every_integer_a_request_body_takes_is_bounded(host_client, brand_a, public_host):
    brand = host_client(brand_a.host).get("/api/schema/?format=json").json()
    hub = host_client(public_host).get("/api/v1/hub/schema/?format=json").json()
    assert _unbounded_integers(brand) + _unbounded_integers(hub) == []
    assert _unbounded_integers(
        {
            "paths": {
                "/x": {
                    "post": {
                        "requestBody": {
                            "content": {"j": {"schema": {"properties": {"n": {"type": "integer", "minimum": 0}}}}}
                        }
                    }
                }
            }
        }
    ) == ["POST /x: body.n"]
