"""The grading-standards API: create, edit a draft, publish, resolve; immutability of
published versions; permissions; brand isolation; idempotency; constant list queries."""

from __future__ import annotations

import json

import pytest

from closo.actors import Actor
from fulfillment.models import Sku
from inspections.models import GradingStandard, StandardVersion
from tests.conftest import patch_json, post_json, put_json
from tests.inspections.conftest import make_standard

API = "/api/v1/standards/"


@pytest.fixture
def a_actor(alice):
    return Actor(user=alice, label=alice.email)


@pytest.fixture
def api(api_client, brand_a):
    return api_client(brand_a)


@pytest.fixture
def draft(in_brand, brand_a, a_actor):
    with in_brand(brand_a):
        return make_standard(a_actor, items=2, photos=2).versions.get()


@pytest.fixture
def published(in_brand, brand_a, a_actor):
    with in_brand(brand_a):
        return make_standard(a_actor, items=2, photos=2, publish=True).versions.get()


def vurl(version, suffix=""):
    return f"{API}{version.standard_id}/versions/{version.number}{suffix}"


def error_of(response) -> str:
    return response.json()["error"]["code"]


# --- standards ---


def test_create_a_standard_returns_it_with_its_draft_and_location(api, in_brand, brand_a):
    response = post_json(api, API, {"name": "Acme default", "scope": "default"})
    assert response.status_code == 201
    body = response.json()
    assert body | {"id": 0, "created_at": ""} == {
        "id": 0,
        "name": "Acme default",
        "scope": "default",
        "category": "",
        "sku": None,
        "current_version": None,
        "current_published_at": None,
        "draft_version": 1,
        "created_at": "",
    }
    assert response["Location"] == f"{API}{body['id']}"
    detail = api.get(response["Location"]).json()
    assert [(v["number"], v["status"], v["item_count"]) for v in detail["versions"]] == [(1, "draft", 0)]


def test_create_category_and_sku_standards(api, in_brand, brand_a):
    with in_brand(brand_a):
        Sku.objects.create(code="BLK-1", title="Blanket", price=120, category="Blankets")
    category = post_json(api, API, {"name": "Blankets", "scope": "category", "category": "Blankets"})
    sku = post_json(api, API, {"name": "One blanket", "scope": "sku", "sku": "BLK-1"})
    assert (category.status_code, sku.status_code) == (201, 201)
    assert sku.json()["sku"] == "BLK-1"
    assert [s["name"] for s in api.get(API + "?scope=category").json()["results"]] == ["Blankets"]
    assert [s["name"] for s in api.get(API + "?ordering=-name").json()["results"]] == ["One blanket", "Blankets"]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"name": "X", "scope": "galaxy"}, 400, "invalid_choice"),
        ({"name": "X", "scope": "category"}, 400, "required"),
        ({"name": "X", "scope": "sku"}, 400, "sku_required"),
        ({"name": "X", "scope": "sku", "sku": "NOPE"}, 400, "does_not_exist"),
        ({"name": "X", "scope": "default", "category": "Oops"}, 400, "invalid"),
        ({"scope": "default"}, 400, "required"),
    ],
)
def test_create_standard_validation(api, in_brand, brand_a, data, status, code):
    response = post_json(api, API, data)
    assert (response.status_code, error_of(response)) == (status, code)
    with in_brand(brand_a):
        assert not GradingStandard.objects.exists()


def test_a_second_default_is_a_409(api, draft):
    response = post_json(api, API, {"name": "Again", "scope": "default"})
    assert (response.status_code, error_of(response)) == (409, "standard_exists")


