from django.urls import path

from fulfillment.views import backorders

urlpatterns = [
    path("backorders/", backorders.backorder_list, name="backorder_list"),
    path("backorders/new/", backorders.backorder_create, name="backorder_create"),
    path("backorders/import/", backorders.backorder_import, name="backorder_import"),
    path("backorders/<int:pk>/", backorders.backorder_detail, name="backorder_detail"),
    path("backorders/<int:pk>/cancel/", backorders.backorder_cancel, name="backorder_cancel"),
]
