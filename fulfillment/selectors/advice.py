"""Split-ship advice for an order (the API) or a backorder (its page): the inputs read or
checked here, the arithmetic in the pure fulfillment.advice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from brands.models import Brand
from closo.exceptions import Invalid
from fulfillment.advice import SplitShipAdvice, SplitShipCosts, split_ship_advice
from fulfillment.exceptions import InvalidZip, NothingToSplit, WaitUnknown
from fulfillment.models import Backorder
from fulfillment.selectors.regions import normalise_zip
from hubs.models import ZIP_INVALID_MESSAGE, PostalCode

WAIT_GIVEN = "expected_wait_days"
WAIT_FROM_PROMISE = "backorder_promise"


@dataclass(frozen=True)
class OrderLine:
    sku: str
    qty: int
    backordered: bool


@dataclass(frozen=True)
class OrderAdvice:
    """The advice for one order, with what it was made from."""

    advice: SplitShipAdvice
    zip_code: str
    order_value: Decimal
    wait_source: str  # WAIT_GIVEN or WAIT_FROM_PROMISE
    backorder: Backorder | None
    ship_now: list[OrderLine] = field(default_factory=list)
    ship_later: list[OrderLine] = field(default_factory=list)


def backorder_wait_days(backorder: Backorder, *, today: dt.date | None = None) -> int | None:
    """Days from `today` until the backorder's promised ship-by date: its expected wait.
    None when it is not open (nothing is waiting), has no promise, or its promise has
    passed (then nobody knows the wait)."""
    today = today or timezone.localdate()
    if not backorder.is_open or backorder.promised_ship_by is None or backorder.promised_ship_by < today:
        return None
    return (backorder.promised_ship_by - today).days


def order_split_advice(
    *,
    brand: Brand,
    lines: Sequence[OrderLine],
    zip_code: str,
    order_value: Decimal,
    expected_wait_days: int | None = None,
    backorder_id: int | None = None,
    today: dt.date | None = None,
) -> OrderAdvice:
    """Split now or wait, for an order with `lines` (some in stock, some backordered) worth
    `order_value`, shipping to `zip_code`. The wait is `expected_wait_days` or, when only
    `backorder_id` is given, the days until that backorder's promised ship-by date.
    Raises InvalidZip (not a known US ZIP), NothingToSplit (no line in stock or none
    backordered), Invalid (both waits, or an unknown backorder), WaitUnknown (no wait, or
    a backorder with no promise in the future). Reads at most the ZIP and one backorder."""
    zip5 = normalise_zip(zip_code)
    if zip5 is None or not PostalCode.objects.filter(code=zip5).exists():
        raise InvalidZip(ZIP_INVALID_MESSAGE, fields={"zip": [ZIP_INVALID_MESSAGE]})
    ship_now = [line for line in lines if not line.backordered]
    ship_later = [line for line in lines if line.backordered]
    if not ship_now or not ship_later:
        message = (
            "Every line of this order is backordered: it ships once either way."
            if not ship_now
            else "No line of this order is backordered: ship it now, in one parcel."
        )
        raise NothingToSplit(message, fields={"lines": [message]})
    if expected_wait_days is not None and backorder_id is not None:
        message = "Send expected_wait_days or backorder, not both."
        raise Invalid(message, fields={"expected_wait_days": [message], "backorder": [message]})
    backorder = None
    source = WAIT_GIVEN
    if backorder_id is not None:
        backorder = Backorder.objects.filter(pk=backorder_id).first()
        if backorder is None:
            raise Invalid("No such backorder.", fields={"backorder": ["No such backorder."]})
        expected_wait_days = backorder_wait_days(backorder, today=today)
        source = WAIT_FROM_PROMISE
        if expected_wait_days is None:
            if not backorder.is_open:
                why = f"it is {backorder.get_status_display().lower()}"
            elif backorder.promised_ship_by is None:
                why = "it has no promised ship-by date"
            else:
                why = f"its promised ship-by date ({backorder.promised_ship_by:%b %-d, %Y}) has passed"
            message = f"Backorder {backorder.order_ref} gives no expected wait: {why}. Send expected_wait_days."
            raise WaitUnknown(message, fields={"backorder": [message]})
    elif expected_wait_days is None:
        message = "Send expected_wait_days, or backorder (an id) to use that backorder's promised ship-by date."
        raise WaitUnknown(message, fields={"expected_wait_days": [message]})
    return OrderAdvice(
        advice=split_ship_advice(
            order_value=order_value, expected_wait_days=expected_wait_days, costs=SplitShipCosts.of(brand)
        ),
        zip_code=zip5,
        order_value=order_value,
        wait_source=source,
        backorder=backorder,
        ship_now=ship_now,
        ship_later=ship_later,
    )


def backorder_split_advice(
    *,
    brand: Brand,
    backorder: Backorder,
    order_value: Decimal | None = None,
    expected_wait_days: int | None = None,
    today: dt.date | None = None,
) -> SplitShipAdvice | None:
    """The advice for an open backorder's order, for its page: the order's value (at least
    the backorder's own, the default) and its wait (by default the days until its promised
    ship-by date). None when the backorder is not open or no wait is known. No query."""
    if not backorder.is_open:
        return None
    if expected_wait_days is None:
        expected_wait_days = backorder_wait_days(backorder, today=today)
    if expected_wait_days is None:
        return None
    return split_ship_advice(
        order_value=backorder.value if order_value is None else order_value,
        expected_wait_days=expected_wait_days,
        costs=SplitShipCosts.of(brand),
    )
