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
from django_tenants.utils import schema_context
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.permissions import brand_principal
from closo.actors import Actor
from inspections import imaging, photos
from inspections.models import InspectionPhoto

NO_STORE = "private, no-store"
# Room for the multipart envelope and the slot field around a file at the cap.
MAX_BODY_BYTES = imaging.MAX_UPLOAD_BYTES + 1024 * 1024


class _AnyAccept(DefaultContentNegotiation):
    """Files are answered whatever the Accept header (an <img> asks for image/*); errors
    are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _serve(photo: InspectionPhoto, rendition: str):
    name = photos.photo_file_name(photo=photo, rendition=rendition)
    storage = photos.photo_storage()
    if isinstance(storage, FileSystemStorage):
        response = FileResponse(
            storage.open(name, "rb"), content_type=photos.rendition_content_type(photo=photo, rendition=rendition)
        )
    else:
        response = HttpResponseRedirect(storage.url(name, parameters={"ResponseCacheControl": NO_STORE}))
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


class HubEndpoint(APIView):
    """Public-host endpoints of hub members: a session (the portal) or HTTP Basic (scanner
    apps). Session first, so a browser is never asked for Basic credentials."""

    authentication_classes = [SessionAuthentication, BasicAuthentication]


def _hub_choice(request) -> str | None:
    return request.headers.get("X-Hub") or request.query_params.get("hub")


class HubReturnPhotosApi(HubEndpoint):
    """A return's inspection photos at the hub holding it: list, or upload one."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        slot = serializers.SlugField(max_length=40, help_text="A photo slot of the standard that applies.")
        file = serializers.FileField(
            allow_empty_file=True, use_url=False, help_text="JPEG, PNG or WebP; at most 15 MB and 50 MP."
        )

    class OutputSerializer(serializers.ModelSerializer):
        bytes = serializers.IntegerField(source="bytes_uploaded", help_text="Size of the file as uploaded.")
        thumbnail_url = serializers.SerializerMethodField(help_text="404 until the status is ready.")
        display_url = serializers.SerializerMethodField()
        original_url = serializers.SerializerMethodField()

        class Meta:
            model = InspectionPhoto
            fields = [
                "id",
                "slot",
                "status",
                "bytes",
                "content_type",
                "width",
                "height",
                "sha256",
                "error",
                "created_at",
                "processed_at",
                "thumbnail_url",
                "display_url",
                "original_url",
            ]

        def _url(self, photo, rendition: str) -> str:
            return photos.hub_photo_url(brand=self.context["brand"], photo=photo, rendition=rendition)

        def get_thumbnail_url(self, photo) -> str:
            return self._url(photo, "thumbnail")

        def get_display_url(self, photo) -> str:
            return self._url(photo, "display")

        def get_original_url(self, photo) -> str:
            return self._url(photo, "original")

    def initial(self, request, *args, **kwargs):
        # An oversized upload is refused from its Content-Length, before the body is read
        # (the CSRF check and the multipart parser would read all of it).
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > MAX_BODY_BYTES:
                raise imaging.too_large(length)
        super().initial(request, *args, **kwargs)

    @extend_schema(operation_id="hub_return_photos", responses=OutputSerializer(many=True))
    def get(self, request, brand_slug: str, pk: int):
        brand = photos.hub_brand_get(slug=brand_slug)
        with schema_context(brand.schema_name):
            item = photos.hub_return_get(user=request.user, pk=pk, hub_id=_hub_choice(request))
            data = self.OutputSerializer(photos.photos_of(item=item), many=True, context={"brand": brand}).data
        return Response({"count": len(data), "results": data})

    @extend_schema(operation_id="hub_return_photo_upload", request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, brand_slug: str, pk: int):
        brand = photos.hub_brand_get(slug=brand_slug)
        with schema_context(brand.schema_name):
            item = photos.hub_return_get(user=request.user, pk=pk, hub_id=_hub_choice(request))
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            photo = photos.photo_upload(
                item=item,
                slot=serializer.validated_data["slot"],
                upload=serializer.validated_data["file"],
                hub=item.hub,
                actor=Actor.from_request(request),
            )
            data = self.OutputSerializer(photo, context={"brand": brand}).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["original_url"]})


class HubPhotoApi(HubEndpoint):
    """A rendition of a photo, for the hub that took it and for staff."""

    permission_classes = [permissions.AllowAny]  # who may see it is decided per photo: 404 otherwise
    content_negotiation_class = _AnyAccept

    @extend_schema(exclude=True)
    def get(self, request, brand_slug: str, pk: int, rendition: str):
        brand = photos.hub_brand_get(slug=brand_slug)
        with schema_context(brand.schema_name):
            photo = photos.hub_photo_get(user=request.user, pk=pk)
            return _serve(photo, rendition)


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
