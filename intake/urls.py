"""Brand-host pages and webhook addresses of the intake app."""

from django.urls import path

from intake.views import integrations, webhooks

urlpatterns = [
    path("integrations/", integrations.integrations_page, name="integrations"),
    path("integrations/shopify/webhooks", webhooks.shopify_webhook, name="shopify_webhook"),
    path("integrations/returns/webhooks", webhooks.returns_webhook, name="returns_webhook"),
    path("integrations/loop/webhooks", webhooks.loop_webhook, name="loop_webhook"),
]
