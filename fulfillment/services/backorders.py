"""Backorders: intake (API, CSV import, portal), cancellation, and the reads the list
pages and the API share.

Errors (`error.code` in the API; one status per kind of problem):

| code | status | when |
|---|---|---|
| `invalid` | 400 | a field is out of range (qty, value, e-mail, dates…) |
| `unknown_sku` | 400 | no SKU with that code |
| `invalid_zip` | 400 | not a US ZIP code |
| `region_not_allowed` | 400 | region limits are set and none covers the ZIP |
| `consent_required` | 400 | the region requires consent to a Like-New returned unit |
| `promise_too_late` | 400 | promised ship-by is after today + the region's max promise days |
| `reason_required` | 400 | cancelling without a reason |
| `backorder_exists` | 409 | a backorder with this order_ref exists |
| `region_cap_reached` | 409 | the region's cap of open backorders for this SKU is reached |
| `region_changed` | 409 | the matched region was deleted while the backorder was being taken |
| `invalid_transition` | 409 | cancelling a backorder that is no longer open |

A rejected ZIP is a 400, not a 409: retrying the same request never succeeds (only a
change of the brand's region settings would), so it is a problem with the input as it
stands, like an unknown SKU. The 409s are states that can change on their own.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from closo.actors import Actor
from closo.exceptions import DomainError, Invalid
from closo.locks import lock_one
from fulfillment.exceptions import (
    BackorderExists,
    ConsentRequired,
    InvalidZip,
    PromiseTooLate,
    RegionCapReached,
    RegionChanged,
    RegionNotAllowed,
    RowError,
    UnknownSku,
)
from fulfillment.machines import BACKORDERS
from fulfillment.models import (
    OPEN_BACKORDER_STATUSES,
    Allocation,
    Backorder,
    BackorderStatus,
    Channel,
    EventKind,
    RegionLimit,
    Sku,
)
from fulfillment.promise import DEFAULT_MAX_DAYS
from fulfillment.selectors.regions import zip_check
from fulfillment.services import notify
from fulfillment.services.events import after_commit_in_brand, event_record
from fulfillment.services.ledger import ledger_backorder_cancelled
from fulfillment.services.matching import allocation_end, backorder_match
from fulfillment.services.promises import promise_make, promise_quote_new, promises_refresh_later
from hubs.models import EMAIL_INVALID_MESSAGE, ZIP_INVALID_MESSAGE

SMALLINT_MAX = 32767
MAX_VALUE = Decimal("99999999.99")
# Clocks disagree; an order "placed" a little in the future is a skew, a day ahead is a mistake.
PLACED_AT_SKEW = dt.timedelta(hours=24)


@transaction.atomic
def backorder_create(
    *,
    order_ref: str,
    sku_code: str,
    customer_zip: str,
    value: Decimal | int | str,
    qty: int = 1,
    placed_at: dt.datetime | None = None,
    promised_ship_by: dt.date | None = None,
    customer_name: str = "",
    customer_email: str = "",
    priority: int = 0,
    consent_local_return: bool = False,
    channel: str,
    actor: Actor,
) -> Backorder:
    """Take a backorder if the brand's region limits allow it at the customer's ZIP.

    Checks the fields, the SKU, the ZIP against the regions (`zip_check`), consent and the
    promise window. When the matched region caps open backorders per SKU, locks that
    region's row (SELECT … FOR UPDATE) before counting, so concurrent creates queue up
    and the cap is never exceeded. Stores the ZIP's centroid and the region; writes a
    "created" event."""
    order_ref = (order_ref or "").strip()
    customer_zip = (customer_zip or "").strip()
    customer_name = (customer_name or "").strip()
    customer_email = (customer_email or "").strip()
    now = timezone.now()
    placed_at = placed_at or now

    errors: dict[str, list[str]] = {}
    kinds: list[tuple[type[DomainError], str]] = []  # the first problem's class is the error raised

    def problem(field: str, message: str, kind: type[DomainError] = Invalid, *, alone: str = "") -> None:
        """Note a problem; `alone` is the error's message when it is the only one."""
        errors.setdefault(field, []).append(message)
        kinds.append((kind, alone))

    if not order_ref:
        problem("order_ref", "Required: your order reference, e.g. the Shopify order id and line.")
    elif len(order_ref) > 120:
        problem("order_ref", "At most 120 characters.")
    if not isinstance(qty, int) or not 1 <= qty <= SMALLINT_MAX:
        problem("qty", f"A whole number from 1 to {SMALLINT_MAX:,}.")
    try:
        value = Decimal(str(value))
        if not value.is_finite() or not Decimal(0) <= value <= MAX_VALUE:
            problem("value", "An amount from 0 to 99,999,999.99.")
        elif value != value.quantize(Decimal("0.01")):
            problem("value", "At most two decimal places.")
    except InvalidOperation:
        problem("value", "An amount, e.g. 120.00.")
    if not isinstance(priority, int) or not -SMALLINT_MAX <= priority <= SMALLINT_MAX:
        problem("priority", f"A whole number from -{SMALLINT_MAX:,} to {SMALLINT_MAX:,}.")
    if len(customer_name) > 120:
        problem("customer_name", "At most 120 characters.")
    if customer_email:
        try:
            validate_email(customer_email)
        except ValidationError:
            problem("customer_email", EMAIL_INVALID_MESSAGE)
    if timezone.is_naive(placed_at):
        placed_at = timezone.make_aware(placed_at)
    if placed_at > now + PLACED_AT_SKEW:
        problem("placed_at", "Is in the future.")
    if promised_ship_by is not None and promised_ship_by < timezone.localdate(placed_at):
        problem("promised_ship_by", "Is before the order was placed.")

    sku_code = (sku_code or "").strip()
    sku = Sku.objects.filter(code=sku_code).first() if sku_code else None
    if sku is None:
        unknown = f"No SKU with code “{sku_code}”." if sku_code else "Enter a SKU code from your catalogue."
        problem("sku", unknown, UnknownSku)
    decision = zip_check(customer_zip)
    region = decision.region
    if not decision.valid:
        problem("customer_zip", ZIP_INVALID_MESSAGE, InvalidZip)
    elif not decision.allowed:
        problem("customer_zip", decision.explanation, RegionNotAllowed, alone=decision.explanation)
    elif region is not None:
        # The region's own rules, reported with the rest so a form shows everything at once.
        if region.requires_consent and not consent_local_return:
            message = f"Region “{region.name}” requires the customer's consent to receive a Like-New returned unit."
            problem("consent_local_return", message, ConsentRequired, alone=message)
        latest = timezone.localdate() + dt.timedelta(days=region.max_promise_days)
        if promised_ship_by is not None and promised_ship_by > latest:
            message = (
                f"Region “{region.name}” promises at most {region.max_promise_days} days: ship by {latest:%Y-%m-%d} "
                "at the latest."
            )
            problem("promised_ship_by", message, PromiseTooLate, alone=message)
    if order_ref and Backorder.objects.filter(order_ref=order_ref).exists():
        problem("order_ref", "Already taken.", BackorderExists, alone=f"A backorder for “{order_ref}” already exists.")
    if errors:
        kind, alone = kinds[0]
        message = alone if len(kinds) == 1 and alone else "Some fields are invalid: " + ", ".join(errors) + "."
        raise kind(message, fields=errors)

    if region is not None:
        # Always lock the region (even with no cap): a region deleted meanwhile is then a
        # clear region_changed, not a foreign-key failure at commit.
        _check_cap(region=region, sku=sku)
    quote = None
    if promised_ship_by is None:
        # The model's promise, before the row exists (so it is not in its own queue).
        max_days = region.max_promise_days if region is not None else DEFAULT_MAX_DAYS
        quote = promise_quote_new(sku_code=sku.code, zip_code=decision.zip_code, max_days=max_days)
        promised_ship_by = quote[1].ship_by if quote is not None else None

    try:
        with transaction.atomic():
            backorder = Backorder.objects.create(
                order_ref=order_ref,
                sku=sku,
                qty=qty,
                value=value,
                customer_name=customer_name,
                customer_email=customer_email,
                customer_zip=decision.zip_code,
                lat=decision.postal_code.lat,
                lon=decision.postal_code.lon,
                placed_at=placed_at,
                promised_ship_by=promised_ship_by,
                priority=priority,
                consent_local_return=consent_local_return,
                region=region,
                channel=channel,
            )
    except IntegrityError:
        if not Backorder.objects.filter(order_ref=order_ref).exists():
            raise
        # A concurrent create of the same order_ref committed between our check and insert.
        raise BackorderExists(
            f"A backorder for “{order_ref}” already exists.", fields={"order_ref": ["Already taken."]}
        ) from None
    promise = promise_make(backorder=backorder, quote=quote)
    event_record(
        subject=backorder,
        kind=EventKind.CREATED,
        actor=actor,
        to_status=backorder.status,
        detail=f"{Channel(channel).label} — {decision.explanation}",
        data={
            "channel": channel,
            "region_id": region.pk if region else None,
            "promised_ship_by": promised_ship_by.isoformat() if promised_ship_by else None,
            "promise_source": promise.source,
            "promise_confidence": promise.confidence,
        },
    )
    if backorder.customer_email:
        # Before the match below, so "we have your backorder" arrives before "a unit was found".
        after_commit_in_brand(lambda: notify.backorder_confirmed(backorder_id=backorder.pk))
    # A unit already on a shelf within reach is allocated as soon as the backorder exists.
    after_commit_in_brand(lambda: backorder_match(backorder_id=backorder.pk))
    return backorder


