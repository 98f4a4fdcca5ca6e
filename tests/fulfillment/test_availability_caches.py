"""The availability selector's in-process caches: the brand's PO lateness fit (per brand,
forgotten when its purchase orders move) and ZIP centroids (public reference data)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from closo.actors import Actor, Party
from fulfillment.models import InboundSupply
from fulfillment.selectors import availability as selectors
from fulfillment.selectors import lateness
from fulfillment.services.supply import supply_cancel, supply_receive
from hubs.models import PostalCode
from tests.factories import in_days
from tests.fulfillment.test_availability_api import sold_out  # noqa: F401 (a fixture)


def queries(read) -> tuple[object, int]:
    """`read()` and the number of SELECTs it sent (not the search path's SET)."""
    with CaptureQueriesContext(connection) as captured:
        value = read()
    return value, sum(q["sql"].startswith("SELECT") for q in captured.captured_queries)


def late_history(sku, days_late: list[int]) -> None:
    now = timezone.now()
    for i, late in enumerate(days_late):
        InboundSupply.objects.create(
            po_ref=f"PO-H{i}",
            sku=sku,
            qty=10,
            expected_date=timezone.localdate(now) - datetime.timedelta(days=40 + late),
            status=InboundSupply.Status.RECEIVED,
            received_at=now - datetime.timedelta(days=40),
        )


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = 1000.0

    monkeypatch.setattr(lateness._lateness_fits, "clock", lambda: Clock.now)
    return Clock


def test_the_lateness_fit_is_computed_once_then_read_from_memory(brand_a, in_brand, sold_out):  # noqa: F811
    with in_brand(brand_a):
        late_history(sold_out, [4, 6])
        first, n_first = queries(lateness.brand_lateness)
        again, n_again = queries(lateness.brand_lateness)
    assert (n_first, n_again) == (1, 0)
    assert again == first and first.samples == 2


def test_receiving_a_po_refreshes_the_fit_at_once(brand_a, in_brand, sold_out):  # noqa: F811
    with in_brand(brand_a):
        po = InboundSupply.objects.create(po_ref="PO-LATE", sku=sold_out, qty=10, expected_date=in_days(-9))
        assert lateness.brand_lateness().samples == 0
        supply_receive(supply=po, actor=Actor.system("test"))
        fit = lateness.brand_lateness()
    assert fit.samples == 1
    assert fit.mean_days > selectors.model.Lateness().mean_days


def test_a_new_or_cancelled_po_makes_the_process_forget_the_fit(brand_a, in_brand, sold_out, alice):  # noqa: F811
    with in_brand(brand_a):
        lateness.brand_lateness()
        po = InboundSupply.objects.create(po_ref="PO-NEW", sku=sold_out, qty=10, expected_date=in_days(9))
        assert queries(lateness.brand_lateness)[1] == 1
        supply_cancel(supply=po, reason="Supplier out of stock", actor=Actor.for_user(alice, party=Party.BRAND))
        assert queries(lateness.brand_lateness)[1] == 1


def test_two_brands_never_share_a_fit(brand_a, brand_b, in_brand, sold_out):  # noqa: F811
    with in_brand(brand_a):
        late_history(sold_out, [10, 12, 14])
        late_a = lateness.brand_lateness()
    with in_brand(brand_b):
        late_b = lateness.brand_lateness()
    with in_brand(brand_a):
        assert lateness.brand_lateness() == late_a
    assert (late_a.samples, late_b.samples) == (3, 0)


def test_a_fit_another_process_changed_is_seen_within_the_ttl(brand_a, in_brand, sold_out, clock):  # noqa: F811
    with in_brand(brand_a):
        po = InboundSupply.objects.create(po_ref="PO-X", sku=sold_out, qty=10, expected_date=in_days(-3))
        assert lateness.brand_lateness().samples == 0
        # A queryset update sends no signal: as if another worker process had received it.
        InboundSupply.objects.filter(pk=po.pk).update(status="received", received_at=timezone.now())
        clock.now += lateness.LATENESS_TTL_SECONDS - 1
        assert lateness.brand_lateness().samples == 0
        clock.now += 1
        assert lateness.brand_lateness().samples == 1


def test_a_known_zip_is_read_once_and_an_unknown_one_is_never_cached(db):
    first, n_first = queries(lambda: selectors._places({"78702"}))
    again, n_again = queries(lambda: selectors._places({"78702"}))
    assert (n_first, n_again) == (1, 0)
    assert again["78702"].lat == first["78702"].lat
    assert selectors._places({"99999"}) == {}
    PostalCode.objects.create(code="99999", city="Nowhere", state="TX", lat=30.0, lon=-97.0)
    assert set(selectors._places({"99999", "78702"})) == {"99999", "78702"}
