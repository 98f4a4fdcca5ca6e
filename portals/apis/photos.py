"""The photo endpoints of the hub side (public host): a return's photos at its hub (list,
upload), and a photo's renditions for the hub that took it and for staff."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response

from closo import inputs
from closo.actors import Actor, Party
from hubs.apis.base import HubApi
from inspections import imaging
from inspections.apis.photos import MAX_BODY_BYTES, _AnyAccept, _serve
from inspections.models import InspectionPhoto
from inspections.selectors import photos as photo_selectors
from inspections.services import photos
from portals.apis.hub import HUB_PARAMETER
from portals.selectors import hub_access as hub_access_selectors


class HubReturnPhotosApi(HubApi):
    """A return's inspection photos at the hub holding it: list, or upload one. Mounted in
    the hub API and for the portal's inspection wizard (same view, same rules)."""

    parser_classes = [inputs.MultiPartParser]

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
            return hub_access_selectors.hub_photo_url(brand=self.context["brand"], photo=photo, rendition=rendition)

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

    def _return(self, request, brand_slug: str, pk: int):
        return hub_access_selectors.hub_return(
            user=request.user, brand_slug=brand_slug, pk=pk, hub_id=self.chosen_hub_id(request)
        )

    @extend_schema(
        operation_id="hub_return_photos",
        parameters=[HUB_PARAMETER],
        responses=inline_serializer(
            "HubReturnPhotosList",
            {"count": serializers.IntegerField(), "results": OutputSerializer(many=True)},
        ),
    )
    def get(self, request, brand_slug: str, pk: int):
        with self._return(request, brand_slug, pk) as found:
            data = self.OutputSerializer(
                photo_selectors.photos_of(item=found.item), many=True, context={"brand": found.brand}
            ).data
        return Response({"count": len(data), "results": data})

    @extend_schema(
        operation_id="hub_return_photo_upload",
        parameters=[HUB_PARAMETER],
        request={"multipart/form-data": InputSerializer},
        responses={201: OutputSerializer},
    )
    def post(self, request, brand_slug: str, pk: int):
        with self._return(request, brand_slug, pk) as found:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            photo = photos.photo_upload(
                item=found.item,
                slot=serializer.validated_data["slot"],
                upload=serializer.validated_data["file"],
                hub=found.hub,
                actor=Actor.from_request(request, party=Party.HUB),
            )
            data = self.OutputSerializer(photo, context={"brand": found.brand}).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["original_url"]})


class HubPhotoApi(HubApi):
    """A rendition of a photo, for the hub that took it and for staff."""

    # Staff are no hub's members: who may see a photo is decided per photo (hub_photo), 404 otherwise.
    permission_classes = [permissions.AllowAny]
    content_negotiation_class = _AnyAccept

    @extend_schema(exclude=True)
    def get(self, request, brand_slug: str, pk: int, rendition: str):
        with hub_access_selectors.hub_photo(user=request.user, brand_slug=brand_slug, pk=pk) as photo:
            return _serve(photo, rendition)