def test_create_is_idempotent_with_a_key(api, in_brand, brand_a):
    body = {"name": "Acme default", "scope": "default"}
    first = post_json(api, API, body, HTTP_IDEMPOTENCY_KEY="std-1")
    again = post_json(api, API, body, HTTP_IDEMPOTENCY_KEY="std-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    with in_brand(brand_a):
        assert GradingStandard.objects.count() == 1
    other = post_json(api, API, {"name": "Other", "scope": "default"}, HTTP_IDEMPOTENCY_KEY="std-1")
    assert (other.status_code, error_of(other)) == (409, "idempotency_key_reused")


def test_checklist_add_is_idempotent_with_a_key(api, draft, in_brand, brand_a):
    item = {"key": "zipper", "prompt": "Zipper works", "fail_cap": "fair"}
    first = post_json(api, vurl(draft, "/checklist"), item, HTTP_IDEMPOTENCY_KEY="item-1")
    again = post_json(api, vurl(draft, "/checklist"), item, HTTP_IDEMPOTENCY_KEY="item-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    with in_brand(brand_a):
        assert draft.checklist.filter(key="zipper").count() == 1


def test_publish_retried_with_the_same_key_replays_instead_of_failing(api, draft):
    first = post_json(api, vurl(draft, "/publish"), {"notes": "v1"}, HTTP_IDEMPOTENCY_KEY="pub-1")
    again = post_json(api, vurl(draft, "/publish"), {"notes": "v1"}, HTTP_IDEMPOTENCY_KEY="pub-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["published_at"] == first.json()["published_at"]
    without_key = post_json(api, vurl(draft, "/publish"), {"notes": "v1"})
    assert (without_key.status_code, error_of(without_key)) == (409, "version_published")


# --- editing a draft ---


def test_build_and_publish_a_standard_through_the_api(api, alice):
    standard = post_json(api, API, {"name": "Default", "scope": "default"}).json()
    v1 = f"{API}{standard['id']}/versions/1"
    items = [
        {"key": "tags", "prompt": "Tags attached", "fail_cap": "good"},
        {"key": "odor", "prompt": "No odor", "fail_cap": "unsellable", "help_text": "Smell the seams"},
        {"key": "box", "prompt": "Original box", "fail_cap": "good", "required": False},
    ]
    for item in items:
        response = post_json(api, f"{v1}/checklist", item)
        assert response.status_code == 201
        assert response["Location"] == f"{v1}/checklist/{item['key']}"
    for slot in (
        {"slot": "front", "label": "Front"},
        {"slot": "label", "label": "Care label", "min_long_edge_px": 800},
    ):
        assert post_json(api, f"{v1}/photos", slot).status_code == 201
    assert patch_json(api, f"{v1}/checklist/box", {"fail_cap": "fair"}).json()["fail_cap"] == "fair"
    assert api.get(f"{v1}/checklist/box").json()["fail_cap"] == "fair"
    assert patch_json(api, f"{v1}/photos/label", {"required": False}).json()["required"] is False
    mapping = {"like_new": "local_stock", "good": "local_stock", "fair": "warehouse", "unsellable": "recycle"}
    assert put_json(api, f"{v1}/dispositions", mapping).json()["dispositions"] == mapping
    order = post_json(api, f"{v1}/order", {"checklist": ["odor", "tags", "box"], "photos": ["label", "front"]})
    assert order.status_code == 200
    assert api.delete(f"{v1}/checklist/box").status_code == 204

    published = post_json(api, f"{v1}/publish", {"notes": "First cut"})
    assert published.status_code == 200
    body = api.get(v1).json()
    assert body["status"] == "published"
    assert body["notes"] == "First cut"
    assert body["published_by"] is None  # an API key, not a person
    assert [i["key"] for i in body["checklist"]] == ["odor", "tags"]
    assert [(p["slot"], p["required"], p["min_long_edge_px"]) for p in body["photos"]] == [
        ("label", False, 800),
        ("front", True, 1200),
    ]
    assert body["dispositions"] == mapping
    assert api.get(f"{API}{standard['id']}").json()["current_version"] == 1


def test_published_by_is_the_signed_in_person(host_client, brand_a, alice, draft):
    client = host_client(brand_a.host, alice)
    client.handler.enforce_csrf_checks = False
    response = post_json(client, vurl(draft, "/publish"))
    assert response.json()["published_by"] == alice.email


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ({"key": "zip", "prompt": "Zip", "fail_cap": "excellent"}, 400, "unknown_grade"),
        ({"key": "zip", "prompt": "Zip", "fail_cap": "GOOD"}, 400, "unknown_grade"),
        ({"key": "Zip Code", "prompt": "Zip", "fail_cap": "good"}, 400, "invalid_key"),
        ({"key": "tags", "prompt": "Again", "fail_cap": "good"}, 409, "duplicate_key"),
        ({"key": "zip", "fail_cap": "good"}, 400, "required"),
        ({"key": "zip", "prompt": "Zip", "fail_cap": "good", "required": "maybe"}, 400, "invalid"),
    ],
)
def test_checklist_item_validation(api, draft, data, status, code):
    response = post_json(api, vurl(draft, "/checklist"), data)
    assert (response.status_code, error_of(response)) == (status, code)


def test_an_item_cannot_be_changed_to_an_unknown_grade(api, draft):
    response = patch_json(api, vurl(draft, "/checklist/tags"), {"fail_cap": "mint"})
    assert (response.status_code, error_of(response)) == (400, "unknown_grade")
    assert response.json()["error"]["fields"] == {"fail_cap": ["Unknown grade “mint”."]}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"slot": "front", "label": "Front"}, "duplicate_key"),
        ({"slot": "side", "label": "Side", "min_long_edge_px": 50}, "invalid_min_long_edge"),
        ({"slot": "side view", "label": "Side"}, "invalid_slot"),
    ],
)
def test_photo_slot_validation(api, draft, data, code):
    assert error_of(post_json(api, vurl(draft, "/photos"), data)) == code


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"like_new": "local_stock", "good": "warehouse", "fair": "liquidation", "mint": "recycle"}, "unknown_grade"),
        ({"like_new": "local_stock", "good": "warehouse", "fair": "liquidation"}, "missing_grade"),
        (
            {"like_new": "local_stock", "good": "shelf", "fair": "liquidation", "unsellable": "recycle"},
            "unknown_disposition",
        ),
        (["local_stock"], "non_field_errors"),
    ],
)
def test_dispositions_validation(api, draft, data, code):
    response = put_json(api, vurl(draft, "/dispositions"), data)
    assert (response.status_code, error_of(response) if code != "non_field_errors" else "non_field_errors") == (
        400,
        code,
    )
    if code == "non_field_errors":
        assert "non_field_errors" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("data", "code"),
    [({}, "required"), ({"checklist": ["tags"]}, "invalid_order"), ({"photos": ["front", "front"]}, "invalid_order")],
)
def test_reorder_validation(api, draft, data, code):
    assert error_of(post_json(api, vurl(draft, "/order"), data)) == code


