from django.urls import path

from fulfillment.apis import backorders

urlpatterns = [
    path("backorders/", backorders.BackorderCollectionApi.as_view(), name="api_backorder_list"),
    path("backorders/import", backorders.BackorderImportApi.as_view(), name="api_backorder_import"),
    path("backorders/<int:pk>", backorders.BackorderDetailApi.as_view(), name="api_backorder_detail"),
    path("backorders/<int:pk>/cancel", backorders.BackorderCancelApi.as_view(), name="api_backorder_cancel"),
]
