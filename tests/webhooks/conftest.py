"""A real HTTP receiver on 127.0.0.1 for delivery tests, the docs' verifier snippet, and
endpoints of brand A subscribed to some events."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from closo.actors import Actor

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def docs_verify_snippet() -> str:
    """The Python block under "### Verifying `Closo-Signature`" in docs/integrations.md."""
    text = DOCS.read_text()
    section = text.split("### Verifying `Closo-Signature`", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def docs_verify():
    """`verify(secret, header, body)` as defined by the docs' snippet, and its namespace
    (to move its clock)."""
    namespace: dict = {}
    exec(compile(docs_verify_snippet(), str(DOCS), "exec"), namespace)
    return namespace


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What it answers: `plan` is consumed one answer per request, (status, delay seconds,
    body); once empty, 200 "ok" at once."""

    url: str
    requests: list[Received] = field(default_factory=list)
    plan: list[tuple[int, float, bytes]] = field(default_factory=list)


@pytest.fixture
def receiver():
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                status, delay, answer = state.plan.pop(0) if state.plan else (200, 0.0, b"ok")
            time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the client timed out and went away

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/closo/hooks"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    return settings


@pytest.fixture
def alice_actor(alice):
    return Actor(user=alice, label=alice.email)


@pytest.fixture
def acme(brand_a, in_brand):
    with in_brand(brand_a):
        yield brand_a


@pytest.fixture
def make_endpoint(allow_private, alice_actor):
    """make_endpoint(url, *event_types): an endpoint of the brand the connection is on."""
    from webhooks.services.endpoints import endpoint_create

    def make(url: str, *event_types: str):
        return endpoint_create(url=url, event_types=list(event_types), description="tests", actor=alice_actor)

    return make
