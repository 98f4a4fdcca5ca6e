from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from fulfillment.filters import ConfigChangeFilter
from fulfillment.models import ConfigChange
from fulfillment.selectors import config as config_selectors


class ConfigChangeOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor_label",
        help_text="Who made the change: an e-mail (with the file for a CSV import), an API key, system.",
    )
    changes = serializers.DictField(
        child=serializers.JSONField(),
        help_text=(
            "For `updated` and `reordered`: {field: [old, new]}, only the fields that changed. "
            "Otherwise the values created, added, published, or those deleted, removed: {field: value}. "
            "Prices and dates are strings."
        ),
    )

    class Meta:
        model = ConfigChange
        ref_name = "ConfigChange"
        fields = ["id", "area", "action", "subject", "subject_id", "changes", "actor", "created_at"]


class ActivityListApi(generics.ListAPIView):
    """The brand's configuration activity, newest first: each change to SKUs, stock, regions,
    grading standards (`subject_id` is the standard's id) and trust settings, with who made
    it and what changed. Filter by `area`, `actor` (e-mail) and `since` (ISO date-time,
    inclusive); `ordering=created_at` gives oldest first."""

    serializer_class = ConfigChangeOutputSerializer
    queryset = config_selectors.config_changes()
    filterset_class = ConfigChangeFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    @extend_schema(operation_id="activity_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
