"""Brand API v1, as mounted at /api/v1/ on a brand host: each app's api_urls."""

from django.urls import include, path

urlpatterns = [
    # fulfillment first: its first pattern is the storefront's hot path (availability)
    path("", include("fulfillment.api_urls")),
    path("", include("brands.api_urls")),
    path("", include("inspections.api_urls")),
    path("", include("intake.api_urls")),
]
