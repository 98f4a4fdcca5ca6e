from django.urls import path

from fulfillment.views import skus

urlpatterns = [
    path("skus/", skus.sku_list, name="sku_list"),
    path("skus/new/", skus.sku_create, name="sku_create"),
    path("skus/import/", skus.sku_import, name="sku_import"),
    path("skus/export.csv", skus.sku_export, name="sku_export"),
    path("skus/<int:pk>/", skus.sku_detail, name="sku_detail"),
]
