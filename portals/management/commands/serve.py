import http.client
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from closo import embedded_db
from portals.management.commands.load_demo import (
    DEMO_API_KEY,
    DEMO_APPLICANT,
    DEMO_BRAND,
    DEMO_INSPECTOR,
    DEMO_PASSWORD,
    DEMO_STAFF,
    DEMO_VIEWER,
    demo_dropoff_codes,
)

# Why gunicorn and not `runserver`: runserver starts a thread for every TCP connection and
# never closes the database connection that thread opened (Django closes it only at the end
# of a request, and only once it is CONN_MAX_AGE old; the thread is gone by then). Each
# client that does not reuse its connection leaves one idle PostgreSQL session behind until
# the garbage collector happens to free it, so 16 clients reached the embedded server's
# max_connections (100) within a minute and requests failed with "too many clients
# already". gunicorn's gthread worker runs requests on a fixed pool of threads (keep-alive
# connections wait in its poller, not in a thread), so the web server holds at most
# workers × threads database connections, each reused for CONN_MAX_AGE.
WORKERS = int(os.environ.get("WEB_WORKERS", "2"))
THREADS = int(os.environ.get("WEB_THREADS", "4"))
# django-q2 opens one connection in each worker process while it runs a task, plus one
# each for the pusher (the ORM broker), the monitor (results) and the guard (schedules).
CLUSTER_OVERHEAD = 3
# Kept free for a psql session, a `manage.py shell` and a `migrate` next to the server.
HEADROOM = 5


