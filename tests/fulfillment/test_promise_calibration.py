"""The calibration test (issue 10 §3): promises made by the real services are kept about as
often as they say.

Three SKUs at the Austin hub (Eastside Porch), each with four weeks of Like-New releases
(Poisson, 3 a day), the brand's received POs (late by 3 ± 2 days), and one expected PO of
100 units due in 12 days. 100 backorders per SKU are taken by `backorder_create` without a
date, so each gets the model's promise. Then the days are played forward on a simulated
clock (`django.utils.timezone.now` patched): every day each SKU's releases arrive at the
learned rate (Poisson with a fixed seed), `unit_match` allocates each to the best waiting
customer and the customer picks it up (`handoff_confirm_pickup`); the PO is received on its
day plus a lateness drawn from the same history (`supply_receive`, then `restock_fill`
ships it to everyone still waiting); the daily re-evaluation runs (`promises_refresh`).
The share of promises kept — as first made, and as current when fulfilled (what
`GET /api/v1/promises/accuracy` reports) — is within 5 points of the stated confidence."""

from __future__ import annotations

import datetime as dt
import math
import random

from django.db import transaction
from django.utils import timezone

from closo.actors import Actor, Party
from fulfillment.models import Backorder, InboundSupply, Promise, ReturnItem, Sku, StockUnit
from fulfillment.selectors.promises import promise_accuracy
from fulfillment.services.backorders import backorder_create
from fulfillment.services.handoffs import handoff_confirm_pickup
from fulfillment.services.matching import unit_match
from fulfillment.services.promises import promises_refresh
from fulfillment.services.supply import restock_fill, supply_create, supply_receive
from hubs.models import HubTask
from hubs.services.tasks import BRAND_ROW_TASKS

SEED = 20261130
RATE = 3.0  # Like-New releases a day per SKU at the hub
SKUS = ("CAL-1", "CAL-2", "CAL-3")
PER_SKU = 100
PO_DUE_DAYS, PO_QTY = 12, PER_SKU
LATENESS_MEAN, LATENESS_SD = 3.0, 2.0
DAYS = 40
SYSTEM = Actor.system("calibration")
HUB = Actor(label="hub counter", party=Party.HUB)


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for small means."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Clock:
    def __init__(self, start: dt.datetime):
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at


def shelve(sku, hub, n: int, status: str = "available", created: dt.datetime | None = None) -> StockUnit:
    item = ReturnItem.objects.create(
        rma_ref=f"RMA-C{n}", sku=sku, customer_zip="78702", status="disposed", route="hub", hub=hub
    )
    with transaction.atomic():
        unit = StockUnit.objects.create(
            sku=sku,
            hub=hub,
            return_item=item,
            inspection_id=1,
            label=f"C{n}",
            condition="like_new",
            status=status,
            hold_until=timezone.now() + dt.timedelta(days=30),
        )
        if status == "available":
            BRAND_ROW_TASKS.open(unit, HubTask.Kind.SHELF)
    if created is not None:
        StockUnit.objects.filter(pk=unit.pk).update(created_at=created)
    return unit


