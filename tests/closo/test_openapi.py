"""The two OpenAPI schemas: the brand API's on each brand host, the hub API's on the public
host. Each lists only its own API, is valid OpenAPI 3 and is generated without warnings;
each has its Swagger UI, served offline."""

import json
import re
from contextlib import contextmanager

import pytest
from django.http import Http404
from django.urls import path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import _load_enum_name_overrides
from drf_spectacular.utils import extend_schema
from drf_spectacular.validation import validate_schema
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from closo import openapi
from closo.exceptions import DomainError

HUB_PATHS = {
    "/api/v1/hub/hubs",
    "/api/v1/hub/queue",
    "/api/v1/hub/receive",
    "/api/v1/hub/handoffs",
    "/api/v1/hub/handoffs/confirm",
    "/api/v1/hub/handoffs/{id}/record",
    "/api/v1/hub/b/{brand_slug}/returns/{id}",
    "/api/v1/hub/b/{brand_slug}/returns/{id}/inspection/form",
    "/api/v1/hub/b/{brand_slug}/returns/{id}/inspection",
    "/api/v1/hub/b/{brand_slug}/returns/{id}/photos",
}
SWAGGER_BUNDLE = b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"


@pytest.fixture
def public(db, host_client, public_host):
    return host_client(public_host)


@pytest.fixture
def brand_host(host_client, brand_a):
    return host_client(brand_a.host)


