"""Whether `make run`'s server stays healthy under the load a small team puts on it.

    .venv/bin/python bench/dev_server_load.py [--clients 16] [--duration 60] [--max-requests 100000]

Starts the real `manage.py serve` (worker cluster + web server, as `make run` does) on a
free loopback port against a scratch database (`closo_bench_load`) on the server the
project is configured for (DATABASE_URL, or the embedded PostgreSQL), migrated and loaded
with the demo here and dropped at the end, so the developer's own database is never
touched and every connection counted is the server's. Then N clients drive it in
parallel until the duration or the request budget runs out, whichever comes first, over
a mix of pages and API calls on the public host and the demo brand's host:

  - anonymous pages, a static file, and a URL that must answer 404
  - pages and the hub API as the demo inspector and staff (sessions signed in once)
  - the brand portal as the brand owner, and the brand API with the demo API key

Even-numbered clients keep their HTTP connection alive (a browser), odd-numbered ones open
a new connection for every request (curl, scripts, a test suite). An error is a status
the request does not expect, any 5xx, a connection failure or timeout, or a traceback in a
response body. Prints requests/s, p50/p99 latency, errors, the peak number of database
connections to the scratch database (pg_stat_activity, sampled every 50 ms) and, last,
`errors=<n> requests=<n> peak_db_connections=<n>`. Exits 1 when there was any error.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "closo.settings"

import django  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from scratch import DJANGO_ONLY_OPTIONS, scratch_database, server_connect_params  # noqa: E402

django.setup()

from portals.management.commands.load_demo import (  # noqa: E402
    DEMO_API_KEY,
    DEMO_BRAND,
    DEMO_INSPECTOR,
    DEMO_PASSWORD,
    DEMO_STAFF,
)

SCRATCH_DB = "closo_bench_load"
LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
OK = (200,)
REDIRECT = (301, 302)


@dataclass(frozen=True)
class Call:
    name: str
    host: str  # "public" or "brand"
    path: str
    expect: tuple[int, ...] = OK
    identity: str | None = None  # a signed-in session: "inspector", "staff", "owner"
    api_key: bool = False


# One round of what a small team does: weights are repeats in the list.
MIX = [
    Call("landing", "public", "/"),
    Call("sign-in page", "public", "/accounts/sign-in/"),
    Call("hub application", "public", "/hubs/apply/", expect=(*OK, *REDIRECT)),
    Call("static css", "public", "/static/css/closo.css"),
    Call("missing page", "public", "/no-such-page/", expect=(404,)),
    Call("hub portal", "public", "/hub/", identity="inspector"),
    Call("hub API queue", "public", "/api/v1/hub/queue", identity="inspector"),
    Call("staff hubs", "public", "/staff/hubs/", identity="staff"),
    Call("brand home", "brand", "/", identity="owner"),
    Call("brand backorders", "brand", "/backorders/", identity="owner"),
    Call("brand returns", "brand", "/returns/", identity="owner"),
    Call("brand SKUs", "brand", "/skus/", identity="owner"),
    Call("brand sign-in page", "brand", "/accounts/sign-in/"),
    Call("API brand", "brand", "/api/v1/brand", api_key=True),
    Call("API SKUs", "brand", "/api/v1/skus/", api_key=True),
    Call("API backorders", "brand", "/api/v1/backorders/", api_key=True),
    Call("API returns", "brand", "/api/v1/returns/", api_key=True),
    Call("API standards", "brand", "/api/v1/standards/", api_key=True),
    Call("API missing", "brand", "/api/v1/no-such-endpoint", expect=(404,), api_key=True),
    Call("API docs", "brand", "/api/docs/"),
]
IDENTITIES = {"inspector": ("public", DEMO_INSPECTOR), "staff": ("public", DEMO_STAFF), "owner": ("brand", None)}


# --- the database -------------------------------------------------------------------------


def scratch_database_url() -> str:
    """DATABASE_URL of the scratch database (a Unix socket directory goes in ?host=)."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    query = {"host": db.get("HOST") or "", "port": db.get("PORT") or ""}
    query.update({k: v for k, v in db.get("OPTIONS", {}).items() if k not in DJANGO_ONLY_OPTIONS})
    return f"postgres://{auth}/{SCRATCH_DB}?{urlencode({k: v for k, v in query.items() if v})}"


