"""The simulation's HTML report: one self-contained file (inline CSS and SVG, nothing
fetched) with the scenario's parameters (assumptions marked), the summary line, the run
with Closo against the run without, and the brand dashboard's charts (fulfillment.charts,
drawn by templates/charts/, with their tables open)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from closo.charts import FORMATS
from fulfillment.charts import brand_charts
from simulator.scenarios import ASSUMED, Scenario, source_of

CSS_FILE = Path(settings.BASE_DIR) / "static" / "css" / "closo.css"

# (summary key, label, format) in the order.
SUMMARY_ROWS = (
    ("local_fill_rate", "Local fill rate", "percent"),
    ("median_days_to_fill_local", "Median days to fill, local", "days"),
    ("median_days_to_fill_restock", "Median days to fill, restock", "days"),
    ("promises_kept_share", "Promises kept", "percent"),
    ("stated_confidence", "Stated confidence", "percent"),
    ("mean_slack_days", "Mean slack (ship-by − filled), days", "days"),
    ("cost_per_local_return", "Cost per local return", "money"),
    ("cost_per_warehouse_return", "Cost per warehouse return", "money"),
    ("cancellations", "Cancellations", "count"),
    ("cancellations_without_closo", "Cancellations without Closo", "count"),
    ("revenue_kept", "Revenue kept", "money"),
)
# Rows of the with/without comparison: (key in the run's summary or counters, label, format).
COMPARE_ROWS = (
    ("orders", "Backorders taken", "count"),
    ("returns", "Returns", "count"),
    ("returns_local", "… routed to a hub", "count"),
    ("returns_warehouse", "… routed to the warehouse", "count"),
    ("inspections", "Inspections at hubs", "count"),
    ("pickups", "Local hand-offs (pickups)", "count"),
    ("local_fill_rate", "Local fill rate", "percent"),
    ("median_days_to_fill_restock", "Median days to fill, restock", "days"),
    ("cancellations", "Cancellations", "count"),
    ("backorders_waiting", "Still waiting at the end", "count"),
    ("savings", "Saved on returns", "money"),
    ("revenue_kept", "Revenue kept", "money"),
)


def _value_text(value) -> str:
    if isinstance(value, tuple):
        return ", ".join(" ".join(str(x) for x in v) if isinstance(v, tuple) else str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (Decimal, dt.date)):
        return str(value)
    return str(value)


def _checks(summary: dict) -> list[dict]:
    kept, stated = summary.get("promises_kept_share"), summary.get("stated_confidence")
    with_, without = summary.get("cancellations"), summary.get("cancellations_without_closo")
    checks = []
    if kept is not None and stated is not None:
        gap = abs(kept - stated) * 100
        checks.append(
            {
                "text": f"Promises kept {kept:.1%} against {stated:.1%} stated: "
                f"{gap:.1f} points apart (issue: within 5).",
                "ok": gap <= 5,
            }
        )
    if with_ is not None and without is not None:
        checks.append(
            {"text": f"Cancellations {with_} with Closo, {without} without (issue: fewer with).", "ok": with_ < without}
        )
    return checks


def report_html(
    *, scenario: Scenario, seed: int, days: int, start: dt.date, summary: dict, runs: dict, elapsed: float
) -> str:
    with_run = runs["with Closo"]
    without_run = runs.get("without Closo")
    charts = brand_charts(with_run["metrics"]).values()
    parameters = [
        {**row, "source": source_of(scenario, row["name"]), "text": _value_text(row["value"])}
        for row in scenario.parameters()
    ]

    def compare_cell(run, key, fmt):
        if run is None:
            return "—"
        value = run["counters"].get(key, run["summary"].get(key))
        return FORMATS[fmt](value)

    return render_to_string(
        "simulator/report.html",
        {
            "css": CSS_FILE.read_text(encoding="utf-8"),
            "scenario": scenario,
            "seed": seed,
            "days": days,
            "start": start,
            "end": start + dt.timedelta(days=days - 1),
            "elapsed": elapsed,
            "summary_json": json.dumps(summary),
            "summary_rows": [
                {"key": key, "label": label, "text": FORMATS[fmt](summary.get(key)), "value": summary.get(key)}
                for key, label, fmt in SUMMARY_ROWS
            ],
            "checks": _checks(summary),
            "compare": [
                {
                    "label": label,
                    "with": compare_cell(with_run, key, fmt),
                    "without": compare_cell(without_run, key, fmt),
                }
                for key, label, fmt in COMPARE_ROWS
            ],
            "charts": charts,
            "open_table": True,
            "parameters": parameters,
            "assumptions": [row for row in parameters if row["source"] == ASSUMED],
            "ASSUMED": ASSUMED,
            "failures": with_run["counters"]["failures"][:20],
            "failure_count": len(with_run["counters"]["failures"]),
        },
    )


def report_write(path: Path, **context) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(**context), encoding="utf-8")
