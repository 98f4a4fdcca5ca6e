"""The scratch database every benchmark runs in: created on the server the project is
configured for (DATABASE_URL, or the embedded PostgreSQL), dropped at the end, so the
developer's own database is never touched. Call after django.setup()."""

from __future__ import annotations

import psycopg
from django.conf import settings

# Django-only OPTIONS keys that psycopg.connect() does not take.
DJANGO_ONLY_OPTIONS = {"isolation_level", "server_side_binding", "assume_role", "pool"}


def server_connect_params(dbname: str = "postgres") -> dict:
    """psycopg.connect() arguments for a database on the configured server (by default its
    maintenance database)."""
    db = settings.DATABASES["default"]
    params = {
        "dbname": dbname,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        **{k: v for k, v in db.get("OPTIONS", {}).items() if k not in DJANGO_ONLY_OPTIONS},
    }
    return {k: v for k, v in params.items() if v is not None}


def scratch_database(name: str, *, create: bool) -> None:
    """Drop database `name` if it exists (even with sessions on it), then create it afresh
    when `create`."""
    with psycopg.connect(**server_connect_params(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def scratch_database_url(name: str) -> str:
    """DATABASE_URL of scratch database `name` on the configured server (a Unix socket
    directory goes in ?host=), for the subprocesses a benchmark starts."""
    from urllib.parse import quote, urlencode

    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    query = {"host": db.get("HOST") or "", "port": db.get("PORT") or ""}
    query.update({k: v for k, v in db.get("OPTIONS", {}).items() if k not in DJANGO_ONLY_OPTIONS})
    return f"postgres://{auth}/{name}?{urlencode({k: v for k, v in query.items() if v})}"
