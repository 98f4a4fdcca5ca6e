"""Photo endpoints.

Hub side, public host (inspections/hub_urls.py):
  GET|POST /hub/b/<brand_slug>/returns/<id>/photos/          the wizard (session + CSRF)
  GET|POST /api/v1/hub/b/<brand_slug>/returns/<id>/photos    scanner apps (session or Basic)
      POST multipart `slot`, `file` → 201 {id, slot, bytes, width, height, status, thumbnail_url, …};
      GET → the return's photos. Only members of the hub holding the return (`X-Hub` header
      or `?hub=` picks one of several hubs).
  GET /hub/b/<brand_slug>/photos/<id>/<original|display|thumbnail>
      the hub that took the photo, and staff.
Brand side, brand host (inspections/photo_urls.py):
  GET /photos/<id>/<original|display|thumbnail>   the brand's members and API keys.

Anyone else gets 404, whatever id they guess; nothing is served before processing has
removed the metadata. Local storage: the file is streamed through the view. S3: a 302 to
a signed URL that expires (AWS_QUERYSTRING_EXPIRE). Both `Cache-Control: private, no-store`."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponseRedirect
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import APIView

from brands.permissions import brand_principal
from inspections import imaging
from inspections.models import InspectionPhoto
from inspections.selectors import photos as photo_selectors
from inspections.services import photos

NO_STORE = "private, no-store"
# Room for the multipart envelope and the slot field around a file at the cap.
MAX_BODY_BYTES = imaging.MAX_UPLOAD_BYTES + 1024 * 1024


class _AnyAccept(DefaultContentNegotiation):
    """Files are answered whatever the Accept header (an <img> asks for image/*); errors
    are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _serve(photo: InspectionPhoto, rendition: str):
    name = photo_selectors.photo_file_name(photo=photo, rendition=rendition)
    storage = photos.photo_storage()
    if isinstance(storage, FileSystemStorage):
        response = FileResponse(
            storage.open(name, "rb"),
            content_type=photo_selectors.rendition_content_type(photo=photo, rendition=rendition),
        )
    else:
        response = HttpResponseRedirect(storage.url(name, parameters={"ResponseCacheControl": NO_STORE}))
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


class IsBrandMemberOr404(permissions.BasePermission):
    """Members and API keys of this host's brand (any role: reading); to anyone else the
    photo does not exist."""

    def has_permission(self, request, view):
        if brand_principal(request) is None:
            raise Http404("No such photo.")
        return True


class BrandPhotoApi(APIView):
    """A rendition of one of this brand's photos (the brand host's schema is the scope)."""

    permission_classes = [IsBrandMemberOr404]
    content_negotiation_class = _AnyAccept

    @extend_schema(exclude=True)
    def get(self, request, pk: int, rendition: str):
        photo = InspectionPhoto.objects.filter(pk=pk).first()
        if photo is None:
            raise Http404("No such photo.")
        return _serve(photo, rendition)
