"""Photo routes of the public host (hub side): include at the root of closo/urls_public.py."""

from django.urls import path

from inspections import photo_views

urlpatterns = [
    path(
        "hub/b/<slug:brand_slug>/returns/<int:pk>/photos/",
        photo_views.HubReturnPhotosApi.as_view(),
        name="hub_photo_upload",
    ),
    path(
        "hub/b/<slug:brand_slug>/photos/<int:pk>/<slug:rendition>",
        photo_views.HubPhotoApi.as_view(),
        name="hub_photo",
    ),
    path(
        "api/v1/hub/b/<slug:brand_slug>/returns/<int:pk>/photos",
        photo_views.HubReturnPhotosApi.as_view(),
        name="hub_api_photos",
    ),
]
