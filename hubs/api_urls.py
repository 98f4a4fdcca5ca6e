"""The hub API, mounted at /api/v1/hub/ on the public host (closo/urls_public.py)."""

from django.urls import path

from hubs import apis

urlpatterns = [
    path("hubs", apis.HubListApi.as_view(), name="hub_api_hubs"),
    path("queue", apis.HubQueueApi.as_view(), name="hub_api_queue"),
    path("receive", apis.HubReceiveApi.as_view(), name="hub_api_receive"),
    path("b/<slug:brand_slug>/returns/<int:pk>", apis.HubReturnDetailApi.as_view(), name="hub_api_return"),
]
