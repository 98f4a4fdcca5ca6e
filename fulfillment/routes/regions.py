from django.urls import path

from fulfillment.views import regions

urlpatterns = [
    path("regions/", regions.region_list, name="region_list"),
    path("regions/new/", regions.region_create, name="region_create"),
    path("regions/<int:pk>/edit/", regions.region_edit, name="region_edit"),
    path("regions/<int:pk>/delete/", regions.region_delete, name="region_delete"),
]
