from django.urls import path

from fulfillment.apis import supply

urlpatterns = [
    path("supply/", supply.SupplyListApi.as_view(), name="api_supply_list"),
    path("supply/<int:pk>", supply.SupplyDetailApi.as_view(), name="api_supply_detail"),
    path("supply/<int:pk>/receive", supply.SupplyReceiveApi.as_view(), name="api_supply_receive"),
    path("supply/<int:pk>/cancel", supply.SupplyCancelApi.as_view(), name="api_supply_cancel"),
]
