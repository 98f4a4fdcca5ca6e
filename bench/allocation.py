"""How long allocating one released unit takes as the waiting backorders grow: 5,000 vs 500,000.

    .venv/bin/python bench/allocation.py [--counts 5000,500000 | --quick] [--runs N] [--queries Q]

Runs against a scratch database (`closo_bench_allocation`) on the server the project is
configured for (DATABASE_URL, or the embedded PostgreSQL), migrated here (the US ZIP
centroids come with it) and dropped at the end, so the developer's own database is never
touched. One brand, one SKU, one active hub in Austin (ZIP 78702, 10 mi radius). Waiting
backorders of that SKU are bulk-loaded with COPY at real ZIP centroids (hubs.PostalCode):
spread over every US ZIP, and ~0.5% at ZIPs within the hub's radius (the customers a unit
there may go to); promised ship-by dates, priorities and order dates vary. At each count
(the smaller first, then grown to the larger), after VACUUM ANALYZE, it measures:

  (1) allocate  fulfillment.services.matching.unit_match() of a fresh available unit on
                the hub's shelf, in its own transaction (commit and the after-commit e-mail
                step included): median of N runs (default 25) after 3 uncounted ones. Each
                allocation is undone afterwards (allocation, events, hand-off task and unit
                deleted, the backorder waiting again), so every run sees the same data.
  (2) query     the candidate query alone: the SQL `selectors.matching.backorders_within_reach()`
                produces, with unit_match's ORDER BY … LIMIT 1 FOR UPDATE SKIP LOCKED,
                executed through a cursor as one statement (its own transaction, so the
                commit of the row lock it takes is in it, as in the allocation): median of Q
                runs (default 200); and inside a transaction rolled back afterwards (the
                execution alone)

and prints `EXPLAIN (ANALYZE, BUFFERS)` of the candidate query at the largest count. Last
line: `growth_ratio=<x> raw_sql_ratio=<y>`, growth = median allocation at the largest count
/ at the smallest (goal ≤ 1.5), raw_sql = median allocation / median query at the largest
count (goal ≤ 3). Exits 1 when the plan does not use the partial index
`backorder_waiting_sku_geo` (a scan of every waiting backorder instead). About two minutes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from contextlib import nullcontext, redirect_stdout
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "closo.settings"

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from scratch import scratch_database  # noqa: E402

SCRATCH_DB = "closo_bench_allocation"
DEFAULT_COUNTS = (5_000, 500_000)
QUICK_COUNTS = (5_000, 50_000)
NEAR_SHARE = 0.005  # of the backorders, at ZIPs within the hub's radius
HUB_ZIP, HUB_RADIUS = "78702", 10
INDEX = "backorder_waiting_sku_geo"
WARM_UP = 3
COLUMNS = (
    "order_ref",
    "sku_id",
    "qty",
    "value",
    "customer_name",
    "customer_email",
    "customer_zip",
    "lat",
    "lon",
    "placed_at",
    "promised_ship_by",
    "priority",
    "consent_local_return",
    "region_id",
    "status",
    "channel",
    "fill_source",
    "cancel_reason",
    "created_at",
    "updated_at",
)


def ms(seconds: float) -> float:
    return seconds * 1000.0


class Bench:
    def __init__(self) -> None:
        from django.db import connection
        from django.utils import timezone
        from django_tenants.utils import schema_context

        from brands.services.brands import brand_create
        from fulfillment.models import Sku
        from hubs.geo import haversine_miles
        from hubs.models import Hub, HubKind, HubStatus, PostalCode

        self.connection = connection
        self.random = random.Random(9)
        self.now = timezone.now()
        self.loaded = 0
        self.units = 0
        self.brand = brand_create(name="Bench Allocation", slug="bench-allocation", admin_email="owner@bench.invalid")
        place = PostalCode.objects.get(code=HUB_ZIP)
        self.hub = Hub.objects.create(
            name="Bench Austin",
            kind=HubKind.SMALL_BUSINESS,
            contact_email="hub@bench.invalid",
            address="1100 E 6th St",
            city=place.city,
            state=place.state,
            zip_code=HUB_ZIP,
            lat=place.lat,
            lon=place.lon,
            service_radius_miles=HUB_RADIUS,
            opening_hours="Mon–Fri 9–18",
            status=HubStatus.ACTIVE,
        )
        self.zips = list(PostalCode.objects.values_list("code", "lat", "lon"))
        self.near = [z for z in self.zips if haversine_miles(place.lat, place.lon, z[1], z[2]) <= HUB_RADIUS]
        self.schema = schema_context(self.brand.schema_name)
        self.schema.__enter__()
        self.sku = Sku.objects.create(code="WB-15-SAGE", title="Weighted blanket, sage", price=120)

    def close(self) -> None:
        self.schema.__exit__(None, None, None)

    def grow(self, count: int) -> float:
        """COPY waiting backorders up to `count`, then VACUUM ANALYZE; seconds taken."""
        start = time.perf_counter()
        rnd, today = self.random, self.now.date()
        with self.connection.cursor() as cursor:
            statement = f"COPY fulfillment_backorder ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for i in range(self.loaded, count):
                    code, lat, lon = rnd.choice(self.near if rnd.random() < NEAR_SHARE else self.zips)
                    placed = self.now - datetime.timedelta(minutes=rnd.randrange(60 * 24 * 60))
                    promise = today + datetime.timedelta(days=rnd.randrange(2, 45)) if rnd.random() < 0.6 else None
                    priority = rnd.choice((0, 0, 0, 0, 1, 2))
                    order = (f"#B{i:07d}", self.sku.pk, 1, Decimal("120.00"), "", "")
                    customer = (code, lat, lon, placed, promise, priority, False)
                    copy.write_row((*order, *customer, None, "waiting", "api", "", "", self.now, self.now))
            cursor.execute("VACUUM ANALYZE fulfillment_backorder")
        self.loaded = count
        return time.perf_counter() - start

    def within_reach(self) -> int:
        from fulfillment.selectors.matching import backorders_within_reach

        return backorders_within_reach(sku_id=self.sku.pk, hub=self.hub).count()

    def _shelve(self):
        """A fresh available unit on the hub's shelf (committed, with its shelf task)."""
        from django.db import transaction

        from fulfillment.models import ReturnItem, StockUnit
        from hubs.models import HubTask
        from hubs.services.tasks import BRAND_ROW_TASKS

        self.units += 1
        with transaction.atomic():
            item = ReturnItem.objects.create(
                rma_ref=f"RMA-B{self.units}",
                sku=self.sku,
                customer_zip=HUB_ZIP,
                status="disposed",
                route="hub",
                hub=self.hub,
            )
            unit = StockUnit.objects.create(
                sku=self.sku,
                hub=self.hub,
                return_item=item,
                inspection_id=self.units,
                label=f"BEN-{self.units:04d}",
                condition="like_new",
                hold_until=self.now + datetime.timedelta(days=14),
            )
            BRAND_ROW_TASKS.open(unit, HubTask.Kind.SHELF)
        return unit

    def _undo(self, allocation) -> None:
        """Everything the allocation wrote, gone: the backorder is waiting again."""
        from django.db import transaction
        from django.db.models import Q

        from fulfillment.models import Allocation, Event, ReturnItem, StockUnit
        from hubs.models import HubTask

        with transaction.atomic():
            Allocation.objects.filter(pk=allocation.pk).delete()
            Event.objects.filter(Q(unit_id=allocation.unit_id) | Q(backorder_id=allocation.backorder_id)).delete()
            unit = StockUnit.objects.get(pk=allocation.unit_id)
            HubTask.objects.filter(brand=self.brand, return_item_id=unit.return_item_id).delete()
            unit.delete()
            ReturnItem.objects.filter(pk=unit.return_item_id).delete()
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE fulfillment_backorder SET status = 'waiting', fill_source = '' WHERE id = %s",
                    [allocation.backorder_id],
                )

    def allocations(self, runs: int) -> tuple[list[float], set[int]]:
        """unit_match() times (ms) of `runs` fresh units, and the backorders they went to."""
        from fulfillment.services.matching import unit_match

        times, chosen = [], set()
        for run in range(WARM_UP + runs):
            unit = self._shelve()
            start = time.perf_counter()
            allocation = unit_match(unit_id=unit.pk)
            elapsed = ms(time.perf_counter() - start)
            if allocation is None:
                raise RuntimeError("The unit was not allocated: no backorder within reach?")
            self._undo(allocation)
            if run >= WARM_UP:
                times.append(elapsed)
                chosen.add(allocation.backorder_id)
        return times, chosen

    def candidate_sql(self) -> tuple[str, list]:
        """unit_match's claim of the best backorder, as SQL: backorders_within_reach() with
        the order, LIMIT 1 and FOR UPDATE SKIP LOCKED closo.locks.lock_first adds."""
        from django.db import transaction

        from fulfillment.selectors.matching import BACKORDER_ORDER, backorders_within_reach

        queryset = (
            backorders_within_reach(sku_id=self.sku.pk, hub=self.hub)
            .select_for_update(of=("self",), skip_locked=True)
            .order_by(*BACKORDER_ORDER, "pk")[:1]
        )
        with transaction.atomic():  # FOR UPDATE compiles only inside a transaction
            sql, params = queryset.query.get_compiler(queryset.db).as_sql()
        return sql, list(params)

    def queries(self, runs: int, *, rolled_back: bool = False) -> list[float]:
        """Candidate query times (ms). As one statement (autocommit): its own transaction,
        which commits the row lock it took (a WAL flush, as the allocation's commit is). Or
        `rolled_back`: inside a transaction rolled back afterwards, the clock stopped
        before the rollback — the execution alone."""
        from django.db import transaction

        sql, params = self.candidate_sql()
        times = []
        for run in range(WARM_UP + runs):
            with transaction.atomic() if rolled_back else nullcontext(), self.connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchone()
                elapsed = ms(time.perf_counter() - start)
                if rolled_back:
                    transaction.set_rollback(True)
            if run >= WARM_UP:
                times.append(elapsed)
        return times

    def explain(self) -> list[str]:
        from django.db import transaction

        sql, params = self.candidate_sql()
        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)  # the row it locked
        return plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--counts",
        type=lambda text: tuple(sorted({int(part) for part in text.split(",")})),
        default=None,
        help="waiting backorder counts, comma-separated (default 5000,500000)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: --counts 5000,50000")
    parser.add_argument("--runs", type=int, default=25, help="counted allocations per count (default 25, at least 20)")
    parser.add_argument("--queries", type=int, default=200, help="counted candidate queries per count (default 200)")
    args = parser.parse_args()
    counts = args.counts or (QUICK_COUNTS if args.quick else DEFAULT_COUNTS)
    if len(counts) < 2 or counts[0] < 1 / NEAR_SHARE:
        sys.exit(f"--counts needs at least two counts of {1 / NEAR_SHARE:.0f} or more, e.g. 5000,500000")

    if settings.DATABASES["default"]["NAME"] == SCRATCH_DB:
        sys.exit(f"The configured database is {SCRATCH_DB}, the benchmark's scratch name: refusing to drop it.")
    server = "DATABASE_URL" if settings.DATABASE_URL else "embedded PostgreSQL (.closo/pgdata)"
    try:
        scratch_database(SCRATCH_DB, create=True)
        settings.DATABASES["default"]["NAME"] = SCRATCH_DB
        settings.DEBUG = False  # no query log: timings as in production
        django.setup()
        return run(counts, max(20, args.runs), max(1, args.queries), server)
    finally:
        from django.db import connections

        connections.close_all()
        scratch_database(SCRATCH_DB, create=False)


