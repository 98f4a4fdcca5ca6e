from django.urls import path

from hubs import views

urlpatterns = [
    path("hub/", views.hub_home, name="hub_home"),
    path("hub/receive/", views.hub_receive, name="hub_receive"),
    path("hub/b/<slug:brand_slug>/returns/<int:pk>/", views.hub_return_detail, name="hub_return_detail"),
    path("hubs/apply/", views.hub_apply, name="hub_apply"),
    path("staff/hubs/", views.staff_hub_list, name="staff_hub_list"),
    path("staff/hubs/<int:pk>/", views.staff_hub_detail, name="staff_hub_detail"),
    path("staff/hubs/<int:pk>/check/", views.staff_hub_check, name="staff_hub_check"),
    path("staff/hubs/<int:pk>/status/", views.staff_hub_status, name="staff_hub_status"),
]
