"""Brand API v1 endpoints of the brands app (mounted at /api/v1/ on a brand host)."""

from django.urls import path

from brands.apis import brands

urlpatterns = [
    path("brand", brands.BrandDetailApi.as_view(), name="api_brand"),
]
