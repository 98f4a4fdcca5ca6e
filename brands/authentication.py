from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from brands.models import ApiKey

# Refresh last_used_at at most this often per key, so the hot path rarely writes.
LAST_USED_RESOLUTION_SECONDS = 300


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`. Authenticates the key itself; whether it may act
    on this host's brand is brands.permissions.IsBrandMember's decision."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        parsed = ApiKey.parse(raw.strip())
        if parsed is None:
            raise exceptions.AuthenticationFailed("Malformed API key.", code="invalid_api_key")
        key_id, secret = parsed
        key = ApiKey.objects.select_related("brand").filter(key_id=key_id).first()
        if key is None or not constant_time_compare(key.digest, ApiKey.hash_secret(secret)):
            raise exceptions.AuthenticationFailed("Unknown API key.", code="invalid_api_key")
        if not key.is_active:
            raise exceptions.AuthenticationFailed("This API key has been revoked.", code="revoked_api_key")
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return AnonymousUser(), key

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
