"""URLs of a brand host (<slug>.BASE_DOMAIN): the brand portal and the brand API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("accounts/", include("closo.urls_accounts")),
    path("api/v1/", include("closo.urls_api")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="closo.urls_api_root"), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include("brands.urls")),
    path("", include("fulfillment.urls")),
    path("standards/", include("inspections.urls")),
    path("", include("inspections.review_urls")),  # inspections review, audits, held units, trust settings
    path("", include("inspections.photo_urls")),  # brand-side photo files
]

handler404 = "closo.views.not_found"