def test_unknown_item_slot_or_version_is_a_404(api, draft):
    assert api.get(vurl(draft, "/checklist/nope")).status_code == 404
    assert error_of(patch_json(api, vurl(draft, "/checklist/nope"), {"prompt": "x"})) == "not_found"
    assert api.delete(vurl(draft, "/photos/nope")).status_code == 404
    assert api.get(f"{API}{draft.standard_id}/versions/9").status_code == 404
    assert api.get(f"{API}999999").status_code == 404


@pytest.mark.parametrize(
    ("items", "photos", "code"), [(0, 1, "no_checklist"), (1, 0, "no_required_photo"), (0, 0, "no_checklist")]
)
def test_an_incomplete_draft_cannot_be_published(api, in_brand, brand_a, a_actor, items, photos, code):
    with in_brand(brand_a):
        version = make_standard(a_actor, items=items, photos=photos).versions.get()
    response = post_json(api, vurl(version, "/publish"))
    assert (response.status_code, error_of(response)) == (400, code)
    assert api.get(vurl(version)).json()["status"] == "draft"


# --- drafts and immutability ---


def test_new_draft_copies_the_published_version_and_only_one_at_a_time(api, published):
    response = post_json(api, f"{API}{published.standard_id}/versions")
    assert response.status_code == 201
    assert response["Location"] == f"{API}{published.standard_id}/versions/2"
    body = response.json()
    assert (body["number"], body["status"]) == (2, "draft")
    assert [i["key"] for i in body["checklist"]] == ["tags", "odor"]
    again = post_json(api, f"{API}{published.standard_id}/versions")
    assert (again.status_code, error_of(again)) == (409, "draft_exists")
    assert api.delete(response["Location"]).status_code == 204
    assert api.get(response["Location"]).status_code == 404


