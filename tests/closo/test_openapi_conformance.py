"""Both OpenAPI schemas tell the truth: real responses of the API — list and detail bodies
with realistic data (nulls included: a key publishes a standard, a SKU has no weight, a
return no hub), the bodies of writes, and the errors the main endpoints answer — have a
documented status and match the schema documented for it, error codes included."""

from __future__ import annotations

import base64
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from closo.actors import Actor
from fulfillment.services import handoffs as handoff_services
from fulfillment.services import returns as return_services
from hubs.models import HubTask
from inspections.models import Audit
from tests.closo.openapi_support import Operations
from tests.conftest import EMAILS
from tests.factories import PASSWORD
from tests.fulfillment.test_handoffs import allocate
from tests.hubs.conftest import SYSTEM
from tests.inspections.inspect_builders import add_photos, publish_standard, received_return
from tests.inspections.trust_builders import make_inspection

SKU = "BLANKET-SAGE"


class Checked:
    """A test client whose every answer is checked against `operations`."""

    def __init__(self, client, operations: Operations):
        self.client, self.operations, self.problems, self.seen = client, operations, [], set()

    def call(self, method: str, path: str, data=None, *, expect: int | None = None, multipart=False, **extra):
        if method in {"post", "patch", "put"} and not multipart:
            extra.setdefault("content_type", "application/json")
            data = {} if data is None else data
        response = getattr(self.client, method)(path, data, **extra)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, response.content[:300])
        self.problems += self.operations.problems(response, method, path)
        self.seen.add(self.operations.operation(method, path)["operationId"])
        return response

    def get(self, path, data=None, **kw):
        return self.call("get", path, data, **kw)

    def post(self, path, data=None, **kw):
        return self.call("post", path, data, **kw)


@pytest.fixture
def brand_operations(host_client, brand_a):
    return Operations(host_client(brand_a.host).get("/api/schema/?format=json").json())


@pytest.fixture
def hub_operations(host_client, public_host):
    return Operations(host_client(public_host).get("/api/v1/hub/schema/?format=json").json())


