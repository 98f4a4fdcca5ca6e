"""DRF authentication shared by the APIs."""

from drf_spectacular.authentication import BasicScheme
from rest_framework import authentication, exceptions

from closo import attempts


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic (e-mail and password) with the sign-in limits: closo.backends.EmailBackend
    counts the failures; a locked account or client IP gets 429 `too_many_attempts` with
    Retry-After instead of 401."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            refusal = attempts.refusal_of(request) if request is not None else None
            if refusal is not None:
                raise refusal.error() from None
            raise


class LimitedBasicScheme(BasicScheme):
    """The same `basicAuth` scheme in the OpenAPI schema as DRF's own class."""

    target_class = BasicAuthentication
