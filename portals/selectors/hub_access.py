"""The hub-side access rule, in one place: what a hub member may open of a brand's data
on the public host. Pages, the hub API and the photo endpoints all go through it.

A brand is reachable from the hub side only while it is active; a return only at one of
the user's hubs (the return's `hub`); a photo only by the hub that took it, or by staff.
Everything else is the same 404, so a guessed URL reveals nothing."""

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
    item: ReturnItem


def _memberships(user, hub_id=None) -> dict[int, HubMember]:
    """`user`'s memberships by hub id (only the one of `hub_id` if given: it must be theirs)."""
    if not user.is_authenticated:
        return {}
    members = {member.hub_id: member for member in hub_memberships(user=user)}
    if hub_id not in (None, ""):
        members = {pk: member for pk, member in members.items() if str(pk) == str(hub_id)}
    return members


def _hub_side_brand(slug: str) -> Brand | None:
    """An active brand by slug, as the hub side names it (never the public tenant)."""
    return Brand.objects.filter(slug=slug, is_active=True).exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).first()


@contextmanager
def hub_return(*, user, brand_slug: str, pk: int, hub_id=None) -> Iterator[HubReturn]:
    """Open return `pk` of the brand `brand_slug` for a hub member, inside the brand's
    schema (the connection stays there for the block: evaluate every QuerySet inside it).
    `hub_id` (a header or query choice) narrows it to that one of the member's hubs. 404
    unless the brand is active and the return is on the hub route to one of `user`'s
    hubs — the same answer for "no such brand", "no such return" and "another hub's
    return"."""
    members = _memberships(user, hub_id)
    brand = _hub_side_brand(brand_slug) if members else None
    if brand is None:
        raise Http404("No such return at your hub.")
    with schema_context(brand.schema_name):
        item = ReturnItem.objects.select_related("sku").filter(pk=pk, hub_id__in=list(members)).first()
        if item is None:
            raise Http404("No such return at your hub.")
        member = members[item.hub_id]
        item.hub = member.hub
        yield HubReturn(brand=brand, hub=member.hub, member=member, item=item)


@contextmanager
def hub_photo(*, user, brand_slug: str, pk: int) -> Iterator[InspectionPhoto]:
    """Open photo `pk` of the brand `brand_slug` on the hub side, inside the brand's schema:
    for the hub that took it (a member of it), or for staff. The same brand rule and the
    same 404 as `hub_return`."""
    staff = user.is_authenticated and user.is_staff
    members = _memberships(user)
    brand = _hub_side_brand(brand_slug) if staff or members else None
    if brand is None:
        raise Http404("No such photo.")
    with schema_context(brand.schema_name):
        photos = InspectionPhoto.objects.filter(pk=pk)
        if not staff:
            photos = photos.filter(hub_id__in=list(members))
        photo = photos.first()
        if photo is None:
            raise Http404("No such photo.")
        yield photo


def hub_photo_url(*, brand: Brand, photo: InspectionPhoto, rendition: str) -> str:
    """Path of a rendition on the public host (for the hub that took it, and staff)."""
    return reverse(
        "hub_photo",
        kwargs={"brand_slug": brand.slug, "pk": photo.pk, "rendition": rendition},
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )
