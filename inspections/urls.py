"""Brand-portal pages of the inspections app (mounted at the root of a brand host):
grading standards, inspection review, audits, held units, trust settings, photo files."""

from django.urls import path

from inspections.apis import photos
from inspections.views import review, standard_rows, standards

VERSION = "standards/<id:pk>/versions/<id:number>/"

urlpatterns = [
    # grading standards
    path("standards/", standards.standard_list, name="standard_list"),
    path("standards/<id:pk>/", standards.standard_detail, name="standard_detail"),
    path("standards/<id:pk>/history/", standards.standard_history, name="standard_history"),
    path("standards/<id:pk>/drafts/", standards.draft_create, name="standard_draft_create"),
    path(VERSION, standards.version_detail, name="standard_version"),
    path(f"{VERSION}preview/", standards.version_preview, name="standard_preview"),
    path(f"{VERSION}discard/", standards.draft_discard, name="standard_draft_discard"),
    path(f"{VERSION}publish/", standards.publish, name="standard_publish"),
    path(f"{VERSION}dispositions/", standards.dispositions_set, name="standard_dispositions"),
    path(f"{VERSION}checklist/", standard_rows.item_add, name="standard_item_add"),
    path(f"{VERSION}checklist/<slug:key>/", standard_rows.item_edit, name="standard_item_edit"),
    path(f"{VERSION}checklist/<slug:key>/delete/", standard_rows.item_delete, name="standard_item_delete"),
    path(f"{VERSION}checklist/<slug:key>/move/", standard_rows.item_move, name="standard_item_move"),
    path(f"{VERSION}photos/", standard_rows.photo_add, name="standard_photo_add"),
    path(f"{VERSION}photos/<slug:slot>/", standard_rows.photo_edit, name="standard_photo_edit"),
    path(f"{VERSION}photos/<slug:slot>/delete/", standard_rows.photo_delete, name="standard_photo_delete"),
    path(f"{VERSION}photos/<slug:slot>/move/", standard_rows.photo_move, name="standard_photo_move"),
    # review: inspections, audits, held units, trust settings
    path("inspections/", review.inspection_list, name="inspection_list"),
    path("inspections/<id:pk>/", review.inspection_detail, name="inspection_review"),
    path("audits/", review.audit_list, name="audit_list"),
    path("audits/<id:pk>/decide/", review.audit_decide, name="audit_decide"),
    path("units/held/", review.unit_held_list, name="unit_held_list"),
    path("units/<id:pk>/approve/", review.unit_approve, name="unit_approve"),
    path("units/<id:pk>/reject/", review.unit_reject, name="unit_reject"),
    path("settings/trust/", review.trust_settings, name="trust_settings"),
    # photo files (brand side)
    path("photos/<id:pk>/<slug:rendition>", photos.BrandPhotoApi.as_view(), name="brand_photo"),
]
