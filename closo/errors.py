"""What a visitor sees when a request fails with an unhandled exception.

Under DEBUG (the development default) Django answers an unhandled exception with its
technical 500 page — traceback, local variables, settings — to whoever sent the request.
`ServerErrorMiddleware` keeps that page for signed-in staff; everybody else gets what
production shows: templates/500.html, or the API's error shape under /api/ (in production
too, where Django's own 500 handler would answer the API in HTML).

The middleware comes first in MIDDLEWARE, so it also covers exceptions raised in the other
middleware (the brand lookup is the first query of every request: when the database refuses
the connection, that is where it fails). Django still logs every such exception with its
traceback (logger `django.request`), so the developer sees it in the server's output.
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import got_request_exception
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader

_UNHANDLED = "_closo_unhandled_exception"
# Set by Django's response, not by the page: they describe the body this module replaces.
_BODY_HEADERS = {"content-type", "content-length"}
_PLAIN_PAGE = "<!doctype html><title>Server error</title><h1>Something went wrong</h1>"


def server_error(request):
    """500 for every URL: the API's error shape under /api/, the 500 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "code": "server_error",
                    "message": "Something went wrong on our side. Try again later.",
                    "fields": {},
                }
            },
            status=500,
        )
    try:
        # Without the request, as Django's own server_error: the context processors query
        # the database, which may be what just failed.
        return HttpResponseServerError(loader.get_template("500.html").render())
    except Exception:  # a broken error page must not bring the technical page back
        return HttpResponseServerError(_PLAIN_PAGE)


def _mark_unhandled(sender, request=None, **kwargs):
    # Django sends this signal only for exceptions it answers with a 500 (not for Http404,
    # PermissionDenied, BadRequest or SuspiciousOperation), just before building the page.
    if request is not None:
        setattr(request, _UNHANDLED, True)


got_request_exception.connect(_mark_unhandled, dispatch_uid="closo.errors.mark_unhandled")


def _is_staff(request) -> bool:
    try:
        user = request.user
        return bool(user.is_authenticated and user.is_staff)
    except Exception:  # no user yet, or the session or user could not be loaded
        return False


class ServerErrorMiddleware:
    """Show Django's technical 500 page to signed-in staff under DEBUG only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, _UNHANDLED, False) or (settings.DEBUG and _is_staff(request)):
            return response
        page = server_error(request)
        # Keep what the inner middleware added (security headers, cookies).
        for header, value in response.items():
            if header.lower() not in _BODY_HEADERS:
                page.headers.setdefault(header, value)
        page.cookies = response.cookies
        # Django logged the exception with its traceback; without this it would log the
        # replacement page once more (django.utils.log.log_response checks this flag).
        page._has_been_logged = getattr(response, "_has_been_logged", False)
        return page
