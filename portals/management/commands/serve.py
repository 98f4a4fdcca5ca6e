import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

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


class Command(BaseCommand):
    help = (
        "Run the portal for development: the django-q2 worker and the web server together, "
        "printing the URLs and demo logins. Ctrl-C stops both, and the embedded database too "
        "when this command started it. `make run` migrates and loads the demo first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--bind", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--keep-db", action="store_true", help="Leave the embedded database running on exit.")

    def handle(self, *args, port, bind, keep_db, **options):
        db_was_running = bool(settings.DATABASE_URL) or self._db_started_before_this_run()
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = [
            subprocess.Popen([*manage, "qcluster"]),
            subprocess.Popen([*manage, "runserver", f"{bind}:{port}", "--noreload"]),
        ]
        self._wait_until_listening(bind, port, children)
        self._banner(port)
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
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
    def _wait_until_listening(bind: str, port: int, children, timeout: float = 30) -> None:
        """Print the banner once the web server answers, so it is the last thing on screen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and all(child.poll() is None for child in children):
            try:
                socket.create_connection((bind, port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)

    def _db_started_before_this_run(self) -> bool:
        # settings started the embedded server if it was down; the Makefile passes the
        # answer from before (CLOSO_DB_WAS_RUNNING) so Ctrl-C stops only what `make run` started.
        import os

        return os.environ.get("CLOSO_DB_WAS_RUNNING") == "1"

    def _banner(self, port: int) -> None:
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
            "Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write("\n".join(lines))
