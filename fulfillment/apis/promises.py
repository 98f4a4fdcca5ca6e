"""Promise accuracy API: how often the brand's promised ship-by dates were kept, against
the confidence they were stated with (a calibration table)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.permissions import IsBrandReader
from fulfillment.selectors.promises import Accuracy, promise_accuracy


class PromiseBucketSerializer(serializers.Serializer):
    low = serializers.FloatField(help_text="Stated confidence from (inclusive).")
    high = serializers.FloatField(help_text="Stated confidence up to (exclusive; 1 includes 1).")
    n = serializers.IntegerField(help_text="Settled promises stated in this range.")
    kept = serializers.IntegerField()
    kept_share = serializers.FloatField(allow_null=True, help_text="kept / n; null when n is 0.")
    stated = serializers.FloatField(allow_null=True, help_text="Their mean stated confidence.")


class PromiseAccuracySerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Settled model promises (their backorder fulfilled).")
    kept = serializers.IntegerField(help_text="Of those, fulfilled on or before their ship-by date.")
    kept_share = serializers.FloatField(allow_null=True, help_text="kept / n; null when n is 0.")
    stated_confidence = serializers.FloatField(allow_null=True, help_text="Their mean stated confidence.")
    mean_slack_days = serializers.FloatField(
        allow_null=True, help_text="Mean of ship-by − fulfilled day (negative: late on average)."
    )
    buckets = PromiseBucketSerializer(many=True, help_text="The calibration table: stated → kept, by range.")
    given_n = serializers.IntegerField(help_text="Settled dates the store gave (no stated confidence).")
    given_kept = serializers.IntegerField()


def accuracy_data() -> dict:
    return accuracy_payload(promise_accuracy())


def accuracy_payload(accuracy: Accuracy) -> dict:
    """An Accuracy as PromiseAccuracySerializer reads it (also GET /api/v1/metrics)."""
    return {
        "n": accuracy.n,
        "kept": accuracy.kept,
        "kept_share": _round(accuracy.kept_share),
        "stated_confidence": _round(accuracy.stated),
        "mean_slack_days": None if accuracy.mean_slack_days is None else round(accuracy.mean_slack_days, 2),
        "buckets": [
            {
                "low": b.low,
                "high": min(b.high, 1.0),
                "n": b.n,
                "kept": b.kept,
                "kept_share": _round(b.kept_share),
                "stated": _round(b.stated),
            }
            for b in accuracy.buckets
        ],
        "given_n": accuracy.given_n,
        "given_kept": accuracy.given_kept,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class PromiseAccuracyApi(APIView):
    """Promise accuracy: of the model's ship-by promises whose backorder was fulfilled, the
    share kept (fulfilled on or before the promised day) against the confidence they were
    stated with — overall and by stated-confidence range (a calibration table: a model that
    is honest keeps about as many as it states) — and the mean slack in days. Each
    backorder counts once, with the promise that was current when it was fulfilled. Dates
    the store gave are counted apart. One query; read-only keys and viewers may call it."""

    permission_classes = [IsBrandReader]

    @extend_schema(operation_id="promise_accuracy", responses=PromiseAccuracySerializer)
    def get(self, request):
        return Response(PromiseAccuracySerializer(accuracy_data()).data)
