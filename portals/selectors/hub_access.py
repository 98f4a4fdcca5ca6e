from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django_tenants.utils import schema_context

from brands.models import Brand
from fulfillment.models import ReturnItem
from hubs.models import Hub, HubMember
from hubs.selectors.members import hub_memberships
from inspections.models import InspectionPhoto


@dataclass(frozen=True)
class HubReturn:
    """A brand's return as a hub member may see it: the brand, the member's hub that holds
    the return, the membership and the return (with its SKU and hub)."""

    brand: Brand
    hub: Hub
    member: HubMember
    item: object  # fulfillment.ReturnItem


@contextmanager
def hub_return(*, user, brand_slug: str, pk: int) -> Iterator[HubReturn]:
    """Open return `pk` of the brand `brand_slug` for a hub member, inside the brand's
    schema (the connection stays there for the block: evaluate every QuerySet inside it).
    404 unless the brand is active and the return is on the hub route to one of `user`'s
    hubs — the same answer for "no such brand", "no such return" and "another hub's
    return", so a guessed URL reveals nothing."""
    from fulfillment.models import ReturnItem

    members = {m.hub_id: m for m in hub_memberships(user=user)} if user.is_authenticated else {}
    brand = (
        Brand.objects.filter(slug=brand_slug, is_active=True).exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).first()
    )
    if not members or brand is None:
        raise Http404("No such return at your hub.")
    with schema_context(brand.schema_name):
        item = ReturnItem.objects.select_related("sku").filter(pk=pk, hub_id__in=list(members)).first()
        if item is None:
            raise Http404("No such return at your hub.")
        member = members[item.hub_id]
        item.hub = member.hub
        yield HubReturn(brand=brand, hub=member.hub, member=member, item=item)


def hub_brand_get(*, slug: str) -> Brand:
    """An active brand by slug for hub pages on the public host, or 404."""
    brand = Brand.objects.filter(slug=slug, is_active=True).exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).first()
    if brand is None:
        raise Http404("No such brand.")
    return brand


def _member_hub_ids(user, hub_id=None) -> list[int]:
    """The hubs `user` works at (only `hub_id` if given: it must be one of them)."""
    if not user.is_authenticated:
        return []
    ids = list(HubMember.objects.filter(user=user).values_list("hub_id", flat=True))
    if hub_id not in (None, ""):
        ids = [pk for pk in ids if str(pk) == str(hub_id)]
    return ids


def hub_return_get(*, user, pk: int, hub_id=None) -> ReturnItem:
    """A return of the current brand schema held by one of `user`'s hubs (`hub_id` picks
    one), or 404: another hub's item is indistinguishable from none."""
    item = (
        ReturnItem.objects.select_related("sku", "hub").filter(pk=pk, hub_id__in=_member_hub_ids(user, hub_id)).first()
    )
    if item is None:
        raise Http404("No such return at your hub.")
    return item


def hub_photo_get(*, user, pk: int) -> InspectionPhoto:
    """A photo of the current brand schema that `user` may see on the hub side: taken by
    one of their hubs, or any photo for staff. 404 otherwise."""
    photo = InspectionPhoto.objects.filter(pk=pk).first()
    if photo is None or not ((user.is_authenticated and user.is_staff) or photo.hub_id in _member_hub_ids(user)):
        raise Http404("No such photo.")
    return photo


def hub_photo_url(*, brand: Brand, photo: InspectionPhoto, rendition: str) -> str:
    """Path of a rendition on the public host (for the hub that took it, and staff)."""
    return reverse(
        "hub_photo",
        kwargs={"brand_slug": brand.slug, "pk": photo.pk, "rendition": rendition},
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )
