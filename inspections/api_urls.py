"""Brand API v1 endpoints of the inspections app (mounted at /api/v1/ on a brand host):
grading standards, inspections, audits and held stock units."""

from django.urls import path

from inspections.apis import review, standard_rows, standards

VERSION = "standards/<id:pk>/versions/<id:number>"

urlpatterns = [
    path("standards/", standards.StandardListApi.as_view(), name="api_standard_list"),
    path("standards/resolve", standards.StandardResolveApi.as_view(), name="api_standard_resolve"),
    path("standards/<id:pk>", standards.StandardDetailApi.as_view(), name="api_standard_detail"),
    path("standards/<id:pk>/versions", standards.VersionCreateApi.as_view(), name="api_standard_version_create"),
    path(VERSION, standards.VersionDetailApi.as_view(), name="api_standard_version"),
    path(f"{VERSION}/checklist", standard_rows.ChecklistCreateApi.as_view(), name="api_checklist_add"),
    path(f"{VERSION}/checklist/<slug:key>", standard_rows.ChecklistItemApi.as_view(), name="api_checklist_item"),
    path(f"{VERSION}/photos", standard_rows.PhotoCreateApi.as_view(), name="api_photo_add"),
    path(f"{VERSION}/photos/<slug:slot>", standard_rows.PhotoSlotApi.as_view(), name="api_photo_slot"),
    path(f"{VERSION}/dispositions", standards.VersionDispositionsApi.as_view(), name="api_version_dispositions"),
    path(f"{VERSION}/order", standard_rows.VersionOrderApi.as_view(), name="api_version_order"),
    path(f"{VERSION}/publish", standards.VersionPublishApi.as_view(), name="api_version_publish"),
    # review
    path("inspections/", review.InspectionListApi.as_view(), name="api_inspection_list"),
    path("inspections/<id:pk>", review.InspectionDetailApi.as_view(), name="api_inspection_detail"),
    path("audits/", review.AuditListApi.as_view(), name="api_audit_list"),
    path("audits/<id:pk>/decision", review.AuditDecisionApi.as_view(), name="api_audit_decision"),
    path("units/", review.UnitListApi.as_view(), name="api_unit_list"),
    path("units/<id:pk>/approve", review.UnitApproveApi.as_view(), name="api_unit_approve"),
    path("units/<id:pk>/reject", review.UnitRejectApi.as_view(), name="api_unit_reject"),
]
