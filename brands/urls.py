from django.urls import path

from brands import views

urlpatterns = [
    path("", views.brand_home, name="brand_home"),
    path("team/", views.team, name="brand_team"),
    path("api-keys/", views.api_keys, name="brand_api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="brand_api_key_revoke"),
]
