from django.urls import path

from fulfillment.apis import returns

urlpatterns = [
    path("returns/", returns.ReturnListCreateApi.as_view(), name="api_return_list"),
    path("returns/<int:pk>", returns.ReturnDetailApi.as_view(), name="api_return_detail"),
    path("returns/<int:pk>/events", returns.ReturnEventListApi.as_view(), name="api_return_events"),
    path("returns/<int:pk>/route", returns.ReturnRouteApi.as_view(), name="api_return_route"),
    path("returns/<int:pk>/received", returns.ReturnReceivedApi.as_view(), name="api_return_received"),
    path("returns/<int:pk>/cancel", returns.ReturnCancelApi.as_view(), name="api_return_cancel"),
    path("returns/<int:pk>/refund", returns.ReturnRefundApi.as_view(), name="api_return_refund"),
]