def _brand_data(api, brand_a, active_hub, ivan, alice, in_brand):
    """Realistic data written through the API (the writes are checked too), and the trust
    records the hub side would write."""
    api.post("/api/v1/skus/", {"code": SKU, "title": "Weighted blanket", "price": "119.00"}, expect=201)
    api.post(
        "/api/v1/skus/",
        {"code": "WB-15", "title": "Blanket 15 lb", "price": "99", "category": "bedding", "attributes": "colour=Sage"},
        expect=201,
    )
    api.call("patch", f"/api/v1/skus/{SKU}", {"weight_grams": 6800}, expect=200)
    api.post(f"/api/v1/skus/{SKU}/stock", {"available_qty": 0}, expect=200)
    placed = {"sku": SKU, "customer_zip": "78702", "value": "119.00"}
    old = api.post("/api/v1/regions/", {"name": "Old Austin", "zip_prefixes": ["787"]}, expect=201).json()
    api.post("/api/v1/backorders/", {**placed, "order_ref": "SH-0"}, expect=201)
    api.call("delete", f"/api/v1/regions/{old['id']}", expect=204)  # SH-0 keeps no region
    region = api.post("/api/v1/regions/", {"name": "Austin", "zip_prefixes": ["787"]}, expect=201).json()
    api.call("patch", f"/api/v1/regions/{region['id']}", {"max_promise_days": 10}, expect=200)
    backorder = api.post("/api/v1/backorders/", {**placed, "order_ref": "SH-1"}, expect=201).json()
    api.post("/api/v1/backorders/", {**placed, "order_ref": "SH-2", "customer_email": "c@example.com"}, expect=201)
    api.post(f"/api/v1/backorders/{backorder['id']}/cancel", {"reason": "refund requested"}, expect=200)
    returned = {"sku": SKU, "customer_zip": "78702"}
    unrouted = api.post("/api/v1/returns/", {**returned, "rma_ref": "RMA-1", "route": "manual"}, expect=201).json()
    api.post("/api/v1/returns/", {**returned, "rma_ref": "RMA-2", "hub": active_hub.pk}, expect=201)
    api.post("/api/v1/returns/", {**returned, "rma_ref": "RMA-4"}, expect=201)  # routed automatically
    api.call("patch", "/api/v1/settings/loop", {"cost_hub_fee": "5.00"}, expect=200)
    warehouse = api.post("/api/v1/returns/", {**returned, "rma_ref": "RMA-3", "route": "manual"}, expect=201).json()
    api.post(f"/api/v1/returns/{warehouse['id']}/route", {"route": "warehouse"}, expect=200)
    api.post(f"/api/v1/returns/{warehouse['id']}/received", expect=200)
    api.post(f"/api/v1/returns/{warehouse['id']}/refund", {"refund_status": "refunded"}, expect=200)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    supply = {"sku": SKU, "qty": 5, "expected_date": tomorrow}
    received = api.post("/api/v1/supply/", {**supply, "po_ref": "PO-1"}, expect=201).json()
    api.post(f"/api/v1/supply/{received['id']}/receive", expect=200)
    api.post("/api/v1/supply/", {**supply, "po_ref": "PO-2"}, expect=201)
    csv = SimpleUploadedFile("skus.csv", b"code,title,price\nTHROW-1,Throw,39\n", content_type="text/csv")
    job = api.post("/api/v1/skus/import", {"file": csv}, multipart=True, expect=202).json()

    standard = api.post("/api/v1/standards/", {"name": "Brand default", "scope": "default"}, expect=201).json()
    draft = f"/api/v1/standards/{standard['id']}/versions/1"
    api.post(f"{draft}/checklist", {"key": "seams", "prompt": "Seams intact", "fail_cap": "fair"}, expect=201)
    api.post(f"{draft}/checklist", {"key": "stains", "prompt": "No stains", "fail_cap": "good"}, expect=201)
    api.call("patch", f"{draft}/checklist/stains", {"required": False}, expect=200)
    api.post(f"{draft}/photos", {"slot": "front", "label": "Front"}, expect=201)
    api.post(f"{draft}/photos", {"slot": "tag", "label": "Tag", "required": False}, expect=201)
    api.call("patch", f"{draft}/photos/tag", {"label": "Care tag"}, expect=200)
    api.post(f"{draft}/order", {"checklist": ["stains", "seams"]}, expect=200)
    dispositions = {"like_new": "local_stock", "good": "warehouse", "fair": "liquidation", "unsellable": "recycle"}
    api.call("put", f"{draft}/dispositions", dispositions, expect=200)
    api.post(f"{draft}/publish", {"notes": "First version"}, expect=200)
    api.post(f"/api/v1/standards/{standard['id']}/versions", expect=201)  # draft v2, by a key
    sku_standard = {"name": "Sage blanket", "scope": "sku", "sku": SKU}
    api.post("/api/v1/standards/", sku_standard, expect=201)

    with in_brand(brand_a):
        actor = Actor(user=alice, label=alice.email)
        pending = make_inspection(hub=active_hub, inspector=ivan, rma="T-1", actor=actor, audit=True)
        make_inspection(hub=active_hub, inspector=ivan, rma="T-2", actor=actor, unit_status="held")
        make_inspection(hub=active_hub, inspector=ivan, rma="T-3", actor=actor, unit_status="held")
        make_inspection(hub=active_hub, inspector=ivan, rma="T-4", actor=actor, failed=("seams",), photos=False)
        audit = Audit.objects.get(inspection=pending)
        units = list(pending.return_item.sku.units.order_by("pk").values_list("pk", flat=True))
    api.post(f"/api/v1/audits/{audit.pk}/decision", {"verdict": "agree"}, expect=200)
    api.post(f"/api/v1/units/{units[0]}/approve", expect=200)
    api.post(f"/api/v1/units/{units[1]}/reject", {"reason": "stained"}, expect=200)
    return {
        "backorder": backorder["id"],
        "return": unrouted["id"],
        "region": region["id"],
        "supply": received["id"],
        "job": job["id"],
        "standard": standard["id"],
        "inspection": pending.pk,
    }


