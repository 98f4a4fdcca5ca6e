"""How fast the storefront's hot path is: `GET /api/v1/availability` against a bare Django
JSON view in the same project, on the same server.

    .venv/bin/python bench/availability.py [--duration 10] [--connections 16]

A scratch database (`closo_bench_availability`) on the server the project is configured for
(DATABASE_URL, or the embedded PostgreSQL), migrated and loaded with the demo here and
dropped at the end, so the developer's own database is never touched. The demo brand gets a
realistic SKU: nothing at the warehouse, a few hundred waiting backorders around Austin, four
weeks of Like-New releases at the Eastside Porch hub, an expected purchase order and a
history of received ones (the lateness fit).

One gunicorn, started exactly as `manage.py serve` starts it (gthread, WEB_WORKERS ×
WEB_THREADS) but without the task worker, with DEBUG off and the bench URLconf
(`CLOSO_BENCH_URLS=1`, bench/urls.py: the brand URLs plus `/bench/bare`, which exists only
there). `wrk` (installed with apt-get when missing) drives each URL on loopback for a fixed
duration after a short warm-up, in interleaved rounds (the median of each is reported, so
noise on a shared machine hits both sides), keep-alive connections, the demo brand's host and its secret
API key on both. The server's cache is Redis when one answers (as in production; the
attempt-limit check reads it on every API request), else the database table (`--cache`).
Prints requests/s of each, their ratio (goal ≥ 0.5), the availability
endpoint's p50/p99 latency and, last, `throughput_ratio=<x> p99_ms=<y>`. Exits 1 when any
response was not a 2xx.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "closo.settings"

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from scratch import scratch_database, scratch_database_url  # noqa: E402

django.setup()

from portals.management.commands.load_demo import DEMO_API_KEY, DEMO_BRAND  # noqa: E402
from portals.management.commands.serve import THREADS, WORKERS  # noqa: E402
from portals.management.commands.serve import Command as Serve  # noqa: E402

SCRATCH_DB = "closo_bench_availability"
LOOPBACK = "127.0.0.1"
SKU, ZIP = "BENCH-WB", "78702"
WAITING = 300
WARM_UP_SECONDS = 2
# A database of its own on the machine's Redis, when there is one (production runs with Redis).
BENCH_REDIS = "redis://127.0.0.1:6379/13"


# --- the data (run in a subprocess on the scratch database: `--seed`) ----------------------


def seed() -> None:
    """The demo brand's bench SKU with its queue, release history and purchase orders."""
    import datetime as dt
    import random

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from brands.models import Brand
    from fulfillment.models import Backorder, InboundSupply, ReturnItem, Sku, StockUnit
    from hubs.models import Hub

    rng = random.Random(10)
    now = timezone.now()
    today = timezone.localdate(now)
    hub = Hub.objects.get(name="Eastside Porch")
    brand = Brand.objects.get(slug=DEMO_BRAND["slug"])
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code=SKU, title="Weighted blanket (bench)", price=139, available_qty=0)
        Backorder.objects.bulk_create(
            Backorder(
                order_ref=f"#B{i}",
                sku=sku,
                value=139,
                customer_zip=ZIP,
                lat=30.263 + rng.uniform(-0.05, 0.05),
                lon=-97.715 + rng.uniform(-0.05, 0.05),
                placed_at=now - dt.timedelta(days=rng.uniform(0, 30)),
            )
            for i in range(WAITING)
        )
        for i in range(40):  # about 1.4 Like-New releases a day over four weeks, handed off
            item = ReturnItem.objects.create(
                rma_ref=f"RMA-B{i}", sku=sku, customer_zip=ZIP, status="disposed", route="hub", hub=hub
            )
            unit = StockUnit.objects.create(
                sku=sku, hub=hub, return_item=item, inspection_id=1, label=f"B{i}", condition="like_new"
            )
            StockUnit.objects.filter(pk=unit.pk).update(
                status="handed_off", created_at=now - dt.timedelta(days=rng.uniform(0, 28))
            )
        InboundSupply.objects.create(po_ref="PO-BENCH", sku=sku, qty=400, expected_date=today + dt.timedelta(days=12))
        for i in range(8):  # received history: the brand's POs run a few days late
            expected = today - dt.timedelta(days=30 + 10 * i)
            InboundSupply.objects.create(
                po_ref=f"PO-OLD-{i}",
                sku=sku,
                qty=50,
                expected_date=expected,
                status=InboundSupply.Status.RECEIVED,
                received_at=timezone.make_aware(
                    dt.datetime.combine(expected + dt.timedelta(days=rng.randint(0, 6)), dt.time(12))
                ),
            )


# --- the server and the load --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def manage(*args: str, env: dict, log) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, stdout=log, stderr=log, check=True
    )


