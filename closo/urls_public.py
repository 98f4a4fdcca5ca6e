"""URLs of the public host (BASE_DOMAIN): landing, hub portal, hub applications, staff."""

from django.contrib import admin
from django.urls import include, path

from closo.views import landing

urlpatterns = [
    path("", landing, name="landing"),
    path("accounts/", include("closo.urls_accounts")),
    path("", include("hubs.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "closo.views.not_found"
