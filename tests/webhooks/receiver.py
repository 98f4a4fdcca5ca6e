"""A real HTTP receiver on 127.0.0.1 for delivery tests, and the docs' verifier snippet."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def docs_verify_snippet() -> str:
    """The Python block under "### Verifying `Closo-Signature`" in docs/integrations.md."""
    text = DOCS.read_text()
    section = text.split("### Verifying `Closo-Signature`", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


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


@contextmanager
def serve() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (a free port), in threads, until the block ends."""
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
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
