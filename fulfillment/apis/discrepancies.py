from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from fulfillment.selectors.counts import brand_discrepancies


class DiscrepancyUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    label = serializers.CharField()
    sku = serializers.CharField(source="sku.code")
    status = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True, help_text="Last found by a count; null: never.")
    created_at = serializers.DateTimeField(help_text="When it was shelved.")


class DiscrepancyCountLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    result = serializers.ChoiceField(choices=["found", "missing", "found_again"])


class DiscrepancyCountSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="count.pk")
    created_at = serializers.DateTimeField(source="count.created_at")
    found = serializers.IntegerField()
    missing = serializers.IntegerField()
    found_again = serializers.IntegerField()
    lines = DiscrepancyCountLineSerializer(many=True, help_text="The brand's own units in this count.")


class DiscrepancyHubRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class DiscrepancyHubSerializer(serializers.Serializer):
    hub = DiscrepancyHubRefSerializer()
    on_shelf = serializers.IntegerField(help_text="The brand's units on this hub's shelf (held, available, reserved).")
    missing = DiscrepancyUnitSerializer(many=True)
    unverified = DiscrepancyUnitSerializer(many=True)
    last_count_at = serializers.DateTimeField(
        source="last_count.count.created_at", allow_null=True, help_text="The hub's last count of the brand's units."
    )
    counts = DiscrepancyCountSerializer(many=True, help_text="At most 10, newest first.")


class DiscrepanciesOutputSerializer(serializers.Serializer):
    count_verify_days = serializers.IntegerField(help_text="Days after which a unit no count confirmed is unverified.")
    hubs = DiscrepancyHubSerializer(many=True)


class DiscrepanciesApi(APIView):
    """What the hubs' shelf counts say about the brand's units, per hub holding them:
    `missing` (a count could not find them; out of availability until found again),
    `unverified` (no count confirmed them for the brand's `count_verify_days`), the last
    count and the count history (the brand's own lines only)."""

    @extend_schema(operation_id="discrepancies", responses=DiscrepanciesOutputSerializer)
    def get(self, request):
        data = {
            "count_verify_days": request.tenant.count_verify_days,
            "hubs": brand_discrepancies(brand=request.tenant),
        }
        return Response(DiscrepanciesOutputSerializer(data).data)
