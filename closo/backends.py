"""How people sign in: e-mail and password (Django's ModelBackend), behind the sign-in
limits of closo.attempts. Every way in — the sign-in page on the public and every brand
host, the admin's, the hub API's HTTP Basic — goes through django.contrib.auth's
authenticate(), so each counts the same failures and honours the same locks."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from closo import attempts


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if email is None or password is None:
            return None
        keys = attempts.sign_in_keys(request, email)
        refusal = attempts.check(*keys)
        if refusal is None:
            user = super().authenticate(request, username=email, password=password)
            if user is not None:
                return user
            refusal = attempts.record_all(*keys)
            if refusal is None:
                return None
        # Locked (the password is not even checked), or this failure reached a limit.
        if request is not None:
            attempts.remember(request, refusal)
        raise PermissionDenied(refusal.message)
