"""URLs of the public host (BASE_DOMAIN): landing, hub portal, hub applications, staff,
and the hub API (/api/v1/hub/)."""

from django.contrib import admin
from django.urls import include, path

from portals import urls as portal_urls
from portals.views.landing import landing

urlpatterns = [
    path("", landing, name="landing"),
    path("accounts/", include("closo.urls_accounts")),
    path("", include("hubs.urls")),
    path("", include(portal_urls.hub_urlpatterns)),
    path("api/v1/hub/", include("portals.api_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "closo.views.not_found"
