"""The host → brand lookup is cached in process (closo.middleware): one query saved on every
request, forgotten at once when a Brand or Domain row changes in this process, and within
HOST_TTL_SECONDS otherwise."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from brands.models import Brand, Domain
from closo import middleware

pytestmark = pytest.mark.django_db


def resolve(host: str):
    """request.tenant after the middleware, or None when it answered 404."""
    request = RequestFactory().get("/", HTTP_HOST=host)
    response = middleware.BrandHostMiddleware(lambda r: None).process_request(request)
    connection.set_schema_to_public()
    return None if response is not None else request.tenant


def domain_queries(host: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        resolve(host)
    return sum('"brands_domain"' in q["sql"] for q in queries.captured_queries)


@pytest.fixture
def clock(monkeypatch):
    """The host cache's clock, moved by hand: clock.now += seconds."""

    class Clock:
        now = 1000.0

    monkeypatch.setattr(middleware._hosts, "clock", lambda: Clock.now)
    return Clock


def test_a_known_host_is_looked_up_once_then_answered_from_memory(brand_a):
    assert domain_queries(brand_a.host) == 1
    assert domain_queries(brand_a.host) == 0
    assert resolve(brand_a.host).pk == brand_a.pk


def test_two_brands_never_share_an_entry(brand_a, brand_b, settings):
    for _ in range(2):
        assert resolve(brand_a.host).schema_name == brand_a.schema_name
        assert resolve(brand_b.host).schema_name == brand_b.schema_name
        assert resolve(settings.BASE_DOMAIN).schema_name == "public"


def test_each_request_gets_its_own_copy_of_the_brand(brand_a):
    first = resolve(brand_a.host)
    first.name = "Changed by a view"
    assert resolve(brand_a.host).name == brand_a.name
    assert resolve(brand_a.host) is not resolve(brand_a.host)


def test_unknown_hosts_are_never_cached_so_a_new_domain_answers_at_once(brand_a):
    assert resolve("acme-shop.localhost") is None
    Domain.objects.create(domain="acme-shop.localhost", tenant=brand_a, is_primary=False)
    assert resolve("acme-shop.localhost").pk == brand_a.pk


def test_a_deactivated_brand_stops_resolving_at_once_in_the_writing_process(brand_a, host_client, alice):
    assert resolve(brand_a.host) is not None
    brand_a.is_active = False
    brand_a.save()
    assert resolve(brand_a.host) is None
    assert host_client(brand_a.host, alice).get("/").status_code == 404


def test_a_renamed_brand_is_seen_at_once(brand_a):
    resolve(brand_a.host)
    brand_a.name = "Acme Renamed"
    brand_a.save()
    assert resolve(brand_a.host).name == "Acme Renamed"


def test_a_removed_domain_stops_resolving_at_once(brand_a):
    Domain.objects.create(domain="acme-shop.localhost", tenant=brand_a, is_primary=False)
    assert resolve("acme-shop.localhost") is not None
    Domain.objects.filter(domain="acme-shop.localhost").get().delete()
    assert resolve("acme-shop.localhost") is None
    assert resolve(brand_a.host).pk == brand_a.pk


def test_a_change_another_process_made_is_seen_within_the_ttl(brand_a, clock):
    # A queryset update fires no signal: as if another worker process had written it.
    assert resolve(brand_a.host) is not None
    Brand.objects.filter(pk=brand_a.pk).update(is_active=False)
    clock.now += middleware.HOST_TTL_SECONDS - 1
    assert resolve(brand_a.host) is not None
    clock.now += 1
    assert resolve(brand_a.host) is None


def test_a_deactivated_brand_is_never_cached(brand_a):
    Brand.objects.filter(pk=brand_a.pk).update(is_active=False)
    assert resolve(brand_a.host) is None
    Brand.objects.filter(pk=brand_a.pk).update(is_active=True)
    assert resolve(brand_a.host) is not None
