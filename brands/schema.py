"""Brand schemas: created by cloning the template schema (settings.TENANT_BASE_SCHEMA).

django-tenants' own path re-installs its PL/pgSQL clone functions on every clone (about
20 ms, and each re-install leaves compiled code behind in the server process) and then runs
`migrate_schemas --fake` on the copy, which records nothing new because a DATA clone already
copies the template's django_migrations rows. Here the functions are installed once by
`migrate` (which also keeps the template current) and a clone is one SQL call.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.clone import CloneSchema
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists

from brands.exceptions import SchemaExists


def clone_functions_install() -> None:
    """(Re)install django-tenants' clone_schema() SQL functions in the public schema."""
    CloneSchema()._create_clone_schema_function()


def _clone_functions_installed(cursor) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND p.proname = 'clone_schema'"
    )
    return cursor.fetchone() is not None


def template_ready() -> bool:
    return schema_exists(settings.TENANT_BASE_SCHEMA)


def schema_clone_from_template(schema_name: str) -> None:
    """Create `schema_name` as a copy of the template schema: tables, sequences, indexes
    and the template's migration records. Runs in the caller's transaction."""
    _check_schema_name(schema_name)
    if schema_exists(schema_name, case_sensitive=False):
        raise SchemaExists(f"A schema named {schema_name} already exists.", fields={"schema_name": schema_name})
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        if not _clone_functions_installed(cursor):
            clone_functions_install()
        cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [settings.TENANT_BASE_SCHEMA, schema_name])
