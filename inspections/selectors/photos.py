from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from fulfillment.models import ReturnItem
from inspections.models import InspectionPhoto

Status = InspectionPhoto.Status


def photos_of(*, item: ReturnItem) -> QuerySet[InspectionPhoto]:
    """The return's photos (one per slot: a retake replaces), in slot-upload order."""
    return InspectionPhoto.objects.filter(return_item=item).order_by("created_at", "pk")


def photo_file_name(*, photo: InspectionPhoto, rendition: str) -> str:
    """The stored name of a rendition of a ready photo, or 404 (nothing is served before
    processing has removed the metadata)."""
    if rendition not in InspectionPhoto.RENDITIONS or photo.status != Status.READY:
        raise Http404("This photo is not available.")
    name = getattr(photo, rendition).name
    if not name:
        raise Http404("This photo is not available.")
    return name


def rendition_content_type(*, photo: InspectionPhoto, rendition: str) -> str:
    return photo.content_type if rendition == "original" else "image/jpeg"


def brand_photo_url(*, photo: InspectionPhoto, rendition: str) -> str:
    """Path of a rendition on the brand's host (for its members and API keys)."""
    return reverse("brand_photo", kwargs={"pk": photo.pk, "rendition": rendition}, urlconf=settings.ROOT_URLCONF)
