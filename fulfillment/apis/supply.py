from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from closo import inputs
from closo.actors import Actor
from closo.api import ObjectActionApi
from closo.idempotency import IdempotentPostMixin
from fulfillment.filters import SupplyFilter
from fulfillment.forms.supply import MAX_QTY
from fulfillment.models import Event, InboundSupply
from fulfillment.selectors import supply as supply_selectors
from fulfillment.services import supply as services


class SupplyOutputSerializer(serializers.ModelSerializer):
    sku = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="SKU code")
    sku_title = serializers.CharField(source="sku.title", read_only=True)

    class Meta:
        model = InboundSupply
        ref_name = "Supply"
        fields = [
            "id",
            "po_ref",
            "sku",
            "sku_title",
            "qty",
            "expected_date",
            "status",
            "received_at",
            "created_at",
            "updated_at",
        ]


class SupplyEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")
    kind_label = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="The kind, as people read it."
    )

    class Meta:
        model = Event
        ref_name = "SupplyEvent"
        fields = ["kind", "kind_label", "from_status", "to_status", "actor", "detail", "data", "created_at"]


class SupplyDetailOutputSerializer(SupplyOutputSerializer):
    events = SupplyEventSerializer(many=True, read_only=True)

    class Meta(SupplyOutputSerializer.Meta):
        ref_name = "SupplyDetail"
        fields = [*SupplyOutputSerializer.Meta.fields, "events"]


class SupplyCreateInput(inputs.Input):
    model = InboundSupply
    po_ref = serializers.CharField(max_length=120, help_text="Your purchase order reference; unique.")
    sku = serializers.CharField(max_length=64, help_text="SKU code")
    qty = serializers.IntegerField(min_value=1, max_value=MAX_QTY)
    expected_date = serializers.DateField(help_text="Today or later.")

    class Meta:
        ref_name = "SupplyCreateInput"


@extend_schema_view(
    get=extend_schema(operation_id="supply_list"),
    post=extend_schema(
        request=SupplyCreateInput, responses={201: SupplyOutputSerializer}, operation_id="supply_create"
    ),
)
class SupplyListApi(IdempotentPostMixin, generics.ListCreateAPIView):
    """Restock purchase orders. Filter by `sku` (code), `status`, `expected_after` and
    `expected_before` (dates, inclusive); order by `expected_date`, `created_at`, `qty` or
    `po_ref`. POST records one: 400 `unknown_sku` or `date_in_past`, 409 `supply_exists`."""

    serializer_class = SupplyOutputSerializer
    queryset = InboundSupply.objects.select_related("sku")
    filterset_class = SupplyFilter
    ordering_fields = ["expected_date", "created_at", "qty", "po_ref"]
    ordering = ["expected_date", "pk"]

    def create(self, request, *args, **kwargs):
        # Reached through IdempotentPostMixin.post → ListCreateAPIView.post.
        serializer = SupplyCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        supply = services.supply_create(
            sku_code=data["sku"],
            qty=data["qty"],
            expected_date=data["expected_date"],
            po_ref=data["po_ref"],
            actor=Actor.from_request(request),
        )
        return Response(
            SupplyOutputSerializer(supply).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_supply_detail", args=[supply.pk])},
        )


class SupplyDetailApi(APIView):
    """One purchase order with its timeline (`events`, oldest first)."""

    @extend_schema(responses=SupplyDetailOutputSerializer, operation_id="supply_retrieve")
    def get(self, request, pk: int):
        supply = get_object_or_404(supply_selectors.supply_with_events(), pk=pk)
        return Response(SupplyDetailOutputSerializer(supply).data)


class SupplyActionApi(ObjectActionApi):
    """A state change on one purchase order, answered with the order and its timeline.
    Subclasses put IdempotentPostMixin first, so a retried request with the same
    `Idempotency-Key` gets the first answer instead of a 409."""

    def get_target(self, pk: int) -> InboundSupply:
        return get_object_or_404(InboundSupply, pk=pk)

    def respond(self, supply: InboundSupply) -> dict:
        return SupplyDetailOutputSerializer(get_object_or_404(supply_selectors.supply_with_events(), pk=supply.pk)).data


@extend_schema_view(
    post=extend_schema(request=None, responses=SupplyDetailOutputSerializer, operation_id="supply_receive")
)
class SupplyReceiveApi(IdempotentPostMixin, SupplyActionApi):
    """The restock arrived: its units are added to the SKU's `available_qty`. Only an
    expected order can be received (409 `invalid_transition`, also on a repeat without
    the same Idempotency-Key)."""

    def act(self, supply, *, actor):
        services.supply_receive(supply=supply, actor=actor)


class SupplyCancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300)

    class Meta:
        ref_name = "SupplyCancelInput"


@extend_schema_view(
    post=extend_schema(request=SupplyCancelInput, responses=SupplyDetailOutputSerializer, operation_id="supply_cancel")
)
class SupplyCancelApi(IdempotentPostMixin, SupplyActionApi):
    """The restock will not come. Only an expected order can be cancelled (409
    `invalid_transition`); the reason goes on its timeline."""

    InputSerializer = SupplyCancelInput

    def act(self, supply, *, actor, reason):
        services.supply_cancel(supply=supply, reason=reason, actor=actor)
