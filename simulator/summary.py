"""The simulation's summary line (issue 11 §3): the brand's own figures, read with the
dashboard's selector (fulfillment.selectors.metrics.brand_metrics) — the simulator has no
arithmetic of its own."""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone

from fulfillment.selectors.metrics import brand_metrics

SUMMARY_KEYS = (
    "local_fill_rate",
    "median_days_to_fill_local",
    "median_days_to_fill_restock",
    "promises_kept_share",
    "stated_confidence",
    "mean_slack_days",
    "cost_per_local_return",
    "cost_per_warehouse_return",
    "cancellations",
    "cancellations_without_closo",
    "revenue_kept",
)


def _weeks_for(days: int) -> int:
    return days // 7 + 2  # every week the run touched, whatever weekday it started


def run_summary(sim) -> dict:
    """{summary, counters, metrics} of a finished run; call inside its brand's schema on
    the simulated clock's last minute."""
    metrics = brand_metrics(weeks=_weeks_for(sim.days), today=timezone.localdate())
    summary = {key: _plain(value) for key, value in metrics.summary.items()}
    return {"summary": summary, "counters": asdict(sim.counters), "metrics": metrics}


def _plain(value):
    """JSON-ready: Decimals as floats, floats rounded to 4 places."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float):
        return round(value, 4)
    return value
