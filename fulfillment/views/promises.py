"""The brand's Promises page: how often its promised ship-by dates were kept against the
confidence they were stated with — a calibration chart (server-rendered SVG, its numbers
in a table beside it) and the mean slack."""

from __future__ import annotations

from django.shortcuts import render

from brands.decorators import brand_member_required
from fulfillment.selectors.promises import Accuracy, promise_accuracy

# The chart's frame (SVG user units) and the share range its axes show.
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 320, 300, 48, 22, 12, 44
LOW = 0.5


def _x(share: float) -> float:
    return round(LEFT + (max(share, LOW) - LOW) / (1 - LOW) * (WIDTH - LEFT - RIGHT), 1)


def _y(share: float) -> float:
    return round(HEIGHT - BOTTOM - (max(share, LOW) - LOW) / (1 - LOW) * (HEIGHT - TOP - BOTTOM), 1)


def calibration_chart(accuracy: Accuracy) -> dict:
    """Coordinates for the template: the ticks, the diagonal (kept = stated), one point per
    bucket with promises (x = mean stated confidence, y = kept share, radius grows with n)."""
    ticks = [LOW + i / 10 for i in range(6)]
    most = max((b.n for b in accuracy.buckets), default=0) or 1
    points = [
        {
            "x": _x(b.stated),
            "y": _y(b.kept_share),
            "r": round(4 + 8 * (b.n / most) ** 0.5, 1),
            "label": f"{b.label}: stated {b.stated:.0%}, kept {b.kept_share:.0%} of {b.n}",
            "below": b.kept_share < LOW,
        }
        for b in accuracy.buckets
        if b.n
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "ticks": [{"label": f"{t:.0%}", "x": _x(t), "y": _y(t)} for t in ticks],
        "diagonal": {"x1": _x(LOW), "y1": _y(LOW), "x2": _x(1), "y2": _y(1)},
        "points": points,
        "mid_x": round((LEFT + WIDTH - RIGHT) / 2, 1),
        "mid_y": round((TOP + HEIGHT - BOTTOM) / 2, 1),
    }


@brand_member_required
def promise_accuracy_page(request):
    accuracy = promise_accuracy()
    return render(
        request,
        "fulfillment/promise_accuracy.html",
        {
            "accuracy": accuracy,
            "chart": calibration_chart(accuracy),
            "target": request.tenant.promise_confidence,
            "section": "promises",
        },
    )
