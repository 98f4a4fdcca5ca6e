"""A brand host's URLs plus the brand-side photo route, for tests that run before
closo/urls_tenant.py includes inspections.photo_urls (see photo_support.photo_routes)."""

from django.urls import include, path

from closo.urls_tenant import handler404
from closo.urls_tenant import urlpatterns as tenant_urlpatterns

urlpatterns = [path("", include("inspections.photo_urls")), *tenant_urlpatterns]

__all__ = ["handler404", "urlpatterns"]
