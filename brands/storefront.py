"""Storefront access: what a brand's publishable key may do from a shopper's browser.

A publishable key (`?key=closo_pk_…`, brands.models.PublishableKey) is not a secret: it sits
in a theme's JavaScript. What keeps it harmless is what it can do and from where:
- it reads availability and nothing else: a view opts in with `accepts_publishable_key`
  (StorefrontAccessMixin); on every other view brands.authentication refuses it with 403
  `publishable_key_not_allowed`;
- only from a page of one of the brand's storefront origins (the `Origin` header browsers
  send; `origin_not_allowed`, or `origin_required` when there is none: servers use secret
  keys). The brand's own host is always allowed, so the portal's demo page works: a
  same-origin GET carries no `Origin`, so `Sec-Fetch-Site: same-origin` stands for it;
- throttled per client IP (StorefrontThrottle, settings REST_FRAMEWORK
  DEFAULT_THROTTLE_RATES["storefront"], 120/min by default): 429 `throttled` with
  Retry-After.

Allowed requests get CORS headers naming their origin; a preflight (OPTIONS) is answered
from the host brand's origins alone, since browsers send no key or credentials with it.
Secret-key and session requests get no CORS headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from brands.exceptions import InvalidOrigin, OriginNotAllowed, OriginRequired, TooManyOrigins
from brands.models import Brand, PublishableKey
from closo import attempts
from closo.inputs import api_error

MAX_ORIGINS = 20
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type, If-None-Match"
EXPOSED_HEADERS = "ETag, Retry-After"
# Browsers cap it (Chromium at 2 hours); the preflight is the only extra round trip.
PREFLIGHT_MAX_AGE_SECONDS = 7200
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_url = URLValidator(schemes=["http", "https"])

# The attribute of the underlying HttpRequest that holds the origin a publishable-key request
# was accepted from (set by brands.authentication, read when the response is finished).
_ACCEPTED_ORIGIN = "closo_storefront_origin"


def origin_normalise(raw: str) -> str:
    """`raw` as a browser writes it in `Origin`: `scheme://host[:port]`, lower case, without
    the default port; or InvalidOrigin. https only, except for local development hosts."""
    value = raw.strip()
    try:
        _url(value)
        parts = urlsplit(value)
        port = parts.port
    except (ValidationError, ValueError):
        raise InvalidOrigin(f"“{raw}” is not a web address like https://shop.example.com.") from None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidOrigin(f"“{raw}” is more than an origin: give only https:// and the host, no path.")
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    local = netloc in LOCAL_HOSTS or netloc.endswith(".localhost")
    if parts.scheme == "http" and not local:
        raise InvalidOrigin(f"“{raw}” is not https: storefront pages are served over https.")
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}"


def origins_normalise(raws: list[str]) -> list[str]:
    """Each of `raws` normalised (blank lines skipped, duplicates once, order kept); all
    problems together in one InvalidOrigin (`fields.origins`)."""
    origins: list[str] = []
    problems: list[str] = []
    for raw in raws:
        if not raw.strip():
            continue
        try:
            origin = origin_normalise(raw)
        except InvalidOrigin as exc:
            problems.append(exc.message)
            continue
        if origin not in origins:
            origins.append(origin)
    if problems:
        raise InvalidOrigin(" ".join(problems), fields={"origins": problems})
    if len(origins) > MAX_ORIGINS:
        message = f"List at most {MAX_ORIGINS} origins."
        raise TooManyOrigins(message, fields={"origins": [message]})
    return origins


def own_origin(request) -> str:
    """The origin of the host the request was sent to (the brand host)."""
    return f"{request.scheme}://{request.get_host()}"


def request_origin(request) -> str | None:
    """The page's origin: `Origin`, or the host's own for a same-origin request without
    one (browsers send no Origin on a same-origin GET, but do send Sec-Fetch-Site)."""
    origin = request.headers.get("Origin")
    if origin:
        return origin
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return own_origin(request)
    return None


def origin_refusal(request, origins: list[str]) -> OriginNotAllowed | OriginRequired | None:
    """Why a page of this request's origin may not use the key (None when it may)."""
    origin = request_origin(request)
    if origin is None:
        return OriginRequired(
            "A publishable key is used from a storefront page, whose browser sends Origin. "
            "From a server, use a secret API key (Authorization: Api-Key …)."
        )
    if origin != own_origin(request) and origin not in origins:
        return OriginNotAllowed(
            f"{origin[:255]} is not one of this brand's storefront origins: add it under API keys in the Closo portal."
        )
    return None


def accept_origin(request) -> None:
    """Remember that this request's origin was accepted (for its CORS headers)."""
    setattr(getattr(request, "_request", request), _ACCEPTED_ORIGIN, request.headers.get("Origin"))


def is_preflight(request) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def preflight(request) -> HttpResponse:
    """The answer to a CORS preflight: 204 with the allowed methods and headers for an
    allowed origin of the host's brand (read fresh: a preflight carries no key), else 403
    with the error shape and no CORS headers."""
    brand = getattr(request, "tenant", None)
    origins = None
    if brand is not None and not brand.is_public:
        origins = Brand.objects.filter(pk=brand.pk).values_list("storefront_origins", flat=True).first()
    if "Origin" not in request.headers:
        refusal = OriginRequired("A preflight without Origin is not a browser's.")
    elif origins is None:
        refusal = OriginNotAllowed("There is no brand's storefront on this host.")
    else:
        refusal = origin_refusal(request, origins or [])
    if refusal is not None:
        response = api_error(refusal.code, refusal.message, refusal.status, refusal.fields)
    else:
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Origin"] = request.headers["Origin"]
        response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    patch_vary_headers(response, ["Origin"])
    return response


class StorefrontThrottle(SimpleRateThrottle):
    """Publishable-key requests per client IP (closo.attempts.client_ip, proxies counted as
    configured), in the project cache; other requests are not counted. DRF's history is a
    read-then-write of one cache entry, so racing requests of one IP may undercount a
    little: a rate limit, not a quota."""

    scope = "storefront"

    def get_rate(self):
        # Read at each request (api_settings follows override_settings), not at import.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def timer(self) -> float:
        return attempts.now()

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, PublishableKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": attempts.client_ip(request)}


class StorefrontAccessMixin:
    """For the APIView a storefront may call with the publishable key: opts in, throttles
    publishable-key requests per IP, answers preflights and adds CORS headers for an
    accepted origin (errors included, so the page can read a 400 or a 429)."""

    accepts_publishable_key = True
    throttle_classes = [StorefrontThrottle]

    def dispatch(self, request, *args, **kwargs):
        if is_preflight(request):
            return preflight(request)
        return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = getattr(getattr(request, "_request", request), _ACCEPTED_ORIGIN, None)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if "key" in request.query_params:
            patch_vary_headers(response, ["Origin"])
        return response
