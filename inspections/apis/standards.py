"""Brand API for grading standards: standards and their versions, draft editing,
publishing, and which standard applies to a SKU. Every write goes through
`inspections.services`; a write to a published version is a 409 `version_published`."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from closo import inputs
from closo.actors import Actor
from closo.idempotency import IdempotentPostMixin
from fulfillment.models import Sku
from inspections.models import ChecklistItem, Disposition, GradingStandard, PhotoRequirement, StandardVersion
from inspections.selectors import standards as selectors
from inspections.services import standards as services


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["key", "prompt", "help_text", "required", "fail_cap", "position"]


class PhotoSlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = PhotoRequirement
        fields = ["slot", "label", "required", "min_long_edge_px", "position"]


class DispositionsSerializer(serializers.Serializer):
    """Grade → disposition for all four grades: each one of local_stock, warehouse,
    liquidation, recycle."""

    like_new = serializers.CharField(help_text="Default local_stock.")
    good = serializers.CharField(help_text="Default warehouse.")
    fair = serializers.CharField(help_text="Default liquidation.")
    unsellable = serializers.CharField(help_text="Default recycle.")


class VersionSerializer(serializers.ModelSerializer):
    standard = serializers.PrimaryKeyRelatedField(read_only=True)
    status = serializers.ChoiceField(choices=StandardVersion.Status.choices, read_only=True)
    dispositions = serializers.DictField(
        child=serializers.ChoiceField(choices=Disposition.choices), read_only=True, help_text="Grade → disposition."
    )
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    published_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    photos = PhotoSlotSerializer(many=True, read_only=True)

    class Meta:
        model = StandardVersion
        fields = [
            "id",
            "standard",
            "number",
            "status",
            "notes",
            "dispositions",
            "created_at",
            "created_by",
            "published_at",
            "published_by",
            "checklist",
            "photos",
        ]


class StandardSerializer(serializers.ModelSerializer):
    sku = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    current_version = serializers.IntegerField(
        source="current_number", read_only=True, allow_null=True, help_text="Latest published version number."
    )
    current_published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    draft_version = serializers.IntegerField(
        source="draft_number", read_only=True, allow_null=True, help_text="Number of the draft, if any."
    )

    class Meta:
        model = GradingStandard
        fields = [
            "id",
            "name",
            "scope",
            "category",
            "sku",
            "current_version",
            "current_published_at",
            "draft_version",
            "created_at",
        ]


def _version(pk: int, number: int) -> StandardVersion:
    return selectors.version_get(standard_id=pk, number=number)


def _version_url(version: StandardVersion) -> str:
    return reverse("api_standard_version", args=[version.standard_id, version.number])


class CreateApi(APIView):
    """Base of POST endpoints wrapped by IdempotentPostMixin (listed first in the bases).
    A subclass's `post` only carries the schema and calls super(): the mixin's `post`
    runs, then this one calls the subclass's `create`, where the work is done."""

    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)


