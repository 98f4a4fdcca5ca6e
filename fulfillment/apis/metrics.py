"""Metrics API: the brand's economics and service figures (issue 11), the same the
dashboard draws — an all-time summary, the last N ISO weeks, the waiting queue's ageing
and promise accuracy — from fulfillment.selectors.metrics.brand_metrics."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.permissions import IsBrandReader
from fulfillment.apis.promises import PromiseAccuracySerializer, accuracy_payload
from fulfillment.selectors.metrics import brand_metrics


class MetricsSummarySerializer(serializers.Serializer):
    local_fill_rate = serializers.FloatField(allow_null=True, help_text="Local fills / all fills, all time.")
    median_days_to_fill_local = serializers.FloatField(allow_null=True, help_text="Placed → fulfilled, local fills.")
    median_days_to_fill_restock = serializers.FloatField(allow_null=True)
    promises_kept_share = serializers.FloatField(allow_null=True)
    stated_confidence = serializers.FloatField(allow_null=True)
    mean_slack_days = serializers.FloatField(allow_null=True)
    cost_per_local_return = serializers.FloatField(allow_null=True, help_text="Mean cost of a return routed to a hub.")
    cost_per_warehouse_return = serializers.FloatField(allow_null=True)
    cancellations = serializers.IntegerField()
    revenue_kept = serializers.FloatField(help_text="Expected cancellation losses avoided by local fills ($).")
    savings = serializers.FloatField(help_text="Route costs saved against the warehouse route ($).")
    returns_local = serializers.IntegerField()
    returns_warehouse = serializers.IntegerField()
    backorders_waiting = serializers.IntegerField()


class WeekMetricsSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="Monday of the ISO week.")
    filled_local = serializers.IntegerField()
    filled_restock = serializers.IntegerField()
    local_fill_rate = serializers.FloatField(allow_null=True)
    median_days_to_fill_local = serializers.FloatField(allow_null=True)
    median_days_to_fill_restock = serializers.FloatField(allow_null=True)
    savings = serializers.FloatField(help_text="Route costs saved against the warehouse route ($).")
    revenue_kept = serializers.FloatField(help_text="Expected cancellation losses avoided by local fills ($).")
    returns_local = serializers.IntegerField()
    returns_warehouse = serializers.IntegerField()
    refund_days_hub = serializers.FloatField(allow_null=True, help_text="Median days created → refund ready.")
    refund_days_warehouse = serializers.FloatField(allow_null=True)
    cancellations = serializers.IntegerField()
    cancellation_loss = serializers.FloatField(help_text="Value + support + acquisition cost of the cancellations ($).")


class AgeBucketSerializer(serializers.Serializer):
    label = serializers.CharField(help_text='e.g. "3–7 days".')
    waiting = serializers.IntegerField()


class MetricsSerializer(serializers.Serializer):
    summary = MetricsSummarySerializer()
    weeks = WeekMetricsSerializer(many=True, help_text="Oldest first, ending with the current week.")
    queue_ageing = AgeBucketSerializer(many=True)
    accuracy = PromiseAccuracySerializer()


class MetricsApi(APIView):
    """The brand's figures: the all-time summary (local fill rate, days to fill, promise
    accuracy, cost per return by route, cancellations, revenue kept, savings), the last
    `weeks` ISO weeks (1–52, default 12; Monday first, empty weeks included), the waiting
    queue by age, and the promise calibration table. Computed from the ledger the services
    write as things happen; a constant number of queries. Read-only keys and viewers may
    call it."""

    permission_classes = [IsBrandReader]

    class InputSerializer(serializers.Serializer):
        weeks = serializers.IntegerField(
            min_value=1, max_value=52, default=12, help_text="How many ISO weeks, ending with this one."
        )

    @extend_schema(operation_id="metrics", parameters=[InputSerializer], responses=MetricsSerializer)
    def get(self, request):
        params = MetricsApi.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        metrics = brand_metrics(weeks=params.validated_data["weeks"])
        data = {
            "summary": metrics.summary,
            "weeks": metrics.weeks,
            "queue_ageing": [{"label": label, "waiting": n} for label, n in metrics.queue_ageing],
            "accuracy": accuracy_payload(metrics.accuracy),
        }
        return Response(MetricsSerializer(data).data)
