"""Photo routes of a brand host: include at the root of closo/urls_tenant.py."""

from django.urls import path

from inspections import photo_views

urlpatterns = [
    path("photos/<int:pk>/<slug:rendition>", photo_views.BrandPhotoApi.as_view(), name="brand_photo"),
]
