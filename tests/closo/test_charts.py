"""closo.charts: the geometry the chart templates draw — nice ticks, scaling, None gaps,
zero data, one point — and the rows behind each chart's table and CSV."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from closo.charts import BarChart, LineChart, Point, ScatterChart, Series, nice_ticks

LABELS = {"title": "T", "description": "D.", "x_title": "Week", "y_title": "Units"}


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 10, [0, 2, 4, 6, 8, 10]),
        (0, 87, [0, 20, 40, 60, 80, 100]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.5, 1, [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
        (-30, 45, [-40, -20, 0, 20, 40, 60]),
        (0, 1234.5, [0, 500, 1000, 1500]),
    ],
)
def test_ticks_are_round_numbers_that_cover_the_data(lo, hi, expected):
    assert nice_ticks(lo, hi) == expected


def test_counts_never_get_fractional_ticks():
    assert nice_ticks(0, 2, integer=True) == [0, 1, 2]
    assert nice_ticks(0, 2) == [0, 0.5, 1.0, 1.5, 2.0]


def test_an_empty_range_still_gets_an_axis():
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(7, 7, integer=True) == [6, 8, 10, 12, 14]


def test_bars_are_scaled_from_the_zero_baseline_to_the_top_tick():
    chart = BarChart(name="c", categories=["a", "b"], series=[Series("n", [5, 10])], **LABELS)
    assert [t.label for t in chart.y_ticks] == ["0", "2", "4", "6", "8", "10"]
    low, high = chart.bars
    assert high["y"] == chart.top and high["y"] + high["height"] == chart.bottom  # 10 fills the plot
    assert low["height"] == pytest.approx(high["height"] / 2, abs=0.1)
    assert low["x"] < high["x"] and low["label"] == "a: n 5"


def test_grouped_bars_sit_side_by_side_and_stacked_bars_on_each_other():
    series = [Series("local", [3, 1]), Series("restock", [1, 0])]
    grouped = BarChart(name="g", categories=["w1", "w2"], series=series, **LABELS)
    a_local, a_restock = grouped.bars[:2]
    assert a_restock["x"] == pytest.approx(a_local["x"] + a_local["width"], abs=0.1)
    stacked = BarChart(name="s", categories=["w1", "w2"], series=series, stacked=True, **LABELS)
    assert stacked.y_ticks[-1].label == "4"  # the stack's sum sets the axis, not the tallest part
    s_local, s_restock = stacked.bars[:2]
    assert s_local["x"] == s_restock["x"]
    assert s_restock["y"] + s_restock["height"] == pytest.approx(s_local["y"], abs=0.1)
    assert s_restock["y"] == stacked.top


def test_a_none_value_draws_no_bar_and_a_gap_in_the_line():
    bars = BarChart(name="b", categories=["1", "2", "3"], series=[Series("x", [2, None, 4])], **LABELS)
    assert len(bars.bars) == 2
    line = LineChart(
        name="l", categories=["1", "2", "3", "4", "5"], series=[Series("x", [2, 3, None, 4, None])], **LABELS
    ).lines[0]
    assert line["path"].count("M") == 2 and line["path"].count("L") == 1  # 1–2 joined, 4 alone
    assert len(line["points"]) == 3


def test_one_point_is_a_dot_on_a_usable_axis():
    chart = LineChart(name="l", categories=["w1"], series=[Series("days", [4.5])], format="days", **LABELS)
    (line,) = chart.lines
    assert line["points"][0]["x"] == chart.mid_x and line["path"] == f"M{chart.mid_x} {line['points'][0]['y']}"
    assert chart.y_ticks[0].label == "0 d" and len(chart.y_ticks) >= 3


def test_zero_data_is_an_empty_chart_with_an_axis_not_an_error():
    chart = LineChart(name="z", categories=["w1", "w2"], series=[Series("x", [None, None])], **LABELS)
    assert chart.empty and chart.lines[0]["path"] == "" and len(chart.y_ticks) >= 2
    zeros = BarChart(name="z", categories=["w1"], series=[Series("x", [0])], **LABELS)
    assert not zeros.empty and zeros.bars[0]["height"] == 0
    html = render_to_string("charts/_line.html", {"chart": chart})
    assert "No data yet" in html and 'role="img"' in html


def test_shares_are_drawn_against_a_fixed_full_scale():
    chart = LineChart(name="r", categories=["w"], series=[Series("rate", [0.25])], format="percent", y_max=1, **LABELS)
    assert [t.label for t in chart.y_ticks][-1] == "100 %"


def test_many_categories_label_every_kth_and_always_the_newest():
    weeks = [f"w{i}" for i in range(12)]
    chart = BarChart(name="w", categories=weeks, series=[Series("n", [1] * 12)], **LABELS)
    assert [t.label for t in chart.x_ticks] == ["w1", "w3", "w5", "w7", "w9", "w11"]


def test_the_table_and_csv_carry_the_exact_numbers():
    chart = BarChart(
        name="s",
        categories=["Sep 7", "Sep 14"],
        keys=["2026-09-07", "2026-09-14"],
        series=[Series("Savings", [Decimal("44.00"), None]), Series("Rate", [0.123456, 1])],
        format="money",
        **LABELS,
    )
    assert chart.csv_rows() == [["Week", "Savings", "Rate"], ["2026-09-07", "44.00", "0.1235"], ["2026-09-14", "", "1"]]
    first = chart.table()[0]
    assert first[0] == {"text": "Sep 7", "value": "2026-09-07"} and first[1] == {"text": "$44", "value": "44.00"}


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        BarChart(name="x", categories=["a", "b", "c"], series=[Series("n", [1, 2])], **LABELS)


def test_scatter_points_grow_with_weight_and_are_clipped_to_the_domain():
    chart = ScatterChart(
        name="cal",
        points=[Point("95–98", 0.96, 0.95, 20), Point("80–90", 0.85, 0.4, 5), Point("50–80", 0, 0, 0)],
        domain=(0.5, 1),
        diagonal=True,
        title="T",
        description="D.",
        x_title="Stated",
        y_title="Kept",
    )
    big, small = chart.dots
    assert big["r"] > small["r"] and small["clipped"] and not big["clipped"]
    assert small["y"] == chart.bottom  # 40 % drawn on the 50 % edge
    assert chart.diagonal_line == {"x1": chart.left, "y1": chart.bottom, "x2": chart.right, "y2": chart.top}
    assert chart.csv_rows()[-1] == ["50–80", "", "", "0"]


@pytest.mark.parametrize("template", ["_bar.html", "_line.html"])
def test_the_templates_draw_axes_legend_and_an_accessible_table(template):
    Chart = BarChart if template == "_bar.html" else LineChart
    chart = Chart(
        name="fills",
        categories=["w1", "w2"],
        series=[Series("Local", [1, 2]), Series("Restock", [3, None])],
        csv_url="/dashboard/fills.csv",
        **LABELS,
    )
    html = render_to_string(f"charts/{template}", {"chart": chart})
    assert 'role="img"' in html and '<title id="fills-title">T</title>' in html and "<desc" in html
    assert ">Week</text>" in html and ">Units</text>" in html  # axis titles
    assert ">Local</text>" in html and ">Restock</text>" in html  # legend
    assert 'id="fills-table"' in html and '<td data-value="">–</td>' in html
    assert 'href="/dashboard/fills.csv"' in html
    assert "http" not in html  # nothing external: it works inside a self-contained file


def test_a_label_too_wide_for_its_room_is_written_on_two_lines():
    ages = ["0–2 days", "3–7 days", "8–14 days", "15–30 days", "over 30 days"]
    chart = BarChart(name="q", categories=ages, series=[Series("n", [1, 0, 0, 0, 1])], **LABELS)
    assert chart.x_ticks[-1].lines == ("over 30", "days")
    weeks = BarChart(name="w", categories=["Sep 7", "Sep 14"], series=[Series("n", [1, 2])], **LABELS)
    assert [t.lines for t in weeks.x_ticks] == [("Sep 7",), ("Sep 14",)]
    html = render_to_string("charts/_bar.html", {"chart": chart})
    assert (
        '<tspan x="{0}" dy="0">over 30</tspan><tspan x="{0}" dy="12">days</tspan>'.format(chart.x_ticks[-1].pos) in html
    )


def test_tiny_values_get_a_readable_axis_from_zero_not_a_microscope():
    chart = LineChart(name="r", categories=["w"], series=[Series("Hub", [0.00001])], format="days", **LABELS)
    assert [t.label for t in chart.y_ticks] == ["0 d", "0.2 d", "0.4 d", "0.6 d", "0.8 d", "1 d"]
    money = BarChart(name="m", categories=["w"], series=[Series("$", [Decimal("0.50")])], format="money", **LABELS)
    assert len({t.label for t in money.y_ticks}) == len(money.y_ticks)  # no "$0, $0, $0"


def test_one_series_needs_no_legend_two_do():
    one = BarChart(name="o", categories=["a"], series=[Series("n", [1])], **LABELS)
    two = BarChart(name="t", categories=["a"], series=[Series("n", [1]), Series("m", [2])], **LABELS)
    assert one.legend == [] and [item["name"] for item in two.legend] == ["n", "m"]


def test_a_kind_of_chart_that_does_not_say_its_table_cannot_be_made():
    from closo.charts import Chart

    with pytest.raises(TypeError, match="abstract"):
        Chart(name="x", **LABELS)
