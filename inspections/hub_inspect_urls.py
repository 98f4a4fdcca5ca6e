"""Hub portal inspection pages, on the public host (include at the root of
closo/urls_public.py: `path("", include("inspections.hub_inspect_urls"))`)."""

from django.urls import path

from inspections import hub_views

urlpatterns = [
    path("hub/b/<slug:brand_slug>/returns/<int:pk>/inspect/", hub_views.hub_inspect, name="hub_inspect"),
    path(
        "hub/b/<slug:brand_slug>/returns/<int:pk>/inspection/",
        hub_views.hub_inspection_result,
        name="hub_inspection_result",
    ),
]
