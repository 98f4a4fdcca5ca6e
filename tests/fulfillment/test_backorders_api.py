"""/api/v1/backorders/: create, list (filters, ordering), detail with events, cancel,
CSV import; roles, isolation, idempotency and query counts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from django.utils import timezone

from fulfillment.models import Backorder, BackorderStatus, ImportJob, RegionLimit, Sku
from tests.conftest import post_json

BODY = {"order_ref": "#1001-1", "sku": "WB-15", "customer_zip": "78701", "value": "120.00"}


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15", title="Weighted blanket 15 lb", price=120)


def make_backorders(brand, in_brand, n, start=0, **fields):
    now = timezone.now()
    with in_brand(brand):
        sku = Sku.objects.get_or_create(code="WB-15", defaults={"title": "Blanket", "price": 120})[0]
        Backorder.objects.bulk_create(
            Backorder(
                order_ref=f"#{i:04d}",
                sku=sku,
                value=100 + i,
                customer_zip="78701" if i % 2 else "10001",
                placed_at=now - dt.timedelta(days=i),
                priority=i % 3,
                region=fields.get("region"),
            )
            for i in range(start, start + n)
        )


def test_create_returns_201_location_and_the_backorder(api, sku, brand_a, in_brand):
    response = post_json(api, "/api/v1/backorders/", {**BODY, "qty": 2, "customer_email": "ana@example.com"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/backorders/{body['id']}"
    assert body["status"] == "waiting"
    assert body["sku"] == "WB-15"
    assert body["sku_title"] == "Weighted blanket 15 lb"
    assert body["qty"] == 2
    assert body["value"] == "120.00"
    assert body["channel"] == "api"
    assert body["region"] is None
    with in_brand(brand_a):
        event = Backorder.objects.get().events.get()
    assert event.actor_label.startswith("API key “tests (admin)”")


def test_create_reports_the_matched_region(api, sku, brand_a, in_brand):
    with in_brand(brand_a):
        region = RegionLimit.objects.create(name="Austin core", zip_prefixes=["787"])
    body = post_json(api, "/api/v1/backorders/", BODY).json()
    assert body["region"] == {"id": region.pk, "name": "Austin core"}


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"sku": "NOPE"}, 400, "unknown_sku", "sku"),
        ({"customer_zip": "00000"}, 400, "invalid_zip", "customer_zip"),
        ({"value": "-1"}, 400, "min_value", "value"),
        ({"value": None}, 400, "null", "value"),
        ({"customer_email": "nope"}, 400, "invalid", "customer_email"),
        ({"qty": 0}, 400, "min_value", "qty"),
    ],
)
def test_create_refuses_bad_input_in_the_error_shape(api, sku, changes, status, code, field):
    response = post_json(api, "/api/v1/backorders/", {**BODY, **changes})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]


def test_create_says_which_region_rule_refused_it(api, sku, brand_a, in_brand):
    with in_brand(brand_a):
        RegionLimit.objects.create(
            name="Austin core", zip_prefixes=["787"], requires_consent=True, max_open_backorders_per_sku=1
        )
    outside = post_json(api, "/api/v1/backorders/", {**BODY, "customer_zip": "10001"})
    assert (outside.status_code, outside.json()["error"]["code"]) == (400, "region_not_allowed")
    no_consent = post_json(api, "/api/v1/backorders/", BODY)
    assert (no_consent.status_code, no_consent.json()["error"]["code"]) == (400, "consent_required")
    late = post_json(
        api, "/api/v1/backorders/", {**BODY, "consent_local_return": True, "promised_ship_by": "2099-01-01"}
    )
    assert (late.status_code, late.json()["error"]["code"]) == (400, "promise_too_late")
    assert post_json(api, "/api/v1/backorders/", {**BODY, "consent_local_return": True}).status_code == 201
    capped = post_json(api, "/api/v1/backorders/", {**BODY, "order_ref": "#2", "consent_local_return": True})
    assert (capped.status_code, capped.json()["error"]["code"]) == (409, "region_cap_reached")
    again = post_json(api, "/api/v1/backorders/", {**BODY, "consent_local_return": True})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "backorder_exists")


def test_idempotent_create_replays_and_refuses_a_reused_key(api, sku, brand_a, in_brand):
    first = post_json(api, "/api/v1/backorders/", BODY, HTTP_IDEMPOTENCY_KEY="order-1001")
    again = post_json(api, "/api/v1/backorders/", BODY, HTTP_IDEMPOTENCY_KEY="order-1001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    other = post_json(api, "/api/v1/backorders/", {**BODY, "order_ref": "#9"}, HTTP_IDEMPOTENCY_KEY="order-1001")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    with in_brand(brand_a):
        assert Backorder.objects.count() == 1


def test_a_refused_idempotent_create_can_be_retried_after_fixing_the_cause(api, brand_a, in_brand):
    refused = post_json(api, "/api/v1/backorders/", BODY, HTTP_IDEMPOTENCY_KEY="order-1001")
    assert refused.json()["error"]["code"] == "unknown_sku"
    with in_brand(brand_a):
        Sku.objects.create(code="WB-15", title="Blanket", price=120)
    assert post_json(api, "/api/v1/backorders/", BODY, HTTP_IDEMPOTENCY_KEY="order-1001").status_code == 201


def test_detail_has_the_timeline(api, sku):
    backorder_id = post_json(api, "/api/v1/backorders/", BODY).json()["id"]
    response = post_json(api, f"/api/v1/backorders/{backorder_id}/cancel", {"reason": "Customer asked for a refund"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    body = api.get(f"/api/v1/backorders/{backorder_id}").json()
    assert body["cancel_reason"] == "Customer asked for a refund"
    assert [(e["kind"], e["from_status"], e["to_status"]) for e in body["events"]] == [
        ("created", "", "waiting"),
        ("cancelled", "waiting", "cancelled"),
    ]
    assert body["events"][1]["detail"] == "Customer asked for a refund"
    assert body["events"][1]["actor"].startswith("API key")


def test_cancel_needs_a_reason_and_an_open_backorder(api, sku):
    backorder_id = post_json(api, "/api/v1/backorders/", BODY).json()["id"]
    blank = post_json(api, f"/api/v1/backorders/{backorder_id}/cancel", {"reason": "  "})
    assert (blank.status_code, blank.json()["error"]["code"]) == (400, "reason_required")
    missing = post_json(api, f"/api/v1/backorders/{backorder_id}/cancel", {})
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "reason_required")
    assert post_json(api, f"/api/v1/backorders/{backorder_id}/cancel", {"reason": "dup"}).status_code == 200
    twice = post_json(api, f"/api/v1/backorders/{backorder_id}/cancel", {"reason": "dup"})
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "invalid_transition")


def test_a_retried_cancel_replays_the_first_answer_instead_of_a_409(api, sku, brand_a, in_brand):
    backorder_id = post_json(api, "/api/v1/backorders/", BODY).json()["id"]
    url = f"/api/v1/backorders/{backorder_id}/cancel"
    first = post_json(api, url, {"reason": "Refunded"}, HTTP_IDEMPOTENCY_KEY="cancel-1")
    again = post_json(api, url, {"reason": "Refunded"}, HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (200, 200, "true")
    assert again.json() == first.json()
    other = post_json(api, url, {"reason": "Something else"}, HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "idempotency_key_reused")
    without_key = post_json(api, url, {"reason": "Refunded"})
    assert (without_key.status_code, without_key.json()["error"]["code"]) == (409, "invalid_transition")
    with in_brand(brand_a):
        assert Backorder.objects.get().events.filter(kind="cancelled").count() == 1


def test_list_filters(api, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 20)
    with in_brand(brand_a):
        other = Sku.objects.create(code="WB-20", title="Heavier", price=140)
        Backorder.objects.filter(order_ref="#0003").update(status=BackorderStatus.ALLOCATED, sku=other)
        Backorder.objects.filter(order_ref="#0005").update(status=BackorderStatus.CANCELLED)

    def refs(query):
        response = api.get(f"/api/v1/backorders/?{query}")
        assert response.status_code == 200, response.json()
        return [r["order_ref"] for r in response.json()["results"]]

    assert refs("status=allocated&status=cancelled") == ["#0003", "#0005"]
    assert refs("sku=wb-20") == ["#0003"]
    assert len(refs("zip_prefix=787")) == 10
    assert refs("zip_prefix=787&max_age_days=5") == ["#0001", "#0003", "#0005"]
    assert refs("min_age_days=18") == ["#0018", "#0019"]
    assert refs("min_age_days=2&max_age_days=3") == ["#0002", "#0003"]
    after = (timezone.now() - dt.timedelta(days=1, hours=12)).isoformat()
    assert refs(f"placed_after={after.replace('+', '%2B')}") == ["#0000", "#0001"]
    assert refs(f"placed_before={(timezone.localdate() - dt.timedelta(days=17)).isoformat()}") == ["#0018", "#0019"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("zip_prefix=78x", "zip_prefix"), ("status=lost", "status"), ("min_age_days=-1", "min_age_days")],
)
def test_bad_filters_are_a_400(api, query, field):
    response = api.get(f"/api/v1/backorders/?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_list_orders_by_value_priority_and_promise(api, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 6)
    with in_brand(brand_a):
        Backorder.objects.filter(order_ref="#0004").update(promised_ship_by=dt.date(2030, 1, 1))
        Backorder.objects.filter(order_ref="#0002").update(promised_ship_by=dt.date(2029, 1, 1))

    def refs(ordering):
        return [r["order_ref"] for r in api.get(f"/api/v1/backorders/?ordering={ordering}").json()["results"]]

    assert refs("-value")[:2] == ["#0005", "#0004"]
    assert refs("placed_at")[0] == "#0005"
    assert refs("-placed_at")[0] == "#0000"
    assert refs("promised_ship_by")[:2] == ["#0002", "#0004"]
    priorities = [r["priority"] for r in api.get("/api/v1/backorders/?ordering=-priority").json()["results"]]
    assert priorities == [2, 2, 1, 1, 0, 0]


def test_pages_of_an_ordering_with_ties_never_overlap(api, brand_a, in_brand):
    make_backorders(brand_a, in_brand, 30)
    seen = []
    for page in (1, 2, 3):
        body = api.get(f"/api/v1/backorders/?ordering=priority&page_size=10&page={page}").json()
        seen += [r["order_ref"] for r in body["results"]]
    assert len(set(seen)) == 30


def test_list_uses_the_same_number_of_queries_at_10_and_100_rows(api, brand_a, in_brand, django_assert_num_queries):
    with in_brand(brand_a):
        region = RegionLimit.objects.create(name="Austin", zip_prefixes=["787"])
    make_backorders(brand_a, in_brand, 10, region=region)
    api.get("/api/v1/brand")  # records the key's first use (a write made once per 5 minutes)
    # search_path (host → brand cached), IP lock (closo.attempts), key, count, page (with SKU and region joined)
    with django_assert_num_queries(5) as ten:
        assert api.get("/api/v1/backorders/").json()["count"] == 10
    make_backorders(brand_a, in_brand, 90, start=10, region=region)
    with django_assert_num_queries(len(ten.captured_queries)):
        body = api.get("/api/v1/backorders/?page_size=100").json()
    assert body["count"] == 100
    assert body["results"][0]["region"]["name"] == "Austin"


def test_import_answers_202_with_the_job_and_where_to_poll(api, sku, brand_a, in_brand):
    csv = b"order_ref,sku,customer_zip,value\n#1,WB-15,78701,120\n#2,NOPE,78701,120\n"
    response = api.post("/api/v1/backorders/import", {"file": SimpleUploadedFile("orders.csv", csv)})
    assert response.status_code == 202, response.json()
    job = response.json()
    assert response["Location"] == f"/api/v1/imports/{job['id']}"
    assert (job["kind"], job["status"], job["total_rows"], job["filename"]) == (
        "backorders",
        "pending",
        2,
        "orders.csv",
    )
    from fulfillment.services.imports import import_job_run

    with in_brand(brand_a):
        import_job_run(job_id=job["id"])
    polled = api.get(response["Location"]).json()
    assert (polled["status"], polled["created_count"]) == ("done", 1)
    assert polled["errors"] == [{"line": 3, "errors": {"sku": ["No SKU with code “NOPE”."]}}]


def test_a_resent_import_with_its_key_answers_with_the_first_job(api, sku, brand_a, in_brand):
    csv = b"order_ref,sku,customer_zip,value\n#1,WB-15,78701,120\n"

    def send(content, boundary):
        # Clients draw a new multipart boundary for every send: the same file differs in bytes.
        body = encode_multipart(boundary, {"file": SimpleUploadedFile("orders.csv", content)})
        return api.post(
            "/api/v1/backorders/import",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY="orders-1",
        )

    first = send(csv, "first-boundary")
    again = send(csv, "second-boundary")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (202, 202, "true")
    assert (again.json(), again["Location"]) == (first.json(), first["Location"])
    other = send(csv.replace(b"#1", b"#2"), "third-boundary")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "idempotency_key_reused")
    with in_brand(brand_a):
        assert ImportJob.objects.count() == 1


def test_import_refuses_a_file_it_cannot_read(api, brand_a, in_brand):
    response = api.post(
        "/api/v1/backorders/import", {"file": SimpleUploadedFile("o.csv", b"order_ref,sku\n#1,WB-15\n")}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_columns"
    assert response.json()["error"]["fields"] == {"columns": ["customer_zip", "value"]}
    no_file = api.post("/api/v1/backorders/import", {})
    assert (no_file.status_code, no_file.json()["error"]["code"]) == (400, "required")
    with in_brand(brand_a):
        assert not ImportJob.objects.exists()


def test_read_only_key_and_viewer_can_read_but_not_write(api_client, host_client, brand_a, vera, sku, in_brand):
    make_backorders(brand_a, in_brand, 1)
    with in_brand(brand_a):
        backorder = Backorder.objects.get()
    for client in (api_client(brand_a, role="viewer"), host_client(brand_a.host, vera)):
        assert client.get("/api/v1/backorders/").json()["count"] == 1
        assert client.get(f"/api/v1/backorders/{backorder.pk}").status_code == 200
        assert post_json(client, "/api/v1/backorders/", {**BODY, "order_ref": "#new"}).status_code == 403
        assert post_json(client, f"/api/v1/backorders/{backorder.pk}/cancel", {"reason": "x"}).status_code == 403
        upload = {"file": SimpleUploadedFile("o.csv", b"order_ref,sku,customer_zip,value\n#9,WB-15,78701,1\n")}
        assert client.post("/api/v1/backorders/import", upload).status_code == 403
    with in_brand(brand_a):
        assert Backorder.objects.get().status == BackorderStatus.WAITING
        assert not ImportJob.objects.exists()


def test_another_brands_backorders_are_unreachable(api, brand_a, brand_b, in_brand):
    make_backorders(brand_b, in_brand, 1)
    with in_brand(brand_b):
        bolt = Backorder.objects.get()
    assert api.get(f"/api/v1/backorders/{bolt.pk}").status_code == 404
    assert post_json(api, f"/api/v1/backorders/{bolt.pk}/cancel", {"reason": "mine now"}).status_code == 404
    assert api.get("/api/v1/backorders/").json()["count"] == 0
    api.defaults["HTTP_HOST"] = brand_b.host
    assert api.get("/api/v1/backorders/").status_code == 403
    assert post_json(api, "/api/v1/backorders/", BODY).status_code == 403
    with in_brand(brand_b):
        assert Backorder.objects.get().status == BackorderStatus.WAITING


def test_the_schema_names_each_operation(host_client, brand_a):
    schema = host_client(brand_a.host).get("/api/schema/?format=json").json()
    operations = {
        op["operationId"] for path, item in schema["paths"].items() if "backorders" in path for op in item.values()
    }
    assert operations == {
        "backorders_list",
        "backorder_create",
        "backorder_retrieve",
        "backorder_cancel",
        "backorder_fulfilled",
        "backorder_import",
    }
    create = schema["paths"]["/api/v1/backorders/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/BackorderCreateInput")
