"""Brand API v1 endpoints of the intake app (mounted at /api/v1/ on a brand host)."""

from django.urls import path

from intake.apis import integrations

urlpatterns = [
    path("integrations/shopify", integrations.ShopifySecretApi.as_view(), name="api_integrations_shopify"),
    path("integrations/returns", integrations.ReturnsSecretApi.as_view(), name="api_integrations_returns"),
]
