"""Availability API: may the storefront offer "Backorder" for a SKU at a ZIP, and what ship
date may it promise? One pair by GET (cache-friendly: ETag, `max-age`, 304), up to 100 by POST."""

import functools
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.authentication import api_key_plainly_valid
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
CACHE_CONTROL = f"private, max-age={MAX_AGE_SECONDS}"
SKU_MAX_LENGTH, ZIP_MAX_LENGTH = 64, 10


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

    sku = serializers.CharField(max_length=SKU_MAX_LENGTH, help_text="A SKU code of your catalogue.")
    zip = serializers.CharField(
        max_length=ZIP_MAX_LENGTH, help_text="The shopper's 5-digit US ZIP code (ZIP+4 is read as its ZIP)."
    )


def _zip_or_400(raw: str, field: str) -> str:
    code = normalise_zip(raw)
    if code is None:
        raise InvalidZip(f"{raw!r} is not a 5-digit US ZIP code.", fields={field: [ZIP_INVALID_MESSAGE]})
    return code


@functools.lru_cache(maxsize=10_000)
def _payload(answer: selectors.Availability) -> tuple[dict, str, bytes]:
    """An answer's data, ETag (a hash of the body) and rendered body. Answers are frozen
    values and mostly repeat (the selector keeps them): each is serialised once."""
    data = AvailabilityApi.OutputSerializer(answer).data
    canonical = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return data, quote_etag(hashlib.sha256(canonical.encode()).hexdigest()[:32]), JSONRenderer().render(data)


def _not_modified(request, etag: str) -> bool:
    held = [tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))]
    return etag in held or "*" in held


def _cached(request, answer: selectors.Availability) -> Response:
    """The answer with its ETag and a short private max-age; 304 when the client already
    holds this body (If-None-Match)."""
    data, etag, _ = _payload(answer)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    response = (
        Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        if _not_modified(request, etag)
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
        return _cached(request, answer)


class AvailabilityBatchApi(StorefrontAccessMixin, APIView):
    """Availability for up to 100 `{sku, zip}` pairs at once, answered in order (the same
    answers as the GET, in a constant number of queries). A read: send it again freely,
    no `Idempotency-Key`; read-only keys may send it. A malformed ZIP in any item is a 400
    `invalid_zip` naming the item."""

    permission_classes = [IsBrandReader]

    class InputSerializer(inputs.Input):
        """Up to 100 pairs, answered in order."""

        # A ListField (not a ListSerializer) so the schema carries minItems/maxItems.
        items = serializers.ListField(
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


_api_view = AvailabilityCollectionApi.as_view()
_FAST_PARAMS = frozenset(("sku", "zip"))


def _allow() -> str:
    """The DRF view's `Allow` header (Django's setup gives a GET view its HEAD)."""
    view = AvailabilityCollectionApi()
    view.setup(HttpRequest())
    return ", ".join(view.allowed_methods)


_ALLOW = _allow()


@csrf_exempt
def availability_endpoint(request, *args, **kwargs):
    """The URL's view. A GET whose answer this process holds, asked with a secret API key
    the DRF view would accept as it is, is answered from memory (`_held`); everything else
    — POST, preflights, publishable keys, sessions, bad input, refusals, answers not held —
    goes through the DRF view, which also keeps what it computes. Both give the same
    response to the byte (tests/fulfillment/test_availability_fast_path.py): the fast path
    only skips DRF's request machinery, the serializers and the URL tree behind it."""
    if request.method == "GET":
        response = _held(request)
        if response is not None:
            return response
    return _api_view(request, *args, **kwargs)


# What the schema generator and the conformance tests read off a DRF view's callback.
availability_endpoint.cls = _api_view.cls
availability_endpoint.initkwargs = _api_view.initkwargs


def _held(request) -> HttpResponse | None:
    params = request.GET
    if params.keys() != _FAST_PARAMS or len(params.getlist("sku")) != 1 or len(params.getlist("zip")) != 1:
        return None
    sku, raw_zip = params["sku"], params["zip"]
    # The input serializer's rules, read as plainly as possible: anything else (blank, too
    # long, padded, a malformed ZIP) is the DRF view's to refuse or to read.
    if not sku or sku != sku.strip() or len(sku) > SKU_MAX_LENGTH or len(raw_zip) > ZIP_MAX_LENGTH:
        return None
    zip_code = normalise_zip(raw_zip)
    tenant = getattr(request, "tenant", None)
    if zip_code is None or tenant is None or tenant.is_public:
        return None
    # The answer first (memory only): a request it cannot serve pays for no key check twice.
    answer = selectors.availability_held(sku, zip_code)
    if answer is None:
        return None
    key = api_key_plainly_valid(request)
    if key is None or key.brand_id != tenant.pk:
        return None
    _, etag, body = _payload(answer)
    if _not_modified(request, etag):
        response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Allow"] = _ALLOW
    patch_vary_headers(response, ["Authorization", "Accept"])
    return response
