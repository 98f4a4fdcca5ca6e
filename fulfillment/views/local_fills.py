"""The brand's "Local fills" page: where its returned units wait, what is promised, what
was handed over this week."""

from __future__ import annotations

from django.shortcuts import render

from brands.decorators import brand_member_required
from closo.charts import BarChart, Series
from fulfillment.selectors import local_fills as selectors


def _chart(days: list[selectors.FillDay]) -> BarChart:
    """Hand-offs per day this week, drawn by the shared bar chart (its numbers in a table)."""
    span = f"{days[0].day:%b} {days[0].day.day} to {days[-1].day:%b} {days[-1].day.day}" if days else "this week"
    return BarChart(
        name="fills",
        title=f"Hand-offs per day, {span}",
        description=f"Local hand-offs per day: {sum(d.count for d in days)} in all.",
        categories=[f"{d.day:%a}" for d in days],
        keys=[d.day.isoformat() for d in days],
        series=[Series("Hand-offs", [d.count for d in days])],
        x_title="Day",
        y_title="Hand-offs",
    )


@brand_member_required
def local_fills(request):
    days = selectors.fills_per_day()
    shelves = selectors.shelves_by_hub()
    return render(
        request,
        "fulfillment/local_fills.html",
        {
            "shelves": shelves,
            "shelf_totals": {
                "available": sum(s.available for s in shelves),
                "reserved": sum(s.reserved for s in shelves),
                "held": sum(s.held for s in shelves),
            },
            "allocation_counts": selectors.allocations_by_status(),
            "days": days,
            "week_total": sum(d.count for d in days),
            "chart": _chart(days),
            "open_allocations": selectors.allocations_open(),
            "section": "local_fills",
        },
    )
