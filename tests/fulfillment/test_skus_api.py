"""The SKU API: create, read, update by code, WMS stock sync, list filters, roles,
isolation, idempotency and constant query counts. CSV import/export: test_skus_import.py."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fulfillment.models import ImportJob, Sku
from fulfillment.services import imports
from fulfillment.services.imports import import_job_run
from tests.conftest import patch_json, post_json

NEW = {
    "code": "WB-15-SAGE",
    "title": "Weighted blanket 15 lb",
    "price": "119.00",
    "category": "Blankets",
    "attributes": {"colour": "Sage", "weight": "15 lb"},
    "weight_grams": 6800,
    "available_qty": 4,
}


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="THROW-1", title="Knit throw", price=Decimal("49.00"), category="Throws")


def make_skus(brand, in_brand, n, start=0):
    with in_brand(brand):
        Sku.objects.bulk_create(
            Sku(code=f"S-{i:04d}", title=f"Item {i}", price=10 + i, local_returns_enabled=bool(i % 2))
            for i in range(start, start + n)
        )


# --- create ---


def test_create_returns_201_with_location_and_stores_the_sku(api, brand_a, in_brand):
    response = post_json(api, "/api/v1/skus/", NEW)
    assert response.status_code == 201, response.json()
    assert response["Location"] == "/api/v1/skus/WB-15-SAGE"
    body = response.json()
    assert body["attributes"] == {"colour": "Sage", "weight": "15 lb"}
    assert (body["price"], body["available_qty"], body["local_returns_enabled"]) == ("119.00", 4, True)
    with in_brand(brand_a):
        assert Sku.objects.get(code="WB-15-SAGE").weight_grams == 6800


def test_create_accepts_attributes_as_key_value_text(api):
    response = post_json(api, "/api/v1/skus/", {**NEW, "attributes": "colour=Sage; size=Queen"})
    assert response.json()["attributes"] == {"colour": "Sage", "size": "Queen"}


def test_a_taken_code_is_a_409_sku_exists(api, sku):
    response = post_json(api, "/api/v1/skus/", {**NEW, "code": "THROW-1"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sku_exists"
    assert response.json()["error"]["fields"] == {"code": ["This code is already used."]}


@pytest.mark.parametrize(
    "change, field, code",
    [
        ({"title": None}, "title", "null"),
        ({"price": "abc"}, "price", "invalid"),
        ({"price": "-1"}, "price", "min_value"),
        ({"price": "1.005"}, "price", "max_decimal_places"),
        ({"code": "WB 15"}, "code", "invalid"),
        ({"code": "a/b"}, "code", "invalid"),
        ({"code": "export"}, "code", "reserved_code"),
        ({"available_qty": -1}, "available_qty", "min_value"),
        ({"attributes": {"colour": {"nested": 1}}}, "attributes", "invalid"),
        ({"attributes": "colour"}, "attributes", "invalid_attributes"),
    ],
)
def test_create_validation_errors_name_the_field_and_code(api, change, field, code):
    data = {key: value for key, value in {**NEW, **change}.items() if value is not None}
    response = post_json(api, "/api/v1/skus/", data)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == ("required" if code == "null" else code)
    assert field in error["fields"]


# --- read, update, stock ---


def test_get_by_code(api, sku):
    body = api.get("/api/v1/skus/THROW-1").json()
    assert (body["code"], body["title"], body["category"]) == ("THROW-1", "Knit throw", "Throws")


def test_unknown_code_is_404_in_the_error_shape(api):
    response = api.get("/api/v1/skus/NOPE")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_patch_changes_only_the_fields_sent(api, sku, brand_a, in_brand):
    response = patch_json(api, "/api/v1/skus/THROW-1", {"price": "55.50", "local_returns_enabled": False})
    assert response.status_code == 200
    with in_brand(brand_a):
        sku.refresh_from_db()
    assert (sku.price, sku.local_returns_enabled, sku.title, sku.category) == (
        Decimal("55.50"),
        False,
        "Knit throw",
        "Throws",
    )


def test_patch_cannot_change_the_code(api, sku):
    response = patch_json(api, "/api/v1/skus/THROW-1", {"code": "THROW-2", "title": "Renamed"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "immutable"
    assert api.get("/api/v1/skus/THROW-1").json()["title"] == "Knit throw"


def test_patch_validates_like_create(api, sku):
    response = patch_json(api, "/api/v1/skus/THROW-1", {"price": "cheap"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")


def test_wms_stock_push_sets_the_quantity_and_a_retry_changes_nothing(api, sku):
    for _ in range(2):
        response = post_json(api, "/api/v1/skus/THROW-1/stock", {"available_qty": 37})
        assert response.status_code == 200
        assert response.json()["available_qty"] == 37


@pytest.mark.parametrize("value, code", [(-3, "min_value"), ("lots", "invalid"), (None, "null")])
def test_wms_stock_push_rejects_bad_quantities(api, sku, value, code):
    response = post_json(api, "/api/v1/skus/THROW-1/stock", {"available_qty": value})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_a_stock_push_with_a_key_is_replayed_once_and_the_key_cannot_be_reused(api, sku):
    url = "/api/v1/skus/THROW-1/stock"
    first = post_json(api, url, {"available_qty": 12}, HTTP_IDEMPOTENCY_KEY="wms-1")
    post_json(api, url, {"available_qty": 3})  # a later report
    again = post_json(api, url, {"available_qty": 12}, HTTP_IDEMPOTENCY_KEY="wms-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (200, 200, "true")
    assert again.json() == first.json()
    assert api.get("/api/v1/skus/THROW-1").json()["available_qty"] == 3  # the replay changed nothing
    other = post_json(api, url, {"available_qty": 5}, HTTP_IDEMPOTENCY_KEY="wms-1")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "idempotency_key_reused")


def test_stock_push_for_an_unknown_code_is_404(api):
    assert post_json(api, "/api/v1/skus/NOPE/stock", {"available_qty": 1}).status_code == 404


# --- list ---


def test_list_filters_by_search_text_and_local_returns(api, brand_a, in_brand, sku):
    make_skus(brand_a, in_brand, 6)
    assert api.get("/api/v1/skus/?q=knit").json()["count"] == 1
    assert api.get("/api/v1/skus/?q=s-000").json()["count"] == 6
    assert api.get("/api/v1/skus/?local_returns_enabled=false").json()["count"] == 3
    assert api.get("/api/v1/skus/?category=Throws").json()["results"][0]["code"] == "THROW-1"
    by_qty = api.get("/api/v1/skus/?ordering=-price").json()["results"]
    assert by_qty[0]["code"] == "THROW-1"


def test_list_queries_stay_flat_from_10_to_100_rows(api, brand_a, in_brand, django_assert_num_queries):
    make_skus(brand_a, in_brand, 10)
    api.get("/api/v1/brand")  # the key's first use is recorded once
    with django_assert_num_queries(5) as ten:  # … the client IP's lock (closo.attempts), key, count, page
        assert api.get("/api/v1/skus/?q=item").json()["count"] == 10
    make_skus(brand_a, in_brand, 90, start=10)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(api.get("/api/v1/skus/?q=item&page_size=100").json()["results"]) == 100


# --- roles ---


def test_read_only_key_reads_but_cannot_write(api_client, brand_a, sku):
    viewer = api_client(brand_a, role="viewer")
    assert viewer.get("/api/v1/skus/THROW-1").status_code == 200
    for response in (
        post_json(viewer, "/api/v1/skus/", NEW),
        patch_json(viewer, "/api/v1/skus/THROW-1", {"title": "x"}),
        post_json(viewer, "/api/v1/skus/THROW-1/stock", {"available_qty": 1}),
        viewer.post("/api/v1/skus/import", {"file": SimpleUploadedFile("s.csv", b"code,title,price\nA,a,1\n")}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


def test_viewer_session_reads_but_cannot_write(host_client, brand_a, vera, sku):
    client = host_client(brand_a.host, vera)
    assert client.get("/api/v1/skus/").json()["count"] == 1
    assert post_json(client, "/api/v1/skus/", NEW).status_code == 403


def test_admin_session_can_write(host_client, brand_a, alice):
    assert post_json(host_client(brand_a.host, alice), "/api/v1/skus/", NEW).status_code == 201


@pytest.mark.parametrize("who", ["olga", "ivan", "bob"])
def test_people_outside_the_brand_get_403(host_client, brand_a, request, who, sku):
    client = host_client(brand_a.host, request.getfixturevalue(who))
    assert client.get("/api/v1/skus/THROW-1").status_code == 403
    assert post_json(client, "/api/v1/skus/", NEW).status_code == 403


# --- isolation ---


def test_brand_b_skus_are_unreachable_from_brand_a(api, api_client, brand_b, in_brand):
    with in_brand(brand_b):
        Sku.objects.create(code="BOLT-SECRET", title="Bolt duvet", price=199)
    assert api.get("/api/v1/skus/BOLT-SECRET").status_code == 404
    assert patch_json(api, "/api/v1/skus/BOLT-SECRET", {"title": "x"}).status_code == 404
    assert post_json(api, "/api/v1/skus/BOLT-SECRET/stock", {"available_qty": 0}).status_code == 404
    assert b"BOLT-SECRET" not in api.get("/api/v1/skus/export").getvalue()
    # Creating the same code on A is fine: codes are unique per brand.
    assert post_json(api, "/api/v1/skus/", {**NEW, "code": "BOLT-SECRET"}).status_code == 201
    with in_brand(brand_b):
        assert Sku.objects.get(code="BOLT-SECRET").title == "Bolt duvet"


def test_brand_a_key_on_brand_b_host_is_403(api, brand_b, in_brand):
    with in_brand(brand_b):
        Sku.objects.create(code="BOLT-SECRET", title="Bolt duvet", price=199)
    api.defaults["HTTP_HOST"] = brand_b.host
    for response in (api.get("/api/v1/skus/BOLT-SECRET"), api.get("/api/v1/skus/export")):
        assert response.status_code == 403
        assert b"BOLT-SECRET" not in response.content


# --- idempotency ---


def test_create_with_the_same_idempotency_key_and_body_replays_the_response(api, brand_a, in_brand):
    first = post_json(api, "/api/v1/skus/", NEW, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post_json(api, "/api/v1/skus/", NEW, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    with in_brand(brand_a):
        assert Sku.objects.filter(code=NEW["code"]).count() == 1


def test_an_idempotency_key_reused_with_another_body_is_a_409(api):
    post_json(api, "/api/v1/skus/", NEW, HTTP_IDEMPOTENCY_KEY="k-2")
    response = post_json(api, "/api/v1/skus/", {**NEW, "code": "OTHER"}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_a_failed_create_does_not_use_up_its_idempotency_key(api, sku):
    assert post_json(api, "/api/v1/skus/", {**NEW, "code": "THROW-1"}, HTTP_IDEMPOTENCY_KEY="k-3").status_code == 409
    # The failed request left no record behind: the key works for the corrected request.
    assert post_json(api, "/api/v1/skus/", NEW, HTTP_IDEMPOTENCY_KEY="k-3").status_code == 201


# --- import / export over the API ---


def upload(client, content: bytes, name="skus.csv", **headers):
    return client.post("/api/v1/skus/import", {"file": SimpleUploadedFile(name, content, "text/csv")}, **headers)


def test_import_returns_202_with_the_job_and_its_location(api, brand_a, in_brand):
    response = upload(api, b"code,title,price\nA-1,Alpha,10\nB-1,Beta,oops\n")
    assert response.status_code == 202
    job = response.json()
    assert response["Location"] == f"/api/v1/imports/{job['id']}"
    assert (job["kind"], job["status"], job["total_rows"], job["filename"]) == ("skus", "pending", 2, "skus.csv")
    with in_brand(brand_a):
        import_job_run(job_id=job["id"])
    done = api.get(response["Location"]).json()
    assert (done["status"], done["created_count"]) == ("done", 1)
    assert done["errors"] == [{"line": 3, "errors": {"price": ["Enter a number."]}}]


@pytest.mark.parametrize(
    "content, code",
    [
        (b"code,title\nA,a\n", "missing_columns"),
        (b"", "empty_file"),
        (b"code,title,price\n", "empty_file"),
        ("code,title,price\nA,caf\xe9,1\n".encode("latin-1"), "not_utf8"),
    ],
)
def test_import_of_an_unreadable_file_is_a_400_and_stores_nothing(api, brand_a, in_brand, content, code):
    response = upload(api, content)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    with in_brand(brand_a):
        assert not ImportJob.objects.exists()


def test_import_of_a_file_over_the_size_limit_is_a_413_and_stores_nothing(api, brand_a, in_brand, monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 40)
    response = upload(api, b"code,title,price\n" + b"A-1,Alpha,10\n" * 5)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "file_too_large")
    with in_brand(brand_a):
        assert not ImportJob.objects.exists()


def test_import_without_a_file_is_a_400(api):
    response = api.post("/api/v1/skus/import", {})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "required"


def test_import_with_an_idempotency_key_queues_one_job(api, brand_a, in_brand):
    content = b"code,title,price\nA-1,Alpha,10\n"
    first = upload(api, content, HTTP_IDEMPOTENCY_KEY="imp-1")
    again = upload(api, content, HTTP_IDEMPOTENCY_KEY="imp-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    with in_brand(brand_a):
        assert ImportJob.objects.count() == 1


def test_export_is_csv_in_the_import_columns(api, sku):
    response = api.get("/api/v1/skus/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="skus-acme-')
    lines = response.getvalue().decode().splitlines()
    assert lines == [
        "code,title,price,category,attributes,weight_grams,local_returns_enabled,available_qty",
        "THROW-1,Knit throw,49.00,Throws,,,yes,0",
    ]


def test_export_honours_filters_and_an_accept_text_csv_header(api, brand_a, in_brand, sku):
    make_skus(brand_a, in_brand, 3)
    response = api.get("/api/v1/skus/export?category=Throws", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert len(response.getvalue().decode().splitlines()) == 2


def test_export_filters_by_search_text(api, brand_a, in_brand, sku):
    make_skus(brand_a, in_brand, 3)
    lines = api.get("/api/v1/skus/export?q=knit").getvalue().decode().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["THROW-1"]


def test_an_error_on_a_csv_request_comes_back_as_csv(api, brand_b):
    api.defaults["HTTP_HOST"] = brand_b.host
    response = api.get("/api/v1/skus/export", HTTP_ACCEPT="text/csv")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[:2] == [
        "error,message",
        "permission_denied,You do not have access to this brand.",
    ]
