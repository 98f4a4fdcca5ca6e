from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.management.commands.migrate_schemas import GET_EXECUTOR_FUNCTION, MigrateSchemasCommand
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists


class Command(MigrateSchemasCommand):
    help = (
        "Migrate the public schema, every brand schema and the brand template schema "
        "(settings.TENANT_BASE_SCHEMA) that new brands are cloned from, then (re)install the "
        "SQL clone functions, the public host's row, the cache table (settings.CACHES, "
        "when it is the database's) and the engine's django-q2 schedule. Keeping the template in step here "
        "means a cloned brand never lacks a table."
    )

    def handle(self, *args, **options):
        base = settings.TENANT_BASE_SCHEMA
        if options.get("schema_name") == base:
            ensure_schema(base)
            return super().handle(*args, **options)
        super().handle(*args, **options)
        if self.sync_tenant and not options.get("schema_name"):
            ensure_schema(base)
            GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options).run_migrations(tenants=[base])
        if self.sync_public and not options.get("plan"):
            from brands.schema import clone_functions_install
            from brands.services.brands import public_tenant_ensure
            from fulfillment.services.engine import engine_schedule_ensure

            connection.set_schema_to_public()
            # The cache (attempt limits, stamps) is used by the saves below: its table lives
            # in public, which every brand's search_path includes. A no-op for Redis.
            call_command("createcachetable", database=options["database"], verbosity=0)
            clone_functions_install()
            public_tenant_ensure()
            # The local loop's timers run from a django-q2 schedule (public), created once.
            engine_schedule_ensure()
            from intake.services.deliveries import intake_schedule_ensure

            intake_schedule_ensure()  # prunes old webhook delivery ids daily


def ensure_schema(name: str) -> None:
    _check_schema_name(name)
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
