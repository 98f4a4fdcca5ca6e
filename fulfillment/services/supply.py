"""Inbound supply: restock purchase orders on their way to the brand's warehouse.
`expected → received` (the units join the SKU's available quantity) or
`expected → cancelled`; every change writes an event on the order's timeline."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, QuerySet, Sum
from django.utils import timezone

from closo.actors import Actor
from closo.exceptions import Conflict, DomainError
from fulfillment.models import Event, InboundSupply, Sku
from fulfillment.services.events import event_record
from fulfillment.services.skus import sku_by_code

Status = InboundSupply.Status
CHART_WEEKS = 8
# Brands have no time zone of their own: a date is "in the past" only once it has ended
# everywhere, i.e. in the last time zone on Earth (UTC−12; the "Etc/" sign is inverted).
LAST_TIME_ZONE = ZoneInfo("Etc/GMT+12")


class SupplyExists(Conflict):
    code = "supply_exists"


class InvalidSupply(DomainError):
    code = "invalid"


class InvalidSupplyTransition(Conflict):
    code = "invalid_transition"


@transaction.atomic
def supply_create(*, sku_code: str, qty: int, expected_date: datetime.date, po_ref: str, actor: Actor) -> InboundSupply:
    """Record a restock PO. `po_ref` is unique (409 `supply_exists`, also when two creates
    race: the unique index decides); the date may not be in the past (`date_in_past`)."""
    sku = sku_by_code(sku_code)
    if qty < 1:
        raise InvalidSupply("Order at least one unit.", code="min_value", fields={"qty": ["Enter 1 or more."]})
    if expected_date < supply_earliest_date():
        raise InvalidSupply(
            "The expected date is in the past.",
            code="date_in_past",
            fields={"expected_date": ["Enter today or a later date."]},
        )
    if InboundSupply.objects.filter(po_ref=po_ref).exists():
        raise _exists(po_ref)
    try:
        with transaction.atomic():
            supply = InboundSupply.objects.create(po_ref=po_ref, sku=sku, qty=qty, expected_date=expected_date)
    except IntegrityError:
        raise _exists(po_ref) from None
    event_record(
        subject=supply,
        kind="created",
        actor=actor,
        to_status=Status.EXPECTED,
        detail=f"{qty} × {sku.code} expected {expected_date.isoformat()}",
        data={"qty": qty, "sku": sku.code, "expected_date": expected_date.isoformat()},
    )
    return supply


def _exists(po_ref: str) -> SupplyExists:
    return SupplyExists(
        f"A purchase order “{po_ref}” is already recorded.", fields={"po_ref": ["This PO reference is already used."]}
    )


def _transition(*, supply: InboundSupply, to: str, **values) -> InboundSupply:
    """Move `supply` from expected to `to` with a conditional UPDATE: of two concurrent
    requests only one matches the row, the other sees its new status and gets a 409."""
    now = timezone.now()
    updated = InboundSupply.objects.filter(pk=supply.pk, status=Status.EXPECTED).update(
        status=to, updated_at=now, **values
    )
    if not updated:
        current = InboundSupply.objects.filter(pk=supply.pk).values_list("status", flat=True).first()
        label = Status(current).label.lower() if current else "gone"
        raise InvalidSupplyTransition(
            f"This purchase order is {label}; only an expected one can be {Status(to).label.lower()}.",
            fields={"status": [f"Currently {label}."]},
        )
    supply.refresh_from_db()
    return supply


@transaction.atomic
def supply_receive(*, supply: InboundSupply, actor: Actor) -> InboundSupply:
    """The restock arrived: expected → received, and its units are added to the SKU's
    available quantity (with F(), in the same transaction, so they are added once)."""
    now = timezone.now()
    supply = _transition(supply=supply, to=Status.RECEIVED, received_at=now)
    Sku.objects.filter(pk=supply.sku_id).update(available_qty=F("available_qty") + supply.qty, updated_at=now)
    event_record(
        subject=supply,
        kind="received",
        actor=actor,
        from_status=Status.EXPECTED,
        to_status=Status.RECEIVED,
        detail=f"{supply.qty} units added to available stock",
        data={"qty": supply.qty},
    )
    return supply


@transaction.atomic
def supply_cancel(*, supply: InboundSupply, reason: str, actor: Actor) -> InboundSupply:
    """The restock will not come: expected → cancelled, with the reason on the timeline."""
    reason = reason.strip()
    if not reason:
        raise InvalidSupply("Say why the order is cancelled.", code="required", fields={"reason": ["Enter a reason."]})
    supply = _transition(supply=supply, to=Status.CANCELLED)
    event_record(
        subject=supply,
        kind="cancelled",
        actor=actor,
        from_status=Status.EXPECTED,
        to_status=Status.CANCELLED,
        detail=reason,
    )
    return supply


# --- reads ---


def supply_earliest_date() -> datetime.date:
    """The earliest expected date accepted: today, somewhere on Earth."""
    return timezone.now().astimezone(LAST_TIME_ZONE).date()


def supply_search(
    *,
    sku: str = "",
    status: str = "",
    expected_after: datetime.date | None = None,
    expected_before: datetime.date | None = None,
) -> QuerySet[InboundSupply]:
    """Purchase orders with their SKU (one query per page), filtered as the list page and
    the API do: SKU code, status, expected date within [after, before]."""
    queryset = InboundSupply.objects.select_related("sku")
    if sku:
        queryset = queryset.filter(sku__code=sku)
    if status:
        queryset = queryset.filter(status=status)
    if expected_after:
        queryset = queryset.filter(expected_date__gte=expected_after)
    if expected_before:
        queryset = queryset.filter(expected_date__lte=expected_before)
    return queryset


def supply_with_events() -> QuerySet[InboundSupply]:
    return InboundSupply.objects.select_related("sku").prefetch_related(
        Prefetch("events", queryset=Event.objects.order_by("created_at", "pk"))
    )


def supply_weekly_expected(*, today: datetime.date | None = None, weeks: int = CHART_WEEKS) -> dict:
    """Units still expected per week (Monday to Sunday) for `weeks` weeks from this one,
    and what is overdue (expected before today, neither received nor cancelled). One query."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=today.weekday())
    end = start + datetime.timedelta(weeks=weeks)
    rows = (
        InboundSupply.objects.filter(status=Status.EXPECTED, expected_date__lt=end)
        .values("expected_date")
        .annotate(units=Sum("qty"))
        .order_by()
    )
    buckets = [0] * weeks
    overdue = 0
    for row in rows:
        if row["expected_date"] < today:
            overdue += row["units"]
        else:
            buckets[(row["expected_date"] - start).days // 7] += row["units"]
    peak = max(buckets) or 1
    return {
        "weeks": [
            {
                "start": start + datetime.timedelta(weeks=i),
                "end": start + datetime.timedelta(weeks=i, days=6),
                "units": units,
                "percent": round(100 * units / peak),
            }
            for i, units in enumerate(buckets)
        ],
        "total": sum(buckets),
        "overdue": overdue,
        "today": today,
    }
