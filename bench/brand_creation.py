"""How long onboarding a brand takes: cloning the template schema vs running every migration.

    .venv/bin/python bench/brand_creation.py [--runs N] [--same-connection M]

Runs against a scratch database (`closo_bench`) on the server the project is configured
for (DATABASE_URL, or the embedded PostgreSQL), created here and dropped at the end, so
the developer's own database is never touched. Measures, N runs each after one
uncounted warm-up, interleaved so drift hits every variant alike:

  (a) clone    brands.services.brand_create() as shipped: one SQL clone_schema() call on
               the template schema (TENANT_BASE_SCHEMA), functions installed by migrate
  (b) library  django-tenants' own clone path: re-install the SQL clone functions, clone,
               then `migrate_schemas --fake` on the copy
  (c) migrate  CREATE SCHEMA and every tenant migration (no template)
  (d) floor    a bare CREATE SCHEMA + DROP SCHEMA round trip

Every timed run starts on a fresh database connection (opened before the clock starts),
as one onboarding per request or command does. --same-connection M also times M clones
back to back on one connection, with the server process's memory before and after.
Exits 1 when the clone median misses the one-second onboarding budget.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "closo.settings"

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from scratch import scratch_database  # noqa: E402

SCRATCH_DB = "closo_bench"
BUDGET_MS = 1000.0  # "a new brand must be live in well under a second"


def ms(seconds: float) -> float:
    return seconds * 1000.0


class Bench:
    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.counter = 0

    def _slug(self, kind: str) -> str:
        self.counter += 1
        return f"bench-{kind}-{self.counter}"

    def fresh_connection(self) -> None:
        self.connection.close()
        self.connection.ensure_connection()

    def _create_brand(self, kind: str, *, path: str = "clone", fresh: bool = True) -> float:
        """Time brand_create() by one of the three paths, then remove the brand, schema and owner."""
        from unittest import mock

        from django.test.utils import override_settings

        from brands.services.brands import brand_create
        from closo.models import User

        slug = self._slug(kind)
        email = f"owner@{slug}.bench.invalid"
        if fresh:
            self.fresh_connection()
        # "library" and "migrate" bypass Brand.create_schema's template clone; "migrate"
        # also turns off django-tenants' own cloning so every migration runs.
        bypass = mock.patch("brands.schema.template_ready", return_value=False) if path != "clone" else nullcontext()
        with bypass, override_settings(TENANT_CREATION_FAKES_MIGRATIONS=path != "migrate"):
            start = time.perf_counter()
            brand = brand_create(name=f"Bench {slug}", slug=slug, admin_email=email)
            elapsed = time.perf_counter() - start
        brand.delete(force_drop=True)
        User.objects.filter(email=email).delete()
        return ms(elapsed)

    def clone(self) -> float:
        return self._create_brand("clone", path="clone")

    def library(self) -> float:
        return self._create_brand("library", path="library")

    def migrate(self) -> float:
        return self._create_brand("migrate", path="migrate")

    def bare_schema(self) -> float:
        self.fresh_connection()
        with self.connection.cursor() as cursor:
            start = time.perf_counter()
            cursor.execute('CREATE SCHEMA "bench_bare"')
            cursor.execute('DROP SCHEMA "bench_bare"')
            return ms(time.perf_counter() - start)

    def template_migration_rows(self) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{settings.TENANT_BASE_SCHEMA}".django_migrations')
            return cursor.fetchone()[0]

    def backend_memory_mb(self) -> float | None:
        """Memory of this connection's server process (needs pg_read_all_stats), or None."""
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
                return float(cursor.fetchone()[0]) / 2**20
        except Exception:
            return None

    def same_connection(self, count: int) -> tuple[list[float], float | None, float | None]:
        """`count` clones back to back on one connection (a bulk import, a long-lived worker)."""
        self.fresh_connection()
        memory_before = self.backend_memory_mb()
        times = [self._create_brand("same", fresh=False) for _ in range(count)]
        return times, memory_before, self.backend_memory_mb()


def measure(runs: int, variants: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """One uncounted warm-up of each variant, then `runs` interleaved rounds."""
    for fn in variants.values():
        fn()
    results: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, fn in variants.items():
            results[name].append(fn())
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs of each variant (default 5)")
    parser.add_argument(
        "--same-connection",
        type=int,
        default=0,
        metavar="M",
        help="also time M clones back to back on one connection (default 0: skip)",
    )
    args = parser.parse_args()

    if settings.DATABASES["default"]["NAME"] == SCRATCH_DB:
        sys.exit(f"The configured database is {SCRATCH_DB}, the benchmark's scratch name: refusing to drop it.")
    server = "DATABASE_URL" if settings.DATABASE_URL else "embedded PostgreSQL (.closo/pgdata)"
    scratch_database(SCRATCH_DB, create=True)
    settings.DATABASES["default"]["NAME"] = SCRATCH_DB
    try:
        django.setup()
        return run(max(1, args.runs), max(0, args.same_connection), server)
    finally:
        from django.db import connections

        connections.close_all()
        scratch_database(SCRATCH_DB, create=False)


def run(runs: int, same_connection: int, server: str) -> int:
    from django.core.management import call_command
    from django.db import connection

    from brands.services.brands import public_tenant_ensure

    call_command("migrate", interactive=False, verbosity=0)  # public, brands, and the template schema
    public_tenant_ensure()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"PostgreSQL {version}, {server}, scratch database {SCRATCH_DB}")
    print(f"{runs} runs of each after one warm-up, interleaved, each on a fresh connection\n")

    bench = Bench()
    results = measure(
        runs, {"clone": bench.clone, "library": bench.library, "migrate": bench.migrate, "floor": bench.bare_schema}
    )
    labels = {
        "clone": "(a) clone    brand_create() as shipped",
        "library": "(b) library  django-tenants clone + --fake",
        "migrate": "(c) migrate  every tenant migration",
        "floor": "(d) floor    CREATE + DROP SCHEMA",
    }
    print(f"{'':44} {'median':>10} {'min':>10}")
    for name, label in labels.items():
        values = results[name]
        print(f"{label:44} {statistics.median(values):7.1f} ms {min(values):7.1f} ms")
    clone, library, migrate, floor = (
        statistics.median(results[name]) for name in ("clone", "library", "migrate", "floor")
    )
    print(
        f"\nclone is {migrate / clone:.1f}× faster than migrate, "
        f"{library / clone:.1f}× faster than the library's own clone"
    )
    print(f"clone takes {clone / floor:.0f}× the bare-schema floor ({clone - floor:.1f} ms above it)")
    print(f"template schema: {bench.template_migration_rows()} migration records, copied by every clone")

    if same_connection:
        times, before, after = bench.same_connection(same_connection)
        head, tail = times[:5], times[-5:]
        print(f"\n{same_connection} clones back to back on one connection (median of the first and last 5):")
        print(f"  {statistics.median(head):.0f} ms → {statistics.median(tail):.0f} ms (slowest {max(times):.0f} ms)")
        if before is not None and after is not None:
            per_clone = (after - before) / same_connection
            print(f"  server process memory {before:.0f} → {after:.0f} MB (+{per_clone:.1f} MB per clone)")

    verdict = "PASS" if clone < BUDGET_MS else "FAIL"
    print(f"\n{verdict}: clone median {clone:.0f} ms {'<' if clone < BUDGET_MS else '>='} {BUDGET_MS:.0f} ms budget")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
