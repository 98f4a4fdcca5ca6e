"""Brand API v1: inspections, audits and stock units (mounted at /api/v1/)."""

from django.urls import path

from inspections import review_apis as apis

urlpatterns = [
    path("inspections/", apis.InspectionListApi.as_view(), name="api_inspection_list"),
    path("inspections/<int:pk>", apis.InspectionDetailApi.as_view(), name="api_inspection_detail"),
    path("audits/", apis.AuditListApi.as_view(), name="api_audit_list"),
    path("audits/<int:pk>/decision", apis.AuditDecisionApi.as_view(), name="api_audit_decision"),
    path("units/", apis.UnitListApi.as_view(), name="api_unit_list"),
    path("units/<int:pk>/approve", apis.UnitApproveApi.as_view(), name="api_unit_approve"),
    path("units/<int:pk>/reject", apis.UnitRejectApi.as_view(), name="api_unit_reject"),
]
