from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from closo import embedded_db


class Command(BaseCommand):
    help = (
        "Manage the embedded PostgreSQL in .closo/pgdata (used when DATABASE_URL is unset). "
        "`start` starts it (any manage.py command also does), `stop` stops it, `status` "
        "says whether it runs and how to connect with psql."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status"])

    def handle(self, *args, action, **options):
        if settings.DATABASE_URL:
            if action == "status":
                self.stdout.write("DATABASE_URL is set: the embedded database is not used.")
                return
            raise CommandError("DATABASE_URL is set: there is no embedded database to start or stop.")
        if action == "start":
            fields = embedded_db.ensure_running()
            self.stdout.write(f"Embedded PostgreSQL running (socket in {fields['HOST']}).")
        elif action == "stop":
            stopped = embedded_db.stop()
            self.stdout.write("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
        else:
            if embedded_db.is_running():
                host = settings.DATABASES["default"]["HOST"]
                self.stdout.write(f"running — psql -h {host} -U postgres {embedded_db.DATABASE_NAME}")
            else:
                self.stdout.write("stopped")
