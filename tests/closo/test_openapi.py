"""The two OpenAPI schemas: the brand API's on each brand host, the hub API's on the public
host. Each lists only its own API, is valid OpenAPI 3 and is generated without warnings;
each has its Swagger UI, served offline."""

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema

HUB_PATHS = {
    "/api/v1/hub/hubs",
    "/api/v1/hub/queue",
    "/api/v1/hub/receive",
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
