"""Region limits API: list, create, read, change, delete, and the ZIP check."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from closo import inputs
from closo.actors import Actor
from closo.idempotency import IdempotentPostMixin
from closo.openapi import described_by
from fulfillment.models import RegionLimit
from fulfillment.selectors import regions as region_selectors
from fulfillment.services import regions as services

RULE_HELP = "At least one of zip_prefixes, zips or within_miles_of_hub is required."


class RegionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegionLimit
        fields = ["id", *services.REGION_FIELDS, "created_at", "updated_at"]


class _RegionInput(inputs.Input):
    """Field shapes only; the service checks the rules (ZIPs known, at least one rule)."""

    model = RegionLimit

    name = serializers.CharField(max_length=80)
    zip_prefixes = serializers.ListField(
        child=serializers.CharField(max_length=10),
        required=False,
        help_text="3 to 5 digits that start a US ZIP code, e.g. 787 (one digit would cover a tenth of the US).",
    )
    zips = serializers.ListField(child=serializers.CharField(max_length=10), required=False)
    within_miles_of_hub = serializers.IntegerField(required=False, allow_null=True, help_text=RULE_HELP)
    max_promise_days = serializers.IntegerField(required=False)
    max_open_backorders_per_sku = serializers.IntegerField(
        required=False, allow_null=True, help_text="Open backorders per SKU in this region; null = no cap."
    )
    requires_consent = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class RegionListApi(generics.ListAPIView):
    """Region limits by name. Filter by `is_active`."""

    class OutputSerializer(RegionOutputSerializer):
        open_backorders = serializers.IntegerField(read_only=True, help_text="Waiting or allocated backorders.")

        class Meta(RegionOutputSerializer.Meta):
            fields = [*RegionOutputSerializer.Meta.fields, "open_backorders"]

    serializer_class = OutputSerializer
    filterset_fields = ["is_active"]
    ordering_fields = ["name", "max_promise_days", "created_at"]
    ordering = ["name"]

    def get_queryset(self):
        return region_selectors.regions_list()


class RegionCreateApi(IdempotentPostMixin, generics.CreateAPIView):
    """Create a region limit. Send `Idempotency-Key` to retry safely."""

    class InputSerializer(_RegionInput):
        pass

    class OutputSerializer(RegionOutputSerializer):
        pass

    @extend_schema(operation_id="region_create", request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request, *args, **kwargs):
        # CreateAPIView.post → create, run through IdempotentPostMixin when a key is sent.
        return super().post(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = RegionCreateApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = services.region_create(**data.validated_data, actor=Actor.from_request(request))
        location = reverse("api_region_detail", args=[region.pk])
        return Response(
            RegionCreateApi.OutputSerializer(region).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class RegionDetailApi(APIView):
    """One region limit."""

    class OutputSerializer(RegionOutputSerializer):
        pass

    @extend_schema(responses=OutputSerializer, operation_id="region_retrieve")
    def get(self, request, pk: int):
        return Response(RegionDetailApi.OutputSerializer(get_object_or_404(RegionLimit, pk=pk)).data)


class RegionUpdateApi(APIView):
    """Change some settings of a region limit (the others stay)."""

    class InputSerializer(_RegionInput):
        pass

    class OutputSerializer(RegionOutputSerializer):
        pass

    @extend_schema(request=InputSerializer, responses=OutputSerializer, operation_id="region_update")
    def patch(self, request, pk: int):
        region = get_object_or_404(RegionLimit, pk=pk)
        data = RegionUpdateApi.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        region = services.region_update(region=region, changes=data.validated_data, actor=Actor.from_request(request))
        return Response(RegionUpdateApi.OutputSerializer(region).data)


class RegionDeleteApi(APIView):
    """Delete a region limit. Its backorders stay (without a region)."""

    @extend_schema(responses={204: None}, operation_id="region_delete")
    def delete(self, request, pk: int):
        region = get_object_or_404(RegionLimit, pk=pk)
        services.region_delete(region=region, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegionCheckApi(APIView):
    """May backorders be offered to this ZIP? The decision, with the reason in words."""

    class OutputSerializer(serializers.Serializer):
        zip = serializers.CharField(source="zip_code")
        valid = serializers.BooleanField(help_text="A US ZIP code we know.")
        allowed = serializers.BooleanField()
        explanation = serializers.CharField(help_text="e.g. “78701: allowed — 4.2 mi from Eastside Porch (…)”")
        region = serializers.SerializerMethodField()
        nearest_hub = serializers.SerializerMethodField()
        max_promise_days = serializers.IntegerField(allow_null=True)
        requires_consent = serializers.BooleanField()

        def get_region(self, decision) -> dict | None:
            return {"id": decision.region.pk, "name": decision.region.name} if decision.region else None

        def get_nearest_hub(self, decision) -> dict | None:
            hub = decision.nearest_hub
            return {"name": hub.name, "distance_miles": decision.distance_miles} if hub else None

    class InputSerializer(serializers.Serializer):
        zip = serializers.CharField(max_length=10, help_text="A 5-digit US ZIP code (ZIP+4 is read as its ZIP).")

    @extend_schema(operation_id="region_check", parameters=[InputSerializer], responses=OutputSerializer)
    def get(self, request):
        params = RegionCheckApi.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        decision = region_selectors.zip_check(params.validated_data["zip"])
        return Response(RegionCheckApi.OutputSerializer(decision).data)


# --- one URL, several operations: each class above stays the unit of behaviour and schema ---


@described_by(get=RegionListApi, post=RegionCreateApi)
class RegionCollectionApi(RegionCreateApi, RegionListApi):
    """GET lists (RegionListApi), POST creates (RegionCreateApi)."""


@described_by(get=RegionDetailApi, patch=RegionUpdateApi, delete=RegionDeleteApi)
class RegionItemApi(RegionUpdateApi, RegionDeleteApi, RegionDetailApi):
    """GET reads, PATCH changes, DELETE removes one region."""
