import importlib

import pytest
from django_tenants.utils import schema_context

from brands.services import api_keys as api_key_services
from closo.api import exception_handler
from closo.exceptions import DomainError
from fulfillment.models import Sku
from tests.contracts import all_subclasses


@pytest.fixture
def acme_api(host_client, brand_a, alice):
    _, key = api_key_services.api_key_create(brand=brand_a, name="tests", actor=alice)
    client = host_client(brand_a.host)
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client


def make_skus(brand, n, start=0):
    with schema_context(brand.schema_name):
        Sku.objects.bulk_create(
            Sku(code=f"SKU-{i:04d}", title=f"Item {i}", price=10 + i, category="Blankets" if i % 2 else "Throws")
            for i in range(start, start + n)
        )


def test_list_is_paginated_with_counts_and_links(acme_api, brand_a):
    make_skus(brand_a, 60)
    page = acme_api.get("/api/v1/skus/").json()
    assert page["count"] == 60
    assert len(page["results"]) == 50
    assert page["next"].endswith("/api/v1/skus/?page=2")
    second = acme_api.get("/api/v1/skus/?page=2&page_size=25").json()
    assert second["results"][0]["code"] == "SKU-0025"


def test_list_filters_and_orders(acme_api, brand_a):
    make_skus(brand_a, 10)
    throws = acme_api.get("/api/v1/skus/?category=Throws").json()
    assert throws["count"] == 5
    by_price = acme_api.get("/api/v1/skus/?ordering=-price").json()["results"]
    assert by_price[0]["code"] == "SKU-0009"


def test_every_domain_error_answers_with_its_class_code_and_status_in_the_error_shape():
    for app in ("brands", "hubs", "fulfillment", "inspections"):
        importlib.import_module(f"{app}.exceptions")
    errors = [cls for cls in all_subclasses(DomainError) if not cls.__module__.startswith("tests.")]
    assert len(errors) > 50
    for cls in errors:
        fields = {"name": ["Taken."]}
        response = exception_handler(cls("Not like that.", fields=fields), {})
        assert response.status_code == cls.status, cls
        assert response.data == {"error": {"code": cls.code, "message": "Not like that.", "fields": fields}}


def test_a_domain_error_without_a_code_cannot_be_raised():
    with pytest.raises(TypeError, match="has no code"):
        DomainError("Which one?")


def test_unknown_page_is_a_404_in_the_error_shape(acme_api):
    response = acme_api.get("/api/v1/skus/?page=99")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert response.json()["error"]["code"] == "not_found"


def test_list_uses_the_same_number_of_queries_at_10_and_100_rows(acme_api, brand_a, django_assert_num_queries):
    make_skus(brand_a, 10)
    acme_api.get("/api/v1/brand")  # records the key's first use (a write made once per 5 minutes)
    # search_path (host → brand from memory), the client IP's bad-key lock (closo.attempts), key, count, page
    with django_assert_num_queries(5) as ten:
        assert acme_api.get("/api/v1/skus/").json()["count"] == 10
    make_skus(brand_a, 90, start=10)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert acme_api.get("/api/v1/skus/?page_size=100").json()["count"] == 100


def test_viewer_session_can_read_the_api(host_client, brand_a, vera):
    assert host_client(brand_a.host, vera).get("/api/v1/brand").json()["principal"]["role"] == "viewer"


def test_openapi_schema_and_docs_are_served_offline(host_client, brand_a):
    client = host_client(brand_a.host)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/skus/" in schema.content
    assert b"ApiKey" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content
    assert client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200


def test_unknown_api_url_is_a_404_in_the_error_shape(acme_api):
    response = acme_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_page_is_the_404_page(host_client, brand_a, alice):
    response = host_client(brand_a.host, alice).get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_an_action_view_without_its_hooks_cannot_be_built():
    from closo.api import ObjectActionApi

    class Incomplete(ObjectActionApi):
        def get_target(self, pk):
            return pk

    with pytest.raises(TypeError, match="act"):
        Incomplete()
