from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from brands import storefront
from brands.exceptions import PublishableKeyNotAllowed
from brands.models import ApiKey, PublishableKey
from brands.selectors.api_keys import api_key_by_id, publishable_key_by_value
from closo import attempts

# Refresh last_used_at at most this often per key, so the hot path rarely writes.
LAST_USED_RESOLUTION_SECONDS = 300


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`. Authenticates the key itself; whether it may act
    on this host's brand is brands.permissions.IsBrandMember's decision. Malformed,
    unknown and revoked keys count per client IP (closo.attempts.API_KEY_IP): past the
    limit the IP gets 429 `too_many_attempts` before any key is looked up."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        ip = attempts.client_ip(request)
        refusal = attempts.check((attempts.API_KEY_IP, ip))
        if refusal is not None:
            raise refusal.error()
        try:
            key = self._key(raw.strip())
        except exceptions.AuthenticationFailed:
            refusal = attempts.record(attempts.API_KEY_IP, ip)
            if refusal is not None:
                raise refusal.error() from None
            raise
        _touch(ApiKey, key, timezone.now())
        return AnonymousUser(), key

    @staticmethod
    def _key(raw: str) -> ApiKey:
        if raw.startswith(PublishableKey.PREFIX):
            raise exceptions.AuthenticationFailed(
                "A publishable key is not a secret key: a storefront page sends it as ?key=…, "
                "and it reads availability only.",
                code="invalid_api_key",
            )
        parsed = ApiKey.parse(raw)
        if parsed is None:
            raise exceptions.AuthenticationFailed("Malformed API key.", code="invalid_api_key")
        key = _verified(*parsed)
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown API key.", code="invalid_api_key")
        if not key.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.", code="revoked_api_key")
        return key

    def authenticate_header(self, request):
        return self.keyword


def _verified(key_id: str, secret: str) -> ApiKey | None:
    """The key with this id when `secret` is its secret (revoked or not), else None."""
    key = api_key_by_id(key_id)
    if key is None or not constant_time_compare(key.digest, ApiKey.hash_secret(secret)):
        return None
    return key


def api_key_plainly_valid(request) -> ApiKey | None:
    """For a view's fast path outside DRF: the request's secret key when ApiKeyAuthentication
    would accept it as it is — the `Api-Key` scheme, the client IP not locked out, a known,
    matching, active key — else None, counting nothing: the caller then hands the request to
    its DRF view, whose ApiKeyAuthentication refuses (and counts) or accepts it itself. The
    lock-out is read as attempts.check_remembered reads it (a lock set by another process
    is seen within a second): a valid key is no guess."""
    header = authentication.get_authorization_header(request).decode("latin-1")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != ApiKeyAuthentication.keyword.lower():
        return None
    if attempts.check_remembered((attempts.API_KEY_IP, attempts.client_ip(request))) is not None:
        return None
    parsed = ApiKey.parse(raw.strip())
    key = _verified(*parsed) if parsed is not None else None
    if key is None or not key.is_active:
        return None
    _touch(ApiKey, key, timezone.now())
    return key


def _touch(model, key, now) -> None:
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
        model.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now  # the instance is the one the key lookup keeps


class PublishableKeyAuthentication(authentication.BaseAuthentication):
    """`?key=closo_pk_…`: the brand's publishable key, from a storefront page
    (brands/storefront.py). Refused (403) on every view that does not opt in with
    `accepts_publishable_key`, and from a page whose origin the key's brand has not listed.
    Unknown keys count per client IP like bad secret keys (closo.attempts.API_KEY_IP); a
    revoked one does not (it is no guess), but is refused (401)."""

    param = "key"

    def authenticate(self, request):
        raw = request.query_params.get(self.param)
        if raw is None:
            return None
        ip = attempts.client_ip(request)
        refusal = attempts.check((attempts.API_KEY_IP, ip))
        if refusal is not None:
            raise refusal.error()
        key = None
        if PublishableKey.looks_like(raw):
            key = publishable_key_by_value(raw)
        if key is None:
            refusal = attempts.record(attempts.API_KEY_IP, ip)
            if refusal is not None:
                raise refusal.error()
            raise exceptions.AuthenticationFailed("Unknown publishable key.", code="invalid_publishable_key")
        if not key.is_active:
            raise exceptions.AuthenticationFailed(
                "This publishable key has been revoked.", code="revoked_publishable_key"
            )
        view = (request.parser_context or {}).get("view")
        if not getattr(view, "accepts_publishable_key", False):
            raise PublishableKeyNotAllowed(
                "A publishable key reads availability only (GET or POST /api/v1/availability); "
                "use a secret API key (Authorization: Api-Key …) for anything else."
            )
        refusal = storefront.origin_refusal(request, key.brand.storefront_origins)
        if refusal is not None:
            raise refusal
        tenant = getattr(request, "tenant", None)
        if tenant is not None and tenant.pk == key.brand_id:
            storefront.accept_origin(request)
        _touch(PublishableKey, key, timezone.now())
        return AnonymousUser(), key


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key closo_…` — create keys under API keys in the brand portal.",
        }


class PublishableKeyScheme(OpenApiAuthenticationExtension):
    target_class = PublishableKeyAuthentication
    name = "PublishableKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": PublishableKeyAuthentication.param,
            "description": "`?key=closo_pk_…` — the brand's publishable key, for storefront pages: "
            "availability only, from the brand's storefront origins (CORS), throttled per IP.",
        }
