"""`manage.py simulate`: replay a scenario through the real services (simulator.driver)."""

from __future__ import annotations

import json
import multiprocessing
import random
import sys
import time
import traceback
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.test.utils import override_settings
from django_tenants.utils import schema_context

from brands.models import Brand
from fulfillment.models import Backorder
from simulator.driver import ORDER_PREFIX, Simulation, drop_created, make_plan, travel, zip_pools
from simulator.scenarios import SCENARIOS
from simulator.summary import SUMMARY_KEYS, run_summary


class Progress:
    """One line on stderr, redrawn with \\r on a terminal (plain lines otherwise): the run
    with Closo's day, and the forked run's (`other`, a shared counter) when there is one."""

    def __init__(self, stream, label: str, other=None):
        self.stream, self.label, self.other, self.started = stream, label, other, time.monotonic()
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, day: int, days: int) -> None:
        width = 30
        filled = round(width * day / days)
        line = f"{self.label} [{'#' * filled}{'.' * (width - filled)}] day {day}/{days}"
        if self.other is not None:
            line += f" (without Closo: day {self.other.value}/{days})"
        line += f"  {self.elapsed():.0f} s"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if day == days else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class _Forked:
    """`target(day, go, **kwargs)` in a forked process (a copy of this one, with its own
    database connection): `day` is a shared counter for the progress line, `go` an event
    the parent sets when the child may start, `result()`
    waits for the target's return value (or raises CommandError with its traceback)."""

    def __init__(self, *, target, **kwargs):
        ctx = multiprocessing.get_context("fork")
        self.day, self.go = ctx.Value("i", 0), ctx.Event()
        self._receive, send = ctx.Pipe(duplex=False)
        connections.close_all()  # the child must not share this process's connection

        def child() -> None:
            try:
                send.send({"ok": target(self.day, self.go, **kwargs)})
            except BaseException:
                send.send({"error": traceback.format_exc()})
            finally:
                connections.close_all()

        self._process = ctx.Process(target=child, daemon=True)
        self._process.start()
        send.close()

    def result(self):
        try:
            message = self._receive.recv()
        except EOFError:
            message = {"error": f"the forked run ended without an answer (exit code {self._process.exitcode})"}
        self._process.join()
        if "error" in message:
            raise CommandError(f"The run without Closo failed:\n{message['error']}")
        return message["ok"]


