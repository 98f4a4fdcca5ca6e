"""The hub API alone, mounted where it is served, for the OpenAPI schema generator; and
what its schema says about itself (the brand API's settings with another title, auth
and tags)."""

from django.urls import include, path

urlpatterns = [path("api/v1/hub/", include("portals.api_urls"))]

SPECTACULAR_SETTINGS = {
    "TITLE": "Closo hub API",
    "DESCRIPTION": "What a hub's scanner app does: the hubs you work at, the queue, receiving a "
    "drop-off by its code, photographing and inspecting a return. Served on the public host. "
    "Authenticate as a hub member: HTTP Basic with your e-mail and password, or a portal session "
    "(with its CSRF token). You see only the hubs you are a member of and the returns at them; "
    "with several hubs, name the one acting with the `X-Hub` header or `?hub=` (its id). "
    'Errors have the shape `{"error": {"code", "message", "fields"}}`. POSTs take no '
    "Idempotency-Key: each refuses a second effect itself (`code_used`, `already_inspected`; "
    "a photo re-sent for a slot replaces it).",
    # Tag operations by what follows /api/v1/hub/ (and a brand's /b/{brand_slug}/).
    "SCHEMA_PATH_PREFIX": r"/api/v1/hub(/b/\{brand_slug\})?",
}