def test_brand_api_answers_match_its_schema(
    api_client, brand_a, active_hub, ivan, alice, in_brand, brand_operations, host_client, settings
):
    api = Checked(api_client(brand_a), brand_operations)
    ids = _brand_data(api, brand_a, active_hub, ivan, alice, in_brand)
    standard = f"/api/v1/standards/{ids['standard']}"
    reads = [
        "/api/v1/brand",
        "/api/v1/skus/",
        f"/api/v1/skus/{SKU}",
        "/api/v1/skus/export",
        "/api/v1/regions/",
        f"/api/v1/regions/{ids['region']}",
        "/api/v1/regions/check?zip=78702",
        "/api/v1/regions/check?zip=10001",
        "/api/v1/backorders/",
        f"/api/v1/backorders/{ids['backorder']}",
        "/api/v1/returns/",
        f"/api/v1/returns/{ids['return']}",
        f"/api/v1/returns/{ids['return']}/events",
        "/api/v1/supply/",
        f"/api/v1/supply/{ids['supply']}",
        f"/api/v1/imports/{ids['job']}",
        "/api/v1/activity/",
        "/api/v1/standards/",
        standard,
        f"{standard}/versions/1",
        f"{standard}/versions/2",
        f"{standard}/versions/1/checklist/seams",
        f"{standard}/versions/1/photos/front",
        f"/api/v1/standards/resolve?sku={SKU}",
        "/api/v1/standards/resolve?sku=WB-15",
        "/api/v1/inspections/",
        f"/api/v1/inspections/{ids['inspection']}",
        "/api/v1/audits/",
        "/api/v1/units/",
        "/api/v1/discrepancies",
        "/api/v1/settings/loop",
        f"/api/v1/availability?sku={SKU}&zip=78702",
        "/api/v1/availability?sku=NOPE&zip=10001",
        "/api/v1/promises/accuracy",
        "/api/v1/metrics",
        "/api/v1/metrics?weeks=52",
    ]
    for path in reads:
        api.get(path, expect=200)
    # The errors the main endpoints answer, each in the one shape with a documented code.
    api.post("/api/v1/skus/", {"code": SKU, "title": "Again", "price": "1"}, expect=409)
    api.post("/api/v1/skus/", {"code": "bad code", "price": "-1"}, expect=400)
    api.post("/api/v1/skus/", "not json", content_type="application/json", expect=400)
    api.post("/api/v1/skus/", "<sku/>", content_type="application/xml", expect=415)
    api.post(f"/api/v1/backorders/{ids['backorder']}/cancel", {"reason": "again"}, expect=409)
    api.post("/api/v1/backorders/", {"order_ref": "SH-9", "sku": "NOPE", "customer_zip": "1", "value": "1"}, expect=400)
    api.get("/api/v1/backorders/999999", expect=404)
    api.get("/api/v1/backorders/?page=99", expect=404)
    api.get("/api/v1/backorders/?placed_after=yesterday", expect=400)
    api.post(f"{standard}/versions", expect=409)
    api.call("delete", f"{standard}/versions/1", expect=409)
    api.post("/api/v1/supply/", {"sku": SKU, "qty": 1, "expected_date": "2001-01-01", "po_ref": "PO-9"}, expect=400)
    api.post("/api/v1/skus/", {"code": "X-1", "title": "X", "price": "1"}, HTTP_IDEMPOTENCY_KEY="k1", expect=201)
    api.post("/api/v1/skus/", {"code": "X-2", "title": "X", "price": "1"}, HTTP_IDEMPOTENCY_KEY="k1", expect=409)
    api.get("/api/v1/standards/resolve", expect=400)
    api.get(f"/api/v1/availability?sku={SKU}&zip=787", expect=400)
    api.get("/api/v1/metrics?weeks=53", expect=400)
    api.post(
        "/api/v1/availability", {"items": [{"sku": SKU, "zip": "78702"}, {"sku": "NOPE", "zip": "00000"}]}, expect=200
    )
    api.post("/api/v1/availability", {"items": [{"sku": SKU, "zip": "7"}]}, expect=400)
    empty = SimpleUploadedFile("empty.csv", b"", content_type="text/csv")
    api.post("/api/v1/backorders/import", {"file": empty}, multipart=True, expect=400)
    viewer = Checked(api_client(brand_a, role="viewer"), brand_operations)
    viewer.post("/api/v1/skus/", {"code": "V-1", "title": "V", "price": "1"}, expect=403)
    anonymous = Checked(host_client(brand_a.host), brand_operations)
    anonymous.get("/api/v1/skus/", expect=401)
    anonymous.get("/api/v1/skus/", HTTP_AUTHORIZATION="Api-Key closo_nope", expect=401)
    outsider = Checked(host_client(brand_a.host, user=None), brand_operations)
    outsider.client.login(email=EMAILS["olga"], password=PASSWORD)
    outsider.get("/api/v1/backorders/", expect=403)
    # A backorder with its allocation, handed off by the hub and marked delivered.
    allocation = allocate(brand_a, active_hub, n=1)
    api.get(f"/api/v1/backorders/{allocation.backorder_id}", expect=200)
    api.post(f"/api/v1/backorders/{allocation.backorder_id}/fulfilled", expect=409)
    with in_brand(brand_a):
        handoff_services.handoff_record(
            allocation=allocation,
            method="ship",
            tracking="1Z9",
            hub=active_hub,
            actor=Actor.for_user(ivan, party="hub"),
        )
    api.post(f"/api/v1/backorders/{allocation.backorder_id}/fulfilled", expect=200)

    # Outbound webhooks: an endpoint (a loopback receiver, allowed in tests) and its log.
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = api.post(
        "/api/v1/webhooks/endpoints",
        {"url": "http://127.0.0.1:9/closo", "event_types": ["backorder.created"]},
        HTTP_IDEMPOTENCY_KEY="hook-1",
        expect=201,
    ).json()
    api.get("/api/v1/webhooks/endpoints", expect=200)
    api.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}", expect=200)
    api.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries", expect=200)
    api.get("/api/v1/webhooks/endpoints/999999", expect=404)

    problems = api.problems + viewer.problems + anonymous.problems + outsider.problems
    assert not problems, "\n".join(problems)
    gets = {op["operationId"] for _, method, op in brand_operations.routes if method == "GET"}
    assert gets - api.seen == set(), "read every GET operation of the schema with real data"


