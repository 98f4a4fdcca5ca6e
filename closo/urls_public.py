"""URLs of the public host (BASE_DOMAIN): landing, hub portal, hub applications, staff,
and the hub API (/api/v1/hub/)."""

from django.contrib import admin
from django.urls import include, path

from closo.views import landing

urlpatterns = [
    path("", landing, name="landing"),
    path("accounts/", include("closo.urls_accounts")),
    path("", include("hubs.urls")),
    path("", include("inspections.hub_urls")),  # hub photo uploads and hub-side photo files
    path("", include("inspections.hub_inspect_urls")),  # the inspection wizard
    path("api/v1/hub/", include("hubs.api_urls")),
    path("api/v1/hub/", include("inspections.hub_inspect_api_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "closo.views.not_found"
