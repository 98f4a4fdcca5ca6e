"""Local loop settings API: read them, change some (PATCH; the others stay). The same
service as the settings page, so the change is checked and recorded the same way."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.models import Brand, RefundReadyAt
from closo import inputs
from closo.actors import Actor
from fulfillment.services import settings as services

MONEY = {"max_digits": 8, "decimal_places": 2, "min_value": 0}


class LoopSettingsSerializer(serializers.ModelSerializer):
    """The brand's local loop settings (schema name: LoopSettings)."""

    cost_warehouse_route = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, help_text="Shipping + receiving + processing ($)."
    )
    cost_local_route = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, help_text="The hub fee ($)."
    )

    logo = serializers.CharField(
        max_length=500, allow_blank=True, help_text="The https:// address of the brand's logo; empty for none."
    )

    class Meta:
        model = Brand
        fields = [*services.LOOP_SETTINGS, "cost_warehouse_route", "cost_local_route"]


class LoopSettingsApi(APIView):
    """GET: the brand's local loop settings. PATCH: change some of them (the others stay):
    route costs apply to returns routed from now on, `refund_ready_at` to returns that
    reach a step from now on; the split-ship figures (`split_label_cost`,
    `cancel_hazard_per_day`, `gross_margin`, `support_cost`, `acquisition_cost`) to advice
    asked from now on (`POST /api/v1/advice/split-ship`); `promise_confidence` to availability
    answers and promises made or re-evaluated from now on; `logo` and `brand_colour` to
    customer e-mails sent and status pages shown from now on. Every change is in the activity
    (area `loop_settings`)."""

    class InputSerializer(inputs.Input):
        model = Brand
        cost_warehouse_shipping = serializers.DecimalField(**MONEY, required=False)
        cost_warehouse_touch = serializers.DecimalField(**MONEY, required=False)
        cost_warehouse_processing = serializers.DecimalField(**MONEY, required=False)
        cost_hub_fee = serializers.DecimalField(**MONEY, required=False)
        refund_ready_at = serializers.ChoiceField(
            choices=RefundReadyAt.choices,
            required=False,
            help_text="When a return's refund becomes ready: at `dropoff`, at `inspection`, or at the `warehouse`.",
        )
        handoff_due_days = serializers.IntegerField(min_value=1, max_value=30, required=False)
        shelf_days = serializers.IntegerField(min_value=1, max_value=90, required=False)
        count_verify_days = serializers.IntegerField(min_value=1, max_value=90, required=False)
        split_label_cost = serializers.DecimalField(**MONEY, required=False)
        cancel_hazard_per_day = serializers.FloatField(
            min_value=0, max_value=0.5, required=False, help_text="Chance per day of waiting that a customer cancels."
        )
        gross_margin = serializers.FloatField(
            min_value=0, max_value=1, required=False, help_text="Share of an order's value that is margin."
        )
        support_cost = serializers.DecimalField(**MONEY, required=False)
        acquisition_cost = serializers.DecimalField(**MONEY, required=False)
        promise_confidence = serializers.FloatField(
            min_value=0.5,
            max_value=0.999,
            required=False,
            help_text="The chance a promised ship-by date is kept: availability and backorder promises name the "
            "first day that reaches it.",
        )
        # A CharField with the model's URL validators, not a URLField: with allow_blank, a
        # URLField's schema is a oneOf that "" matches twice.
        logo = serializers.CharField(
            max_length=500,
            validators=Brand._meta.get_field("logo").validators,
            allow_blank=True,
            required=False,
            help_text="An https:// address of the brand's logo, shown in customer e-mails; empty for none.",
        )
        brand_colour = serializers.RegexField(
            r"^#[0-9A-Fa-f]{6}\Z",
            required=False,
            help_text="The brand's colour as #RRGGBB: customer e-mails and the status page.",
        )

    @extend_schema(operation_id="loop_settings_retrieve", responses=LoopSettingsSerializer)
    def get(self, request):
        return Response(LoopSettingsSerializer(request.tenant).data)

    @extend_schema(operation_id="loop_settings_update", request=InputSerializer, responses=LoopSettingsSerializer)
    def patch(self, request):
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        brand = services.loop_settings_update(
            brand=request.tenant, values=data.validated_data, actor=Actor.from_request(request)
        )
        return Response(LoopSettingsSerializer(brand).data)
