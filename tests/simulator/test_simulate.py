"""`manage.py simulate` drives the real services into throwaway brands it drops afterwards;
the same seed replays the same summary; the report is one self-contained file."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils.html import escape

from brands.models import Brand
from hubs.models import Hub
from simulator.management.commands.simulate import Command
from simulator.summary import SUMMARY_KEYS


def simulate(*args: str) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


def test_the_same_seed_gives_the_same_summary_twice(committed):
    first, _ = simulate("--scenario", "quiet", "--seed", "5", "--days", "4")
    second, _ = simulate("--scenario", "quiet", "--seed", "5", "--days", "4")
    assert first == second
    assert first["cancellations"] == second["cancellations"] and first["cost_per_warehouse_return"] == 27.0


def test_a_short_bfcm_run_prints_the_issues_keys_with_numbers_in_range_and_drops_its_brands(committed):
    brands_before, hubs_before = Brand.objects.count(), Hub.objects.count()
    summary, progress = simulate("--scenario", "bfcm", "--seed", "2", "--days", "3")
    assert tuple(summary) == SUMMARY_KEYS
    for share in ("local_fill_rate", "promises_kept_share", "stated_confidence"):
        assert summary[share] is None or 0 <= summary[share] <= 1
    # The seed's costs: $5 at a hub, $15 + $7 + $5 to the warehouse.
    assert summary["cost_per_local_return"] == 5.0
    assert summary["cost_per_warehouse_return"] == 27.0
    assert isinstance(summary["cancellations"], int) and isinstance(summary["cancellations_without_closo"], int)
    assert summary["revenue_kept"] >= 0
    # About 171 orders a day for the first week: both runs took them all, and hubs inspected.
    counts = dict(re.findall(r"(\w+)=(\d+)", progress.split("with Closo:")[1].splitlines()[0]))
    assert int(counts["orders"]) > 300 and counts["refused_orders"] == "0"
    assert int(counts["inspections"]) > 0 and int(counts["dropoffs"]) >= int(counts["inspections"])
    assert "day 3/3" in progress
    assert (Brand.objects.count(), Hub.objects.count()) == (brands_before, hubs_before)


def test_the_report_is_one_self_contained_html_file_with_every_chart(committed, tmp_path):
    path = tmp_path / "report.html"
    summary, _ = simulate("--scenario", "quiet", "--seed", "1", "--days", "3", "--report", str(path))
    html = path.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "the report fetches nothing"
    assert "<link" not in html and "<script" not in html
    for chart in ("queue", "filled", "fill_rate", "days", "money", "promises", "refunds"):
        assert f'id="{chart}-svg"' in html and f'id="{chart}-table"' in html
    assert escape(json.dumps(summary)) in html  # the summary line, as printed
    assert 'class="src src-assumption"' in html and "restock_spread_days" in html


def test_simulate_help_names_every_option_and_says_brands_are_dropped():
    text = Command().create_parser("manage.py", "simulate").format_help()
    for option in ("--scenario", "--seed", "--days", "--report", "--brand", "--keep"):
        assert option in text
    assert "dropped at the end unless --keep" in " ".join(text.split())


def test_an_unknown_brand_is_refused(committed):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No brand"):
        call_command("simulate", "--brand", "nope-nope", stdout=io.StringIO(), stderr=io.StringIO())
