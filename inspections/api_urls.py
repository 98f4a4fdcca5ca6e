"""Brand API v1: grading standards (mounted at /api/v1/)."""

from django.urls import path

from inspections import apis

VERSION = "standards/<int:pk>/versions/<int:number>"

urlpatterns = [
    path("standards/", apis.StandardListApi.as_view(), name="api_standard_list"),
    path("standards/resolve", apis.StandardResolveApi.as_view(), name="api_standard_resolve"),
    path("standards/<int:pk>", apis.StandardDetailApi.as_view(), name="api_standard_detail"),
    path("standards/<int:pk>/versions", apis.VersionCreateApi.as_view(), name="api_standard_version_create"),
    path(VERSION, apis.VersionDetailApi.as_view(), name="api_standard_version"),
    path(f"{VERSION}/checklist", apis.ChecklistCreateApi.as_view(), name="api_checklist_add"),
    path(f"{VERSION}/checklist/<slug:key>", apis.ChecklistItemApi.as_view(), name="api_checklist_item"),
    path(f"{VERSION}/photos", apis.PhotoCreateApi.as_view(), name="api_photo_add"),
    path(f"{VERSION}/photos/<slug:slot>", apis.PhotoSlotApi.as_view(), name="api_photo_slot"),
    path(f"{VERSION}/dispositions", apis.VersionDispositionsApi.as_view(), name="api_version_dispositions"),
    path(f"{VERSION}/order", apis.VersionOrderApi.as_view(), name="api_version_order"),
    path(f"{VERSION}/publish", apis.VersionPublishApi.as_view(), name="api_version_publish"),
]