@extend_schema_view(get=extend_schema(operation_id="standard_list"))
class StandardListApi(IdempotentPostMixin, generics.ListCreateAPIView):
    """Grading standards: the brand default and the overrides per category and SKU, each
    with its latest published version and draft. Filter by `scope` or `category`. POST
    creates one with an empty draft v1 (409 `standard_exists` if that target has one)."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        scope = serializers.ChoiceField(choices=GradingStandard.Scope.choices)
        category = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
        sku = serializers.SlugRelatedField(
            slug_field="code", queryset=Sku.objects.all(), required=False, allow_null=True, default=None
        )

    serializer_class = StandardSerializer
    queryset = selectors.standards_with_versions()
    filterset_fields = ["scope", "category"]
    ordering_fields = ["name", "scope", "category", "created_at"]
    ordering = ["scope", "category", "name"]

    @extend_schema(request=InputSerializer, responses={201: StandardSerializer}, operation_id="standard_create")
    def post(self, request, *args, **kwargs):
        # IdempotentPostMixin.post → ListCreateAPIView.post → create.
        return super().post(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        standard = services.standard_create(**serializer.validated_data, actor=Actor.from_request(request))
        standard = selectors.standards_with_versions().get(pk=standard.pk)
        return Response(
            StandardSerializer(standard).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_standard_detail", args=[standard.pk])},
        )


class VersionSummarySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=StandardVersion.Status.choices, read_only=True)
    published_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    item_count = serializers.IntegerField(read_only=True)
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = StandardVersion
        fields = [
            "number",
            "status",
            "notes",
            "created_at",
            "published_at",
            "published_by",
            "item_count",
            "photo_count",
        ]


class StandardDetailApi(APIView):
    """One standard with all its versions, newest first."""

    class OutputSerializer(StandardSerializer):
        versions = serializers.SerializerMethodField()

        class Meta(StandardSerializer.Meta):
            fields = [*StandardSerializer.Meta.fields, "versions"]

        @extend_schema_field(VersionSummarySerializer(many=True))
        def get_versions(self, standard):
            return VersionSummarySerializer(selectors.versions_of(standard), many=True).data

    @extend_schema(responses=OutputSerializer, operation_id="standard_retrieve")
    def get(self, request, pk: int):
        standard = get_object_or_404(selectors.standards_with_versions(), pk=pk)
        return Response(self.OutputSerializer(standard).data)


class VersionCreateApi(IdempotentPostMixin, CreateApi):
    """Start a new draft: a copy of the latest published version, numbered after the
    highest version. One draft at a time (409 `draft_exists`)."""

    @extend_schema(request=None, responses={201: VersionSerializer}, operation_id="version_create")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int):
        standard = get_object_or_404(GradingStandard, pk=pk)
        version = services.version_draft_create(standard=standard, actor=Actor.from_request(request))
        version = _version(pk, version.number)
        return Response(
            VersionSerializer(version).data, status=status.HTTP_201_CREATED, headers={"Location": _version_url(version)}
        )


class VersionDetailApi(APIView):
    """One version with its checklist, photo slots and dispositions. DELETE discards a
    draft (a published version is never deleted: 409 `version_published`)."""

    @extend_schema(responses=VersionSerializer, operation_id="version_retrieve")
    def get(self, request, pk: int, number: int):
        return Response(VersionSerializer(_version(pk, number)).data)

    @extend_schema(responses={204: None}, operation_id="version_discard")
    def delete(self, request, pk: int, number: int):
        services.version_draft_discard(version=_version(pk, number), actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChecklistCreateApi(IdempotentPostMixin, CreateApi):
    """Append a checklist item to a draft. `fail_cap` is the best grade possible when the
    check fails (`like_new`, `good`, `fair`, `unsellable`; else 400 `unknown_grade`).
    Keys are unique in a version (409 `duplicate_key`)."""

    class InputSerializer(serializers.Serializer):
        key = serializers.CharField(max_length=40, help_text="Lowercase letters, digits, - and _.")
        prompt = serializers.CharField(max_length=200)
        help_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        required = serializers.BooleanField(required=False, default=True)
        fail_cap = serializers.CharField(help_text="like_new, good, fair or unsellable.")

    @extend_schema(request=InputSerializer, responses={201: ChecklistItemSerializer}, operation_id="checklist_item_add")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int, number: int):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.checklist_item_add(
            version=version, **serializer.validated_data, actor=Actor.from_request(request)
        )
        return Response(
            ChecklistItemSerializer(item).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_checklist_item", args=[pk, number, item.key])},
        )


class ChecklistItemApi(APIView):
    """One checklist item of a version. PATCH changes any of key, prompt, help_text,
    required, fail_cap; DELETE removes it (drafts only)."""

    class InputSerializer(serializers.Serializer):
        key = serializers.CharField(max_length=40, required=False)
        prompt = serializers.CharField(max_length=200, required=False)
        help_text = serializers.CharField(max_length=300, required=False, allow_blank=True)
        required = serializers.BooleanField(required=False)
        fail_cap = serializers.CharField(required=False)

    @extend_schema(responses=ChecklistItemSerializer, operation_id="checklist_item_retrieve")
    def get(self, request, pk: int, number: int, key: str):
        item = get_object_or_404(ChecklistItem, version=_version(pk, number), key=key)
        return Response(ChecklistItemSerializer(item).data)

    @extend_schema(request=InputSerializer, responses=ChecklistItemSerializer, operation_id="checklist_item_update")
    def patch(self, request, pk: int, number: int, key: str):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = services.checklist_item_update(
            version=version, key=key, changes=serializer.validated_data, actor=Actor.from_request(request)
        )
        return Response(ChecklistItemSerializer(item).data)

    @extend_schema(responses={204: None}, operation_id="checklist_item_delete")
    def delete(self, request, pk: int, number: int, key: str):
        services.checklist_item_delete(version=_version(pk, number), key=key, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoCreateApi(IdempotentPostMixin, CreateApi):
    """Append a photo slot to a draft (slots are unique in a version: 409 `duplicate_key`)."""

    class InputSerializer(inputs.Input):
        model = PhotoRequirement
        slot = serializers.CharField(max_length=40, help_text="Lowercase letters, digits, - and _.")
        label = serializers.CharField(max_length=80)
        required = serializers.BooleanField(required=False, default=True)
        min_long_edge_px = serializers.IntegerField(required=False, default=1200)

    @extend_schema(request=InputSerializer, responses={201: PhotoSlotSerializer}, operation_id="photo_slot_add")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int, number: int):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        photo = services.photo_slot_add(version=version, **serializer.validated_data, actor=Actor.from_request(request))
        return Response(
            PhotoSlotSerializer(photo).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_photo_slot", args=[pk, number, photo.slot])},
        )


class PhotoSlotApi(APIView):
    """One photo slot of a version. PATCH changes any of slot, label, required,
    min_long_edge_px; DELETE removes it (drafts only)."""

    class InputSerializer(inputs.Input):
        model = PhotoRequirement
        slot = serializers.CharField(max_length=40, required=False)
        label = serializers.CharField(max_length=80, required=False)
        required = serializers.BooleanField(required=False)
        min_long_edge_px = serializers.IntegerField(required=False)

    @extend_schema(responses=PhotoSlotSerializer, operation_id="photo_slot_retrieve")
    def get(self, request, pk: int, number: int, slot: str):
        photo = get_object_or_404(PhotoRequirement, version=_version(pk, number), slot=slot)
        return Response(PhotoSlotSerializer(photo).data)

    @extend_schema(request=InputSerializer, responses=PhotoSlotSerializer, operation_id="photo_slot_update")
    def patch(self, request, pk: int, number: int, slot: str):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        photo = services.photo_slot_update(
            version=version, slot=slot, changes=serializer.validated_data, actor=Actor.from_request(request)
        )
        return Response(PhotoSlotSerializer(photo).data)

    @extend_schema(responses={204: None}, operation_id="photo_slot_delete")
    def delete(self, request, pk: int, number: int, slot: str):
        services.photo_slot_delete(version=_version(pk, number), slot=slot, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class VersionDispositionsApi(APIView):
    """Replace a draft's grade → disposition map. Body: all four grades, e.g.
    `{"like_new": "local_stock", "good": "warehouse", "fair": "liquidation",
    "unsellable": "recycle"}` (400 `unknown_grade`, `missing_grade`, `unknown_disposition`)."""

    @extend_schema(request=DispositionsSerializer, responses=VersionSerializer, operation_id="version_dispositions_set")
    def put(self, request, pk: int, number: int):
        version = _version(pk, number)
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object: grade → disposition."]})
        services.version_dispositions_set(version=version, dispositions=request.data, actor=Actor.from_request(request))
        return Response(VersionSerializer(_version(pk, number)).data)


class VersionOrderApi(IdempotentPostMixin, CreateApi):
    """Reorder a draft's checklist items and/or photo slots: list every key (slot) once,
    in the new order (400 `invalid_order` otherwise)."""

    class InputSerializer(serializers.Serializer):
        checklist = serializers.ListField(child=serializers.CharField(), required=False)
        photos = serializers.ListField(child=serializers.CharField(), required=False)

        def validate(self, attrs):
            if not attrs:
                raise serializers.ValidationError("Send `checklist`, `photos` or both.", code="required")
            return attrs

    @extend_schema(request=InputSerializer, responses=VersionSerializer, operation_id="version_reorder")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int, number: int):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.version_reorder(version=version, **serializer.validated_data, actor=Actor.from_request(request))
        return Response(VersionSerializer(_version(pk, number)).data)


class VersionPublishApi(IdempotentPostMixin, CreateApi):
    """Publish a draft. It needs at least one checklist item (400 `no_checklist`) and one
    required photo slot (400 `no_required_photo`); once published it never changes, and
    it is what hubs use for the SKUs this standard covers."""

    class InputSerializer(serializers.Serializer):
        notes = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text="What changed.")

    @extend_schema(request=InputSerializer, responses=VersionSerializer, operation_id="version_publish")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, pk: int, number: int):
        version = _version(pk, number)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.version_publish(
            version=version, notes=serializer.validated_data.get("notes"), actor=Actor.from_request(request)
        )
        return Response(VersionSerializer(_version(pk, number)).data)


class StandardResolveApi(APIView):
    """Which published standard version hubs use for a SKU, and why: the SKU's own
    standard, else its category's, else the brand default (`version` is null when none
    is published)."""

    class OutputSerializer(serializers.Serializer):
        sku = serializers.CharField(source="sku.code")
        standard = StandardSerializer(allow_null=True)
        version = VersionSerializer(allow_null=True)
        reason = serializers.CharField()

    @extend_schema(
        parameters=[OpenApiParameter("sku", OpenApiTypes.STR, required=True, description="SKU code")],
        responses=OutputSerializer,
        operation_id="standard_resolve",
    )
    def get(self, request):
        code = request.query_params.get("sku", "").strip()
        if not code:
            raise serializers.ValidationError({"sku": [serializers.ErrorDetail("Give a SKU code.", code="required")]})
        resolution = selectors.standard_resolve(get_object_or_404(Sku, code=code))
        standard = None
        if resolution.version is not None:
            standard = selectors.standards_with_versions().get(pk=resolution.version.standard_id)
        data = {"sku": resolution.sku, "standard": standard, "version": resolution.version, "reason": resolution.reason}
        return Response(self.OutputSerializer(data).data)