class ConnectionMonitor(threading.Thread):
    """Samples pg_stat_activity for the scratch database; its own session is on `postgres`."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.conn = psycopg.connect(**server_connect_params(), autocommit=True)
        self.max_connections = int(self.conn.execute("SHOW max_connections").fetchone()[0])
        self.peak = 0
        self.last = 0
        self.stopping = threading.Event()

    def sample(self) -> int:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        self.last = self.conn.execute(query, [SCRATCH_DB]).fetchone()[0]
        self.peak = max(self.peak, self.last)
        return self.last

    def run(self) -> None:
        while not self.stopping.wait(0.05):
            self.sample()

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.conn.close()


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def manage(*args: str, env: dict, log) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, stdout=log, stderr=log, check=True
    )


def start_server(port: int, env: dict, log) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "serve", "--bind", LOOPBACK, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,  # its own process group, so a hung server can be stopped whole
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and server.poll() is None:
        try:
            status, _, _ = HttpClient(port, keep_alive=False).get("public", "/")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"The server did not answer on {LOOPBACK}:{port} (see its log above).")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)  # serve stops its worker and web server
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- the clients --------------------------------------------------------------------------


class HttpClient:
    """One user agent: HTTP/1.1 with keep-alive, or a new connection for every request."""

    def __init__(self, port: int, *, keep_alive: bool) -> None:
        self.port = port
        self.keep_alive = keep_alive
        self.conn: http.client.HTTPConnection | None = None
        self.hosts = {
            "public": f"{settings.BASE_DOMAIN}:{port}",
            "brand": f"{DEMO_BRAND['slug']}.{settings.BASE_DOMAIN}:{port}",
        }

    def request(self, method: str, host: str, path: str, headers: dict | None = None, body: bytes | None = None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=REQUEST_TIMEOUT)
        try:
            self.conn.request(method, path, body=body, headers={"Host": self.hosts[host], **(headers or {})})
            response = self.conn.getresponse()
            data = response.read()
        except Exception:
            self.close()
            raise
        if not self.keep_alive or response.will_close:
            self.close()
        return response.status, response.headers, data

    def get(self, host: str, path: str, headers: dict | None = None):
        return self.request("GET", host, path, headers)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def cookies_of(headers) -> dict[str, str]:
    return dict(re.match(r"\s*([^=]+)=([^;]*)", value).groups() for value in headers.get_all("Set-Cookie") or [])


def sign_in(port: int, host: str, email: str) -> str:
    """The Cookie header of a signed-in session (the sign-in form, as a browser posts it)."""
    client = HttpClient(port, keep_alive=False)
    status, headers, _ = client.get(host, "/accounts/sign-in/")
    csrf = cookies_of(headers).get("csrftoken")
    if status != 200 or not csrf:
        raise SystemExit(f"Could not open the sign-in page on the {host} host: HTTP {status}.")
    form = urlencode({"csrfmiddlewaretoken": csrf, "username": email, "password": DEMO_PASSWORD, "next": ""})
    status, headers, _ = client.request(
        "POST",
        host,
        "/accounts/sign-in/",
        {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
        form.encode(),
    )
    session = cookies_of(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"Could not sign in as {email} on the {host} host: HTTP {status}.")
    return f"sessionid={session}; csrftoken={csrf}"


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    by_call: dict[str, list[int]] = field(default_factory=dict)  # name -> [requests, errors]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call, latency: float, error: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.latencies.append(latency)
            counts = self.by_call.setdefault(call.name, [0, 0])
            counts[0] += 1
            if error:
                self.errors += 1
                counts[1] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{call.name} ({call.path}): {error}")


def check(call: Call, status: int, body: bytes) -> str | None:
    if status >= 500 or status not in call.expect:
        snippet = re.sub(r"\s+", " ", body[:300].decode(errors="replace"))
        return f"HTTP {status}: {snippet}"
    if b"Traceback" in body:
        return f"HTTP {status} with a traceback in the body"
    return None


def drive(index: int, port: int, sessions: dict, budget: Budget, results: Results) -> None:
    client = HttpClient(port, keep_alive=index % 2 == 0)
    position = index  # clients start at different places in the mix
    while budget.take():
        call = MIX[position % len(MIX)]
        position += 1
        headers = {"Accept": "application/json" if call.path.startswith("/api/v1/") else "text/html"}
        if call.identity:
            headers["Cookie"] = sessions[call.identity]
        if call.api_key:
            headers["Authorization"] = f"Api-Key {DEMO_API_KEY}"
        start = time.perf_counter()
        try:
            status, _, body = client.get(call.host, call.path, headers)
            error = check(call, status, body)
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        results.add(call, time.perf_counter() - start, error)
    client.close()


class Budget:
    """Stop at the deadline or after max_requests, whichever comes first."""

    def __init__(self, duration: float, max_requests: int) -> None:
        self.deadline = time.monotonic() + duration
        self.left = max_requests
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0 or time.monotonic() >= self.deadline:
                return False
            self.left -= 1
            return True


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="parallel clients (default 16)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many (default 100000)")
    args = parser.parse_args()

    if settings.DATABASES["default"]["NAME"] == SCRATCH_DB:
        sys.exit(f"The configured database is {SCRATCH_DB}, the benchmark's scratch name: refusing to drop it.")
    server_kind = "DATABASE_URL" if settings.DATABASE_URL else "embedded PostgreSQL (.closo/pgdata)"
    env = {**os.environ, "DATABASE_URL": scratch_database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    scratch_database(SCRATCH_DB, create=True)
    log = tempfile.NamedTemporaryFile("w+", prefix="closo-dev-server-load-", suffix=".log", delete=False)  # noqa: SIM115
    server = None
    try:
        manage("migrate", "--noinput", "-v", "0", env=env, log=log)
        manage("load_demo", env=env, log=log)
        port = free_port()
        monitor = ConnectionMonitor()
        server = start_server(port, env, log)
        idle = monitor.sample()
        sessions = {
            name: sign_in(port, host, email or DEMO_BRAND["admin_email"]) for name, (host, email) in IDENTITIES.items()
        }
        print(f"PostgreSQL max_connections={monitor.max_connections}, {server_kind}, scratch database {SCRATCH_DB}")
        print(f"`manage.py serve` on {LOOPBACK}:{port}: {idle} database connections once up")
        print(
            f"{args.clients} clients (half keep-alive, half a connection per request) for up to "
            f"{args.duration:.0f} s or {args.max_requests} requests, {len(MIX)} kinds of request\n"
        )
        results = Results()
        budget = Budget(args.duration, args.max_requests)
        monitor.start()
        start = time.perf_counter()
        clients = [
            threading.Thread(target=drive, args=(i, port, sessions, budget, results)) for i in range(args.clients)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.perf_counter() - start
        time.sleep(0.2)
        monitor.stop()
    finally:
        if server is not None:
            stop_server(server)
        scratch_database(SCRATCH_DB, create=False)
        log.flush()
        log.seek(0)
        server_log = log.read()
        log.close()

    server_tracebacks = server_log.count("Traceback (most recent call last)")
    too_many = server_log.count("too many clients")
    latencies = sorted(results.latencies)
    width = max(len(call.name) for call in MIX)
    for name, (count, errors) in sorted(results.by_call.items()):
        print(f"  {name:{width}} {count:7d} requests {errors:5d} errors")
    print()
    print(f"requests/s        {results.requests / elapsed:8.1f}  ({results.requests} in {elapsed:.1f} s)")
    if latencies:
        print(f"latency p50       {percentile(latencies, 0.50) * 1000:8.1f} ms")
        print(f"latency p99       {percentile(latencies, 0.99) * 1000:8.1f} ms")
    print(f"errors            {results.errors:8d}")
    print(f"peak DB conns     {monitor.peak:8d}  (of max_connections={monitor.max_connections})")
    print(f"server log        {server_tracebacks} tracebacks, {too_many} 'too many clients'", end="")
    print(f"  (kept: {log.name})" if results.errors or server_tracebacks else "")
    for sample in results.samples:
        print(f"  ! {sample}")
    if not (results.errors or server_tracebacks):
        os.unlink(log.name)
    print(f"errors={results.errors} requests={results.requests} peak_db_connections={monitor.peak}")
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
