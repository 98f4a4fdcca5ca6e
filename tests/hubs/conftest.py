"""Data the hub workflow tests share: a local-eligible SKU per brand, returns routed to a
hub through the real service, and a second active hub with its own inspector."""

from __future__ import annotations

import pytest

from closo.models import User
from fulfillment.models import ReturnItem, Sku
from fulfillment.services import returns as return_services
from hubs.models import Hub, HubRole, HubStatus
from hubs.services import registry as hub_services
from tests.factories import PASSWORD, SYSTEM, applied_hub, as_staff


def activate(hub: Hub, staff: User) -> Hub:
    staff_actor = as_staff(staff)
    for check in hub_services.VETTING_CHECKS:
        hub_services.hub_record_check(hub=hub, check=check, actor=staff_actor)
    hub_services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=staff_actor)
    return hub_services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=staff_actor)


@pytest.fixture
def sku_a(brand_a, in_brand) -> Sku:
    with in_brand(brand_a):
        return Sku.objects.create(code="WB-15", title="Weighted blanket", price=120, attributes={"colour": "Sage"})


@pytest.fixture
def sku_b(brand_b, in_brand) -> Sku:
    with in_brand(brand_b):
        return Sku.objects.create(code="DUVET-Q", title="Linen duvet", price=180)


@pytest.fixture
def other_hub(stan) -> Hub:
    """An active hub nearby (78704) whose inspector is wes@hub.test."""
    hub = activate(applied_hub("Zilker Stoop", zip_code="78704"), stan)
    wes = User.objects.create_user("wes@hub.test", PASSWORD)
    hub_services.hub_member_add(hub=hub, user=wes, role=HubRole.INSPECTOR)
    return hub


@pytest.fixture
def wes(other_hub) -> User:
    return User.objects.get(email="wes@hub.test")


@pytest.fixture
def route():
    """route(brand, in_brand, hub, rma=..., zip=...): a return created and assigned to `hub`
    through the services (status routed, with its drop-off code and task)."""

    def make(brand, in_brand, hub, rma="RMA-1", sku_code=None, customer_zip="78702") -> ReturnItem:
        with in_brand(brand):
            code = sku_code or Sku.objects.values_list("code", flat=True).first()
            return return_services.return_create(
                rma_ref=rma, sku_code=code, customer_zip=customer_zip, hub=hub, actor=SYSTEM
            )

    return make
