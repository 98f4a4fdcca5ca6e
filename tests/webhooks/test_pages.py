"""The brand portal's webhook pages: owners and admins only; add an endpoint (its secret
shown once), the delivery log in constant queries, redeliver, test event, enable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.webhooks.seed import seed_log
from webhooks.models import Endpoint


@pytest.fixture
def as_alice(host_client, brand_a, alice, allow_private):
    return host_client(brand_a.host, alice)


def add(client, url):
    return client.post(
        reverse("webhook_create"),
        {"url": url, "description": "Order service", "event_types": ["backorder.created", "unit.missing"]},
    )


def test_only_owners_and_admins_see_the_pages_and_the_nav_link(host_client, brand_a, alice, vera, bob):
    assert 'href="/webhooks/"' in host_client(brand_a.host, alice).get(reverse("brand_home")).content.decode()
    assert 'href="/webhooks/"' not in host_client(brand_a.host, vera).get(reverse("brand_home")).content.decode()
    assert host_client(brand_a.host, vera).get(reverse("webhook_list")).status_code == 403
    assert host_client(brand_a.host, bob).get(reverse("webhook_list")).status_code == 404


def test_adding_an_endpoint_shows_its_secret_once(as_alice, receiver, brand_a, in_brand):
    response = add(as_alice, receiver.url)
    assert response.status_code == 200
    html = response.content.decode()
    with in_brand(brand_a):
        endpoint = Endpoint.objects.get()
    assert "Copy the signing secret now" in html and endpoint.secret in html
    assert endpoint.event_types == ["backorder.created", "unit.missing"]
    again = as_alice.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert "Copy the signing secret now" not in again
    assert "<summary>Reveal</summary>" in again  # revealable by an admin, not shown upfront


def test_a_refused_url_is_shown_on_the_form(host_client, brand_a, alice, settings, in_brand):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = add(host_client(brand_a.host, alice), "https://10.0.0.8/hooks")
    assert response.status_code == 200
    assert "resolves to a private address" in response.content.decode()
    with in_brand(brand_a):
        assert not Endpoint.objects.exists()


def test_test_event_redeliver_and_enable_from_the_page(as_alice, receiver, brand_a, in_brand):
    add(as_alice, receiver.url)
    with in_brand(brand_a):
        endpoint = Endpoint.objects.get()
    detail = reverse("webhook_detail", args=[endpoint.pk])
    page = as_alice.post(reverse("webhook_test", args=[endpoint.pk]), follow=True).content.decode()
    assert "Delivered: HTTP 200" in page and "ping" in page
    with in_brand(brand_a):
        delivery = endpoint.deliveries.get()
    receiver.plan = [(500, 0, b"nope")]
    page = as_alice.post(reverse("webhook_redeliver", args=[delivery.pk]), follow=True).content.decode()
    assert "Not delivered: HTTP 500" in page and "nope" in page
    assert len(receiver.requests) == 2

    as_alice.post(reverse("webhook_active", args=[endpoint.pk]), {"active": "0"})
    with in_brand(brand_a):
        endpoint.refresh_from_db()
    assert endpoint.is_active is False
    page = as_alice.post(reverse("webhook_active", args=[endpoint.pk]), {"active": "1"}, follow=True)
    assert "Endpoint enabled." in page.content.decode()
    assert as_alice.get(detail).status_code == 200


def test_the_detail_page_takes_a_constant_number_of_queries(
    as_alice, receiver, brand_a, in_brand, django_assert_max_num_queries
):
    add(as_alice, receiver.url)
    with in_brand(brand_a):
        endpoint = Endpoint.objects.get()
        seed_log(endpoint, 10)
    url = reverse("webhook_detail", args=[endpoint.pk])
    as_alice.get(url)
    with django_assert_max_num_queries(15) as few:
        assert as_alice.get(url).status_code == 200
    with in_brand(brand_a):
        seed_log(endpoint, 90, start=10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = as_alice.get(url).content.decode()
    assert "Page 1 of 4" in html
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert as_alice.get(reverse("webhook_list")).status_code == 200


def test_brand_b_cannot_open_or_redeliver_brand_a_deliveries_from_its_portal(
    as_alice, receiver, brand_a, brand_b, bob, host_client, in_brand
):
    add(as_alice, receiver.url)
    with in_brand(brand_a):
        endpoint = Endpoint.objects.get()
    as_alice.post(reverse("webhook_test", args=[endpoint.pk]))
    with in_brand(brand_a):
        delivery = endpoint.deliveries.get()
    on_b = host_client(brand_b.host, bob)
    assert on_b.get(reverse("webhook_detail", args=[endpoint.pk])).status_code == 404
    assert on_b.post(reverse("webhook_redeliver", args=[delivery.pk])).status_code == 404
    assert len(receiver.requests) == 1
