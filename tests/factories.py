"""Small builders for test data that goes through the real services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from closo.actors import Actor, Party
from closo.models import User
from fulfillment.models import ReturnItem, ReturnStatus, Sku
from fulfillment.services import returns as return_services
from hubs.models import Hub, HubKind
from hubs.services import registry as hub_services

PASSWORD = "correct-horse-battery-staple"
# Who acts in tests that need no person: Closo's automation, a brand's system, a hub's
# (custody moves are the hub's alone: fulfillment.machines).
SYSTEM = Actor.system("tests")
BRAND = Actor(label="brand tests", party=Party.BRAND)
HUB = Actor(label="hub tests", party=Party.HUB)


def as_staff(user: User) -> Actor:
    """`user` acting as Closo staff (the hub registry's status moves and vetting checks)."""
    return Actor.for_user(user, party=Party.STAFF)


def applied_hub(
    name: str = "South Porch",
    *,
    zip_code: str = "78745",
    kind: str = HubKind.NEIGHBOUR,
    owner_email: str | None = None,
    **extra,
) -> Hub:
    """A hub that has just applied (status `applied`), with a new owner account."""
    email = owner_email or f"{name.lower().replace(' ', '')}@hub.test"
    applicant = User.objects.create_user(email, PASSWORD)
    return hub_services.hub_apply(
        applicant=applicant, name=name, kind=kind, address="1 Main St", zip_code=zip_code, **extra
    )


def in_days(n: int) -> datetime.date:
    """The local date `n` days from today (negative: ago)."""
    return timezone.localdate() + datetime.timedelta(days=n)


def make_return(brand, in_brand, rma="RMA-1", sku_code="BLANKET-SAGE", **values) -> ReturnItem:
    """A return of `brand` created by the system actor in ZIP 78702, left `initiated` to be
    routed by hand (route `manual`; pass route="auto" for the automatic routing, or a hub)."""
    values.setdefault("route", "hub" if values.get("hub") is not None else "manual")
    with in_brand(brand):
        return return_services.return_create(
            rma_ref=rma, sku_code=sku_code, customer_zip="78702", actor=Actor.system("tests"), **values
        )


def make_routed_returns(sku: Sku, hub: Hub, start: int, n: int) -> None:
    """`n` routed returns of `sku` (RMA-0000…): odd ones to `hub` with a drop-off code, even
    ones to the brand's warehouse. Call inside the brand's schema."""
    ReturnItem.objects.bulk_create(
        ReturnItem(
            rma_ref=f"RMA-{i:04d}",
            sku=sku,
            customer_zip="78702",
            status=ReturnStatus.ROUTED,
            route="hub" if i % 2 else "warehouse",
            hub=hub if i % 2 else None,
            dropoff_code=f"D{i:04d}" if i % 2 else None,
        )
        for i in range(start, start + n)
    )