def _scanner(host_client, public_host, email: str):
    client = host_client(public_host)
    client.defaults["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{email}:{PASSWORD}".encode()).decode()
    return client


def test_hub_api_answers_match_its_schema(host_client, public_host, brand_a, active_hub, alice, in_brand, ivan):
    operations = Operations(host_client(public_host).get("/api/v1/hub/schema/?format=json").json())
    hub = Checked(_scanner(host_client, public_host, EMAILS["ivan"]), operations)
    with in_brand(brand_a):
        publish_standard(Actor(user=alice, label=alice.email))
    item = received_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub)
        routed = return_services.return_create(
            rma_ref="RMA-ROUTED", sku_code=item.sku.code, customer_zip="78702", hub=active_hub, actor=SYSTEM
        )
    base = f"/api/v1/hub/b/{brand_a.slug}/returns/{item.pk}"
    for path in ["/api/v1/hub/hubs", "/api/v1/hub/queue", base, f"{base}/inspection/form", f"{base}/photos"]:
        hub.get(path, expect=200)
    hub.get(f"{base}/inspection", expect=404)
    form = hub.get(f"{base}/inspection/form").json()
    answers = {check["key"]: True for check in form["checklist"]}
    token = form["started_token"]
    hub.post(f"{base}/inspection", {"answers": answers, "version": form["version"], "started_token": token}, expect=201)
    hub.get(f"{base}/inspection", expect=200)
    hub.post(f"{base}/inspection", {"answers": answers, "started_token": token}, expect=409)
    hub.post("/api/v1/hub/receive", {"code": routed.dropoff_code}, expect=200)
    hub.post("/api/v1/hub/receive", {"code": routed.dropoff_code}, expect=409)
    hub.post("/api/v1/hub/receive", {"code": "NOPE-NOPE"}, expect=404)
    hub.get("/api/v1/hub/queue?hub=999999", expect=404)
    # Hand-offs: a unit on the shelf matched to a customer nearby, then picked up or shipped.
    pickup, shipped = (allocate(brand_a, active_hub, n=n) for n in (1, 2))
    hub.get("/api/v1/hub/handoffs", expect=200)
    hub.post("/api/v1/hub/handoffs/confirm", {"code": pickup.pickup_code}, expect=200)
    hub.post("/api/v1/hub/handoffs/confirm", {"code": pickup.pickup_code}, expect=409)
    hub.post("/api/v1/hub/handoffs/confirm", {"code": "NOPE-NOPE"}, expect=404)
    record = f"/api/v1/hub/handoffs/{HubTask.objects.get(code=shipped.pickup_code).pk}/record"
    hub.post(record, {"method": "ship"}, expect=400)
    hub.post(record, {"method": "ship", "tracking": "1Z999"}, expect=200)
    hub.post(record, {"method": "ship", "tracking": "1Z999"}, expect=409)
    hub.post("/api/v1/hub/handoffs/999999/record", {"method": "ship", "tracking": "1"}, expect=404)
    photos = f"/api/v1/hub/b/{brand_a.slug}/returns/{routed.pk}/photos"
    text = SimpleUploadedFile("front.jpg", b"not an image at all", content_type="image/jpeg")
    hub.post(photos, {"slot": "front", "file": text}, multipart=True, expect=415)
    outsider = Checked(_scanner(host_client, public_host, EMAILS["olga"]), operations)
    outsider.get("/api/v1/hub/queue", expect=403)
    anonymous = Checked(host_client(public_host), operations)
    anonymous.get("/api/v1/hub/queue", expect=401)
    problems = hub.problems + outsider.problems + anonymous.problems
    assert not problems, "\n".join(problems)
    gets = {op["operationId"] for _, method, op in operations.routes if method == "GET"}
    assert gets - hub.seen == set()
