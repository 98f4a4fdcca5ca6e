"""Outbound webhooks API: endpoints, their delivery log, redeliver, test event, secret
rotation. Owners, admins and read-write API keys only (the signing secret is theirs)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.permissions import IsBrandAdmin
from closo import inputs
from closo.actors import Actor
from closo.idempotency import IdempotentPostMixin
from webhooks.models import Attempt, Delivery, Endpoint, EventType
from webhooks.selectors import webhooks as selectors
from webhooks.services import deliveries as delivery_services
from webhooks.services import endpoints as services


class EndpointOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Endpoint
        ref_name = "WebhookEndpoint"
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "secret_rotated_at",
            "created_at",
            "updated_at",
        ]


class EndpointWithSecretSerializer(EndpointOutputSerializer):
    secret = serializers.CharField(help_text="Signs Closo-Signature. Shown when created or rotated; keep it secret.")

    class Meta(EndpointOutputSerializer.Meta):
        ref_name = "WebhookEndpointWithSecret"
        fields = [*EndpointOutputSerializer.Meta.fields, "secret"]


class AttemptOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        ref_name = "WebhookAttempt"
        fields = [
            "number",
            "trigger",
            "started_at",
            "duration_ms",
            "succeeded",
            "response_code",
            "response_excerpt",
            "error",
            "next_retry_at",
        ]


class DeliveryOutputSerializer(serializers.ModelSerializer):
    attempts = AttemptOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        ref_name = "WebhookDelivery"
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_attempt_at",
            "last_response_code",
            "created_at",
            "attempts",
        ]


class EndpointInput(inputs.Input):
    model = Endpoint
    url = serializers.CharField(max_length=500, help_text="https:// only; must resolve to a public address.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), max_length=len(EventType.values)
    )

    class Meta:
        ref_name = "WebhookEndpointInput"


class EndpointPatchInput(EndpointInput):
    is_active = serializers.BooleanField(
        required=False, help_text="true enables it again (failures count from 0); false disables it."
    )

    class Meta:
        ref_name = "WebhookEndpointPatchInput"


class AdminOnly:
    permission_classes = [IsBrandAdmin]


@extend_schema_view(
    get=extend_schema(operation_id="webhook_endpoint_list"),
    post=extend_schema(
        request=EndpointInput, responses={201: EndpointWithSecretSerializer}, operation_id="webhook_endpoint_create"
    ),
)
class EndpointListApi(AdminOnly, IdempotentPostMixin, generics.ListCreateAPIView):
    """The brand's webhook endpoints. POST adds one and answers with its signing `secret`:
    400 `endpoint_refused` (not https, or resolves to a private address), `no_event_types`."""

    serializer_class = EndpointOutputSerializer
    ordering_fields = ["created_at", "url"]
    ordering = ["pk"]

    def get_queryset(self):
        return selectors.endpoints()

    def create(self, request, *args, **kwargs):
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(**data.validated_data, actor=Actor.from_request(request))
        return Response(
            EndpointWithSecretSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api_webhook_endpoint", args=[endpoint.pk])},
        )


class EndpointItemApi(AdminOnly, APIView):
    """GET reads, PATCH changes (`is_active` enables or disables), DELETE removes one
    endpoint with its delivery log."""

    @extend_schema(responses=EndpointOutputSerializer, operation_id="webhook_endpoint_retrieve")
    def get(self, request, pk: int):
        return Response(EndpointOutputSerializer(selectors.endpoint_get(pk)).data)

    @extend_schema(
        request=EndpointPatchInput, responses=EndpointOutputSerializer, operation_id="webhook_endpoint_update"
    )
    def patch(self, request, pk: int):
        endpoint = selectors.endpoint_get(pk)
        data = EndpointPatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, **data.validated_data, actor=Actor.from_request(request))
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(responses={204: None}, operation_id="webhook_endpoint_delete")
    def delete(self, request, pk: int):
        services.endpoint_delete(endpoint=selectors.endpoint_get(pk), actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(get=extend_schema(operation_id="webhook_delivery_list"))
class DeliveryListApi(AdminOnly, generics.ListAPIView):
    """An endpoint's delivery log, newest first: each delivery with its attempts (status,
    response code, duration, the first 500 characters of the answer, the error)."""

    serializer_class = DeliveryOutputSerializer
    filterset_fields = ["status", "event_type"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no endpoint
            return Delivery.objects.none()
        return selectors.delivery_log(selectors.endpoint_get(self.kwargs["pk"]))


def _delivery_answer(delivery_id: int) -> dict:
    return DeliveryOutputSerializer(selectors.delivery_with_attempts(delivery_id)).data


class DeliveryRedeliverApi(AdminOnly, APIView):
    """Send this delivery again now (same event id and body, signed afresh) and answer with
    the delivery and its attempts. 409 `invalid_transition` while it is being sent."""

    @extend_schema(request=None, responses=DeliveryOutputSerializer, operation_id="webhook_delivery_redeliver")
    def post(self, request, pk: int):
        delivery = selectors.delivery_get(pk)
        delivery_services.delivery_redeliver(delivery=delivery, actor=Actor.from_request(request))
        return Response(_delivery_answer(delivery.pk))


class EndpointTestApi(AdminOnly, APIView):
    """Send a `ping` event to this endpoint now (disabled ones too) and answer with its
    delivery and attempt. Never retried."""

    @extend_schema(request=None, responses={201: DeliveryOutputSerializer}, operation_id="webhook_endpoint_send_test")
    def post(self, request, pk: int):
        endpoint = selectors.endpoint_get(pk)
        attempt = delivery_services.endpoint_send_test(endpoint=endpoint, actor=Actor.from_request(request))
        return Response(_delivery_answer(attempt.delivery_id), status=status.HTTP_201_CREATED)


class EndpointRotateSecretApi(AdminOnly, IdempotentPostMixin, APIView):
    """A new signing secret, used from the next attempt on (the old one stops at once);
    answered once, here."""

    @extend_schema(request=None, responses=EndpointWithSecretSerializer, operation_id="webhook_endpoint_rotate_secret")
    def post(self, request, pk: int):
        endpoint = services.endpoint_rotate_secret(
            endpoint=selectors.endpoint_get(pk), actor=Actor.from_request(request)
        )
        return Response(EndpointWithSecretSerializer(endpoint).data)
