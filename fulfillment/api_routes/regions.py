from django.urls import path

from fulfillment.apis import regions

urlpatterns = [
    path("regions/", regions.RegionCollectionApi.as_view(), name="api_region_list"),
    path("regions/check", regions.RegionCheckApi.as_view(), name="api_region_check"),
    path("regions/<int:pk>", regions.RegionItemApi.as_view(), name="api_region_detail"),
]