class Command(BaseCommand):
    help = (
        "Replay a scenario (bfcm: the Black Friday sell-out of issue 11; quiet: a normal week) day by day "
        "through Closo's real services on a simulated clock: orders, returns routed to hubs, drop-offs, "
        "inspections (photos waived for the simulator only), Like-New releases and matching, pickups, "
        "cancellations by the daily hazard, the restock, the engine's timers and daily promise updates. "
        "It runs twice with the same seed: once with Closo, once with every return sent to the warehouse "
        "(cancellations_without_closo). Each run goes into a new throwaway brand (with its own three hubs; "
        "other active hubs of the database, like the demo's, serve it too, as hubs serve every brand), "
        "dropped at the end unless --keep; --brand SLUG runs only the Closo run into that existing brand "
        "(and its active hubs) and keeps everything; a brand that already holds simulated orders is left as it "
        "is (so `make run` simulates into the demo once). Progress goes to stderr; the last line on stdout is "
        "the summary as JSON. --report PATH writes a self-contained HTML report. The clock is "
        "time-machine's (every timezone.now(), auto_now and time.time() follows it); the scenario's "
        "parameters are in simulator/scenarios.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="bfcm", help="Scenario (default bfcm).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same summary.")
        parser.add_argument("--days", type=int, help="Days to simulate (default: the scenario's, 35 for bfcm).")
        parser.add_argument("--report", metavar="PATH", help="Write the HTML report here.")
        parser.add_argument(
            "--brand",
            metavar="SLUG",
            help="Simulate into this existing brand (e.g. the demo's) instead of a throwaway one; "
            "skips the run without Closo, keeps the data.",
        )
        parser.add_argument(
            "--start", metavar="YYYY-MM-DD", help="Day 0 (default: the scenario's; with --brand: --days ago)."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the throwaway brands (and their hubs) instead of dropping them."
        )

    def handle(self, *args, **options):
        import datetime as dt

        scenario = SCENARIOS[options["scenario"]]
        days = options["days"] or scenario.days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        brand_slug = options["brand"]
        if brand_slug:
            brand = Brand.objects.filter(slug=brand_slug).first()
            if brand is None:
                raise CommandError(f"No brand with slug “{brand_slug}”.")
            with schema_context(brand.schema_name):
                if Backorder.objects.filter(order_ref__startswith=ORDER_PREFIX).exists():
                    self.stderr.write(f"{brand.name} already holds simulated orders: nothing simulated again.")
                    return
        if options["start"]:
            start = dt.date.fromisoformat(options["start"])
        elif brand_slug:
            start = dt.date.today() - dt.timedelta(days=days)
        else:
            start = scenario.start
        random.seed(options["seed"])  # what the services draw themselves (the audit sample)
        local_zips, other_zips = zip_pools(scenario)
        plan = make_plan(scenario, seed=options["seed"], local_zips=local_zips, other_zips=other_zips)
        started = time.monotonic()
        results = {}
        common = {"scenario": scenario, "seed": options["seed"], "days": days, "start": start, "plan": plan}
        # Simulated customers get no e-mail (the messages are still rendered by the services).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            without = None
            if not brand_slug:
                # The run without Closo shares nothing with the other (no hub, its own brand):
                # it runs in a forked process at the same time, on the machine's other core.
                without = _Forked(target=self._run_without, keep=options["keep"], **common)
            progress = Progress(self.stderr, f"{scenario.name}", other=without.day if without else None)
            sim, results["with Closo"] = self._run(
                local=True,
                brand_slug=brand_slug,
                progress=progress,
                options=options,
                after_setup=without.go.set if without else None,
                **common,
            )
            if options["report"]:
                results["report"] = sim
            else:
                self._drop_unless_kept(sim, options["keep"])
            if without is not None:
                results["without Closo"] = without.result()
                if options["keep"]:
                    self.stderr.write(
                        f"Kept the run without Closo's brand (id {results['without Closo']['created']['brand']})."
                    )
                else:
                    drop_created(results["without Closo"]["created"])
        for label in ("with Closo", "without Closo"):
            if label in results:
                self._counts(label, results[label]["counters"], options["verbosity"])
        summary = dict(results["with Closo"]["summary"])
        without = results.get("without Closo")
        summary["cancellations_without_closo"] = without["summary"]["cancellations"] if without else None
        summary = {key: summary.get(key) for key in SUMMARY_KEYS}
        elapsed = time.monotonic() - started
        if options["report"]:
            from simulator.report import report_write

            sim = results["report"]
            with travel(sim.at(days - 1, 23 * 60 + 59)), schema_context(sim.brand.schema_name):
                report_write(
                    Path(options["report"]),
                    scenario=scenario,
                    seed=options["seed"],
                    days=days,
                    start=start,
                    summary=summary,
                    runs=results,
                    elapsed=elapsed,
                )
            self._drop_unless_kept(sim, options["keep"])
            self.stderr.write(f"Report written to {options['report']}")
        self.stderr.write(f"Done in {elapsed:.0f} s.")
        self.stdout.write(json.dumps(summary))
        sys.stdout.flush()

    def _run(
        self, *, local, brand_slug, progress, options, plan, after_setup=None, **common
    ) -> tuple[Simulation, dict]:
        """One run from setup to summary; its throwaway brand is dropped if it fails."""
        sim = Simulation(local=local, brand_slug=brand_slug, progress=progress, **common)
        try:
            with travel(sim.at(0, 0)) as traveller:
                sim.setup(traveller)
                if after_setup is not None:
                    after_setup()
                sim.run(plan, traveller)
                with schema_context(sim.brand.schema_name):
                    return sim, run_summary(sim)
        except BaseException:
            self._drop_unless_kept(sim, options["keep"])
            raise

    def _run_without(self, day, go, *, keep: bool, **common) -> dict:
        """The run without Closo (in the forked process): its summary, counters and what
        the parent drops at the end. It starts once the parent's run has its brand (two
        brands cloned at once can deadlock on the template's catalog locks), and drops
        nothing itself, for the same reason."""
        go.wait()

        def progress(done: int, days: int) -> None:
            day.value = done

        sim, result = self._run(local=False, brand_slug=None, progress=progress, options={"keep": True}, **common)
        return {"summary": result["summary"], "counters": result["counters"], "created": sim.created()}

    def _counts(self, label: str, counters: dict, verbosity: int) -> None:
        counts = {k: v for k, v in counters.items() if k != "failures"}
        self.stderr.write(f"  {label}: " + " ".join(f"{k}={v}" for k, v in counts.items()))
        refused = counters["failures"]
        if refused and verbosity < 2:
            self.stderr.write(f"  {label}: {len(refused)} step(s) refused by a service (-v 2 lists them).")
        for failure in refused if verbosity >= 2 else ():
            self.stderr.write(f"  {label}: {failure}")

    def _drop_unless_kept(self, sim: Simulation, keep: bool) -> None:
        if sim.throwaway and not keep:
            sim.drop()
        elif sim.throwaway:
            self.stderr.write(f"Kept brand {sim.brand.slug} ({sim.brand.host}).")
