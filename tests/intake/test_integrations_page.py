"""The Integrations page: admins only, secrets never shown back, the delivery log."""

from __future__ import annotations

import pytest

from fulfillment.models import ConfigChange
from intake.models import Delivery, IntegrationSecret

SECRET = "shpss_0123456789abcdef0123456789abcdef"


def test_an_admin_sees_the_webhook_urls_to_paste(host_client, brand_a, alice):
    response = host_client(brand_a.host, alice).get("/integrations/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f"http://{brand_a.host}/integrations/shopify/webhooks" in page
    assert f"http://{brand_a.host}/integrations/loop/webhooks" in page
    assert f"http://{brand_a.host}/integrations/returns/webhooks" in page
    assert "Settings → Notifications → Webhooks" in page
    assert 'href="/integrations/"' in page  # in the brand nav


def test_a_viewer_is_refused_and_has_no_nav_link(host_client, brand_a, vera):
    client = host_client(brand_a.host, vera)

    assert client.get("/integrations/").status_code == 403
    assert 'href="/integrations/"' not in client.get("/").content.decode()


@pytest.mark.parametrize("who", ["bob", "olga"])
def test_other_brands_and_outsiders_get_404(host_client, brand_a, who, request):
    assert host_client(brand_a.host, request.getfixturevalue(who)).get("/integrations/").status_code == 404


def test_saving_a_secret_shows_only_its_last_4(host_client, brand_a, alice, in_brand):
    client = host_client(brand_a.host, alice)

    response = client.post("/integrations/", {"kind": "shopify", "shopify-webhook_secret": SECRET}, follow=True)

    page = response.content.decode()
    assert "…cdef" in page and SECRET not in page
    with in_brand(brand_a):
        assert IntegrationSecret.objects.get(kind="shopify").secret == SECRET
        assert ConfigChange.objects.filter(area=ConfigChange.Area.INTEGRATIONS).count() == 1


def test_a_short_secret_is_refused_on_the_form(host_client, brand_a, alice, in_brand):
    response = host_client(brand_a.host, alice).post(
        "/integrations/", {"kind": "returns", "returns-webhook_secret": "abc"}
    )

    assert response.status_code == 200
    assert "16–255 characters" in response.content.decode()
    with in_brand(brand_a):
        assert not IntegrationSecret.objects.exists()


def _log(n: int) -> None:
    Delivery.objects.bulk_create(
        Delivery(
            source="shopify",
            delivery_id=f"wh-{i}",
            topic="orders/create",
            summary="1 created",
            lines=[{"ref": f"{i}:1", "action": "created", "reason": "out of stock"}],
        )
        for i in range(n)
    )


@pytest.mark.parametrize("rows", [10, 100])
def test_the_delivery_log_shows_the_latest_50_in_constant_queries(
    host_client, brand_a, alice, in_brand, django_assert_max_num_queries, rows
):
    with in_brand(brand_a):
        _log(rows)
    client = host_client(brand_a.host, alice)
    client.get("/integrations/")  # warm the session and caches

    with django_assert_max_num_queries(12):
        response = client.get("/integrations/")

    assert response.content.decode().count('data-label="Topic"') == min(rows, 50)
