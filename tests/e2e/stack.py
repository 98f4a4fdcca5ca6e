"""A production-shaped Closo on this machine, for the end-to-end test: a scratch database on
the local PostgreSQL, a Redis queue of its own, a private bucket on moto's S3 server,
`gunicorn` with two web processes and two `qcluster` workers, all with `DEBUG=0`.

Everything is named per run (database, queue, bucket, temp folder), so runs in parallel on
one machine do not meet; `Deployment.stop()` ends the processes this module started and
removes what it created."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
REDIS_DB = 13  # a Redis database of its own; the queue name keeps parallel runs apart in it
BASE_DOMAIN = "closo-e2e.test"
WEB_PROCESSES = 2
WORKER_CLUSTERS = 2
# Variables taken from the caller's environment; everything else is the deployment's own.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")


def unreachable(services: dict[str, tuple[str, int]]) -> str | None:
    """Why the deployment cannot run here (the first service not answering), or None."""
    for name, (host, port) in services.items():
        try:
            socket.create_connection((host, port), timeout=0.5).close()
        except OSError as exc:
            return f"{name} is not reachable at {host}:{port} ({exc.strerror or exc})"
    return None


def admin_connection():
    import psycopg

    return psycopg.connect(
        host=POSTGRES[0], port=POSTGRES[1], user="postgres", dbname="postgres", connect_timeout=3, autocommit=True
    )


def postgres_refuses() -> str | None:
    """Why the scratch database cannot be made (no superuser login without a password), or None."""
    import psycopg

    try:
        admin_connection().close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {POSTGRES[0]}:{POSTGRES[1]} refuses user postgres without a password ({exc})"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float, what: str, logs=()) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s.\n" + "\n".join(tail(p) for p in logs))
        time.sleep(0.1)


def tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return f"--- {path.name} ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Deployment:
    workdir: Path
    s3_endpoint: str
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))  # one for every process
    port: int = 0
    seed: dict = field(default_factory=dict)
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def database(self) -> str:
        return f"closo_e2e_{self.run_id}"

    @property
    def bucket(self) -> str:
        return f"closo-e2e-{self.run_id}"

    @property
    def queue(self) -> str:
        return f"closo-e2e-{self.run_id}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_host(self) -> str:
        return BASE_DOMAIN

    @property
    def brand_host(self) -> str:
        return self.seed["brand_host"]

    def env(self) -> dict[str, str]:
        env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
        return env | {
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key,
            "BASE_DOMAIN": BASE_DOMAIN,
            "DATABASE_URL": f"postgres://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{self.database}",
            "CLOSO_STATE_DIR": str(self.workdir / "state"),
            "STATIC_ROOT": str(self.workdir / "static"),
            "STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.s3_endpoint,
            "AWS_ACCESS_KEY_ID": "e2e",
            "AWS_SECRET_ACCESS_KEY": "e2e",
            "AWS_QUERYSTRING_EXPIRE": "120",
            "Q_BROKER": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
            "Q_CLUSTER_NAME": self.queue,
            "Q_WORKERS": "1",
            "E2E_PASSWORD": self.password,
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }

    # --- lifecycle ---

    def start(self) -> None:
        began = time.monotonic()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._sql(f'CREATE DATABASE "{self.database}"')
        self._s3().create_bucket(Bucket=self.bucket)
        # migrate and collectstatic do not depend on each other: run them side by side.
        setup = [self._spawn("migrate", "manage.py", "migrate", "--noinput", "-v", "0")]
        setup.append(self._spawn("collectstatic", "manage.py", "collectstatic", "--noinput", "-v", "0"))
        for name, proc in setup:
            self._finish(name, proc, timeout=120)
        self.timings["migrate"] = time.monotonic() - began

        began = time.monotonic()
        self.port = free_port()
        self._launch(
            "gunicorn",
            "-m",
            "gunicorn",
            "closo.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WEB_PROCESSES),
            # Its own control socket: the default path (~/.gunicorn/gunicorn.ctl) is one per
            # user, and a second gunicorn takes it over (docs/deployment.md, Processes).
            "--control-socket",
            str(self.workdir / "gunicorn.ctl"),
            "--access-logfile",
            "-",
        )
        for i in range(WORKER_CLUSTERS):
            self._launch(f"qcluster-{i + 1}", "manage.py", "qcluster")
        # The processes start while the data is seeded: they need none of it to boot.
        self.seed = json.loads(self._finish(*self._spawn("seed", "-m", "tests.e2e.seed"), timeout=60).splitlines()[-1])
        logs = [self.log(name) for name, _ in self.processes]
        wait_until(self._web_listening, timeout=30, what="gunicorn", logs=logs)
        wait_until(lambda: len(self.clusters_alive()) == WORKER_CLUSTERS, timeout=30, what="the qclusters", logs=logs)
        self.timings["seed and start"] = time.monotonic() - began

    def stop(self) -> None:
        """End the processes this deployment started, then drop its database, queue keys,
        bucket and folder. Safe to call after a failed start."""
        began = time.monotonic()
        # SIGTERM to the main process only: gunicorn's master and qcluster's sentinel stop
        # their children in order (signalling the whole group makes a qcluster hang).
        for _, proc in self.processes:
            proc.terminate()
        for _, proc in self.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        with suppress(Exception):
            self._sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        with suppress(Exception):
            redis = self.redis()
            keys = list(redis.scan_iter(f"django_q:{self.queue}:*"))
            if keys:
                redis.delete(*keys)
        with suppress(Exception):
            s3 = self._s3()
            for item in s3.list_objects_v2(Bucket=self.bucket).get("Contents", []):
                s3.delete_object(Bucket=self.bucket, Key=item["Key"])
            s3.delete_bucket(Bucket=self.bucket)
        shutil.rmtree(self.workdir / "static", ignore_errors=True)
        self.timings["stop"] = time.monotonic() - began

    # --- what the test looks at ---

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def logs(self) -> dict[str, str]:
        return {name: self.log(name).read_text(errors="replace") for name, _ in self.processes}

    def redis(self):
        import redis

        return redis.Redis(host=REDIS[0], port=REDIS[1], db=REDIS_DB)

    def clusters_alive(self) -> list[bytes]:
        """The qclusters of this deployment that reported in the last seconds (django-q2
        writes each cluster's stat to Redis with a 3 s expiry)."""
        return list(self.redis().scan_iter(f"django_q:{self.queue}:cluster:*"))

    def dead_processes(self) -> list[str]:
        return [f"{name} (exit {proc.returncode})" for name, proc in self.processes if proc.poll() is not None]

    # --- helpers ---

    def _web_listening(self) -> bool:
        if self.processes[0][1].poll() is not None:
            raise RuntimeError("gunicorn exited.\n" + tail(self.log("gunicorn")))
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def _sql(self, statement: str) -> None:
        with admin_connection() as conn:
            conn.execute(statement)

    def _s3(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id="e2e",
            aws_secret_access_key="e2e",
            region_name="us-east-1",
        )

    def _spawn(self, name: str, *args: str) -> tuple[str, subprocess.Popen]:
        proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return name, proc

    @staticmethod
    def _finish(name: str, proc: subprocess.Popen, *, timeout: float) -> str:
        out, err = proc.communicate(timeout=timeout)
        if proc.returncode:
            raise RuntimeError(f"{name} failed (exit {proc.returncode}):\n{out}\n{err}")
        return out

    def _launch(self, name: str, *args: str) -> None:
        """A long-running process in its own session (so stop() ends it with its children),
        its output in <workdir>/<name>.log."""
        with self.log(name).open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append((name, proc))
