import csv
import io

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, renderers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from closo import inputs
from closo.actors import Actor
from closo.idempotency import IdempotentPostMixin
from fulfillment.apis.imports import ImportJobDetailApi, import_job_accepted
from fulfillment.filters import SkuFilter
from fulfillment.forms.skus import RESERVED_CODES, attributes_parse
from fulfillment.models import ImportJob, Sku
from fulfillment.selectors import skus as sku_selectors
from fulfillment.services import skus as services


class SkuOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sku
        ref_name = "Sku"
        fields = [
            "id",
            "code",
            "title",
            "attributes",
            "category",
            "price",
            "weight_grams",
            "local_returns_enabled",
            "available_qty",
            "updated_at",
        ]


class AttributesInput(serializers.JSONField):
    """A JSON object of variant attributes; `key=value; key=value` text is accepted too."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                return attributes_parse(data)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages, code=exc.code) from None
        data = super().to_internal_value(data)
        if not isinstance(data, dict) or any(isinstance(v, (dict, list)) for v in data.values()):
            raise serializers.ValidationError('Send a flat JSON object, e.g. {"colour": "Sage"}.', code="invalid")
        return data


class SkuCreateInput(inputs.Input):
    model = Sku
    code = serializers.RegexField(
        r"^[^\s/]+$",
        max_length=64,
        error_messages={"invalid": "A code has no spaces or slashes (it is used in URLs)."},
    )
    title = serializers.CharField(max_length=200)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    category = serializers.CharField(max_length=80, required=False, allow_blank=True)
    attributes = AttributesInput(required=False)
    weight_grams = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    local_returns_enabled = serializers.BooleanField(required=False)
    available_qty = serializers.IntegerField(min_value=0, required=False)

    class Meta:
        ref_name = "SkuCreateInput"

    def validate_code(self, value):
        if value.lower() in RESERVED_CODES:
            raise serializers.ValidationError(f"“{value}” is reserved; choose another code.", code="reserved_code")
        return value


@extend_schema_view(
    get=extend_schema(operation_id="sku_list"),
    post=extend_schema(request=SkuCreateInput, responses={201: SkuOutputSerializer}, operation_id="sku_create"),
)
class SkuListApi(IdempotentPostMixin, generics.ListCreateAPIView):
    """SKUs of this brand. Filter by `q` (code or title contains), `category` or
    `local_returns_enabled`; order by `code`, `title`, `category`, `price`,
    `available_qty` or `updated_at`. POST adds one (the code must be new: 409 `sku_exists`)."""

    InputSerializer = SkuCreateInput
    serializer_class = SkuOutputSerializer
    queryset = Sku.objects.all()
    filterset_class = SkuFilter
    ordering_fields = ["code", "title", "category", "price", "available_qty", "updated_at"]
    ordering = ["code"]

    def create(self, request, *args, **kwargs):
        # Reached through IdempotentPostMixin.post → ListCreateAPIView.post.
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sku = services.sku_create(**serializer.validated_data, actor=Actor.from_request(request))
        return Response(
            SkuOutputSerializer(sku).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_sku_detail", args=[sku.code])},
        )


class SkuDetailApi(APIView):
    """One SKU, looked up by its code. PATCH changes any field but the code."""

    class InputSerializer(SkuCreateInput):
        code = None

        class Meta:
            ref_name = None

    @extend_schema(responses=SkuOutputSerializer, operation_id="sku_retrieve")
    def get(self, request, code: str):
        return Response(SkuOutputSerializer(get_object_or_404(Sku, code=code)).data)

    @extend_schema(request=InputSerializer, responses=SkuOutputSerializer, operation_id="sku_update")
    def patch(self, request, code: str):
        sku = get_object_or_404(Sku, code=code)
        if "code" in request.data and request.data["code"] != sku.code:
            raise serializers.ValidationError(
                {"code": [serializers.ErrorDetail("The code cannot be changed; create a new SKU.", code="immutable")]}
            )
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        sku = services.sku_update(sku=sku, actor=Actor.from_request(request), **serializer.validated_data)
        return Response(SkuOutputSerializer(sku).data)


class SkuStockApi(IdempotentPostMixin, APIView):
    """Your WMS reports what it holds of a SKU: an absolute quantity, so a retry changes
    nothing and the latest report wins."""

    class InputSerializer(inputs.Input):
        model = Sku
        available_qty = serializers.IntegerField(min_value=0)

    @extend_schema(request=InputSerializer, responses=SkuOutputSerializer, operation_id="sku_stock_set")
    def post(self, request, code: str):
        sku = get_object_or_404(Sku, code=code)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sku = services.sku_set_stock(
            sku=sku, available_qty=serializer.validated_data["available_qty"], actor=Actor.from_request(request)
        )
        return Response(SkuOutputSerializer(sku).data)


class SkuImportInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="CSV, UTF-8; the first line names the columns.")

    class Meta:
        ref_name = "SkuImportInput"


@extend_schema_view(
    post=extend_schema(
        request={"multipart/form-data": SkuImportInput},
        responses={202: ImportJobDetailApi.OutputSerializer},
        operation_id="sku_import",
    )
)
class SkuImportApi(IdempotentPostMixin, generics.CreateAPIView):
    """Upload a CSV of SKUs (multipart field `file`; columns as in the export). The file
    is checked whole — one that cannot be imported stores nothing (400 `file_too_large`,
    `not_utf8`, `not_csv`, `missing_columns`, `empty_file` or `too_many_rows`) — then its
    rows are imported in the background: poll the job at `Location` until `status` is
    `done`. Good rows are kept; bad rows are listed in `errors` with their line number."""

    parser_classes = [inputs.MultiPartParser]
    serializer_class = SkuImportInput

    def create(self, request, *args, **kwargs):
        # Reached through IdempotentPostMixin.post → CreateAPIView.post.
        serializer = SkuImportInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        return import_job_accepted(request, kind=ImportJob.Kind.SKUS, upload=serializer.validated_data["file"])


class CsvRenderer(renderers.BaseRenderer):
    """Lets clients ask for text/csv. An error on such a request is two CSV lines."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        error = data.get("error", {}) if isinstance(data, dict) else {}
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["error", "message"], [error.get("code", ""), error.get("message", "")]])
        return buffer.getvalue().encode()


class SkuExportApi(APIView):
    """All SKUs, or those matching `q`, `category` and `local_returns_enabled`, as CSV in
    the import's columns: importing the file again changes nothing (every row is skipped)."""

    renderer_classes = [renderers.JSONRenderer, CsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Code or title contains"),
            OpenApiParameter("category", str),
            OpenApiParameter("local_returns_enabled", bool),
        ],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8")},
        operation_id="sku_export",
    )
    def get(self, request):
        filterset = SkuFilter(request.query_params, queryset=Sku.objects.order_by("code"))
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return sku_csv_response(filterset.qs, brand=request.tenant)


def sku_csv_response(skus, *, brand, bom: bool = False) -> StreamingHttpResponse:
    """Stream `skus` as a CSV download (also used by the portal's Export link)."""
    lines = sku_selectors.sku_export_lines(skus.iterator(chunk_size=2000), bom=bom)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="skus-{brand.slug}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
