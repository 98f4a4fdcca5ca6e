"""Brand-portal pages of the webhooks app (mounted at the root of a brand host)."""

from django.urls import path

from webhooks.views import webhooks

urlpatterns = [
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/new/", webhooks.webhook_create, name="webhook_create"),
    path("webhooks/<id:pk>/", webhooks.webhook_detail, name="webhook_detail"),
    path("webhooks/<id:pk>/edit/", webhooks.webhook_edit, name="webhook_edit"),
    path("webhooks/<id:pk>/test/", webhooks.webhook_test, name="webhook_test"),
    path("webhooks/<id:pk>/rotate/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<id:pk>/active/", webhooks.webhook_enable, name="webhook_active"),
    path("webhooks/<id:pk>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("webhooks/deliveries/<id:pk>/redeliver/", webhooks.webhook_redeliver, name="webhook_redeliver"),
]
