from django.urls import path

from fulfillment.views import supply

urlpatterns = [
    path("supply/", supply.supply_list, name="supply_list"),
    path("supply/new/", supply.supply_create, name="supply_create"),
    path("supply/<int:pk>/", supply.supply_detail, name="supply_detail"),
    path("supply/<int:pk>/receive/", supply.supply_receive, name="supply_receive"),
    path("supply/<int:pk>/cancel/", supply.supply_cancel, name="supply_cancel"),
]
