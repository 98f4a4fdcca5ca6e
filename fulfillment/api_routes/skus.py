from django.urls import path

from fulfillment.apis import skus

# import/export before <code>: those two words are reserved as SKU codes.
urlpatterns = [
    path("skus/", skus.SkuListApi.as_view(), name="api_sku_list"),
    path("skus/import", skus.SkuImportApi.as_view(), name="api_sku_import"),
    path("skus/export", skus.SkuExportApi.as_view(), name="api_sku_export"),
    path("skus/<str:code>", skus.SkuDetailApi.as_view(), name="api_sku_detail"),
    path("skus/<str:code>/stock", skus.SkuStockApi.as_view(), name="api_sku_stock"),
]
