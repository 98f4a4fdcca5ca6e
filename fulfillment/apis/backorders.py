"""Backorders API: list (filters, ordering), create, read with its timeline, cancel, and
CSV import."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from closo import inputs
from closo.actors import Actor
from closo.idempotency import IdempotentPostMixin
from closo.openapi import described_by
from fulfillment import filters
from fulfillment.apis.imports import ImportJobDetailApi, import_job_accepted
from fulfillment.models import Allocation, Backorder, Channel, Event, ImportJob
from fulfillment.selectors import backorders as backorder_selectors
from fulfillment.services import backorders as services
from fulfillment.services import handoffs as handoff_services


class BackorderRegionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BackorderEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")
    kind_label = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="The kind, as people read it."
    )

    class Meta:
        model = Event
        fields = ["kind", "kind_label", "from_status", "to_status", "actor", "detail", "data", "created_at"]


class BackorderOutputSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    sku_title = serializers.CharField(source="sku.title")
    region = BackorderRegionSerializer(allow_null=True)

    class Meta:
        model = Backorder
        fields = [
            "id",
            "order_ref",
            "status",
            "sku",
            "sku_title",
            "qty",
            "value",
            "customer_name",
            "customer_email",
            "customer_zip",
            "lat",
            "lon",
            "placed_at",
            "promised_ship_by",
            "priority",
            "consent_local_return",
            "region",
            "channel",
            "fill_source",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]


class BackorderListApi(generics.ListAPIView):
    """Backorders, newest first. Filters: `status` (repeat for several), `sku` (code),
    `zip_prefix`, `placed_after` / `placed_before` (ISO date or time), `min_age_days` /
    `max_age_days` (whole days since placed). Ordering: `placed_at`, `value`,
    `promised_ship_by`, `priority` (prefix `-` for descending)."""

    class OutputSerializer(BackorderOutputSerializer):
        pass

    serializer_class = OutputSerializer
    filterset_class = filters.BackorderFilter
    ordering_fields = list(backorder_selectors.BACKORDER_ORDERINGS)
    ordering = ["-placed_at", "-pk"]

    def get_queryset(self):
        return backorder_selectors.backorders_list()

    def filter_queryset(self, queryset):
        # Ties (same value, same priority…) are broken by id, so pages never overlap.
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")


class BackorderCreateApi(IdempotentPostMixin, generics.CreateAPIView):
    """Take a backorder, if the brand's region limits allow it at the customer's ZIP.
    Send `Idempotency-Key` to retry safely."""

    class InputSerializer(inputs.Input):
        model = Backorder
        order_ref = serializers.CharField(max_length=120, help_text="e.g. the Shopify order id and line.")
        sku = serializers.CharField(max_length=64, help_text="The SKU's code.")
        customer_zip = serializers.CharField(max_length=10)
        value = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
        qty = serializers.IntegerField(min_value=1, max_value=services.SMALLINT_MAX, default=1)
        customer_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
        customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
        placed_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now.")
        promised_ship_by = serializers.DateField(required=False, allow_null=True)
        priority = serializers.IntegerField(
            min_value=-services.SMALLINT_MAX, max_value=services.SMALLINT_MAX, default=0
        )
        consent_local_return = serializers.BooleanField(
            default=False, help_text="The customer agreed to receive a Like-New returned unit."
        )

    class OutputSerializer(BackorderOutputSerializer):
        pass

    @extend_schema(operation_id="backorder_create", request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, *args, **kwargs):
        # CreateAPIView.post → create, run through IdempotentPostMixin when a key is sent.
        return super().post(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = BackorderCreateApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        backorder = services.backorder_create(
            sku_code=values.pop("sku"), **values, channel=Channel.API, actor=Actor.from_request(request)
        )
        return Response(
            BackorderCreateApi.OutputSerializer(backorder).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_backorder_detail", args=[backorder.pk])},
        )


class BackorderAllocationSerializer(serializers.Serializer):
    """The unit promised to this backorder, where and how it is handed over."""

    class HubSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()

    unit_label = serializers.CharField(source="unit.label", help_text="The unit's shelf label at the hub.")
    hub = HubSerializer()
    method = serializers.ChoiceField(choices=Allocation.Method.choices)
    pickup_code = serializers.CharField(help_text="What the customer shows at the hub to pick it up.")
    due_at = serializers.DateTimeField(help_text="Not handed off by then: the allocation expires.")
    tracking = serializers.CharField(help_text="Courier or carrier tracking number (courier / ship).")
    status = serializers.ChoiceField(choices=Allocation.Status.choices)
    distance_miles = serializers.FloatField(help_text="From the hub to the customer's ZIP.")
    handed_off_at = serializers.DateTimeField(allow_null=True)


class BackorderDetailApi(APIView):
    """One backorder with its timeline (events, oldest first) and its `allocation`: the
    unit promised to it (active) or handed over (handed off), else null."""

    class OutputSerializer(BackorderOutputSerializer):
        events = BackorderEventSerializer(many=True)
        allocation = BackorderAllocationSerializer(
            source="current_allocation", allow_null=True, help_text="The active or handed-off allocation, if any."
        )

        class Meta(BackorderOutputSerializer.Meta):
            fields = [*BackorderOutputSerializer.Meta.fields, "allocation", "events"]

    @extend_schema(responses=OutputSerializer, operation_id="backorder_retrieve")
    def get(self, request, pk: int):
        backorder = get_object_or_404(backorder_selectors.backorder_detail(), pk=pk)
        return Response(BackorderDetailApi.OutputSerializer(backorder).data)


class BackorderFulfilledApi(IdempotentPostMixin, APIView):
    """The customer received the unit a courier took or the hub shipped: `handed_off` →
    `fulfilled` (a pickup is fulfilled at the hub already). `invalid_transition` (409) for
    a backorder that is not handed off; a retry with the same Idempotency-Key replays the
    first 200."""

    @extend_schema(request=None, responses=BackorderDetailApi.OutputSerializer, operation_id="backorder_fulfilled")
    def post(self, request, pk: int):
        backorder = get_object_or_404(Backorder, pk=pk)
        handoff_services.backorder_fulfill(backorder=backorder, actor=Actor.from_request(request))
        backorder = backorder_selectors.backorder_detail().get(pk=pk)
        return Response(BackorderDetailApi.OutputSerializer(backorder).data)


class BackorderCancelApi(IdempotentPostMixin, APIView):
    """Cancel a waiting or allocated backorder, with a reason (it goes on the timeline).
    A retry with the same Idempotency-Key replays the first 200 instead of a 409."""

    class InputSerializer(serializers.Serializer):
        # Blank or missing is the service's call (reason_required), as on the page.
        reason = serializers.CharField(
            max_length=300, required=False, allow_blank=True, default="", help_text="Why, e.g. “refund requested”."
        )

    @extend_schema(
        request=InputSerializer, responses=BackorderDetailApi.OutputSerializer, operation_id="backorder_cancel"
    )
    def post(self, request, pk: int):
        backorder = get_object_or_404(Backorder, pk=pk)
        data = BackorderCancelApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.backorder_cancel(
            backorder=backorder, reason=data.validated_data["reason"], actor=Actor.from_request(request)
        )
        backorder = backorder_selectors.backorder_detail().get(pk=pk)
        return Response(BackorderDetailApi.OutputSerializer(backorder).data)


class BackorderImportApi(IdempotentPostMixin, APIView):
    """Upload a CSV of backorders (multipart field `file`). Answers 202 with the import
    job; poll `Location` (GET /api/v1/imports/{id}) until `status` is `done`. Rows whose
    order_ref exists already are skipped, so re-sending a file is safe; with an
    Idempotency-Key a re-send answers with the first job instead of queueing another."""

    parser_classes = [inputs.MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text="UTF-8 CSV; columns order_ref, sku, customer_zip, value (required), qty, customer_name, "
            "customer_email, placed_at, promised_ship_by, priority, consent_local_return."
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={202: ImportJobDetailApi.OutputSerializer},
        operation_id="backorder_import",
    )
    def post(self, request):
        data = BackorderImportApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return import_job_accepted(request, kind=ImportJob.Kind.BACKORDERS, upload=data.validated_data["file"])


# --- one URL, several operations: each class above stays the unit of behaviour and schema ---


@described_by(get=BackorderListApi, post=BackorderCreateApi)
class BackorderCollectionApi(BackorderCreateApi, BackorderListApi):
    """GET lists (BackorderListApi), POST creates (BackorderCreateApi)."""
