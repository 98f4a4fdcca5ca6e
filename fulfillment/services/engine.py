"""The engine sweep: the local loop's timers and its safety net (issue 9 §4).

`engine_tick` walks every active brand and, item by item, each in a transaction of its own
(one failure is logged and counted, never undoes the others):

1. expires allocations not handed off by their due time — the unit back on the shelf,
   the backorder back in the queue, both matched again after commit, the customer told;
2. sends units unmatched past their shelf time (`hold_until`, Brand.shelf_days) to the
   warehouse — the move opens the hub's "Pack for the warehouse" task;
3. catches up on matching: available units at active hubs with a customer waiting within
   reach (an after-commit match that failed, a hub reactivated) are matched now;
4. once a day (the first sweep of the brand's local day), re-evaluates the promises of the
   waiting backorders, SKU by SKU, each in a transaction of its own
   (fulfillment.services.promises: a date that slips is told to the customer).

Claims go through closo.locks with SKIP LOCKED (the hub task, then the unit: the order a
hub's suspension takes), and every move is a state machine's conditional UPDATE: two
sweeps at once never do one expiry twice and never wait on each other, and a second run
finds nothing left to do. `manage.py engine_tick` and the django-q2 schedule that
`migrate` creates (`engine_schedule_ensure`) run the same function.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import InvalidTransition
from closo.locks import in_transaction, lock_first, lock_rows
from fulfillment.machines import UNITS
from fulfillment.models import Allocation, Backorder, BackorderStatus, Promise, StockUnit
from fulfillment.services import notify
from fulfillment.services.events import after_commit_in_brand
from fulfillment.services.matching import (
    Outcome,
    allocation_end,
    backorders_within_reach,
    unit_match,
)
from fulfillment.services.promises import promises_refresh, promises_refresh_later
from hubs.models import Hub, HubStatus, HubTask

logger = logging.getLogger(__name__)

ENGINE = Actor.system("engine")
# A unit sent to the warehouse is packed by the hub within this time (its task's due time).
PACK_WITHIN = datetime.timedelta(days=2)

SCHEDULE_NAME = "Local loop engine tick"
SCHEDULE_FUNC = "fulfillment.tasks.engine_tick"
SCHEDULE_MINUTES = 5


@dataclass
class TickReport:
    """What one sweep did: brands walked, allocations expired, units sent to the warehouse,
    units matched by the catch-up, items that failed (logged)."""

    brands: int = 0
    expired: int = 0
    to_warehouse: int = 0
    matched: int = 0
    promises_moved: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def __str__(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.as_dict().items())


def engine_tick(*, now: datetime.datetime | None = None, brands: Iterable[str] | None = None) -> TickReport:
    """One sweep over every active brand (or the brands with these slugs). Must not run
    inside a transaction: each item commits on its own (RuntimeError otherwise — inside a
    caller's transaction one failed item would roll every other item back with it)."""
    if in_transaction():
        raise RuntimeError("engine_tick commits item by item: call it outside transaction.atomic.")
    now = now or timezone.now()
    report = TickReport()
    queryset = Brand.objects.filter(is_active=True).exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
    if brands is not None:
        queryset = queryset.filter(slug__in=list(brands))
    for brand in queryset.order_by("pk"):
        with schema_context(brand.schema_name):
            _brand_tick(brand=brand, now=now, report=report)
        report.brands += 1
    return report


def _brand_tick(*, brand: Brand, now: datetime.datetime, report: TickReport) -> None:
    # Each phase works from the list it read at its start: what it changes (and what the
    # matching after each commit creates) waits for the next sweep.
    due = Allocation.objects.filter(status=Allocation.Status.ACTIVE, due_at__lt=now).order_by("due_at", "pk")
    for allocation_id in list(due.values_list("pk", flat=True)):
        what = f"expiring allocation {allocation_id} of {brand.slug}"
        _each(report, "expired", what, _allocation_expire, brand.pk, allocation_id, now)

    stale = StockUnit.objects.filter(status=StockUnit.Status.AVAILABLE, hold_until__lt=now).order_by("hold_until", "pk")
    for unit_id in list(stale.values_list("pk", flat=True)):
        what = f"sending unit {unit_id} of {brand.slug} to the warehouse"
        _each(report, "to_warehouse", what, _unit_shelf_expire, brand.pk, unit_id, now)

    _catch_up(brand=brand, report=report)
    _promises_daily(brand=brand, now=now, report=report)


def _each(report: TickReport, counter: str, what: str, fn: Callable[..., bool], *args) -> None:
    try:
        done = fn(*args)
    except Exception:
        logger.exception("Engine sweep: %s failed.", what)
        report.failed += 1
        return
    if done:
        setattr(report, counter, getattr(report, counter) + 1)


def _claim_task(brand_id: int, return_item_id: int, kind: str) -> None:
    """Lock the unit's open task of `kind` if no one else holds it: a hub's suspension
    locks tasks before the rows they index, so the sweep does too."""
    lock_rows(
        HubTask.objects.filter(brand_id=brand_id, return_item_id=return_item_id, kind=kind, status=HubTask.Status.OPEN),
        skip_locked=True,
    )


@transaction.atomic
def _allocation_expire(brand_id: int, allocation_id: int, now: datetime.datetime) -> bool:
    """Expire one allocation past its due time; False if it is not (any more) to expire
    or another sweep holds it."""
    allocation = (
        Allocation.objects.select_related("unit", "backorder")
        .filter(pk=allocation_id, status=Allocation.Status.ACTIVE, due_at__lt=now)
        .first()
    )
    if allocation is None:
        return False
    _claim_task(brand_id, allocation.unit.return_item_id, HubTask.Kind.HANDOFF)
    claimed = lock_first(
        StockUnit.objects.filter(pk=allocation.unit_id, status=StockUnit.Status.RESERVED), order_by="pk"
    )
    if claimed is None:
        return False  # another sweep (or a hand-off) holds the unit right now
    unit, backorder = allocation.unit, allocation.backorder
    detail = (
        f"Not handed off by {timezone.localtime(allocation.due_at):%b %d, %H:%M}: {unit.label} is back on the shelf "
        f"and {backorder.order_ref} back in the queue."
    )
    try:
        allocation_end(allocation=allocation, outcome=Outcome.EXPIRED, actor=ENGINE, detail=detail)
    except InvalidTransition:
        return False  # handed off or ended meanwhile: nothing left to expire
    after_commit_in_brand(lambda: notify.allocation_expired(allocation_id=allocation_id))
    promises_refresh_later(sku_id=backorder.sku_id)  # the unit is supply again
    return True


@transaction.atomic
def _unit_shelf_expire(brand_id: int, unit_id: int, now: datetime.datetime) -> bool:
    """Send one available unit whose shelf time ran out to the warehouse (the hub's PACK
    task opens); False if it was matched, moved or is held by someone else meanwhile."""
    unit = StockUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        return False
    _claim_task(brand_id, unit.return_item_id, HubTask.Kind.SHELF)
    unit = lock_first(
        StockUnit.objects.filter(pk=unit_id, status=StockUnit.Status.AVAILABLE, hold_until__lt=now), order_by="pk"
    )
    if unit is None:
        return False
    hub = Hub.objects.get(pk=unit.hub_id)
    UNITS.transition(
        unit,
        StockUnit.Status.TO_WAREHOUSE,
        actor=ENGINE,
        detail=(
            f"No customer within reach since it was shelved; its shelf time ended "
            f"{timezone.localtime(unit.hold_until):%b %d}. {hub.name} packs it for the warehouse."
        ),
        at_hub=hub,
        task_args={"due_at": now + PACK_WITHIN},
    )
    return True


def _catch_up(*, brand: Brand, report: TickReport) -> None:
    """Match available units that have a customer waiting within reach. One existence
    check per (hub, SKU) on a shelf, then `unit_match` per unit (its own transaction)
    until one finds nobody."""
    pairs = list(
        StockUnit.objects.filter(status=StockUnit.Status.AVAILABLE, hub__status=HubStatus.ACTIVE)
        .values_list("hub_id", "sku_id")
        .distinct()
        .order_by("hub_id", "sku_id")
    )
    hubs = Hub.objects.in_bulk({hub_id for hub_id, _ in pairs})
    for hub_id, sku_id in pairs:
        if not backorders_within_reach(sku_id=sku_id, hub=hubs[hub_id]).exists():
            continue
        units = StockUnit.objects.filter(status=StockUnit.Status.AVAILABLE, hub_id=hub_id, sku_id=sku_id)
        for unit_id in list(units.order_by("created_at", "pk").values_list("pk", flat=True)):
            try:
                allocation = unit_match(unit_id=unit_id, actor=ENGINE)
            except Exception:
                logger.exception("Engine sweep: matching unit %s of %s failed.", unit_id, brand.slug)
                report.failed += 1
                break
            if allocation is None:
                break  # nobody left within reach (or they are being claimed right now)
            report.matched += 1


def _promises_daily(*, brand: Brand, now: datetime.datetime, report: TickReport) -> None:
    """Re-evaluate the waiting backorders' promises, once per local day: the day's first
    sweep does it (the last day done is kept in the cache; a lost cache means one more
    re-evaluation, which changes only what moved)."""
    today = timezone.localdate(now)
    key = f"promises-daily:{brand.schema_name}"
    if cache.get(key) == today.isoformat():
        return
    skus = Backorder.objects.filter(status=BackorderStatus.WAITING).values_list("sku_id", flat=True).distinct()
    for sku_id in list(skus.order_by("sku_id")):
        try:
            report.promises_moved += promises_refresh(sku_id=sku_id, why=Promise.Why.DAILY, now=now)
        except Exception:
            logger.exception("Engine sweep: re-evaluating the promises of SKU %s of %s failed.", sku_id, brand.slug)
            report.failed += 1
    cache.set(key, today.isoformat(), timeout=2 * 86400)


def engine_schedule_ensure() -> bool:
    """The django-q2 schedule that runs the sweep every SCHEDULE_MINUTES minutes, created
    once (by `migrate`); True if it was created now. Public schema."""
    schedule, created = Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": SCHEDULE_FUNC,
            "schedule_type": Schedule.MINUTES,
            "minutes": SCHEDULE_MINUTES,
            "repeats": -1,
        },
    )
    if not created and (schedule.func, schedule.schedule_type, schedule.minutes) != (
        SCHEDULE_FUNC,
        Schedule.MINUTES,
        SCHEDULE_MINUTES,
    ):
        schedule.func, schedule.schedule_type, schedule.minutes = SCHEDULE_FUNC, Schedule.MINUTES, SCHEDULE_MINUTES
        schedule.save(update_fields=["func", "schedule_type", "minutes"])
    return created
