"""The hub API, mounted at /api/v1/hub/ on the public host."""

from django.urls import path

from portals.apis import hub, hub_handoffs, hub_inspections, photos

RETURN = "b/<slug:brand_slug>/returns/<id:pk>"

urlpatterns = [
    path("hubs", hub.HubListApi.as_view(), name="hub_api_hubs"),
    path("queue", hub.HubQueueApi.as_view(), name="hub_api_queue"),
    path("receive", hub.HubReceiveApi.as_view(), name="hub_api_receive"),
    path("handoffs", hub_handoffs.HubHandoffListApi.as_view(), name="hub_api_handoffs"),
    path("handoffs/confirm", hub_handoffs.HubHandoffConfirmApi.as_view(), name="hub_api_handoff_confirm"),
    path("handoffs/<id:pk>/record", hub_handoffs.HubHandoffRecordApi.as_view(), name="hub_api_handoff_record"),
    path(RETURN, hub.HubReturnDetailApi.as_view(), name="hub_api_return"),
    path(f"{RETURN}/inspection/form", hub_inspections.HubInspectionFormApi.as_view(), name="hub_api_inspection_form"),
    path(f"{RETURN}/inspection", hub_inspections.HubInspectionApi.as_view(), name="hub_api_inspection"),
    path(f"{RETURN}/photos", photos.HubReturnPhotosApi.as_view(), name="hub_api_photos"),
]
