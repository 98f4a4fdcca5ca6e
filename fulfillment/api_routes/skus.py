from django.urls import path

from fulfillment.apis import skus

urlpatterns = [
    path("skus/", skus.SkuListApi.as_view(), name="api_sku_list"),
]
