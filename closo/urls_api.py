from django.urls import path

from brands import apis as brand_apis
from fulfillment import apis as fulfillment_apis

urlpatterns = [
    path("brand", brand_apis.BrandDetailApi.as_view(), name="api_brand"),
    path("skus/", fulfillment_apis.SkuListApi.as_view(), name="api_sku_list"),
]