WRITES = [
    ("post", "/checklist", {"key": "late", "prompt": "Late", "fail_cap": "good"}),
    ("patch", "/checklist/tags", {"prompt": "Changed"}),
    ("delete", "/checklist/tags", None),
    ("post", "/photos", {"slot": "late", "label": "Late"}),
    ("patch", "/photos/front", {"min_long_edge_px": 400}),
    ("delete", "/photos/front", None),
    ("put", "/dispositions", {"like_new": "recycle", "good": "recycle", "fair": "recycle", "unsellable": "recycle"}),
    ("post", "/order", {"checklist": ["odor", "tags"]}),
    ("post", "/publish", {"notes": "again"}),
    ("delete", "", None),
]


@pytest.mark.parametrize(("method", "suffix", "data"), WRITES, ids=[f"{m} {s or '/'}" for m, s, _ in WRITES])
def test_a_published_version_cannot_be_changed_through_the_api(api, published, method, suffix, data):
    before = api.get(vurl(published)).json()
    path = vurl(published, suffix)
    if method == "delete":
        response = api.delete(path)
    else:
        response = getattr(api, method)(path, json.dumps(data), content_type="application/json")
    assert (response.status_code, error_of(response)) == (409, "version_published")
    assert "Start a new draft" in response.json()["error"]["message"]
    assert api.get(vurl(published)).json() == before


# --- resolve ---


def test_resolve_says_which_version_applies_and_why(api, in_brand, brand_a, a_actor):
    with in_brand(brand_a):
        Sku.objects.create(code="BLK-1", title="Blanket", price=120, category="Blankets")
        Sku.objects.create(code="TEE-1", title="Tee", price=20, category="Tees")
        make_standard(a_actor, name="Default", publish=True)
        make_standard(a_actor, name="Blankets", scope="category", category="Blankets", items=3, publish=True)
    blanket = api.get(f"{API}resolve?sku=BLK-1").json()
    assert blanket["standard"]["name"] == "Blankets"
    assert blanket["version"]["number"] == 1
    assert len(blanket["version"]["checklist"]) == 3
    assert blanket["reason"].startswith("BLK-1 is in category “Blankets”")
    tee = api.get(f"{API}resolve?sku=TEE-1").json()
    assert tee["standard"]["name"] == "Default"


def test_resolve_with_nothing_published(api, in_brand, brand_a, draft):
    with in_brand(brand_a):
        Sku.objects.create(code="TEE-1", title="Tee", price=20)
    body = api.get(f"{API}resolve?sku=TEE-1").json()
    assert (body["standard"], body["version"]) == (None, None)
    assert body["reason"].startswith("No published standard applies")


def test_resolve_needs_a_known_sku(api):
    assert error_of(api.get(f"{API}resolve")) == "required"
    assert api.get(f"{API}resolve?sku=NOPE").status_code == 404


# --- permissions and isolation ---


def test_read_only_key_reads_but_cannot_write(api_client, brand_a, draft):
    client = api_client(brand_a, role="viewer")
    assert client.get(API).status_code == 200
    assert client.get(vurl(draft)).status_code == 200
    for response in (
        post_json(client, API, {"name": "X", "scope": "category", "category": "X"}),
        post_json(client, vurl(draft, "/checklist"), {"key": "x", "prompt": "X", "fail_cap": "good"}),
        post_json(client, vurl(draft, "/publish")),
        patch_json(client, vurl(draft, "/checklist/tags"), {"prompt": "X"}),
        put_json(client, vurl(draft, "/dispositions"), {}),
        client.delete(vurl(draft)),
    ):
        assert (response.status_code, error_of(response)) == (403, "permission_denied")


