"""The brand's dashboard: headline figures and the charts of issue 11 (queue ageing, local
fills and fill rate, days to fill, savings and revenue kept, promise accuracy, refund
speed), each with its numbers in a table and as a CSV file. Everything comes from one
`brand_metrics` read (a constant number of queries); GET /api/v1/metrics serves the same."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from brands.decorators import brand_member_required
from closo.charts import FORMATS
from fulfillment.charts import CHARTS, brand_charts
from fulfillment.selectors.metrics import brand_metrics

# The headline figures: (summary key, label, format).
HEADLINES = (
    ("local_fill_rate", "filled locally", "percent"),
    ("savings", "saved on returns", "money"),
    ("revenue_kept", "revenue kept", "money"),
    ("promises_kept_share", "promises kept", "percent"),
    ("backorders_waiting", "backorders waiting", "count"),
)


def _headlines(summary: dict) -> list[dict]:
    return [
        {"key": key, "label": label, "value": summary.get(key), "text": FORMATS[fmt](summary.get(key))}
        for key, label, fmt in HEADLINES
    ]


@brand_member_required
def dashboard(request):
    metrics = brand_metrics()
    summary = metrics.summary
    fills = sum(w.filled_local + w.filled_restock for w in metrics.weeks)
    returns = (summary.get("returns_local") or 0) + (summary.get("returns_warehouse") or 0)
    return render(
        request,
        "fulfillment/dashboard.html",
        {
            "headlines": _headlines(summary),
            "stated": FORMATS["percent"](summary.get("stated_confidence")),
            "charts": brand_charts(metrics, csv_url=lambda name: reverse("dashboard_csv", args=[name])).values(),
            "no_fills": summary.get("local_fill_rate") is None,
            "has_data": bool(fills or returns or summary.get("backorders_waiting") or metrics.accuracy.n),
            "section": "dashboard",
        },
    )


@brand_member_required
def dashboard_csv(request, chart: str):
    """One chart's numbers as a CSV download: the rows of its table, exact values."""
    if chart not in CHARTS:
        raise Http404("No such chart.")
    rows = brand_charts(brand_metrics())[chart].csv_rows()
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{chart}-{request.tenant.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
