"""Returns-platform webhook bodies → the returns to create. Pure functions.

Generic webhook (ours, documented in docs/integrations.md): one return per delivery,
{"rma_ref", "sku", "customer_zip", "customer_email", "customer_name", "reason",
"order_ref"?}.

Loop (`X-Loop-Signature`): Loop's Return topic documents `topic`, `trigger`, `shop_id`,
`id` and `state`; for the rest we accept the fields below (docs/integrations.md says so):
`customer` (an e-mail string, or an object with email/first_name/last_name),
`shipping_address` or `customer_address` with `zip`, `order_name`, and `line_items`
[{`line_item_id` or `id`, `sku`, `return_reason` or `parent_return_reason`}]. Each line
is one return, RMA reference `LOOP-<return id>-<line id>`. Only `return.created` creates
returns; other triggers are logged as ignored."""

from __future__ import annotations

from dataclasses import dataclass

from intake.shopify import ShapeError, id_of, text_of

LOOP_CREATE_TRIGGERS = frozenset({"return.created", "created"})


@dataclass(frozen=True)
class ReturnIn:
    rma_ref: str
    sku: str
    customer_zip: str
    customer_email: str = ""
    customer_name: str = ""
    reason: str = ""
    order_ref: str = ""


def _string(body: dict, key: str, limit: int, *, required: bool = False) -> str:
    value = body.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ShapeError(key, f"`{key}` must be a string.")
    value = value.strip()
    if required and not value:
        raise ShapeError(key, f"`{key}` is required.")
    if len(value) > limit:
        raise ShapeError(key, f"`{key}` is longer than {limit} characters.")
    return value


def generic_parse(body) -> ReturnIn:
    if not isinstance(body, dict):
        raise ShapeError("body", "The body must be a JSON object.")
    return ReturnIn(
        rma_ref=_string(body, "rma_ref", 120, required=True),
        sku=_string(body, "sku", 100, required=True),
        customer_zip=_string(body, "customer_zip", 10, required=True),
        customer_email=_string(body, "customer_email", 254),
        customer_name=_string(body, "customer_name", 120),
        reason=_string(body, "reason", 300),
        order_ref=_string(body, "order_ref", 120),
    )


def loop_trigger(body) -> str:
    if not isinstance(body, dict):
        raise ShapeError("body", "The body must be a JSON object (a Loop return).")
    return text_of(body.get("trigger"), 64)


def loop_parse(body) -> list[ReturnIn]:
    """The returns in a Loop `return.created` body (one per line item)."""
    if not isinstance(body, dict):
        raise ShapeError("body", "The body must be a JSON object (a Loop return).")
    return_id = id_of(body.get("id"), "id")
    customer = body.get("customer")
    email, name = "", ""
    if isinstance(customer, str):
        email = text_of(customer, 254)
    elif isinstance(customer, dict):
        email = text_of(customer.get("email"), 254)
        name = " ".join(p for p in (text_of(customer.get("first_name")), text_of(customer.get("last_name"))) if p)
    address = body.get("shipping_address") or body.get("customer_address")
    zip_code = text_of(address.get("zip"), 10) if isinstance(address, dict) else ""
    items = body.get("line_items")
    if not isinstance(items, list) or not items:
        raise ShapeError("line_items", "`line_items` must be a non-empty list.")
    returns = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ShapeError(f"line_items[{i}]", f"`line_items[{i}]` must be an object.")
        line_id = id_of(item.get("line_item_id", item.get("id")), f"line_items[{i}].line_item_id")
        reason = text_of(item.get("return_reason"), 300) or text_of(item.get("parent_return_reason"), 300)
        returns.append(
            ReturnIn(
                rma_ref=f"LOOP-{return_id}-{line_id}"[:120],
                sku=text_of(item.get("sku"), 100),
                customer_zip=zip_code,
                customer_email=email,
                customer_name=name[:120],
                reason=reason,
                order_ref=text_of(body.get("order_name"), 120),
            )
        )
    return returns
