"""`manage.py serve` (what `make run` starts) keeps the web server's database connections
to a fixed pool, however many clients connect (portals/management/commands/serve.py)."""

import http.client
import os
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portals.management.commands.serve import Command as Serve

ROOT = Path(__file__).resolve().parents[2]


def test_web_server_is_gunicorn_with_a_fixed_pool_of_threads():
    argv = Serve._web_server("127.0.0.1", 8123, workers=2, threads=4)
    assert argv[1:4] == ["-m", "gunicorn", "closo.wsgi:application"]
    assert {"--bind=127.0.0.1:8123", "--worker-class=gthread", "--workers=2", "--threads=4"} <= set(argv)
    assert "runserver" not in " ".join(argv)


def test_serve_refuses_a_pool_larger_than_the_database_allows(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
    with pytest.raises(CommandError, match=rf"max_connections={max_connections}\)"):
        call_command("serve", workers=1, threads=max_connections)


def test_serve_stops_its_web_server_and_worker_when_its_banner_fails(db, monkeypatch):
    """A banner that raises (e.g. an unmigrated database) used to leave gunicorn and the
    worker running with nobody to stop them."""
    children = []

    class Child:
        def __init__(self, argv):
            self.argv, self.terminated = argv, False
            children.append(self)

        def poll(self):
            return 0 if self.terminated else None

        def terminate(self):
            self.terminated = True

        def wait(self, timeout=None):
            return 0

    def banner(*args, **kwargs):
        raise RuntimeError("relation brands_domain does not exist")

    monkeypatch.setattr("portals.management.commands.serve.subprocess.Popen", Child)
    monkeypatch.setattr(Serve, "_wait_until_answering", staticmethod(lambda *args, **kwargs: None))
    monkeypatch.setattr(Serve, "_banner", banner)
    with pytest.raises(RuntimeError):
        call_command("serve", workers=1, threads=1, keep_db=True)
    assert len(children) == 2 and all(child.terminated for child in children)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(db: dict) -> str:
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@/{db['NAME']}?{urlencode({'host': db['HOST'], 'port': db['PORT']})}"


def test_many_short_connections_share_the_pool(django_db_setup, settings):
    """runserver left one idle database session behind per client connection; 16 clients
    hit PostgreSQL's max_connections within a minute. Bounded loop: 8 clients × 25
    requests, each on a new TCP connection, against 1 process × 2 threads."""
    db = dict(connection.settings_dict)
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db.get("PASSWORD") or None}
    monitor = psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v})
    count = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
    others = monitor.execute(count, [db["NAME"]]).fetchone()[0]  # this test session's own
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update({"DATABASE_URL": _database_url(db), "DEBUG": "1"})
    server = subprocess.Popen(
        Serve._web_server("127.0.0.1", port, workers=1, threads=2),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak, statuses, done = 0, [], threading.Event()

    def get(path: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path, headers={"Host": f"{settings.BASE_DOMAIN}:{port}"})
            return conn.getresponse().status
        finally:
            conn.close()

    def client():
        for _ in range(25):
            try:
                statuses.append(get("/"))
            except OSError as exc:
                statuses.append(repr(exc))

    def sample():
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, monitor.execute(count, [db["NAME"]]).fetchone()[0])

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert get("/") == 200
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        sampler = threading.Thread(target=sample)
        sampler.start()
        clients = [threading.Thread(target=client) for _ in range(8)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        done.set()
        sampler.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        monitor.close()
    assert statuses == [200] * 200
    assert peak <= others + 2  # one connection per thread, whatever the number of clients
