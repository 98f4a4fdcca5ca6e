"""Unhandled exceptions: under DEBUG only signed-in staff see Django's technical 500 page
(traceback, settings); everybody else gets templates/500.html, or the API's error shape
under /api/ (closo/errors.py)."""

import logging

import pytest
from django.db import OperationalError
from django.urls import include, path

from closo.middleware import BrandHostMiddleware
from tests.conftest import HostClient

SECRET = "boom-4f2a: a detail only the traceback shows"


def boom(request):
    raise RuntimeError(SECRET)


# This module is the public host's URLconf in these tests: two views that fail, then the real pages.
urlpatterns = [
    path("boom/", boom),
    path("api/v1/hub/boom", boom),
    path("", include("closo.urls_public")),
]
handler404 = "closo.views.not_found"


@pytest.fixture
def public(db, settings, public_host):
    """get(path, user=None): a request to the public host, with the failing views mounted."""
    settings.PUBLIC_SCHEMA_URLCONF = __name__

    def get(url, user=None, **headers):
        client = HostClient(public_host, raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        return client.get(url, **headers)

    return get


def assert_plain_page(response):
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Something went wrong" in body
    assert '<link rel="stylesheet"' in body  # the project's page (base.html), not a bare fallback
    for leak in ("Traceback", SECRET, "SECRET_KEY", "RuntimeError", "INSTALLED_APPS"):
        assert leak not in body


def assert_technical_page(response):
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" in body
    assert SECRET in body
    assert "SECRET_KEY" in body  # the settings dump (masked)


def test_anonymous_visitor_gets_the_plain_page_under_debug(public, settings):
    settings.DEBUG = True
    assert_plain_page(public("/boom/"))


def test_signed_in_non_staff_user_gets_the_plain_page_under_debug(public, settings, olga, ivan):
    settings.DEBUG = True
    assert_plain_page(public("/boom/", user=olga))
    assert_plain_page(public("/boom/", user=ivan))


def test_staff_get_the_technical_page_under_debug(public, settings, stan):
    settings.DEBUG = True
    assert_technical_page(public("/boom/", user=stan))


def test_without_debug_staff_get_the_plain_page_too(public, settings, stan):
    settings.DEBUG = False
    assert_plain_page(public("/boom/", user=stan))


@pytest.mark.parametrize("debug", [True, False])
def test_api_answers_a_failure_in_its_error_shape(public, settings, debug):
    settings.DEBUG = debug
    for accept in ("application/json", "*/*", "text/html"):
        response = public("/api/v1/hub/boom", HTTP_ACCEPT=accept)
        assert response.status_code == 500
        assert response.json() == {
            "error": {"code": "server_error", "message": response.json()["error"]["message"], "fields": {}}
        }
        assert response.json()["error"]["message"]
        assert SECRET not in response.content.decode()


def test_the_plain_page_keeps_the_security_headers(public, settings):
    settings.DEBUG = True
    response = public("/boom/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_developer_still_gets_the_traceback_in_the_log(public, settings, caplog):
    settings.DEBUG = True
    with caplog.at_level(logging.ERROR, logger="django.request"):
        public("/boom/")
    (record,) = [r for r in caplog.records if r.name == "django.request"]  # once, with the traceback
    assert record.exc_info[0] is RuntimeError
    assert SECRET in str(record.exc_info[1])


def test_a_failure_before_the_view_is_covered_too(settings, brand_a, monkeypatch):
    """The brand lookup is the first query: "too many clients" surfaces in the middleware."""
    settings.DEBUG = True

    def refuse(*args, **kwargs):
        raise OperationalError("FATAL: sorry, too many clients already")

    monkeypatch.setattr(BrandHostMiddleware, "get_tenant", refuse)
    client = HostClient(brand_a.host, raise_request_exception=False)
    page = client.get("/")
    assert_plain_page(page)
    assert "too many clients" not in page.content.decode()
    api = client.get("/api/v1/skus/")
    assert api.status_code == 500
    assert api.json()["error"]["code"] == "server_error"


def test_handled_errors_are_untouched(public, settings):
    settings.DEBUG = False
    assert public("/no-such-page/").status_code == 404
    assert public("/api/v1/hub/no-such").json()["error"]["code"] == "not_found"
