"""Brand API for trust: inspections (with answers, photos, computed and final grade),
audits and their decision, stock units and the approval of held ones. Every change goes
through `inspections.trust`."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from closo.actors import Actor
from closo.idempotency import IdempotentPostMixin
from fulfillment.models import StockUnit
from fulfillment.selectors import units as unit_selectors
from fulfillment.services import units as unit_services
from inspections.filters import AuditFilterSet, InspectionFilterSet, UnitFilterSet
from inspections.models import Audit, Inspection, InspectionPhoto
from inspections.selectors import review as review_selectors
from inspections.services import trust


class TrustHubSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    reputation = serializers.SerializerMethodField(help_text="0–1, from brand audits (Beta(9, 1) prior).")

    def get_reputation(self, hub) -> float:
        return round(hub.reputation, 4)


class InspectedReturnSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rma_ref = serializers.CharField()


class AuditSummarySerializer(serializers.ModelSerializer):
    auditor = serializers.SlugRelatedField(
        slug_field="email", read_only=True, allow_null=True, help_text="null: not decided yet, or decided by a key."
    )

    class Meta:
        model = Audit
        fields = ["id", "verdict", "reason", "auditor", "sampled_at", "decided_at"]


class UnitSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = StockUnit
        fields = ["id", "label", "status"]


class InspectionOutputSerializer(serializers.ModelSerializer):
    """An inspection as lists show it."""

    return_item = InspectedReturnSerializer(read_only=True, help_text="The inspected return.")
    sku = serializers.CharField(source="return_item.sku.code", help_text="SKU code.")
    hub = TrustHubSerializer(read_only=True)
    inspector = serializers.SlugRelatedField(slug_field="email", read_only=True)
    standard = serializers.IntegerField(source="version.standard_id", help_text="Grading standard id.")
    version = serializers.IntegerField(source="version.number", help_text="The version number it pinned.")
    duration_seconds = serializers.FloatField(read_only=True)
    audit = serializers.SerializerMethodField(help_text="The audit, if the inspection was sampled; else null.")
    unit = serializers.SerializerMethodField(help_text="The stock unit it released (Like New), else null.")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "return_item",
            "sku",
            "hub",
            "inspector",
            "standard",
            "version",
            "started_at",
            "submitted_at",
            "duration_seconds",
            "computed_grade",
            "final_grade",
            "lower_reason",
            "disposition",
            "audit",
            "unit",
        ]

    @extend_schema_field(AuditSummarySerializer(allow_null=True))
    def get_audit(self, inspection):
        audit = getattr(inspection, "audit", None)
        return AuditSummarySerializer(audit).data if audit else None

    @extend_schema_field(UnitSummarySerializer(allow_null=True))
    def get_unit(self, inspection):
        unit = getattr(inspection.return_item, "unit", None)
        return UnitSummarySerializer(unit).data if unit else None


class InspectionAnswerSerializer(serializers.Serializer):
    key = serializers.CharField()
    prompt = serializers.CharField()
    required = serializers.BooleanField()
    fail_cap = serializers.CharField(help_text="The best grade possible if this check fails.")
    answer = serializers.ChoiceField(choices=["pass", "fail", "skipped"])


class InspectionPhotoSerializer(serializers.Serializer):
    """One photo slot of the pinned version and the photo taken for it (`id` null: none).
    The URLs are this host's authorizing photo view; fetch them with the same credentials."""

    slot = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    id = serializers.IntegerField(source="photo.pk", allow_null=True, default=None)
    status = serializers.CharField(source="photo.status", allow_null=True, default=None)
    width = serializers.IntegerField(source="photo.width", allow_null=True, default=None)
    height = serializers.IntegerField(source="photo.height", allow_null=True, default=None)
    sha256 = serializers.CharField(source="photo.sha256", allow_null=True, default=None)
    urls = serializers.SerializerMethodField(help_text="thumbnail, display, original (null until processed).")

    @extend_schema_field(serializers.DictField(child=serializers.URLField(), allow_null=True))
    def get_urls(self, entry):
        if not entry.ready:
            return None
        request = self.context["request"]
        return {
            name: request.build_absolute_uri(review_selectors.photo_path(entry.photo.pk, name))
            for name in InspectionPhoto.RENDITIONS
        }


class InspectionDetailOutputSerializer(InspectionOutputSerializer):
    """One inspection with its answers, photos and the engine's reasons."""

    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why the engine computed this grade.")
    answers = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta(InspectionOutputSerializer.Meta):
        fields = [*InspectionOutputSerializer.Meta.fields, "reasons", "answers", "photos"]

    @extend_schema_field(InspectionAnswerSerializer(many=True))
    def get_answers(self, inspection):
        return InspectionAnswerSerializer(review_selectors.inspection_answers(inspection), many=True).data

    @extend_schema_field(InspectionPhotoSerializer(many=True))
    def get_photos(self, inspection):
        return InspectionPhotoSerializer(
            review_selectors.inspection_gallery(inspection), many=True, context=self.context
        ).data


