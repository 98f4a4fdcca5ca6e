"""URLs of the public host (BASE_DOMAIN): landing, hub portal, hub applications, staff,
and the hub API (/api/v1/hub/, with its OpenAPI schema and Swagger UI)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from closo import urls_hub_api_root as hub_api
from portals import urls as portal_urls
from portals.views.landing import landing

urlpatterns = [
    path("", landing, name="landing"),
    path("accounts/", include("closo.urls_accounts")),
    path("", include("hubs.urls")),
    path("", include(portal_urls.hub_urlpatterns)),
    path(
        "api/v1/hub/schema/",
        SpectacularAPIView.as_view(urlconf=hub_api.__name__, custom_settings=hub_api.SPECTACULAR_SETTINGS),
        name="hub_api_schema",
    ),
    path(
        "api/v1/hub/docs/",
        SpectacularSwaggerView.as_view(url_name="hub_api_schema", title=hub_api.SPECTACULAR_SETTINGS["TITLE"]),
        name="hub_api_docs",
    ),
    path("api/v1/hub/", include("portals.api_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "closo.views.not_found"
