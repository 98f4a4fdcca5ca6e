"""The public host's URLs plus the hub-side photo routes, for tests that run before
closo/urls_public.py includes inspections.hub_urls (see photo_support.photo_routes)."""

from django.urls import include, path

from closo.urls_public import handler404
from closo.urls_public import urlpatterns as public_urlpatterns

urlpatterns = [path("", include("inspections.hub_urls")), *public_urlpatterns]

__all__ = ["handler404", "urlpatterns"]
