"""Pages of the surfaces that combine the apps.

`hub_urlpatterns`: the hub portal on the public host (queue, receive, a return, the
inspection wizard, photos). `brand_urlpatterns`: the brand overview on a brand host.
Each root URLconf includes its own list."""

from django.urls import path

from portals.apis import photos
from portals.views import brand_overview, hub, hub_count, hub_handoffs, hub_inspect

RETURN = "hub/b/<slug:brand_slug>/returns/<id:pk>/"

hub_urlpatterns = [
    path("hub/", hub.hub_home, name="hub_home"),
    path("hub/receive/", hub.hub_receive, name="hub_receive"),
    path("hub/handoffs/confirm/", hub_handoffs.hub_handoff_confirm, name="hub_handoff_confirm"),
    path("hub/handoffs/<id:pk>/", hub_handoffs.hub_handoff_detail, name="hub_handoff_detail"),
    path("hub/count/", hub_count.hub_count, name="hub_count"),
    path("hub/counts/<id:pk>/", hub_count.hub_count_detail, name="hub_count_detail"),
    path("hub/pack/<id:pk>/sent/", hub_count.hub_pack_done, name="hub_pack_done"),
    path(RETURN, hub.hub_return_detail, name="hub_return_detail"),
    path(f"{RETURN}inspect/", hub_inspect.hub_inspect, name="hub_inspect"),
    path(f"{RETURN}inspection/", hub_inspect.hub_inspection_result, name="hub_inspection_result"),
    path(f"{RETURN}photos/", photos.HubReturnPhotosApi.as_view(), name="hub_photo_upload"),
    path("hub/b/<slug:brand_slug>/photos/<id:pk>/<slug:rendition>", photos.HubPhotoApi.as_view(), name="hub_photo"),
]

brand_urlpatterns = [
    path("", brand_overview.brand_home, name="brand_home"),
]
