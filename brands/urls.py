"""Brand workspace pages (brand host): team and API keys."""

from django.urls import path

from brands.views import workspace

urlpatterns = [
    path("team/", workspace.team, name="brand_team"),
    path("api-keys/", workspace.api_keys, name="brand_api_keys"),
    path("api-keys/<id:pk>/revoke/", workspace.api_key_revoke, name="brand_api_key_revoke"),
    path("api-keys/publishable/rotate/", workspace.publishable_key_rotate, name="brand_publishable_key_rotate"),
    path("api-keys/publishable/<id:pk>/revoke/", workspace.publishable_key_revoke, name="brand_publishable_key_revoke"),
    path("api-keys/origins/", workspace.storefront_origins, name="brand_storefront_origins"),
]
