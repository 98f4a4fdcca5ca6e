"""Brand API v1 endpoints of the webhooks app (mounted at /api/v1/ on a brand host)."""

from django.urls import path

from webhooks.apis import webhooks

ENDPOINT = "webhooks/endpoints/<id:pk>"

urlpatterns = [
    path("webhooks/endpoints", webhooks.EndpointListApi.as_view(), name="api_webhook_endpoint_list"),
    path(ENDPOINT, webhooks.EndpointItemApi.as_view(), name="api_webhook_endpoint"),
    path(f"{ENDPOINT}/deliveries", webhooks.DeliveryListApi.as_view(), name="api_webhook_delivery_list"),
    path(f"{ENDPOINT}/test", webhooks.EndpointTestApi.as_view(), name="api_webhook_endpoint_test"),
    path(f"{ENDPOINT}/rotate-secret", webhooks.EndpointRotateSecretApi.as_view(), name="api_webhook_rotate"),
    path(
        "webhooks/deliveries/<id:pk>/redeliver",
        webhooks.DeliveryRedeliverApi.as_view(),
        name="api_webhook_delivery_redeliver",
    ),
]