def run(counts: tuple[int, ...], runs: int, queries: int, server: str) -> int:
    from django.core.management import call_command
    from django.db import connection

    started, load_before = time.perf_counter(), os.getloadavg()[0]
    with open(os.devnull, "w") as sink, redirect_stdout(sink):
        call_command("migrate", interactive=False, verbosity=0)  # public (ZIP centroids), template
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    bench = Bench()
    print(f"PostgreSQL {version}, {server}, scratch database {SCRATCH_DB}, {os.cpu_count()} cores")
    print(
        f"one brand, one SKU, hub {bench.hub.name} (ZIP {HUB_ZIP}, {HUB_RADIUS} mi); waiting backorders at "
        f"{len(bench.zips):,} ZIP centroids, {NEAR_SHARE:.1%} at the {len(bench.near)} within the radius; "
        f"{runs} allocations and {queries} candidate queries per count\n",
        flush=True,
    )
    results: dict[int, dict] = {}
    try:
        for count in counts:
            loaded = bench.grow(count)
            allocations, chosen = bench.allocations(runs)
            results[count] = {
                "load": loaded,
                "reach": bench.within_reach(),
                "allocate": statistics.median(allocations),
                "allocate_p90": sorted(allocations)[int(0.9 * (len(allocations) - 1))],
                "query": statistics.median(bench.queries(queries)),
                "query_rolled_back": statistics.median(bench.queries(queries, rolled_back=True)),
                "same": len(chosen) == 1,
            }
            print(
                f"  {count:,} backorders loaded in {loaded:.1f} s (COPY + VACUUM ANALYZE), "
                f"{results[count]['reach']:,} within reach",
                flush=True,
            )
        plan = bench.explain()
    finally:
        bench.close()

    first, last = counts[0], counts[-1]
    columns = "".join(f"{f'{count:,} waiting':>16}" for count in counts)
    print(f"\n{'':44}{columns}{f'{last // first}× rows':>10}")

    def line(label: str, key: str, unit: str, fmt: str = "10.2f") -> None:
        values = [results[count][key] for count in counts]
        cells = "".join(f"{format(value, fmt):>13} {unit:<2}" for value in values)
        print(f"{label:44}{cells}{values[-1] / values[0]:9.2f}×")

    line("(1) unit_match() allocation, median", "allocate", "ms")
    line("    p90", "allocate_p90", "ms")
    line("(2) candidate query alone, median", "query", "ms", "10.3f")
    line("    inside a rolled-back transaction", "query_rolled_back", "ms", "10.3f")
    line("    backorders within reach", "reach", "", "10.0f")
    for count in counts:
        if not results[count]["same"]:
            print(f"  note: at {count:,} the allocations did not all go to the same backorder")
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the candidate query at {last:,} waiting backorders:")
    for row in plan:
        print(f"  {row}")
    uses_index = any(INDEX in row for row in plan)
    seq_scan = any("Seq Scan on fulfillment_backorder" in row for row in plan)
    minutes = (time.perf_counter() - started) / 60
    print(
        f"\nwhole run {minutes:.1f} min; load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    growth = results[last]["allocate"] / results[first]["allocate"]
    raw = results[last]["allocate"] / results[last]["query"]
    print(
        f"allocation / query at {last:,}: {raw:.2f}× (the query as one statement, commit included), "
        f"{results[last]['allocate'] / results[last]['query_rolled_back']:.2f}× (its execution alone)"
    )
    if uses_index and not seq_scan:
        print(f"PASS: the candidate query uses {INDEX}")
    else:
        print(f"FAIL: the candidate query does not use {INDEX}")
    print(f"growth_ratio={growth:.2f} raw_sql_ratio={raw:.2f}")
    return 0 if uses_index and not seq_scan else 1


if __name__ == "__main__":
    sys.exit(main())
