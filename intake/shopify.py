"""Shopify order webhooks → what to do with each line. Pure functions: no database, no
request; the service (intake.services.shopify) feeds them the SKUs' free stock and
applies the plan.

Consent to a Like-New returned unit (regions may require it) comes from the order:
a note attribute `closo_local_consent` with a yes-word (yes, true, 1, y, on), or the tag
`closo-local-ok` (Shopify tags are one comma-separated string). docs/integrations.md
tells the brand how to set either from its storefront."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime

CONSENT_ATTRIBUTE = "closo_local_consent"
CONSENT_TAG = "closo-local-ok"
YES_WORDS = frozenset({"yes", "y", "true", "1", "on"})

TOPIC_CREATE = "orders/create"
TOPIC_UPDATE = "orders/updated"
TOPIC_CANCEL = "orders/cancelled"
ORDER_TOPICS = frozenset({TOPIC_CREATE, TOPIC_UPDATE, TOPIC_CANCEL})


class ShapeError(ValueError):
    """The body is not a Shopify order as documented: `field` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Line:
    line_id: str
    sku: str
    qty: int
    value: Decimal  # price × quantity


@dataclass(frozen=True)
class Order:
    order_id: str
    name: str
    email: str
    customer_name: str
    zip: str  # "" when there is no US shipping address (see `no_zip_reason`)
    no_zip_reason: str
    consent: bool
    placed_at: dt.datetime | None
    lines: tuple[Line, ...]

    def ref(self, line: Line) -> str:
        return f"{self.order_id}:{line.line_id}"


@dataclass(frozen=True)
class Step:
    """One line's fate: `action` is create, skip or cancel; `reason` says why."""

    ref: str
    action: str
    reason: str = ""
    line: Line | None = None


CREATE, SKIP, CANCEL = "create", "skip", "cancel"


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)

    def add(self, ref: str, action: str, reason: str = "", line: Line | None = None) -> None:
        self.steps.append(Step(ref=ref, action=action, reason=reason, line=line))


def text_of(value, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def id_of(value, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise ShapeError(where, f"`{where}` must be a number or a non-empty string.")
    text = str(value).strip()
    if len(text) > 50:
        raise ShapeError(where, f"`{where}` is longer than 50 characters.")
    return text


def _consent(order: dict) -> bool:
    attributes = order.get("note_attributes")
    if isinstance(attributes, list):
        for item in attributes:
            named = isinstance(item, dict) and text_of(item.get("name")) == CONSENT_ATTRIBUTE
            if named and text_of(item.get("value")).lower() in YES_WORDS:
                return True
    tags = order.get("tags")
    if isinstance(tags, str):
        return CONSENT_TAG in {t.strip().lower() for t in tags.split(",")}
    return False


def _customer_name(order: dict, address: dict | None) -> str:
    customer = order.get("customer") if isinstance(order.get("customer"), dict) else {}
    name = " ".join(p for p in (text_of(customer.get("first_name")), text_of(customer.get("last_name"))) if p)
    if not name and address:
        name = text_of(address.get("name"))
    return name[:120]


def _zip(address) -> tuple[str, str]:
    if not isinstance(address, dict):
        return "", "no shipping address (local pickup or a digital order)"
    country = text_of(address.get("country_code")).upper() or text_of(address.get("country")).upper()
    if country not in {"US", "UNITED STATES"}:
        return "", f"ships outside the US ({country or 'no country'})"
    code = text_of(address.get("zip"), 20)
    if not code:
        return "", "the shipping address has no ZIP code"
    return code, ""


def _placed_at(order: dict) -> dt.datetime | None:
    for key in ("processed_at", "created_at"):
        value = order.get(key)
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed
    return None


def _line(item, index: int) -> Line:
    where = f"line_items[{index}]"
    if not isinstance(item, dict):
        raise ShapeError(where, f"`{where}` must be an object.")
    qty = item.get("quantity", 1)
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
        raise ShapeError(f"{where}.quantity", f"`{where}.quantity` must be a whole number.")
    try:
        price = Decimal(str(item.get("price", "0")))
        if not price.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ShapeError(f"{where}.price", f'`{where}.price` must be an amount, e.g. "199.00".') from None
    return Line(
        line_id=id_of(item.get("id"), f"{where}.id"), sku=text_of(item.get("sku"), 100), qty=qty, value=price * qty
    )


def order_parse(body) -> Order:
    """A Shopify order (the `orders/*` webhook body) as an Order. Raises ShapeError when the
    body is not an order: not an object, no id, line_items not a list, a line without an id.
    Missing customer data is not an error here: it decides a line's fate later."""
    if not isinstance(body, dict):
        raise ShapeError("body", "The body must be a JSON object (a Shopify order).")
    order_id = id_of(body.get("id"), "id")
    items = body.get("line_items", [])
    if not isinstance(items, list):
        raise ShapeError("line_items", "`line_items` must be a list.")
    address = body.get("shipping_address") if isinstance(body.get("shipping_address"), dict) else None
    zip_code, why = _zip(body.get("shipping_address"))
    customer = body.get("customer") if isinstance(body.get("customer"), dict) else {}
    email = (
        text_of(body.get("email"), 254)
        or text_of(body.get("contact_email"), 254)
        or text_of(customer.get("email"), 254)
    )
    return Order(
        order_id=order_id,
        name=text_of(body.get("name"), 50),
        email=email,
        customer_name=_customer_name(body, address),
        zip=zip_code,
        no_zip_reason=why,
        consent=_consent(body),
        placed_at=_placed_at(body),
        lines=tuple(_line(item, i) for i, item in enumerate(items)),
    )


def plan_lines(order: Order, *, free: dict[str, int], known: set[str], existing: set[str]) -> Plan:
    """What to do with each line of `order`: `free` is each SKU's free warehouse stock
    (available minus waiting demand), `known` the catalogue's SKU codes, `existing` the
    order refs that already have a backorder. A line becomes a backorder only when its SKU
    is known, its stock does not cover it, and the order ships to a US ZIP; several lines
    of one SKU draw on its free stock in order."""
    plan = Plan()
    left = dict(free)
    for line in order.lines:
        ref = order.ref(line)
        if line.qty == 0:
            plan.add(ref, SKIP, "quantity 0 (removed in an order edit)")
        elif not line.sku:
            plan.add(ref, SKIP, "the line has no SKU")
        elif line.sku not in known:
            plan.add(ref, SKIP, f"unknown SKU “{line.sku}”")
        elif ref in existing:
            plan.add(ref, SKIP, "already a backorder")
        elif left.get(line.sku, 0) >= line.qty:
            left[line.sku] -= line.qty
            plan.add(ref, SKIP, f"{line.sku} is in stock")
        elif order.no_zip_reason:
            plan.add(ref, SKIP, order.no_zip_reason)
        else:
            plan.add(ref, CREATE, f"{line.sku} is out of stock", line)
    return plan


def plan_update(
    order: Order, *, free: dict[str, int], known: set[str], open_refs: set[str], existing: set[str]
) -> Plan:
    """An edited order: lines whose open backorder is no longer in the order (or now has
    quantity 0) are cancelled; the lines still there are planned as for a new order (those
    with a backorder already are left as they are)."""
    present = {order.ref(line) for line in order.lines if line.qty > 0}
    plan = Plan()
    for ref in sorted(open_refs - present):
        plan.add(ref, CANCEL, "the line was removed from the Shopify order")
    plan.steps += plan_lines(order, free=free, known=known, existing=existing).steps
    return plan


def order_ref_prefix(order_id: str) -> str:
    return f"{order_id}:"
