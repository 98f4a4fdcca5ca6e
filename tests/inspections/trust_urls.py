"""The brand host's URLs plus the trust pages and API and the brand-side photo route, for
the trust and review tests until closo/urls_tenant.py and closo/urls_api.py include them
(see trust_builders.route_review_urls: a no-op once they do)."""

from django.urls import include, path

from closo.urls_tenant import handler404
from closo.urls_tenant import urlpatterns as tenant_urlpatterns

urlpatterns = [
    path("api/v1/", include("inspections.review_api_urls")),
    path("", include("inspections.review_urls")),
    path("", include("inspections.photo_urls")),
    *tenant_urlpatterns,
]

__all__ = ["handler404", "urlpatterns"]
