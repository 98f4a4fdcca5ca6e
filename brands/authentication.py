from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from brands.models import ApiKey
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
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return AnonymousUser(), key

    @staticmethod
    def _key(raw: str) -> ApiKey:
        parsed = ApiKey.parse(raw)
        if parsed is None:
            raise exceptions.AuthenticationFailed("Malformed API key.", code="invalid_api_key")
        key_id, secret = parsed
        key = ApiKey.objects.select_related("brand").filter(key_id=key_id).first()
        if key is None or not constant_time_compare(key.digest, ApiKey.hash_secret(secret)):
            raise exceptions.AuthenticationFailed("Unknown API key.", code="invalid_api_key")
        if not key.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.", code="revoked_api_key")
        return key

    def authenticate_header(self, request):
        return self.keyword


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
