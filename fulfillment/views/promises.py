"""The brand's Promises page: how often its promised ship-by dates were kept against the
confidence they were stated with — a calibration chart (server-rendered SVG, its numbers
in a table beside it) and the mean slack."""

from __future__ import annotations

from django.shortcuts import render

from brands.decorators import brand_member_required
from fulfillment.charts import calibration_chart
from fulfillment.selectors.promises import promise_accuracy


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
