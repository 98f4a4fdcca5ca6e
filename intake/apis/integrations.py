"""Setting the brand's webhook secrets through the API: the same service as the
Integrations page, recorded in the activity the same way."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.permissions import IsBrandAdmin
from closo import inputs
from closo.actors import Actor
from intake.models import IntegrationSecret
from intake.services.secrets import MAX_LENGTH, integration_secret_set


class IntegrationSecretSerializer(serializers.Serializer):
    """A webhook secret as shown back: never in full (schema name: IntegrationSecret)."""

    kind = serializers.CharField()
    last4 = serializers.CharField(help_text="The secret's last 4 characters.")
    set_at = serializers.DateTimeField()
    webhook_url = serializers.CharField(help_text="Where to point the platform's webhooks.")


class _SecretApi(APIView):
    permission_classes = [IsBrandAdmin]
    kind: str
    paths: tuple[str, ...]

    class InputSerializer(inputs.Input):
        webhook_secret = serializers.CharField(
            max_length=MAX_LENGTH, trim_whitespace=True, help_text="The signing secret the platform shows."
        )

    def _output(self, request, row: IntegrationSecret) -> dict:
        urls = ", ".join(request.build_absolute_uri(path) for path in self.paths)
        return {"kind": row.kind, "last4": row.last4, "set_at": row.set_at, "webhook_url": urls}

    def put(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = integration_secret_set(
            kind=self.kind, secret=data.validated_data["webhook_secret"], actor=Actor.from_request(request)
        )
        return Response(IntegrationSecretSerializer(self._output(request, row)).data)


class ShopifySecretApi(_SecretApi):
    """PUT: set or rotate the Shopify webhook signing secret (admins and read-write keys).
    Deliveries signed with the previous secret are refused from then on. The answer shows
    only the last 4 characters; the change is in the activity (area `integrations`)."""

    kind = IntegrationSecret.Kind.SHOPIFY
    paths = ("/integrations/shopify/webhooks",)

    @extend_schema(
        operation_id="integrations_shopify_secret_set",
        request=_SecretApi.InputSerializer,
        responses=IntegrationSecretSerializer,
    )
    def put(self, request):
        return super().put(request)


class ReturnsSecretApi(_SecretApi):
    """PUT: set or rotate the returns platform's signing secret, used by the generic
    returns webhook and by Loop (admins and read-write keys). Only the last 4 characters
    are shown back; the change is in the activity (area `integrations`)."""

    kind = IntegrationSecret.Kind.RETURNS
    paths = ("/integrations/returns/webhooks", "/integrations/loop/webhooks")

    @extend_schema(
        operation_id="integrations_returns_secret_set",
        request=_SecretApi.InputSerializer,
        responses=IntegrationSecretSerializer,
    )
    def put(self, request):
        return super().put(request)
