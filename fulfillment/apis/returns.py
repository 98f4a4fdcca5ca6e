"""Returns API: create and list, one return, its events (the chain of custody), and the
moves of the state machine a brand makes itself (route to a local hub or its warehouse,
confirm receipt, cancel, decide the refund). Every change goes through
fulfillment.services.returns."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from closo import inputs
from closo.actors import Actor
from closo.api import ObjectActionApi
from closo.idempotency import IdempotentPostMixin
from fulfillment.filters import ReturnFilterSet
from fulfillment.models import Channel, Event, ReturnItem
from fulfillment.qr import dropoff_qr_svg
from fulfillment.selectors import returns as return_selectors
from fulfillment.services import returns as services
from hubs.models import Hub


def hub_by_id(hub_id: int | None) -> Hub | None:
    """The hub a request names by id (None: none named), or unknown_hub (400)."""
    if hub_id is None:
        return None
    hub = Hub.objects.filter(pk=hub_id).first()
    if hub is None:
        raise services.UnknownHub(
            f"There is no hub {hub_id}.", fields={"hub": ["Unknown hub id: choose an active hub near the customer."]}
        )
    return hub


HUB_FIELD_HELP = (
    "Id of an active hub that serves the customer's ZIP: the return is routed to it and gets "
    "a drop-off code (valid 14 days) at once (route `hub`, implied). Omit it to let Closo route it."
)
ROUTE_FIELD_HELP = (
    "`auto` (default; `hub` when you name a hub): the best active hub serving the customer "
    "(most customers nearby waiting for this SKU, then nearest, then reputation) if one has room "
    "and the SKU is eligible, else your warehouse, with the reason in `route_reason`. `hub`: the "
    "hub named in `hub`. `warehouse`: your warehouse. `manual`: not yet — the return stays "
    "`initiated` until you route it (POST …/route)."
)


class ReturnHubSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReturnSerializer(serializers.ModelSerializer):
    """A return as every endpoint answers it (schema name: Return)."""

    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    hub = ReturnHubSerializer(read_only=True, allow_null=True, help_text="Its hub (hub route only), else null.")
    route_reason = serializers.CharField(help_text="Why it took its route, in words (blank until routed).")
    cost_local = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="What the hub route costs ($), when routed."
    )
    cost_warehouse = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="What the warehouse route costs ($), when routed."
    )
    saving = serializers.DecimalField(
        source="route_saving",
        max_digits=9,
        decimal_places=2,
        allow_null=True,
        help_text="cost_warehouse − cost_local on the hub route, else null.",
    )
    dropoff_qr_svg = serializers.SerializerMethodField(
        help_text="The drop-off code as a QR code (inline SVG), while it has one; else null."
    )

    def get_dropoff_qr_svg(self, item: ReturnItem) -> str | None:
        return dropoff_qr_svg(item.dropoff_code)

    class Meta:
        model = ReturnItem
        fields = [
            "id",
            "rma_ref",
            "sku",
            "customer_name",
            "customer_email",
            "customer_zip",
            "lat",
            "lon",
            "reason",
            "status",
            "route",
            "hub",
            "dropoff_code",
            "dropoff_qr_svg",
            "route_reason",
            "cost_local",
            "cost_warehouse",
            "saving",
            "routed_at",
            "dropped_off_at",
            "disposition",
            "refund_status",
            "refund_ready_at",
            "channel",
            "created_at",
            "updated_at",
        ]


class ReturnListCreateApi(IdempotentPostMixin, generics.ListCreateAPIView):
    """GET: this brand's returns (filter by `status`, `sku`, `route`, `refund_status`,
    `created_after`, `created_before`; order by `created_at`, `updated_at`, `rma_ref`,
    `status`). POST: create a return (`initiated`, or `routed` to `hub` with its drop-off
    code when you name one); send `Idempotency-Key` to retry safely."""

    class InputSerializer(inputs.Input):
        model = ReturnItem
        rma_ref = serializers.CharField(max_length=120, help_text="Your RMA reference; unique per brand.")
        sku = serializers.CharField(max_length=64, help_text="SKU code.")
        customer_zip = serializers.CharField(max_length=10, help_text="US ZIP code (5 digits, or ZIP+4).")
        customer_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
        customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        hub = serializers.IntegerField(required=False, allow_null=True, default=None, help_text=HUB_FIELD_HELP)
        route = serializers.ChoiceField(
            choices=services.CreateRoute.choices,
            required=False,
            allow_blank=True,
            default="",
            help_text=ROUTE_FIELD_HELP,
            error_messages={"invalid_choice": "“{input}” is not a route: choose auto, hub, warehouse or manual."},
        )

    serializer_class = ReturnSerializer
    queryset = return_selectors.returns_all()
    filterset_class = ReturnFilterSet
    ordering_fields = ["created_at", "updated_at", "rma_ref", "status"]
    ordering = ["-created_at", "-pk"]

    @extend_schema(operation_id="return_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="return_create", request=InputSerializer, responses={201: ReturnSerializer}, filters=False
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        hub = hub_by_id(values.pop("hub"))
        item = services.return_create(
            sku_code=values.pop("sku"), **values, hub=hub, channel=Channel.API, actor=Actor.from_request(request)
        )
        location = reverse("api_return_detail", args=[item.pk])
        return Response(ReturnSerializer(item).data, status=status.HTTP_201_CREATED, headers={"Location": location})


class ReturnDetailApi(APIView):
    """One return."""

    @extend_schema(operation_id="return_retrieve", responses=ReturnSerializer)
    def get(self, request, pk: int):
        return Response(ReturnSerializer(return_selectors.return_get(pk=pk)).data)


class ReturnEventListApi(generics.ListAPIView):
    """The return's chain of custody, oldest first: each event's kind, the status it moved
    from and to (blank when the status did not change, e.g. a refund decision), who acted,
    at which hub (custody steps), why, and its data."""

    class OutputSerializer(serializers.ModelSerializer):
        actor = serializers.CharField(source="actor_label", help_text="Who acted: e-mail, API key or system.")
        kind_label = serializers.CharField(
            source="get_kind_display", read_only=True, help_text="The kind, as people read it."
        )
        hub = ReturnHubSerializer(
            read_only=True, allow_null=True, help_text="Where it happened (custody steps at a hub)."
        )

        class Meta:
            model = Event
            fields = [
                "id",
                "kind",
                "kind_label",
                "from_status",
                "to_status",
                "actor",
                "hub",
                "detail",
                "data",
                "created_at",
            ]

    serializer_class = OutputSerializer
    filter_backends = []

    def get_queryset(self):
        return return_selectors.return_events(item=return_selectors.return_get(pk=self.kwargs["pk"]))

    @extend_schema(operation_id="return_events_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReturnActionApi(ObjectActionApi):
    """A move of one return, answered with the return as it is now (200). Subclasses
    list IdempotentPostMixin first and override `post` only to call super() (for the
    schema decorator)."""

    def get_target(self, pk: int) -> ReturnItem:
        return return_selectors.return_get(pk=pk)

    def respond(self, item: ReturnItem) -> dict:
        return ReturnSerializer(item).data  # the services update `item` in place


class ReturnRouteApi(IdempotentPostMixin, ReturnActionApi):
    """Route an `initiated` return: to your `warehouse` (the customer ships it to you), or to
    a local `hub` (send its id in `hub`: an active hub that serves the customer's ZIP), which
    issues the drop-off code (valid 14 days) and puts it on the hub's queue."""

    class InputSerializer(inputs.Input):
        model = ReturnItem
        route = serializers.ChoiceField(
            choices=ReturnItem.Route.choices,
            error_messages={"invalid_choice": "“{input}” is not a route: choose “hub” or “warehouse”."},
        )
        hub = serializers.IntegerField(
            required=False, allow_null=True, default=None, help_text="With route `hub`: the hub's id."
        )

        def validate(self, attrs):
            if attrs["route"] == ReturnItem.Route.HUB and attrs.get("hub") is None:
                raise serializers.ValidationError(
                    {"hub": [serializers.ErrorDetail("Name the hub (its id) to route to a hub.", code="required")]}
                )
            if attrs["route"] == ReturnItem.Route.WAREHOUSE and attrs.get("hub") is not None:
                raise serializers.ValidationError(
                    {"hub": [serializers.ErrorDetail("A return routed to the warehouse has no hub.", code="invalid")]}
                )
            return attrs

    @extend_schema(operation_id="return_route", request=InputSerializer, responses=ReturnSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, item, *, actor, route, hub):
        if route == ReturnItem.Route.HUB:
            services.return_assign_to_hub(item=item, hub=hub_by_id(hub), actor=actor)
        else:
            services.return_route_to_warehouse(item=item, actor=actor)


class ReturnUnrouteApi(IdempotentPostMixin, ReturnActionApi):
    """Withdraw the route of a `routed` return not yet dropped off (it becomes `initiated`
    again; a drop-off code stops working, the hub's task is cancelled), e.g. to overrule the
    automatic decision; then route it with …/route. `reason` is required."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(operation_id="return_unroute", request=InputSerializer, responses=ReturnSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, item, *, actor, reason):
        services.return_unroute(item=item, reason=reason, actor=actor)


class ReturnReceivedApi(IdempotentPostMixin, ReturnActionApi):
    """Confirm the brand's warehouse received a return on the warehouse route: it becomes
    `disposed` with disposition `to_warehouse`."""

    @extend_schema(operation_id="return_received", request=None, responses=ReturnSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, item, *, actor):
        services.return_warehouse_received(item=item, actor=actor)


class ReturnCancelApi(IdempotentPostMixin, ReturnActionApi):
    """Cancel a return that is `initiated` or `routed`; `reason` is required."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(operation_id="return_cancel", request=InputSerializer, responses=ReturnSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, item, *, actor, reason):
        services.return_cancel(item=item, reason=reason, actor=actor)


class ReturnRefundApi(IdempotentPostMixin, ReturnActionApi):
    """Decide the refund once: `refunded` or `denied` (from `pending`)."""

    class InputSerializer(serializers.Serializer):
        refund_status = serializers.ChoiceField(choices=list(services.REFUND_DECISIONS))

    @extend_schema(operation_id="return_refund", request=InputSerializer, responses=ReturnSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, item, *, actor, refund_status):
        services.return_refund_update(item=item, refund_status=refund_status, actor=actor)
