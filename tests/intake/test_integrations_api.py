"""PUT /api/v1/integrations/shopify and /returns: set and rotate the secrets."""

from __future__ import annotations

import pytest

from brands.models import BrandRole
from fulfillment.models import ConfigChange
from intake.models import IntegrationSecret
from tests.conftest import put_json

NEW = "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"


@pytest.mark.parametrize(("path", "kind"), [("shopify", "shopify"), ("returns", "returns")])
def test_an_admin_key_sets_the_secret_and_sees_only_its_last_4(api_client, brand_a, in_brand, path, kind):
    response = put_json(api_client(brand_a), f"/api/v1/integrations/{path}", {"webhook_secret": NEW})

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["kind"], data["last4"]) == (kind, "b1a0")
    assert NEW not in response.content.decode()
    assert f"/integrations/{path}/webhooks" in data["webhook_url"]
    with in_brand(brand_a):
        assert IntegrationSecret.objects.get(kind=kind).secret == NEW
        change = ConfigChange.objects.get(area=ConfigChange.Area.INTEGRATIONS)
    assert (change.action, change.changes) == (ConfigChange.Action.CREATED, {"webhook_secret": "…b1a0"})
    assert change.actor_label.startswith("API key")


def test_rotating_records_old_and_new_last_4_only(api_client, brand_a, in_brand):
    client = api_client(brand_a)
    put_json(client, "/api/v1/integrations/shopify", {"webhook_secret": "first-secret-aaaa-1111"})
    put_json(client, "/api/v1/integrations/shopify", {"webhook_secret": NEW})

    with in_brand(brand_a):
        latest = ConfigChange.objects.filter(area=ConfigChange.Area.INTEGRATIONS).first()
    assert (latest.action, latest.changes) == (ConfigChange.Action.UPDATED, {"webhook_secret": ["…1111", "…b1a0"]})


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"webhook_secret": ""},
        {"webhook_secret": "short"},
        {"webhook_secret": "has a space inside it"},
        {"webhook_secret": 12},
    ],
)
def test_invalid_secrets_are_400_with_the_error_shape(api_client, brand_a, in_brand, body):
    response = put_json(api_client(brand_a), "/api/v1/integrations/shopify", body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] in {"invalid", "required", "blank"} and "webhook_secret" in error["fields"]
    with in_brand(brand_a):
        assert not IntegrationSecret.objects.exists()


def test_a_read_only_key_is_refused(api_client, brand_a, in_brand):
    response = put_json(
        api_client(brand_a, role=BrandRole.VIEWER), "/api/v1/integrations/shopify", {"webhook_secret": NEW}
    )

    assert response.status_code == 403
    with in_brand(brand_a):
        assert not IntegrationSecret.objects.exists()


def test_brand_a_key_cannot_set_brand_b_secret(api_client, brand_a, brand_b, in_brand, host_client):
    client = api_client(brand_a)
    client.defaults["HTTP_HOST"] = brand_b.host

    response = put_json(client, "/api/v1/integrations/shopify", {"webhook_secret": NEW})

    assert response.status_code in {401, 403}
    with in_brand(brand_b):
        assert not IntegrationSecret.objects.exists()