def test_promises_made_by_the_services_are_kept_as_often_as_they_say(brand_a, in_brand, active_hub, monkeypatch):
    rng = random.Random(SEED)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(timezone.localdate(), dt.time(9, 0), tzinfo=tz)
    clock = Clock(start)
    monkeypatch.setattr(timezone, "now", clock)
    units = iter(range(1, 100_000))
    with in_brand(brand_a):
        skus = [Sku.objects.create(code=code, title=f"Blanket {code}", price=120, available_qty=0) for code in SKUS]
        # History: four weeks of releases (handed off since), and the brand's received POs.
        for sku in skus:
            for age in range(28):
                for _ in range(poisson(rng, RATE)):
                    at = start - dt.timedelta(days=age + rng.random())
                    shelve(sku, active_hub, next(units), status="handed_off", created=at)
        for i in range(8):
            expected = timezone.localdate() - dt.timedelta(days=60 - 6 * i)
            late = round(rng.gauss(LATENESS_MEAN, LATENESS_SD))
            po = InboundSupply.objects.create(po_ref=f"PO-H{i}", sku=skus[0], qty=10, expected_date=expected)
            received = dt.datetime.combine(expected + dt.timedelta(days=late), dt.time(11, 0), tzinfo=tz)
            InboundSupply.objects.filter(pk=po.pk).update(status="received", received_at=received)
        # The restock on its way, then the customers.
        arrival = {}
        for sku in skus:
            po = supply_create(
                sku_code=sku.code,
                qty=PO_QTY,
                expected_date=timezone.localdate() + dt.timedelta(days=PO_DUE_DAYS),
                po_ref=f"PO-{sku.code}",
                actor=SYSTEM,
            )
            arrival[po.pk] = PO_DUE_DAYS + round(rng.gauss(LATENESS_MEAN, LATENESS_SD))
        for sku in skus:
            for i in range(PER_SKU):
                backorder_create(
                    order_ref=f"#{sku.code}-{i}",
                    sku_code=sku.code,
                    customer_zip="78702",
                    value="120.00",
                    channel="api",
                    actor=SYSTEM,
                )
        first = {p.backorder_id: p for p in Promise.objects.filter(why="created")}
        assert len(first) == len(SKUS) * PER_SKU
        dated = {pk: p for pk, p in first.items() if p.ship_by is not None}
        assert len(dated) >= 0.9 * len(first), "the model promises a date to most customers"

        fulfilled_on: dict[int, dt.date] = {}
        for day in range(1, DAYS + 1):
            clock.at = start + dt.timedelta(days=day)
            today = timezone.localdate()
            for sku in skus:
                for _ in range(poisson(rng, RATE)):
                    unit = shelve(sku, active_hub, next(units))
                    allocation = unit_match(unit_id=unit.pk)
                    if allocation is not None:
                        handoff_confirm_pickup(code=allocation.pickup_code, hub=active_hub, actor=HUB)
            for po in InboundSupply.objects.filter(status="expected", pk__in=arrival):
                if day >= arrival[po.pk]:
                    supply_receive(supply=po, actor=SYSTEM)
                    restock_fill(sku_id=po.sku_id)
            for sku in skus:
                promises_refresh(sku_id=sku.pk, why="daily")
            for pk in (
                Backorder.objects.filter(status="fulfilled").exclude(pk__in=fulfilled_on).values_list("pk", flat=True)
            ):
                fulfilled_on[pk] = today

        assert set(dated) <= set(fulfilled_on), "everyone with a date was served within the run"
        kept = sum(fulfilled_on[pk] <= p.ship_by for pk, p in dated.items())
        stated = sum(p.confidence for p in dated.values()) / len(dated)
        as_made = kept / len(dated)
        accuracy = promise_accuracy()
        print(
            f"\nfirst promises: {len(dated)} dated, kept {as_made:.3f}, stated {stated:.3f}; "
            f"current: n={accuracy.n} kept {accuracy.kept_share:.3f} stated {accuracy.stated:.3f} "
            f"slack {accuracy.mean_slack_days:.2f} d; restock fills "
            f"{Backorder.objects.filter(fill_source='restock').count()}"
        )
        for source in ("local_return", "restock"):
            some = [(pk, p) for pk, p in dated.items() if p.source == source]
            if some:
                share = sum(fulfilled_on[pk] <= p.ship_by for pk, p in some) / len(some)
                said = sum(p.confidence for _, p in some) / len(some)
                print(f"  {source}: n={len(some)} kept {share:.3f} stated {said:.3f}")
        restocked = Backorder.objects.filter(fill_source="restock").count()
        assert 0 < restocked < len(dated), "both sources filled some"
        assert abs(as_made - stated) <= 0.05, (as_made, stated)
        assert accuracy.n == len(dated)
        assert abs(accuracy.kept_share - accuracy.stated) <= 0.05, (accuracy.kept_share, accuracy.stated)
