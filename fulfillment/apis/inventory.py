"""WMS inventory sync: `PUT /api/v1/inventory` (fulfillment.services.inventory says the rules)."""

from django import forms
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from closo import inputs
from closo.actors import Actor
from fulfillment.apis.availability import SKU_MAX_LENGTH
from fulfillment.models import Sku
from fulfillment.services import inventory as services


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time with its UTC offset: a count time without one is ambiguous."""

    default_error_messages = {"naive": "Give the UTC offset, e.g. 2026-11-30T14:05:00Z or 2026-11-30T08:05:00-06:00."}

    def to_internal_value(self, value):
        try:
            parsed = parse_datetime(value.strip()) if isinstance(value, str) else None
        except ValueError:  # well-formed but impossible (a 25th hour, an offset of +99:00)
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                self.fail("naive")
            try:
                inputs.datetime_check(parsed)  # the offset within ±14:00, the instant in range
            except forms.ValidationError as error:
                raise serializers.ValidationError(error.messages) from None
        return super().to_internal_value(value)


class InventoryItemInput(inputs.Input):
    model = Sku

    sku = serializers.CharField(max_length=SKU_MAX_LENGTH, help_text="A SKU code of your catalogue.")
    available_qty = serializers.IntegerField(min_value=0, help_text="What the warehouse holds, absolute.")
    as_of = AwareDateTimeField(required=False, help_text="When this SKU was counted (default: the report's `as_of`).")


class InventoryApi(APIView):
    """Your WMS reports what it holds, many SKUs at once (up to 1,000): absolute quantities,
    each with the time it was counted. A report older than the count a SKU holds changes
    nothing (`stale`), so retries and reports arriving out of order are safe; unknown SKUs
    are reported per item, not refused. When a quantity rises while customers wait for the
    SKU, they are shipped from the warehouse in promise order as far as it goes, and the
    promises of the others are re-evaluated."""

    class InputSerializer(inputs.Input):
        as_of = AwareDateTimeField(required=False, help_text="When the WMS counted (for items without their own).")
        items = serializers.ListField(
            child=InventoryItemInput(),
            min_length=1,
            max_length=services.MAX_ITEMS,
            help_text="1 to 1,000 SKUs, each at most once.",
        )

        def validate(self, data):
            missing = [i for i, item in enumerate(data["items"]) if "as_of" not in item and "as_of" not in data]
            if missing:
                raise serializers.ValidationError(
                    {"as_of": [f"Give `as_of` for the report, or for items {', '.join(map(str, missing[:10]))}."]}
                )
            seen: dict[str, int] = {}
            for i, item in enumerate(data["items"]):
                if item["sku"] in seen:
                    raise serializers.ValidationError(
                        {"items": [f"SKU {item['sku']} is in the report twice (items {seen[item['sku']]} and {i})."]}
                    )
                seen[item["sku"]] = i
            return data

    class OutputSerializer(serializers.Serializer):
        class Item(serializers.Serializer):
            sku = serializers.CharField()
            outcome = serializers.ChoiceField(
                choices=[
                    services.Outcome.APPLIED,
                    services.Outcome.UNCHANGED,
                    services.Outcome.STALE,
                    services.Outcome.UNKNOWN_SKU,
                ],
                help_text="applied: the quantity changed; unchanged: the same quantity; stale: a newer count "
                "is held; unknown_sku: no such SKU.",
            )
            available_qty = serializers.IntegerField(allow_null=True, help_text="What the SKU holds now.")
            stock_as_of = serializers.DateTimeField(allow_null=True, help_text="The count time it holds.")
            previous_qty = serializers.IntegerField(allow_null=True)

        items = Item(many=True, help_text="One per item, in order.")
        counts = serializers.DictField(child=serializers.IntegerField(), help_text="Items per outcome.")

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="inventory_sync")
    def put(self, request):
        data = InventoryApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        default = data.validated_data.get("as_of")
        items = [
            services.InventoryItem(
                sku=item["sku"], available_qty=item["available_qty"], as_of=item.get("as_of", default)
            )
            for item in data.validated_data["items"]
        ]
        results = services.inventory_sync(items=items, actor=Actor.from_request(request))
        counts: dict[str, int] = {}
        for result in results:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        return Response(InventoryApi.OutputSerializer({"items": results, "counts": counts}).data)
