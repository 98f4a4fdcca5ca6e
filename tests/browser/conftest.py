"""Browser tests: Chromium, driven by Playwright, against a live server in this process.

The live server shares the test's database connection and transaction, so the cast from
tests/conftest.py (committed once per run) is visible to it, everything a test writes —
through the browser or the ORM — is rolled back at the end, and the 42k ZIP rows stay.
That is why this is not pytest-django's `live_server` (which needs `transactional_db`,
whose flush would wipe the cast and the ZIP codes). The fixture is called `server`: any
fixture named `live_server` makes pytest-django's autouse `_live_server_helper` request
`transactional_db` for the test.

The server is Django's single-threaded WSGIServer: it handles one request at a time, so
the shared connection is never used by two requests at once, and it answers every
request with `Connection: close`, so no idle keep-alive socket can hold it up.

Playwright's sync API marks an asyncio loop as running in the main thread between its
calls. Two consequences while the browser is up:
- Django refuses ORM calls there (SynchronousOnlyOperation), including the `db`
  fixture's own rollback, so DJANGO_ALLOW_ASYNC_UNSAFE is set;
- asgiref stores Django's connections per context instead of per thread, so the main
  thread gets a second connection; the browser fixture closes it when it stops (left
  open, it keeps the test database from being dropped at the end of the run).
Browser tests run after all other tests (pytest_collection_modifyitems), so the rest of
the suite runs with neither.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer
from django.db import connection, connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from playwright.sync_api import Browser, Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
ABORTED = "net::ERR_ABORTED"  # a navigation cancelled a pending load: not broken


def pytest_collection_modifyitems(config, items):
    """Run browser tests last (stable order otherwise): see the module docstring."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


class SingleThreadedLiveServerThread(LiveServerThread):
    server_class = WSGIServer

    def _create_server(self, connections_override=None):
        # WSGIServer, unlike ThreadedWSGIServer, takes no connections_override: the
        # requests run in this thread, whose connection run() already replaced.
        return self.server_class((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)


def _whitenoise_serves_static(app):
    """No test static handler: WhiteNoise (in MIDDLEWARE, WHITENOISE_USE_FINDERS in tests)
    serves /static/ as in production. Django's _StaticFilesHandler would serve it from
    STATIC_ROOT, which is unset in tests."""
    return app


@dataclass(frozen=True)
class LiveServer:
    port: int

    def host(self, brand: str | None = None) -> str:
        """`localhost:<port>`, or a brand's `<slug>.localhost:<port>`."""
        name = f"{brand}.{settings.BASE_DOMAIN}" if brand else settings.BASE_DOMAIN
        return f"{name}:{self.port}"

    def url(self, path: str = "/", *, brand: str | None = None) -> str:
        return f"http://{self.host(brand)}{path}"

    def get(self, path: str, *, brand: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """GET from the test itself (not the browser): (status, body). Connects to
        127.0.0.1 and sends the host name in the Host header, since the resolver does
        not know *.localhost (Chromium resolves it by itself)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Host": self.host(brand), **(headers or {})}
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@contextmanager
def live_server(connections_override=None) -> Iterator[LiveServer]:
    """A server on 127.0.0.1:<random port>, on the given connections (else its own)."""
    thread = SingleThreadedLiveServerThread(
        "127.0.0.1", static_handler=_whitenoise_serves_static, connections_override=connections_override, port=0
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield LiveServer(port=thread.port)
    finally:
        thread.terminate()


@pytest.fixture
def server(db) -> Iterator[LiveServer]:
    """A server that runs inside this test's transaction (on the test's connection)."""
    conn = connections["default"]
    conn.inc_thread_sharing()
    # Django's request_finished handler closes a connection whose autocommit differs
    # from the settings (true inside the test's transaction), and the server thread
    # closes all its connections when it stops: either would end the transaction.
    conn.close = lambda: None
    try:
        with live_server({"default": conn}) as running:
            yield running
    finally:
        conn.dec_thread_sharing()
        del conn.close  # the method of the class again
        connection.set_schema_to_public()


@pytest.fixture
def committed_server(committed) -> Iterator[LiveServer]:
    """A server on its own database connection: it sees what a `committed` test committed."""
    with live_server() as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as playwright:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()  # the connections opened while Playwright ran


@pytest.fixture
def page(browser, server) -> Iterator[Page]:
    """A phone-sized page (390×844) in a fresh context: no cookies from other tests.
    Depends on `server` so the context closes before the server stops."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    broken = []  # server errors, and stylesheets/images that did not load
    page.on("response", lambda r: broken.append(f"{r.status} {r.url}") if _is_broken(r) else None)
    page.on("requestfailed", lambda r: broken.append(f"{r.failure} {r.url}") if r.failure != ABORTED else None)
    yield page
    context.close()
    assert not broken, f"the page loaded broken resources: {broken}"


def _is_broken(response) -> bool:
    return response.status >= 500 or (response.status >= 400 and "/static/" in response.url)


@pytest.fixture
def screenshot():
    """screenshot(page, "name.png"): a full-page screenshot in artifacts/screenshots/."""

    def take(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in():
    """sign_in(page, url, email, password): type the credentials into the sign-in form."""

    def fill(page: Page, url: str, email: str, password: str) -> None:
        page.goto(url)
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    return fill


class CommitHooks:
    """Runs the `transaction.on_commit` callbacks each request registered once the request
    has finished, as a real commit would. The live server shares the test's transaction,
    which never commits, so without this the work Closo does after a commit (matching a
    released unit, sending e-mails) would never happen in a browser test. Callbacks that
    register more callbacks (a match that sends an e-mail) run too, in order."""

    def __call__(self, **kwargs) -> None:
        conn = connections["default"]
        while conn.run_on_commit:
            pending, conn.run_on_commit = conn.run_on_commit, []
            for _sids, func, _robust in pending:
                func()


@pytest.fixture
def commit_hooks():
    from django.core.signals import request_finished

    hooks = CommitHooks()
    request_finished.connect(hooks, dispatch_uid="test-commit-hooks")
    yield hooks
    request_finished.disconnect(dispatch_uid="test-commit-hooks")
