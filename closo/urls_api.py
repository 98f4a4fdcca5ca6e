from django.urls import include, path

from brands import apis as brand_apis

urlpatterns = [
    path("brand", brand_apis.BrandDetailApi.as_view(), name="api_brand"),
    path("", include("fulfillment.api_urls")),
    path("", include("inspections.api_urls")),
    path("", include("inspections.review_api_urls")),
]