def test_the_hub_api_schema_lists_every_hub_operation_and_how_to_sign_in(public):
    response = public.get("/api/v1/hub/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Closo hub API"
    assert "HTTP Basic" in schema["info"]["description"]
    assert set(schema["paths"]) == HUB_PATHS
    assert set(schema["components"]["securitySchemes"]) == {"basicAuth", "cookieAuth"}
    operations = {op["operationId"]: op for path in schema["paths"].values() for op in path.values()}
    assert set(operations) == {
        "hub_list",
        "hub_queue",
        "hub_receive",
        "hub_handoff_list",
        "hub_handoff_confirm",
        "hub_handoff_record",
        "hub_return_retrieve",
        "hub_inspection_form",
        "hub_inspection_get",
        "hub_inspection_submit",
        "hub_return_photos",
        "hub_return_photo_upload",
    }
    for operation_id, operation in operations.items():
        assert "200" in operation["responses"] or "201" in operation["responses"], operation_id
        assert operation["tags"] != ["b"], operation_id  # tagged by what follows /b/{brand_slug}/
    assert set(operations["hub_return_photo_upload"]["requestBody"]["content"]) == {"multipart/form-data"}
    listed = operations["hub_return_photos"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed == {"$ref": "#/components/schemas/HubReturnPhotosList"}


def test_the_hub_api_docs_render_offline_on_the_public_host(public):
    docs = public.get("/api/v1/hub/docs/")
    assert docs.status_code == 200
    assert b"<title>Closo hub API</title>" in docs.content
    assert b"/api/v1/hub/schema/" in docs.content
    assert SWAGGER_BUNDLE in docs.content
    assert public.get(SWAGGER_BUNDLE.decode()).status_code == 200


def test_each_schema_lists_only_its_own_api(public, brand_host):
    brand = brand_host.get("/api/schema/?format=json").json()
    hub = public.get("/api/v1/hub/schema/?format=json").json()
    assert brand["info"]["title"] == "Closo brand API"
    assert brand["paths"] and all(p.startswith("/api/v1/") for p in brand["paths"])
    assert not [p for p in brand["paths"] if p.startswith("/api/v1/hub/")]
    assert "basicAuth" not in brand["components"]["securitySchemes"]
    assert all(p.startswith("/api/v1/hub/") for p in hub["paths"])
    assert "ApiKey" not in hub["components"]["securitySchemes"]


def test_each_schema_is_served_on_its_own_host_only(public, brand_host):
    assert brand_host.get("/api/v1/hub/schema/").status_code == 404
    assert brand_host.get("/api/v1/hub/docs/").status_code == 404
    assert public.get("/api/schema/").status_code == 404


@pytest.mark.parametrize(
    "host, url", [("brand", "/api/schema/?format=json"), ("hub", "/api/v1/hub/schema/?format=json")]
)
def test_both_schemas_are_valid_openapi_and_generated_without_warnings(public, brand_host, host, url):
    client = brand_host if host == "brand" else public
    GENERATOR_STATS.reset()
    schema = client.get(url).json()
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    validate_schema(schema)


def test_the_hub_schema_names_its_grade_enums_right_after_the_brand_schema(public, brand_host):
    """drf-spectacular caches ENUM_NAME_OVERRIDES per process, not per schema: with a table of
    its own, the hub schema generated after the brand's named its 3-grade enum GradeEnum."""
    _load_enum_name_overrides.cache_clear()
    brand_host.get("/api/schema/?format=json")
    schemas = public.get("/api/v1/hub/schema/?format=json").json()["components"]["schemas"]
    assert schemas["GradeEnum"]["enum"] == ["like_new", "good", "fair", "unsellable"]
    assert schemas["LowerGradeEnum"]["enum"] == ["good", "fair", "unsellable"]
    assert schemas["InspectionOutput"]["properties"]["computed_grade"] == {"$ref": "#/components/schemas/GradeEnum"}


# --- error responses: every operation documents the errors it can answer, in one shape ---


def _operations(schema: dict) -> dict[str, dict]:
    return {op["operationId"]: op for methods in schema["paths"].values() for op in methods.values()}


def _codes(response: dict) -> set[str]:
    """The codes an error response names in its description."""
    return set(re.findall(r"`([a-z_]+)`", response["description"].partition("Codes:")[2]))


def _enum(response: dict) -> set[str]:
    schema = response["content"]["application/json"]["schema"]
    return set(schema["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"]) if "allOf" in schema else set()


@pytest.fixture
def both_schemas(public, brand_host) -> dict[str, dict]:
    return {
        "brand": brand_host.get("/api/schema/?format=json").json(),
        "hub": public.get("/api/v1/hub/schema/?format=json").json(),
    }


def test_every_operation_documents_its_errors_in_the_one_error_shape(both_schemas):
    for schema in both_schemas.values():
        error = schema["components"]["schemas"]["Error"]
        assert error["required"] == ["error"]
        assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
        assert set(schema["components"]["schemas"]["ErrorDetail"]["required"]) == {"code", "message", "fields"}
        for operation_id, operation in _operations(schema).items():
            errors = {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}
            assert {401, 403} <= set(errors), operation_id
            for status, response in errors.items():
                refs = json.dumps(response["content"]["application/json"]["schema"])
                assert '"#/components/schemas/Error"' in refs, (operation_id, status)
                assert response["description"], (operation_id, status)
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                assert 404 in errors, operation_id
            if "requestBody" in operation:
                assert {400, 415} <= set(errors), operation_id


@pytest.mark.parametrize(
    "schema, operation_id, status, codes",
    [
        ("brand", "backorder_create", 409, {"backorder_exists", "region_cap_reached", "idempotency_key_reused"}),
        ("brand", "backorder_create", 400, {"unknown_sku", "invalid_zip", "invalid_idempotency_key", "parse_error"}),
        ("brand", "backorder_cancel", 409, {"invalid_transition", "idempotency_key_reused"}),
        ("brand", "sku_create", 409, {"sku_exists", "idempotency_key_reused"}),
        ("brand", "sku_import", 413, {"file_too_large"}),
        ("brand", "version_discard", 409, {"version_published"}),
        ("brand", "audit_decide", 409, {"audit_decided", "idempotency_key_reused"}),
        ("brand", "backorders_list", 404, {"not_found"}),  # ?page= past the end
        ("brand", "brand_retrieve", 401, {"not_authenticated", "invalid_api_key", "revoked_api_key"}),
        ("hub", "hub_receive", 404, {"not_found", "unknown_code"}),
        ("hub", "hub_receive", 409, {"code_used", "code_cancelled", "wrong_hub", "hub_not_active"}),
        ("hub", "hub_receive", 410, {"code_expired"}),
        ("hub", "hub_return_photo_upload", 413, {"file_too_large", "too_many_pixels"}),
        ("hub", "hub_return_photo_upload", 415, {"not_an_image", "unsupported_type", "unsupported_media_type"}),
        ("hub", "hub_inspection_submit", 409, {"already_inspected", "not_dropped_off", "standard_changed"}),
        ("hub", "hub_queue", 403, {"permission_denied", "not_authenticated"}),
        ("hub", "hub_list", 401, {"not_authenticated", "authentication_failed"}),
    ],
)
def test_error_responses_list_the_codes_the_code_behind_them_raises(both_schemas, schema, operation_id, status, codes):
    response = _operations(both_schemas[schema])[operation_id]["responses"][str(status)]
    assert codes <= _codes(response)
    if status in openapi.CLOSED:
        assert _enum(response) == _codes(response)


def test_statuses_that_cannot_happen_are_not_documented(both_schemas):
    brand = _operations(both_schemas["brand"])
    assert "404" not in brand["sku_create"]["responses"]  # no path parameter, no page
    assert "409" not in brand["backorder_retrieve"]["responses"]
    assert "413" not in brand["sku_create"]["responses"]  # only uploads are too large


def test_every_operation_documents_the_input_layers_400(both_schemas):
    """closo.inputs refuses a NUL or a lone surrogate in any path, query or header, so even
    an operation with nothing to validate can answer 400 invalid_characters (the long fuzz
    found it undocumented on a GET)."""
    for name in ("brand", "hub"):
        for operation_id, operation in _operations(both_schemas[name]).items():
            assert "invalid_characters" in operation["responses"]["400"]["description"], operation_id


# --- the walk behind the codes, on a view of its own ---


class _Conflicted(DomainError):
    code = "test_conflicted"
    status = 409


class _InTable(DomainError):
    code = "test_in_table"


class _Caught(DomainError):
    code = "test_caught"


class _Declared(DomainError):
    code = "test_declared"
    status = 410


TABLE = {"a": _InTable}


def _helper(kind):
    if kind in TABLE:
        raise TABLE[kind]("from the table")
    raise Http404


@contextmanager
def _opened(kind):
    _helper(kind)
    yield


class _Machine:
    def move(self):
        raise _Conflicted("conflict")


MACHINE = _Machine()


class _Base(APIView):
    def post(self, request):
        return self.create(request)

    def get(self, request):
        return None


class _View(_Base):
    errors = (_Declared,)

    def post(self, request):
        return super().post(request)

    def create(self, request):
        try:
            MACHINE.move()
        except _Caught:
            return None
        with _opened("a"):
            return None


def test_the_walk_follows_self_super_module_objects_tables_and_context_managers(monkeypatch):
    monkeypatch.setattr(openapi, "_project_packages", lambda: frozenset({"closo", "tests"}))
    assert openapi.raised_errors(_View, "POST") == {
        (409, "test_conflicted"),
        (400, "test_in_table"),
        (404, "not_found"),
        (410, "test_declared"),
    }
    assert openapi.raised_errors(_View, "GET") == {(410, "test_declared")}


class _Throttled(APIView):
    throttle_classes = [AnonRateThrottle]

    @extend_schema(responses={200: None}, operation_id="throttled")
    def get(self, request):
        return None


def test_a_throttled_operation_documents_429_with_retry_after(db):
    schema = SchemaGenerator(patterns=[path("throttled", _Throttled.as_view())]).get_schema(request=None, public=True)
    response = schema["paths"]["/throttled"]["get"]["responses"]["429"]
    assert _codes(response) == _enum(response) == {"throttled"}
    assert "Retry-After" in response["headers"]