def get(port: int, path: str, host: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://{LOOPBACK}:{port}{path}", headers={"Host": host, "Authorization": f"Api-Key {DEMO_API_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def start_server(port: int, env: dict, log, host: str) -> subprocess.Popen:
    server = subprocess.Popen(
        Serve._web_server(LOOPBACK, port, WORKERS, THREADS),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if get(port, "/bench/bare", host)[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"The server did not answer on {LOOPBACK}:{port} (log: {log.name}).")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def redis_answers(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or LOOPBACK, parts.port or 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not installed: apt-get install -y wrk", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed (apt-get install -y wrk).")
    return found


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(binary: str, port: int, path: str, host: str, *, seconds: float, connections: int) -> dict:
    """Requests/s, p50/p99 latency (ms) and non-2xx responses of `wrk` on one URL."""
    command = [
        binary,
        "--threads=1",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        "--latency",
        "--header",
        f"Host: {host}",
        "--header",
        f"Authorization: Api-Key {DEMO_API_KEY}",
        f"http://{LOOPBACK}:{port}{path}",
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        raise SystemExit(f"Could not read wrk's output:\n{out}")
    latency = {
        pct: float(value) * _UNITS[unit]
        for pct, value, unit in re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": float(rps.group(1)),
        "p50": latency.get("50", float("nan")),
        "p99": latency.get("99", float("nan")),
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def _median(runs: list[dict]) -> dict:
    """The run with the median requests/s (its latencies with it); non-2xx summed."""
    ordered = sorted(runs, key=lambda run: run["rps"])
    middle = dict(ordered[len(ordered) // 2])
    middle["bad"] = sum(run["bad"] for run in runs)
    return middle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per URL (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections (default 16)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds of both URLs; the median of each is reported (3)"
    )
    parser.add_argument(
        "--cache",
        choices=("auto", "redis", "database"),
        default="auto",
        help="the server's cache (attempt limits, stamps): Redis as in production (REDIS_URL, else "
        f"{BENCH_REDIS}), or the database table; auto: Redis when one answers (default)",
    )
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed()
        return 0

    if settings.DATABASES["default"]["NAME"] == SCRATCH_DB:
        sys.exit(f"The configured database is {SCRATCH_DB}, the benchmark's scratch name: refusing to drop it.")
    binary = ensure_wrk()
    env = {**os.environ, "DATABASE_URL": scratch_database_url(SCRATCH_DB)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    redis_url = os.environ.get("REDIS_URL") or BENCH_REDIS
    use_redis = args.cache == "redis" or (args.cache == "auto" and redis_answers(redis_url))
    env.pop("REDIS_URL", None)
    server_env = {
        **env,
        **({"REDIS_URL": redis_url} if use_redis else {}),
        "CLOSO_BENCH_URLS": "1",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    scratch_database(SCRATCH_DB, create=True)
    log = tempfile.NamedTemporaryFile("w+", prefix="closo-bench-availability-", suffix=".log", delete=False)  # noqa: SIM115
    server = None
    port = free_port()
    host = f"{DEMO_BRAND['slug']}.{settings.BASE_DOMAIN}:{port}"
    availability = f"/api/v1/availability?sku={SKU}&zip={ZIP}"
    try:
        manage("migrate", "--noinput", "-v", "0", env=env, log=log)
        manage("load_demo", env=env, log=log)
        subprocess.run([sys.executable, __file__, "--seed"], cwd=ROOT, env=env, stdout=log, stderr=log, check=True)
        server = start_server(port, server_env, log, host)
        status, body = get(port, availability, host)
        if status != 200:
            raise SystemExit(f"GET {availability}: HTTP {status}: {body[:300]!r}")
        print(f"gunicorn (as `serve` runs it): {WORKERS} processes × {THREADS} threads, DEBUG off, {LOOPBACK}:{port}")
        print(f"cache: {'Redis at ' + redis_url if use_redis else 'the database table (no Redis)'}")
        print(
            f"wrk: 1 thread, {args.connections} keep-alive connections, {args.duration:.0f} s per URL, "
            f"{args.rounds} interleaved rounds (medians)"
        )
        print(f"availability answer: {body.decode()}\n")
        urls = (("bare JSON view", "/bench/bare"), ("availability", availability))
        for _, path in urls:
            wrk(binary, port, path, host, seconds=WARM_UP_SECONDS, connections=args.connections)
        # Interleaved rounds, the median of each: a shared machine's noise hits both sides.
        rounds: dict[str, list[dict]] = {name: [] for name, _ in urls}
        for _ in range(args.rounds):
            for name, path in urls:
                rounds[name].append(wrk(binary, port, path, host, seconds=args.duration, connections=args.connections))
        results = {name: _median(runs) for name, runs in rounds.items()}
    finally:
        if server is not None:
            stop_server(server)
        scratch_database(SCRATCH_DB, create=False)
        log.flush()
        log.seek(0)
        server_log = log.read()
        log.close()

    for name, result in results.items():
        print(
            f"{name:16} {result['rps']:9.1f} requests/s   p50 {result['p50']:7.2f} ms   p99 {result['p99']:7.2f} ms"
            f"   non-2xx {result['bad']}   {result['socket_errors']}"
        )
    bare, hot = results["bare JSON view"], results["availability"]
    ratio = hot["rps"] / bare["rps"] if bare["rps"] else 0.0
    tracebacks = server_log.count("Traceback (most recent call last)")
    print(f"ratio            {ratio:9.2f}   (goal ≥ 0.5)")
    print(f"server log       {tracebacks} tracebacks" + (f"  (kept: {log.name})" if tracebacks else ""))
    if not tracebacks:
        os.unlink(log.name)
    print(f"throughput_ratio={ratio:.2f} p99_ms={hot['p99']:.2f}")
    return 1 if bare["bad"] or hot["bad"] or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
