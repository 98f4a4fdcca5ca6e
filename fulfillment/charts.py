"""The brand's charts, built from its metrics (fulfillment.selectors.metrics.BrandMetrics):
one definition shared by the dashboard page, its CSV exports and the simulator's report,
so all three draw the same numbers the same way (closo.charts does the geometry)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from closo.charts import BarChart, LineChart, Point, ScatterChart, Series

if TYPE_CHECKING:
    from closo.charts import Chart
    from fulfillment.selectors.metrics import BrandMetrics
    from fulfillment.selectors.promises import Accuracy

# The charts in the order the dashboard shows them; the keys are their CSV names.
CHARTS = ("queue", "filled", "fill_rate", "days", "money", "promises", "refunds")


def _weeks(metrics: BrandMetrics) -> dict:
    return {
        "categories": [f"{w.week:%b} {w.week.day}" for w in metrics.weeks],
        "keys": [w.week.isoformat() for w in metrics.weeks],
        "x_title": "Week starting",
    }


def calibration_chart(accuracy: Accuracy, *, name: str = "calibration") -> ScatterChart:
    """Stated confidence against the share kept, one dot per confidence range (its size
    grows with the promises in it); the dashed diagonal is an honest promise."""
    return ScatterChart(
        name=name,
        title="Calibration: stated confidence against the share of promises kept",
        description="One point per confidence range; the dashed diagonal is where kept equals stated.",
        x_title="Stated confidence",
        y_title="Share kept",
        label_title="Stated range",
        n_title="Promises",
        points=[Point(b.label, b.stated or 0, b.kept_share or 0, b.n) for b in accuracy.buckets],
        domain=(0.5, 1.0),
        diagonal=True,
    )


def brand_charts(metrics: BrandMetrics, *, csv_url=None) -> dict[str, Chart]:
    """Every dashboard chart by its name. `csv_url(name)`, when given, is where each
    chart's CSV file is offered."""
    weeks = metrics.weeks
    charts: dict[str, Chart] = {
        "queue": BarChart(
            name="queue",
            title="Queue ageing: waiting backorders by how long they have waited",
            description="Backorders still waiting today, grouped by days since they were placed.",
            categories=[label for label, _ in metrics.queue_ageing],
            series=[Series("Backorders waiting", [n for _, n in metrics.queue_ageing])],
            x_title="Time waiting",
            y_title="Backorders",
        ),
        "filled": BarChart(
            name="filled",
            title="Backorders filled per week, locally and by restock",
            description="Stacked bars: backorders filled from a local Like-New return and from restock.",
            series=[
                Series("Local", [w.filled_local for w in weeks]),
                Series("Restock", [w.filled_restock for w in weeks]),
            ],
            stacked=True,
            y_title="Backorders filled",
            **_weeks(metrics),
        ),
        "fill_rate": LineChart(
            name="fill_rate",
            title="Local fill rate per week",
            description="The share of the week's filled backorders that a local return filled.",
            series=[Series("Local fill rate", [w.local_fill_rate for w in weeks])],
            format="percent",
            y_max=1,
            y_title="Filled locally",
            **_weeks(metrics),
        ),
        "days": LineChart(
            name="days",
            title="Days to fill: local against restock",
            description="Median days from order to fill, for backorders filled that week, by source.",
            series=[
                Series("Local", [w.median_days_to_fill_local for w in weeks]),
                Series("Restock", [w.median_days_to_fill_restock for w in weeks]),
            ],
            format="days",
            y_title="Median days",
            **_weeks(metrics),
        ),
        "money": BarChart(
            name="money",
            title="Savings and revenue kept per week",
            description="Return costs saved by the local route, and revenue kept by filling backorders sooner.",
            series=[
                Series("Savings", [w.savings for w in weeks]),
                Series("Revenue kept", [w.revenue_kept for w in weeks]),
            ],
            format="money",
            y_title="US dollars",
            **_weeks(metrics),
        ),
        "promises": calibration_chart(metrics.accuracy, name="promises"),
        "refunds": LineChart(
            name="refunds",
            title="Refund speed by route",
            description="Median days from a return's creation to its refund being ready, by where it went.",
            series=[
                Series("Hub", [w.refund_days_hub for w in weeks]),
                Series("Warehouse", [w.refund_days_warehouse for w in weeks]),
            ],
            format="days",
            y_title="Days to refund",
            **_weeks(metrics),
        ),
    }
    if csv_url is not None:
        for name, chart in charts.items():
            chart.csv_url = csv_url(name)
    return charts
