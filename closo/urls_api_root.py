"""The API alone, mounted where it is served, for the OpenAPI schema generator."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("closo.urls_api"))]