class InspectionListApi(generics.ListAPIView):
    """This brand's inspections, newest first. Filter by `hub` (id), `grade` (final),
    `audited` (pending | yes | no), `verdict`, `sku`, `submitted_after`,
    `submitted_before`; order by `submitted_at` or `duration`."""

    serializer_class = InspectionOutputSerializer
    queryset = review_selectors.inspections_all()
    filterset_class = InspectionFilterSet
    ordering_fields = ["submitted_at", "duration"]
    ordering = ["-submitted_at", "-pk"]

    @extend_schema(operation_id="inspection_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InspectionDetailApi(APIView):
    """One inspection: the photos of each slot, the answer to each checklist item, the
    computed and final grade (and why the inspector lowered it), its audit and unit."""

    @extend_schema(operation_id="inspection_retrieve", responses=InspectionDetailOutputSerializer)
    def get(self, request, pk: int):
        inspection = review_selectors.inspection_get(pk=pk)
        return Response(InspectionDetailOutputSerializer(inspection, context={"request": request}).data)


class AuditOutputSerializer(AuditSummarySerializer):
    """An audit with the inspection it is about."""

    inspection = serializers.IntegerField(source="inspection_id")
    return_item = InspectedReturnSerializer(source="inspection.return_item", read_only=True)
    sku = serializers.CharField(source="inspection.return_item.sku.code")
    hub = TrustHubSerializer(source="inspection.hub", read_only=True)
    final_grade = serializers.CharField(source="inspection.final_grade")

    class Meta(AuditSummarySerializer.Meta):
        fields = [
            "id",
            "inspection",
            "return_item",
            "sku",
            "hub",
            "final_grade",
            *AuditSummarySerializer.Meta.fields[1:],
        ]


class AuditListApi(generics.ListAPIView):
    """The audits of sampled inspections, oldest sample first. `status=pending` is the
    queue; filter also by `verdict` and `hub` (id)."""

    serializer_class = AuditOutputSerializer
    queryset = review_selectors.audits_all()
    filterset_class = AuditFilterSet
    ordering_fields = ["sampled_at", "decided_at"]
    ordering = ["sampled_at", "pk"]

    @extend_schema(operation_id="audit_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AuditDecisionApi(IdempotentPostMixin, APIView):
    """Decide a pending audit: `agree`, or `disagree` with a `reason`. It counts in the
    hub's reputation. Decided once: a second decision is a 409 `audit_decided`."""

    class InputSerializer(serializers.Serializer):
        verdict = serializers.ChoiceField(choices=Audit.Verdict.choices)
        reason = serializers.CharField(
            max_length=trust.REASON_MAX, required=False, allow_blank=True, default="", help_text="Required to disagree."
        )

    @extend_schema(operation_id="audit_decide", request=InputSerializer, responses=AuditOutputSerializer)
    def post(self, request, pk: int):
        audit = review_selectors.audit_get(pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trust.audit_decide(audit=audit, actor=Actor.from_request(request), **data.validated_data)
        return Response(AuditOutputSerializer(review_selectors.audit_get(pk=pk)).data)


class UnitOutputSerializer(serializers.ModelSerializer):
    """A stock unit on a hub's shelf."""

    sku = serializers.CharField(source="sku.code", help_text="SKU code.")
    hub = TrustHubSerializer(read_only=True)
    return_item = InspectedReturnSerializer(read_only=True)

    class Meta:
        model = StockUnit
        fields = [
            "id",
            "label",
            "sku",
            "hub",
            "status",
            "condition",
            "inspection_id",
            "return_item",
            "hold_until",
            "created_at",
            "updated_at",
        ]


class UnitListApi(generics.ListAPIView):
    """This brand's stock units at hubs, newest first. `status=held` lists the units
    waiting for your approval; filter also by `hub` (id) and `sku` (code)."""

    serializer_class = UnitOutputSerializer
    queryset = unit_selectors.units_all()
    filterset_class = UnitFilterSet
    ordering_fields = ["created_at", "updated_at", "label"]
    ordering = ["-created_at", "-pk"]

    @extend_schema(operation_id="unit_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UnitApproveApi(IdempotentPostMixin, APIView):
    """Approve a held unit: it becomes `available` local stock (409 `invalid_transition` if it
    is not held)."""

    @extend_schema(operation_id="unit_approve", request=None, responses=UnitOutputSerializer)
    def post(self, request, pk: int):
        unit = unit_services.unit_approve(unit=unit_selectors.unit_get(pk=pk), actor=Actor.from_request(request))
        return Response(UnitOutputSerializer(unit).data)


class UnitRejectApi(IdempotentPostMixin, APIView):
    """Reject a held unit, with a `reason`: it goes `to_warehouse` (409 `invalid_transition`
    if it is not held)."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(operation_id="unit_reject", request=InputSerializer, responses=UnitOutputSerializer)
    def post(self, request, pk: int):
        unit = unit_selectors.unit_get(pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = unit_services.unit_reject(unit=unit, actor=Actor.from_request(request), **data.validated_data)
        return Response(UnitOutputSerializer(unit).data)
