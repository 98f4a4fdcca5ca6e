"""Availability API: may the storefront offer "Backorder" for a SKU at a ZIP, and what ship
date may it promise? One pair by GET (cache-friendly: ETag, `max-age`, 304), up to 100 by POST."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.permissions import IsBrandReader
from brands.storefront import StorefrontAccessMixin
from closo import inputs
from closo.openapi import described_by
from fulfillment import promise
from fulfillment.exceptions import InvalidZip
from fulfillment.selectors import availability as selectors
from fulfillment.selectors.regions import normalise_zip
from hubs.models import ZIP_INVALID_MESSAGE

# Short: a storefront asks on every product-page view, and a promise moves when supply does.
MAX_AGE_SECONDS = 60


class _AvailabilitySerializer(serializers.Serializer):
    """One answer (the GET's body, each item of the batch's)."""

    sku = serializers.CharField()
    zip = serializers.CharField()
    offer_backorder = serializers.BooleanField(help_text="Show “Backorder” on the product page.")
    reason = serializers.ChoiceField(choices=selectors.REASONS, help_text="Why, for machines.")
    explanation = serializers.CharField(help_text="Why, in one sentence for people.")
    ship_by = serializers.DateField(
        allow_null=True, help_text="The promised ship-by date, when a backorder is offered."
    )
    ships_in_days = serializers.IntegerField(allow_null=True, help_text="“Ships in N days”.")
    confidence = serializers.FloatField(
        allow_null=True,
        help_text="The model's probability that the order ships by `ship_by` (at least the target, 0.95).",
    )
    source = serializers.ChoiceField(
        choices=[promise.Source.LOCAL_UNIT, promise.Source.LOCAL_RETURN, promise.Source.RESTOCK],
        allow_null=True,
        help_text="What will most likely fill the order.",
    )
    queue_ahead = serializers.IntegerField(
        allow_null=True, help_text="Waiting backorders that will be served first (by that source)."
    )


class AvailabilityPairInput(inputs.Input):
    """A SKU code and a shopper's ZIP."""

    sku = serializers.CharField(max_length=64, help_text="A SKU code of your catalogue.")
    zip = serializers.CharField(
        max_length=10, help_text="The shopper's 5-digit US ZIP code (ZIP+4 is read as its ZIP)."
    )


def _zip_or_400(raw: str, field: str) -> str:
    code = normalise_zip(raw)
    if code is None:
        raise InvalidZip(f"{raw!r} is not a 5-digit US ZIP code.", fields={field: [ZIP_INVALID_MESSAGE]})
    return code


def _cached(request, data: dict) -> Response:
    """`data` with an ETag (a hash of the body) and a short private max-age; 304 when the
    client already holds this body (If-None-Match)."""
    body = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    etag = quote_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    headers = {"ETag": etag, "Cache-Control": f"private, max-age={MAX_AGE_SECONDS}"}
    held = [tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))]
    response = (
        Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        if etag in held or "*" in held
        else Response(data, headers=headers)
    )
    patch_vary_headers(response, ["Authorization"])
    return response


class AvailabilityApi(StorefrontAccessMixin, APIView):
    """May the storefront offer “Backorder” for this SKU at this ZIP, and what ship date may
    it promise? `offer_backorder` with a machine-readable `reason` and a sentence; when a
    backorder is offered, `ship_by`, `ships_in_days`, `confidence` and `source`. An unknown
    SKU is an answer (`unknown_sku`), a malformed ZIP a 400 `invalid_zip`. Cacheable for 60
    seconds; send the `ETag` back in `If-None-Match` for a 304. A storefront page may call it
    with the brand's publishable key (`?key=closo_pk_…`) from a listed origin (CORS)."""

    class InputSerializer(AvailabilityPairInput):
        """The query: `sku` and `zip`."""

    class OutputSerializer(_AvailabilitySerializer):
        pass

    @extend_schema(
        operation_id="availability",
        parameters=[
            InputSerializer,
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The ETag of an answer you hold: 304 when it is still the answer.",
            ),
        ],
        responses={200: OutputSerializer, 304: OpenApiResponse(description="Not modified: the answer you hold.")},
    )
    def get(self, request):
        params = AvailabilityApi.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        zip_code = _zip_or_400(params.validated_data["zip"], "zip")
        answer = selectors.availability(params.validated_data["sku"], zip_code)
        return _cached(request, AvailabilityApi.OutputSerializer(answer).data)


class AvailabilityBatchApi(StorefrontAccessMixin, APIView):
    """Availability for up to 100 `{sku, zip}` pairs at once, answered in order (the same
    answers as the GET, in a constant number of queries). A read: send it again freely,
    no `Idempotency-Key`; read-only keys may send it. A malformed ZIP in any item is a 400
    `invalid_zip` naming the item."""

    permission_classes = [IsBrandReader]

    class InputSerializer(inputs.Input):
        """Up to 100 pairs, answered in order."""

        items = serializers.ListSerializer(
            child=AvailabilityPairInput(),
            min_length=1,
            max_length=selectors.MAX_ITEMS,
            help_text="1 to 100 `{sku, zip}` pairs.",
        )

    class OutputSerializer(serializers.Serializer):
        items = AvailabilityApi.OutputSerializer(many=True, help_text="The answers, in the order asked.")

    @extend_schema(operation_id="availability_batch", request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        data = AvailabilityBatchApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pairs = [
            (item["sku"], _zip_or_400(item["zip"], f"items[{i}].zip"))
            for i, item in enumerate(data.validated_data["items"])
        ]
        answers = selectors.availability_many(pairs)
        return Response(AvailabilityBatchApi.OutputSerializer({"items": answers}).data)


@described_by(get=AvailabilityApi, post=AvailabilityBatchApi)
class AvailabilityCollectionApi(AvailabilityBatchApi, AvailabilityApi):
    """GET answers one pair (AvailabilityApi), POST up to 100 (AvailabilityBatchApi)."""
