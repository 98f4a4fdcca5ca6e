"""Brand-portal pages for grading standards (mounted at /standards/ on a brand host)."""

from django.urls import path

from inspections import views

VERSION = "<int:pk>/versions/<int:number>/"

urlpatterns = [
    path("", views.standard_list, name="standard_list"),
    path("<int:pk>/", views.standard_detail, name="standard_detail"),
    path("<int:pk>/history/", views.standard_history, name="standard_history"),
    path("<int:pk>/drafts/", views.draft_create, name="standard_draft_create"),
    path(VERSION, views.version_detail, name="standard_version"),
    path(f"{VERSION}preview/", views.version_preview, name="standard_preview"),
    path(f"{VERSION}discard/", views.draft_discard, name="standard_draft_discard"),
    path(f"{VERSION}publish/", views.publish, name="standard_publish"),
    path(f"{VERSION}dispositions/", views.dispositions_set, name="standard_dispositions"),
    path(f"{VERSION}checklist/", views.item_add, name="standard_item_add"),
    path(f"{VERSION}checklist/<slug:key>/", views.item_edit, name="standard_item_edit"),
    path(f"{VERSION}checklist/<slug:key>/delete/", views.item_delete, name="standard_item_delete"),
    path(f"{VERSION}checklist/<slug:key>/move/", views.item_move, name="standard_item_move"),
    path(f"{VERSION}photos/", views.photo_add, name="standard_photo_add"),
    path(f"{VERSION}photos/<slug:slot>/", views.photo_edit, name="standard_photo_edit"),
    path(f"{VERSION}photos/<slug:slot>/delete/", views.photo_delete, name="standard_photo_delete"),
    path(f"{VERSION}photos/<slug:slot>/move/", views.photo_move, name="standard_photo_move"),
]
