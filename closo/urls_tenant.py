"""URLs of a brand host (<slug>.BASE_DOMAIN): the brand portal and the brand API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portals import urls as portal_urls

urlpatterns = [
    path("api/v1/", include("closo.urls_api")),  # first: the storefront's hot path is in it
    path("accounts/", include("closo.urls_accounts")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="closo.urls_api_root"), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include(portal_urls.brand_urlpatterns)),
    path("", include("brands.urls")),
    path("", include("fulfillment.urls")),
    path("", include("inspections.urls")),
    path("", include("intake.urls")),
]

handler404 = "closo.views.not_found"