def _check_cap(*, region: RegionLimit, sku: Sku) -> None:
    """Raise region_cap_reached if `sku` has as many open backorders (rows, whatever
    their qty) in `region` as its cap allows. Locks the region row until the caller's transaction ends: the count and
    the insert that follows are one step for every other create in this region."""
    locked = lock_one(RegionLimit, pk=region.pk)
    if locked is None:
        raise RegionChanged(f"Region “{region.name}” was deleted just now; send the backorder again.")
    # The cap is read again under the lock: an edit may have committed since zip_check.
    cap = locked.max_open_backorders_per_sku
    if cap is None:
        return
    open_count = Backorder.objects.filter(region=locked, sku=sku, status__in=OPEN_BACKORDER_STATUSES).count()
    if open_count >= cap:
        raise RegionCapReached(
            f"Region “{locked.name}” already has {open_count} open backorder{'s' if open_count != 1 else ''} "
            f"of {sku.code} (its cap is {cap})."
        )


@transaction.atomic
def backorder_cancel(*, backorder: Backorder, reason: str, actor: Actor) -> Backorder:
    """Cancel an open (waiting or allocated) backorder, with a reason: one
    `BACKORDERS.transition` from the status it was read with. An allocated backorder's
    allocation is cancelled with it and its unit goes back on the shelf, to be matched
    again (matching.allocation_end). Of two concurrent moves (two cancels, or a cancel and
    an allocation) one wins; the other gets invalid_transition (409) naming the status it
    found."""
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise Invalid("The reason is at most 300 characters.", fields={"reason": ["At most 300 characters."]})
    allocation = (
        backorder.allocations.filter(status=Allocation.Status.ACTIVE).first()
        if backorder.status == BackorderStatus.ALLOCATED
        else None
    )
    if reason:
        # Whoever waited behind it moves up (and a unit back on the shelf is supply).
        promises_refresh_later(sku_id=backorder.sku_id)
    if allocation is not None and reason:
        allocation_end(
            allocation=allocation,
            outcome=Allocation.Status.CANCELLED,
            actor=actor,
            detail=reason,
            backorder_to=BackorderStatus.CANCELLED,
            cancel_reason=reason,
        )
        backorder.refresh_from_db()
        ledger_backorder_cancelled(backorder=backorder)
        return backorder
    BACKORDERS.transition(backorder, BackorderStatus.CANCELLED, actor=actor, detail=reason, cancel_reason=reason)
    ledger_backorder_cancelled(backorder=backorder)
    return backorder


