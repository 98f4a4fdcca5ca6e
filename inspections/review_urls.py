"""Brand-portal pages for reviewing inspections, audits, held units and the trust
settings (mounted at the root of a brand host)."""

from django.urls import path

from inspections import review_views as views

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_review"),
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/<int:pk>/decide/", views.audit_decide, name="audit_decide"),
    path("units/held/", views.unit_held_list, name="unit_held_list"),
    path("units/<int:pk>/approve/", views.unit_approve, name="unit_approve"),
    path("units/<int:pk>/reject/", views.unit_reject, name="unit_reject"),
    path("settings/trust/", views.trust_settings, name="trust_settings"),
]
