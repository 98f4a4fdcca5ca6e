"""The public host's URLs plus the hub inspection pages, the hub inspection API and the
photo routes, for the inspection tests until closo/urls_public.py includes them (then
this module and the `inspect_urls` fixture can go)."""

from django.urls import include, path

from closo.urls_public import handler404  # noqa: F401
from closo.urls_public import urlpatterns as public_urlpatterns

urlpatterns = [
    path("", include("inspections.hub_inspect_urls")),
    path("api/v1/hub/", include("inspections.hub_inspect_api_urls")),
    path("", include("inspections.hub_urls")),
    *public_urlpatterns,
]
