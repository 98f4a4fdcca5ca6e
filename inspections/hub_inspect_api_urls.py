"""Hub API for inspections, on the public host (include in closo/urls_public.py:
`path("api/v1/hub/", include("inspections.hub_inspect_api_urls"))`)."""

from django.urls import path

from inspections import hub_apis

urlpatterns = [
    path(
        "b/<slug:brand_slug>/returns/<int:pk>/inspection/form",
        hub_apis.HubInspectionFormApi.as_view(),
        name="hub_api_inspection_form",
    ),
    path(
        "b/<slug:brand_slug>/returns/<int:pk>/inspection",
        hub_apis.HubInspectionApi.as_view(),
        name="hub_api_inspection",
    ),
]
