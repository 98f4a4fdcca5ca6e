"""The brand's "Local fills" page: where its returned units wait, what is promised, what
was handed over this week."""

from __future__ import annotations

from django.shortcuts import render

from brands.decorators import brand_member_required
from fulfillment.selectors import local_fills as selectors

CHART_HEIGHT = 120
BAR_WIDTH = 36
BAR_GAP = 10


def _chart(days: list[selectors.FillDay]) -> dict:
    """Geometry of the server-rendered SVG bar chart (numbers are in the table beside it)."""
    bars = []
    for i, day in enumerate(days):
        height = round(CHART_HEIGHT * day.percent / 100) if day.count else 0
        bars.append(
            {
                "day": day,
                "x": i * (BAR_WIDTH + BAR_GAP),
                "y": CHART_HEIGHT - height + 16,
                "height": height,
                "label_x": i * (BAR_WIDTH + BAR_GAP) + BAR_WIDTH // 2,
                "value_y": CHART_HEIGHT - height + 12,
            }
        )
    return {
        "bars": bars,
        "width": len(days) * (BAR_WIDTH + BAR_GAP) - BAR_GAP,
        "height": CHART_HEIGHT + 36,
        "bar_width": BAR_WIDTH,
        "axis_y": CHART_HEIGHT + 16,
        "label_y": CHART_HEIGHT + 32,
    }


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
