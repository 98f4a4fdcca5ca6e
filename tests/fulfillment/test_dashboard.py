"""The brand's dashboard (issue 11 §2): headline figures and every chart drawn from
brand_metrics with its numbers in a table, each chart's CSV with the same numbers, an
empty state for a new brand, members only (viewers may read), a constant number of
queries, and nothing of another brand's."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfillment.charts import CHARTS
from fulfillment.models import Backorder, LedgerEntry, ReturnItem, Sku
from fulfillment.selectors.metrics import brand_metrics

Kind = LedgerEntry.Kind


def at_days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def seed(n_fills: int = 3) -> None:
    """Ledger rows as the services write them: local and restock fills, routed returns and
    their refunds, and a few waiting backorders."""
    sku = Sku.objects.get_or_create(code="WB-15", defaults={"title": "Weighted blanket", "price": 120})[0]
    start = Backorder.objects.count()

    def backorder(placed, status="fulfilled"):
        ref = f"#D{start + Backorder.objects.count()}"
        return Backorder.objects.create(
            order_ref=ref, sku=sku, value=120, customer_zip="78702", placed_at=placed, status=status
        )

    for i in range(n_fills):
        ago = 7 * (i % 3)
        LedgerEntry.objects.create(
            kind=Kind.BACKORDER_FILLED,
            backorder=backorder(at_days_ago(ago + 3)),
            at=at_days_ago(ago),
            source="local_return" if i % 4 else "restock",
            days=3 if i % 4 else 25,
            revenue_kept=Decimal("55.50") if i % 4 else None,
        )
        item = ReturnItem.objects.create(rma_ref=f"RMA-D{start}-{i}", sku=sku, customer_zip="78702")
        LedgerEntry.objects.create(
            kind=Kind.RETURN_ROUTED,
            return_item=item,
            at=at_days_ago(ago),
            source="hub",
            cost_actual=5,
            cost_other=27,
            savings=22,
        )
        LedgerEntry.objects.create(
            kind=Kind.REFUND_READY, return_item=item, at=at_days_ago(ago), source="hub", days=1.5
        )
    for age in (1, 10, 40):
        backorder(at_days_ago(age), status="waiting")


@pytest.fixture
def seeded(brand_a, in_brand):
    with in_brand(brand_a):
        seed(8)
    return brand_a


def test_the_dashboard_draws_every_chart_with_axes_and_a_table(host_client, seeded, vera):
    page = host_client(seeded.host, vera).get(reverse("dashboard"))  # a viewer may read it
    assert page.status_code == 200
    html = page.content.decode()
    for name in CHARTS:
        assert f'id="{name}-svg"' in html and f'id="{name}-table"' in html
        assert f'href="/dashboard/{name}.csv"' in html
    assert html.count('role="img"') == len(CHARTS)
    for axis in ("Week starting", "Time waiting", "Median days", "US dollars", "Stated confidence", "Days to refund"):
        assert f">{axis}</text>" in html
    assert 'aria-current="page">Dashboard</a>' in html
    nav = html[html.index("<nav") :]
    assert nav.index(">Dashboard</a>") < nav.index(">Overview</a>")  # first in the brand nav
    assert "No fills yet" not in html


def test_the_headlines_and_tables_show_the_metrics_figures(host_client, seeded, alice, in_brand):
    html = host_client(seeded.host, alice).get(reverse("dashboard")).content.decode()
    with in_brand(seeded):
        metrics = brand_metrics()
    summary = metrics.summary
    assert f'id="stat-local_fill_rate" data-value="{summary["local_fill_rate"]}"' in html
    assert summary["local_fill_rate"] == 0.75 and ">75 %</span>" in html  # 6 of 8 fills were local
    assert f'id="stat-savings" data-value="{summary["savings"]}"' in html and ">$176</span>" in html  # 8 × $22
    assert ">3</span>" in html  # backorders waiting
    this_week = metrics.weeks[-1]
    money = html[html.index('id="money-table"') :]
    assert f'<td data-value="{this_week.savings}">' in money and f'<td data-value="{this_week.revenue_kept}">' in money
    queue = html[html.index('id="queue-table"') :]
    assert '<th scope="row" data-value="0–2 days">0–2 days</th><td data-value="1">1</td>' in queue


def test_each_csv_has_the_charts_numbers_as_a_download(host_client, seeded, alice, in_brand):
    client = host_client(seeded.host, alice)
    response = client.get(reverse("dashboard_csv", args=["money"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="money-{seeded.slug}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    with in_brand(seeded):
        weeks = brand_metrics().weeks
    assert rows[0] == ["Week starting", "Savings", "Revenue kept"]
    assert len(rows) == 1 + len(weeks)
    assert rows[-1] == [weeks[-1].week.isoformat(), str(weeks[-1].savings), str(weeks[-1].revenue_kept)]
    assert sum(Decimal(r[1]) for r in rows[1:]) == Decimal("176.00")
    queue = list(csv.reader(io.StringIO(client.get("/dashboard/queue.csv").content.decode())))
    assert queue == [
        ["Time waiting", "Backorders waiting"],
        ["0–2 days", "1"],
        ["3–7 days", "0"],
        ["8–14 days", "1"],
        ["15–30 days", "0"],
        ["over 30 days", "1"],
    ]


def test_an_unknown_chart_is_not_found(host_client, brand_a, alice):
    assert host_client(brand_a.host, alice).get("/dashboard/nope.csv").status_code == 404


def test_a_new_brand_gets_next_steps_instead_of_empty_charts(host_client, brand_a, alice):
    html = host_client(brand_a.host, alice).get(reverse("dashboard")).content.decode()
    assert "No fills yet — here is what to do next" in html
    assert 'role="img"' not in html and 'href="/skus/"' in html and 'href="/backorders/"' in html
    assert 'id="stat-local_fill_rate" data-value=""' in html


def test_the_dashboard_takes_a_constant_number_of_queries(
    host_client, brand_a, alice, in_brand, django_assert_max_num_queries
):
    with in_brand(brand_a):
        seed(10)
    client = host_client(brand_a.host, alice)
    client.get(reverse("dashboard"))  # warm the host → brand cache
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("dashboard")).status_code == 200
    with in_brand(brand_a):
        seed(90)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("dashboard")).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/dashboard/days.csv").status_code == 200


def test_only_members_see_it_and_only_their_brands_figures(host_client, seeded, brand_b, bob, olga):
    assert host_client(seeded.host, olga).get(reverse("dashboard")).status_code in (302, 403, 404)
    assert host_client(seeded.host, olga).get("/dashboard/money.csv").status_code in (302, 403, 404)
    assert host_client(seeded.host, bob).get(reverse("dashboard")).status_code == 404  # brand B's admin
    html = host_client(brand_b.host, bob).get(reverse("dashboard")).content.decode()
    assert "No fills yet" in html and 'data-value="176.00"' not in html