class Command(BaseCommand):
    help = (
        "Run the portal for development: the django-q2 worker and the web server (gunicorn, a "
        "fixed number of processes and threads) together, printing the URLs and demo logins. "
        "Ctrl-C stops both, and the embedded database too when this command started it. "
        "`make run` migrates and loads the demo first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--bind", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--keep-db", action="store_true", help="Leave the embedded database running on exit.")
        parser.add_argument(
            "--workers", type=int, default=WORKERS, help="Web server processes (default WEB_WORKERS or 2)."
        )
        parser.add_argument(
            "--threads", type=int, default=THREADS, help="Threads per web server process (default WEB_THREADS or 4)."
        )

    def handle(self, *args, port, bind, keep_db, workers, threads, **options):
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        budget = self._check_connection_budget(workers * threads)
        self.check_migrations()
        db_was_running = bool(settings.DATABASE_URL) or self._db_started_before_this_run()
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = [
            subprocess.Popen([*manage, "qcluster"]),
            subprocess.Popen(self._web_server(bind, port, workers, threads)),
        ]
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        # From here on the children are stopped however this process ends: a banner that
        # fails (say, an unmigrated database) must not leave a web server and a worker behind.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            self._wait_until_answering(bind, port, children, stopped=lambda: stopping)
            if stopping:
                return
            self._banner(port, workers, threads, budget)
            connection.close()  # this process only waits from here on: hold no database session
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.3)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            if not settings.DATABASE_URL and not keep_db and not db_was_running:
                embedded_db.stop()
                self.stdout.write("Stopped the embedded database.")
            self.stdout.write("Stopped the worker and the web server.")

    @staticmethod
    def _web_server(bind: str, port: int, workers: int, threads: int) -> list[str]:
        """gunicorn with the gthread worker: requests run on `threads` pooled threads in each of
        `workers` processes. WhiteNoise serves /static/ (from the app folders under DEBUG, and
        it notices edited files); there is no auto-reload, as before (`runserver --noreload`)."""
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "closo.wsgi:application",
            f"--bind={bind}:{port}",
            "--worker-class=gthread",
            f"--workers={workers}",
            f"--threads={threads}",
            f"--chdir={settings.BASE_DIR}",
            # Like runserver: a slow request, or one stopped at a breakpoint(), is never killed.
            "--timeout=0",
            "--graceful-timeout=5",
            "--no-control-socket",  # two servers (make run + a bench) would share ~/.gunicorn
            "--log-level=warning",
            "--access-logfile=-",
            '--access-logformat=%(t)s %({host}i)s "%(r)s" %(s)s %(b)s %(M)sms',
        ]

    def _check_connection_budget(self, web: int) -> dict:
        """Refuse a web server + worker cluster that could exhaust the database server's
        connections, and warn when other sessions already use the room it needs."""
        cluster = settings.Q_CLUSTER["workers"] + CLUSTER_OVERHEAD
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_connections")
            max_connections = int(cursor.fetchone()[0])
            cursor.execute("SHOW superuser_reserved_connections")
            limit = max_connections - int(cursor.fetchone()[0])
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
            in_use = cursor.fetchone()[0] - 1  # not this one
        budget = {"web": web, "cluster": cluster, "max_connections": max_connections}
        if web + cluster + HEADROOM > limit:
            raise CommandError(
                f"{web} web threads + {cluster} for the worker cluster + {HEADROOM} spare database "
                f"connections exceed the {limit} the database server allows (max_connections="
                f"{max_connections}). Lower --workers/--threads (WEB_WORKERS/WEB_THREADS) or Q_WORKERS."
            )
        if web + cluster > limit - in_use:
            self.stderr.write(
                f"Warning: {in_use} other database sessions are open; the server may need {web + cluster} "
                f"more and PostgreSQL allows {limit}."
            )
        return budget

    @staticmethod
    def _wait_until_answering(bind: str, port: int, children, timeout: float = 30, stopped=lambda: False) -> None:
        """Print the banner once the web server answers a request (not merely once its socket
        accepts), so it is the last thing on screen. Gives up when a child exits, after
        `timeout` seconds, or once `stopped()` (Ctrl-C while starting)."""
        host = "127.0.0.1" if bind in ("0.0.0.0", "") else ("::1" if bind == "::" else bind)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stopped() and all(child.poll() is None for child in children):
            conn = http.client.HTTPConnection(host, port, timeout=5)
            try:
                conn.request("GET", "/", headers={"Host": f"{settings.BASE_DOMAIN}:{port}"})
                conn.getresponse().read()
                return
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
            finally:
                conn.close()

    def _db_started_before_this_run(self) -> bool:
        # settings started the embedded server if it was down; the Makefile passes the
        # answer from before (CLOSO_DB_WAS_RUNNING) so Ctrl-C stops only what `make run` started.
        return os.environ.get("CLOSO_DB_WAS_RUNNING") == "1"

    def _banner(self, port: int, workers: int, threads: int, budget: dict) -> None:
        base = settings.BASE_DOMAIN
        brand_host = f"{DEMO_BRAND['slug']}.{base}:{port}"
        lines = [
            "",
            f"Closo is running. Sign in with these demo logins (password: {DEMO_PASSWORD})",
            "",
            f"  Landing page      http://{base}:{port}/",
            f"  Hub portal        http://{base}:{port}/hub/          {DEMO_INSPECTOR}",
            f"  Hub application   http://{base}:{port}/hubs/apply/   (applicant: {DEMO_APPLICANT})",
            f"  Staff: hubs       http://{base}:{port}/staff/hubs/   {DEMO_STAFF}",
            f"  Django admin      http://{base}:{port}/admin/        {DEMO_STAFF}",
            f"  Brand portal      http://{brand_host}/   {DEMO_BRAND['admin_email']} (viewer: {DEMO_VIEWER})",
            f"  Brand API docs    http://{brand_host}/api/docs/",
            f"  Demo API key      {DEMO_API_KEY}",
            *[
                f"  Drop-off code     {code}  ({rma}, waiting at Eastside Porch: receive it at /hub/receive/)"
                for rma, code in demo_dropoff_codes()
            ],
            "",
            f"Web server: gunicorn, {workers} processes × {threads} threads; at most "
            f"{budget['web'] + budget['cluster']} database connections with the worker "
            f"(max_connections={budget['max_connections']}).",
            "Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write("\n".join(lines))
