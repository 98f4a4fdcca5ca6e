"""GET /api/v1/availability answered from memory (fulfillment.apis.availability._held): the
same response as the DRF view, to the byte, and only when the DRF view would give it.

The fast path uses what earlier requests kept, so each test commits its setup's after-commit
work (the stamp renewals) with `django_capture_on_commit_callbacks(execute=True)`: data
written and not yet "committed" makes the selector bypass what it keeps (closo.stamps)."""

import pytest

from brands.services import api_keys as api_key_services
from fulfillment.apis import availability as api
from fulfillment.models import Backorder, Sku
from tests.fulfillment.loop_builders import waiting

URL = "/api/v1/availability"


@pytest.fixture
def setup(brand_a, in_brand, host_client, django_capture_on_commit_callbacks):
    """Brand A with a sold-out SKU, one customer waiting, and a client with a fresh key,
    all committed (their stamp renewals run)."""
    with django_capture_on_commit_callbacks(execute=True):
        with in_brand(brand_a):
            sku = Sku.objects.create(code="WB-20", title="Weighted blanket", price=139, available_qty=0)
            waiting(sku, ref="#W1")
        key_row, key = api_key_services.api_key_create(brand=brand_a, name="fast", actor=None)
    client = host_client(brand_a.host)
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client, sku, key_row


@pytest.fixture
def count_fast(monkeypatch):
    """How many responses the fast path gave."""
    given = []
    original = api._held

    def spy(request):
        response = original(request)
        if response is not None:
            given.append(response)
        return response

    monkeypatch.setattr(api, "_held", spy)
    return given


def ask(client, sku="WB-20", zip_code="78702", **headers):
    return client.get(URL, {"sku": sku, "zip": zip_code}, **headers)


def comparable(response) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k not in ("Date",)}
    return response.status_code, headers, response.content


def test_the_second_ask_is_answered_from_memory_with_the_same_bytes_and_headers(
    setup, count_fast, django_assert_num_queries
):
    client, _, _ = setup
    first = ask(client)
    assert not count_fast  # computed by the DRF view, and kept
    second = ask(client)
    assert len(count_fast) == 1
    # From then on nothing is read: key, lock-out, stamps and answer are all in memory.
    with django_assert_num_queries(0):
        assert ask(client).content == second.content
    assert comparable(second) == comparable(first)
    assert second.json()["queue_ahead"] == 1


def test_a_304_from_memory_is_the_drf_views_304(setup, count_fast):
    client, _, _ = setup
    etag = ask(client)["ETag"]
    slow = client.get(URL, {"sku": "WB-20", "zip": "78702", "format": "json"}, HTTP_IF_NONE_MATCH=etag)
    fast = ask(client, HTTP_IF_NONE_MATCH=etag)
    assert len(count_fast) == 1 and fast.status_code == slow.status_code == 304
    assert fast["ETag"] == slow["ETag"] == etag and fast.content == slow.content == b""
    assert fast["Cache-Control"] == slow["Cache-Control"]


def test_a_change_committed_is_seen_at_once(setup, count_fast, brand_a, in_brand, django_capture_on_commit_callbacks):
    client, sku, _ = setup
    assert ask(client).json()["queue_ahead"] == 1
    with django_capture_on_commit_callbacks(execute=True), in_brand(brand_a):
        waiting(sku, ref="#W2")
    assert ask(client).json()["queue_ahead"] == 2
    with django_capture_on_commit_callbacks(execute=True), in_brand(brand_a):
        Backorder.objects.filter(order_ref="#W2").delete()
    assert ask(client).json()["queue_ahead"] == 1


def test_an_uncommitted_change_is_never_kept_for_others(setup, count_fast, brand_a, in_brand):
    client, sku, _ = setup
    ask(client)
    with in_brand(brand_a):
        waiting(sku, ref="#W2")  # its renewal waits for a commit that never comes in this test
    assert ask(client).json()["queue_ahead"] == 2  # this transaction sees its own row…
    assert not count_fast  # …computed, never from memory, and nothing of it kept


@pytest.mark.parametrize(
    "params",
    [
        {"sku": " WB-20", "zip": "78702"},  # padded: the serializer trims it
        {"sku": "WB-20", "zip": "7870"},  # malformed ZIP: a 400
        {"sku": "WB-20"},  # missing ZIP: a 400
        {"sku": "WB-20", "zip": "78702", "extra": "1"},
        {"sku": "x" * 65, "zip": "78702"},  # too long: a 400
    ],
)
def test_anything_but_a_plain_question_goes_through_the_drf_view(setup, count_fast, params):
    client, _, _ = setup
    ask(client)  # the plain answer is kept
    client.get(URL, params)
    assert count_fast == []


def test_a_revoked_key_is_refused_at_once_though_its_answer_is_kept(
    setup, count_fast, django_capture_on_commit_callbacks
):
    client, _, key_row = setup
    ask(client)
    with django_capture_on_commit_callbacks(execute=True):
        api_key_services.api_key_revoke(key=key_row, actor=None)
    response = ask(client)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "revoked_api_key"
    assert count_fast == []


def test_another_brands_key_never_gets_this_brands_kept_answer(
    setup, count_fast, brand_a, brand_b, host_client, django_capture_on_commit_callbacks
):
    client, _, _ = setup
    ask(client)
    with django_capture_on_commit_callbacks(execute=True):
        _, key_b = api_key_services.api_key_create(brand=brand_b, name="b", actor=None)
    attacker = host_client(brand_a.host)
    attacker.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key_b}"
    response = ask(attacker)
    assert response.status_code == 403
    assert count_fast == []


def test_a_wrong_secret_is_counted_once_not_twice(setup, count_fast, host_client, brand_a, settings):
    from closo import attempts

    client, _, key_row = setup
    ask(client)
    bad = host_client(brand_a.host)
    bad.defaults["HTTP_AUTHORIZATION"] = f"Api-Key closo_{key_row.key_id}.not-the-secret"
    limit = attempts.API_KEY_IP.attempts
    statuses = [ask(bad).status_code for _ in range(limit + 1)]
    # The attempt that reaches the limit is refused: counted twice, it would come at half.
    assert statuses == [401] * (limit - 1) + [429, 429]
    assert count_fast == []


def test_a_locked_out_ip_gets_429_even_with_a_good_key(setup, count_fast, host_client, brand_a):
    from closo import attempts

    client, _, key_row = setup
    ask(client)
    bad = host_client(brand_a.host)
    bad.defaults["HTTP_AUTHORIZATION"] = f"Api-Key closo_{key_row.key_id}.not-the-secret"
    for _ in range(attempts.API_KEY_IP.attempts + 1):
        ask(bad)
    response = ask(client)  # the same client IP, now locked out
    assert response.status_code == 429
    assert count_fast == []


def test_the_schema_still_documents_the_endpoint(client, settings):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="closo.urls_api_root").get_schema(request=None, public=True)
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"availability", "availability_batch"} <= operations