# --- CSV import ---

TRUE_WORDS = {"1", "y", "yes", "true", "t", "x"}
FALSE_WORDS = {"", "0", "n", "no", "false", "f"}
US_DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")


def _parse_int(text: str, default: int) -> int:
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("A whole number.")
    return int(text)


def _parse_money(text: str) -> Decimal:
    cleaned = text.strip().removeprefix("$").replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text}” is not an amount, e.g. 120.00.") from None


def _parse_datetime(text: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        parsed = None
    for fmt in US_DATE_FORMATS if parsed is None else ():
        try:
            parsed = dt.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if parsed is None:
        raise ValueError(f"“{text}” is not a date, e.g. 2026-03-01 or 2026-03-01 14:30.")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        try:
            day = dt.datetime.strptime(text, "%m/%d/%Y").date()
        except ValueError:
            raise ValueError(f"“{text}” is not a date, e.g. 2026-03-01.") from None
    return day


def _parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"“{text}”: write yes or no.")


def backorder_import_row(values: dict[str, str], *, actor: Actor) -> str:
    """One row of a backorder CSV (see fulfillment.services.imports.SPECS). An order_ref
    that exists already is "skipped", so uploading a file twice is safe. Values that do not
    parse raise RowError; a row backorder_create refuses raises its error as it is (its
    code kept, its fields naming the columns)."""
    order_ref = values.get("order_ref", "").strip()
    if order_ref and Backorder.objects.filter(order_ref=order_ref).exists():
        return "skipped"
    parsers = {
        "qty": lambda t: _parse_int(t, 1),
        "value": _parse_money,
        "placed_at": _parse_datetime,
        "promised_ship_by": _parse_date,
        "priority": lambda t: _parse_int(t, 0),
        "consent_local_return": _parse_bool,
    }
    parsed, errors = {}, {}
    for column, parse in parsers.items():
        try:
            parsed[column] = parse(values.get(column, ""))
        except ValueError as exc:
            errors[column] = [str(exc)]
    if not values.get("value", "").strip():
        errors["value"] = ["Required: the order line's value, e.g. 120.00."]
    if errors:
        raise RowError("Some values are invalid: " + ", ".join(errors) + ".", fields=errors)
    try:
        backorder_create(
            order_ref=order_ref,
            sku_code=values.get("sku", ""),
            customer_zip=values.get("customer_zip", ""),
            customer_name=values.get("customer_name", ""),
            customer_email=values.get("customer_email", ""),
            channel=Channel.CSV,
            actor=actor,
            **parsed,
        )
    except BackorderExists:
        return "skipped"  # the same file, imported concurrently
    return "created"


# --- reads ---
