"""Hub registry pages on the public host: applications and the staff back office."""

from django.urls import path

from hubs.views import registry

urlpatterns = [
    path("hubs/apply/", registry.hub_apply, name="hub_apply"),
    path("hubs/apply/sent/", registry.hub_apply_sent, name="hub_apply_sent"),
    path("staff/hubs/", registry.staff_hub_list, name="staff_hub_list"),
    path("staff/hubs/<id:pk>/", registry.staff_hub_detail, name="staff_hub_detail"),
    path("staff/hubs/<id:pk>/check/", registry.staff_hub_check, name="staff_hub_check"),
    path("staff/hubs/<id:pk>/status/", registry.staff_hub_status, name="staff_hub_status"),
]
