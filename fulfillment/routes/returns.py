from django.urls import path

from fulfillment.views import returns

urlpatterns = [
    path("returns/", returns.return_list, name="return_list"),
    path("returns/new/", returns.return_new, name="return_new"),
    path("returns/<int:pk>/", returns.return_detail, name="return_detail"),
    path("returns/<int:pk>/route/", returns.return_route, name="return_route"),
    path("returns/<int:pk>/route-hub/", returns.return_route_hub, name="return_route_hub"),
    path("returns/<int:pk>/received/", returns.return_received, name="return_received"),
    path("returns/<int:pk>/cancel/", returns.return_cancel, name="return_cancel"),
    path("returns/<int:pk>/refund/", returns.return_refund, name="return_refund"),
]