def test_viewer_session_reads_but_cannot_write(host_client, brand_a, vera, draft):
    client = host_client(brand_a.host, vera)
    assert client.get(vurl(draft)).status_code == 200
    assert post_json(client, vurl(draft, "/publish")).status_code == 403


@pytest.mark.parametrize("who", ["olga", "bob", "ivan"])
def test_non_members_are_refused(host_client, brand_a, request, who, draft):
    client = host_client(brand_a.host, request.getfixturevalue(who))
    assert client.get(API).status_code == 403
    assert client.get(vurl(draft)).status_code == 403


def test_anonymous_is_refused(host_client, brand_a):
    assert host_client(brand_a.host).get(API).status_code in (401, 403)


def test_brand_b_standards_are_unreachable_with_brand_a_keys(api, api_client, brand_a, brand_b, bob, in_brand):
    with in_brand(brand_b):
        b_version = make_standard(Actor(user=bob, label=bob.email), name="Bolt secret").versions.get()
    assert api.get(API).json()["count"] == 0
    assert api.get(vurl(b_version)).status_code == 404
    assert post_json(api, vurl(b_version, "/publish")).status_code == 404
    assert post_json(api, f"{API}{b_version.standard_id}/versions").status_code == 404
    # A's key on B's host: refused before any lookup.
    a_key = api.defaults["HTTP_AUTHORIZATION"]
    response = api_client(brand_b).get(API, HTTP_AUTHORIZATION=a_key)
    assert response.status_code == 403
    assert b"Bolt secret" not in response.content
    with in_brand(brand_b):
        assert StandardVersion.objects.get(pk=b_version.pk).status == "draft"


# --- conventions ---


def make_standards(brand, in_brand, actor, n, start=0):
    with in_brand(brand):
        for i in range(start, start + n):
            make_standard(actor, name=f"Cat {i}", scope="category", category=f"Cat {i:03d}", items=0, photos=0)


def test_list_uses_the_same_number_of_queries_at_10_and_100_rows(
    api, in_brand, brand_a, a_actor, django_assert_num_queries
):
    make_standards(brand_a, in_brand, a_actor, 10)
    api.get("/api/v1/brand")  # records the key's first use (a write made once per 5 minutes)
    # search_path (host → brand cached), IP lock (closo.attempts), key, count, page (versions are subqueries)
    with django_assert_num_queries(5) as ten:
        assert api.get(API).json()["count"] == 10
    make_standards(brand_a, in_brand, a_actor, 90, start=10)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(api.get(API + "?page_size=100").json()["results"]) == 100


def test_the_openapi_schema_lists_the_standards_endpoints(host_client, brand_a):
    schema = host_client(brand_a.host).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {
        "/api/v1/standards/",
        "/api/v1/standards/resolve",
        "/api/v1/standards/{id}",
        "/api/v1/standards/{id}/versions",
        "/api/v1/standards/{id}/versions/{number}",
        "/api/v1/standards/{id}/versions/{number}/checklist",
        "/api/v1/standards/{id}/versions/{number}/checklist/{key}",
        "/api/v1/standards/{id}/versions/{number}/photos",
        "/api/v1/standards/{id}/versions/{number}/photos/{slot}",
        "/api/v1/standards/{id}/versions/{number}/dispositions",
        "/api/v1/standards/{id}/versions/{number}/order",
        "/api/v1/standards/{id}/versions/{number}/publish",
    } <= set(paths)
    assert paths["/api/v1/standards/"]["post"]["operationId"] == "standard_create"
    create_body = paths["/api/v1/standards/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create_body["$ref"].endswith("StandardListInput")
