"""Advice API: computations that change nothing. POST /api/v1/advice/split-ship: ship an
order's in-stock lines now in a second parcel, or wait and ship once?"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.permissions import IsBrandReader
from closo import inputs
from fulfillment.advice import SPLIT, WAIT
from fulfillment.selectors import advice as selectors

MAX_LINES = 100


class SplitShipLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="The line's SKU code (echoed back; not looked up).")
    qty = serializers.IntegerField(min_value=1, max_value=32767, default=1)


class SplitShipLineInputSerializer(SplitShipLineSerializer):
    backordered = serializers.BooleanField(help_text="True for a line waiting on stock.")


class SplitShipCostsSerializer(serializers.Serializer):
    split_label_cost = serializers.DecimalField(max_digits=8, decimal_places=2)
    cancel_hazard_per_day = serializers.FloatField()
    gross_margin = serializers.FloatField()
    support_cost = serializers.DecimalField(max_digits=8, decimal_places=2)
    acquisition_cost = serializers.DecimalField(max_digits=8, decimal_places=2)


class SplitShipAdviceApi(APIView):
    """Split now or wait? For an order with some lines in stock and some backordered:
    **split** costs the second parcel's label; **wait** costs the expected loss from a
    cancellation during the wait — P(cancel) = 1 − (1 − hazard)^days, times the margin on
    the whole order plus support and acquisition costs (a customer who gives up on a
    waiting order cancels all of it). The brand's figures are the loop settings
    (`/api/v1/settings/loop`). The wait is `expected_wait_days`, or — send `backorder`
    instead — the days until that backorder's promised ship-by date. Changes nothing:
    read-only keys and viewers may call it, and a retry is harmless."""

    permission_classes = [IsBrandReader]

    class InputSerializer(inputs.Input):
        lines = serializers.ListField(
            child=SplitShipLineInputSerializer(),
            min_length=2,
            max_length=MAX_LINES,
            help_text="The order's lines: at least one in stock and one backordered.",
        )
        zip = serializers.CharField(max_length=10, help_text="The ship-to US ZIP code (ZIP+4 is read as its ZIP).")
        order_value = serializers.DecimalField(
            max_digits=10, decimal_places=2, min_value=0, help_text="The whole order's value ($), all lines."
        )
        expected_wait_days = serializers.IntegerField(
            min_value=0, max_value=365, required=False, help_text="Days until the backordered lines can ship."
        )
        backorder = serializers.IntegerField(
            min_value=1,
            required=False,
            help_text="Instead of expected_wait_days: a backorder of this order, whose promised ship-by "
            "date gives the wait.",
        )

    class OutputSerializer(serializers.Serializer):
        recommendation = serializers.ChoiceField(choices=[SPLIT, WAIT], source="advice.recommendation")
        sentence = serializers.CharField(
            source="advice.sentence",
            help_text="e.g. “Ship now in two parcels: waiting ~25 days risks $17.88 in expected "
            "cancellations against a $14.00 second label.”",
        )
        split_cost = serializers.DecimalField(
            max_digits=10, decimal_places=2, source="advice.split_cost", help_text="The second label ($)."
        )
        wait_cost = serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            source="advice.wait_cost",
            help_text="Expected cancellation cost over the wait ($): cancel_probability × at_risk.",
        )
        cancel_probability = serializers.FloatField(
            source="advice.cancel_probability", help_text="1 − (1 − hazard)^expected_wait_days."
        )
        at_risk = serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            source="advice.at_risk",
            help_text="What a cancellation costs ($): gross_margin × order_value + support + acquisition.",
        )
        expected_wait_days = serializers.IntegerField(source="advice.expected_wait_days")
        wait_source = serializers.ChoiceField(
            choices=[selectors.WAIT_GIVEN, selectors.WAIT_FROM_PROMISE],
            help_text="Where the wait came from: the request, or the backorder's promise.",
        )
        break_even_days = serializers.FloatField(
            source="advice.break_even_days",
            allow_null=True,
            help_text="The wait at which both sides cost the same; waits above it favour splitting. "
            "null: splitting never pays for this order.",
        )
        order_value = serializers.DecimalField(max_digits=10, decimal_places=2)
        zip = serializers.CharField(source="zip_code")
        backorder = serializers.IntegerField(
            source="backorder.pk", allow_null=True, help_text="The backorder whose promise gave the wait, if any."
        )
        ship_now = SplitShipLineSerializer(many=True, help_text="The in-stock lines (the first parcel).")
        ship_later = SplitShipLineSerializer(many=True, help_text="The backordered lines.")
        costs = SplitShipCostsSerializer(source="advice.costs", help_text="The brand's figures used.")

    @extend_schema(operation_id="split_ship_advice", request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = SplitShipAdviceApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        advice = selectors.order_split_advice(
            brand=request.tenant,
            lines=[selectors.OrderLine(**line) for line in values["lines"]],
            zip_code=values["zip"],
            order_value=values["order_value"],
            expected_wait_days=values.get("expected_wait_days"),
            backorder_id=values.get("backorder"),
        )
        return Response(SplitShipAdviceApi.OutputSerializer(advice).data)
