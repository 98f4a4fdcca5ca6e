from django.urls import path

from fulfillment.views import imports

urlpatterns = [
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/run/", imports.import_run, name="import_run"),
]
