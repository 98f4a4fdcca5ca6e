"""The pure mapping of Shopify orders and returns-platform bodies (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from intake import returns, shopify
from tests.intake.helpers import shopify_order


def plan(order: dict, free=None, known=None, existing=()):
    parsed = shopify.order_parse(order)
    known = known if known is not None else {"IPOD2008PINK", "WB15SAGE"}
    return [
        (s.ref, s.action, s.reason)
        for s in shopify.plan_lines(parsed, free=free or {}, known=known, existing=set(existing)).steps
    ]


def test_the_documented_example_parses_to_its_customer_address_and_lines():
    order = shopify.order_parse(shopify_order())

    assert order.order_id == "820982911946154508"
    assert (order.email, order.customer_name, order.zip, order.no_zip_reason) == (
        "jon@example.com",
        "John Smith",
        "40003",
        "",
    )
    assert order.placed_at == dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
    assert [(line.line_id, line.sku, line.qty, line.value) for line in order.lines] == [
        ("866550311766439020", "IPOD2008PINK", 1, Decimal("199.00")),
        ("141249953214522974", "IPOD2008PINK", 1, Decimal("199.00")),
    ]


def test_free_stock_is_drawn_down_line_by_line():
    steps = plan(shopify_order(id=7, lines=[(1, "IPOD2008PINK", 1), (2, "IPOD2008PINK", 1)]), free={"IPOD2008PINK": 1})

    assert steps == [("7:1", "skip", "IPOD2008PINK is in stock"), ("7:2", "create", "IPOD2008PINK is out of stock")]


def test_unknown_sku_no_sku_and_zero_quantity_lines_are_skipped():
    order = shopify_order(id=7, lines=[(1, "MYSTERY", 1), (2, "", 1), (3, "WB15SAGE", 0)])

    assert [s[2] for s in plan(order)] == [
        "unknown SKU “MYSTERY”",
        "the line has no SKU",
        "quantity 0 (removed in an order edit)",
    ]


def test_a_line_with_a_backorder_already_is_not_planned_again():
    assert plan(shopify_order(id=7, lines=[(1, "WB15SAGE", 1)]), existing={"7:1"}) == [
        ("7:1", "skip", "already a backorder")
    ]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (None, "no shipping address (local pickup or a digital order)"),
        ({"zip": "SW1A 1AA", "country_code": "GB"}, "ships outside the US (GB)"),
        ({"zip": "", "country_code": "US"}, "the shipping address has no ZIP code"),
    ],
)
def test_lines_without_a_us_zip_are_skipped_with_the_reason(address, reason):
    steps = plan(shopify_order(id=7, lines=[(1, "WB15SAGE", 1)], shipping_address=address or None))

    assert steps == [("7:1", "skip", reason)]


def test_in_stock_lines_are_skipped_before_the_address_matters():
    steps = plan(shopify_order(id=7, lines=[(1, "WB15SAGE", 1)], shipping_address=None), free={"WB15SAGE": 3})

    assert steps == [("7:1", "skip", "WB15SAGE is in stock")]


@pytest.mark.parametrize(
    ("changes", "consent"),
    [
        ({"note_attributes": [{"name": "closo_local_consent", "value": "Yes"}]}, True),
        ({"note_attributes": [{"name": "closo_local_consent", "value": "no"}]}, False),
        ({"tags": "closo-local-ok"}, True),
        ({"tags": "Closo-Local-OK , vip"}, True),
        ({"tags": "closo-local"}, False),
        ({"note_attributes": "closo_local_consent=yes"}, False),
    ],
)
def test_consent_names(changes, consent):
    assert shopify.order_parse(shopify_order(**changes)).consent is consent


def test_an_update_cancels_lines_that_left_the_order():
    order = shopify.order_parse(shopify_order(id=7, lines=[(1, "WB15SAGE", 1), (2, "WB15SAGE", 0)]))

    steps = shopify.plan_update(
        order, free={}, known={"WB15SAGE"}, open_refs={"7:1", "7:2", "7:3"}, existing={"7:1", "7:2", "7:3"}
    )

    assert [(s.ref, s.action) for s in steps.steps] == [
        ("7:2", "cancel"),
        ("7:3", "cancel"),
        ("7:1", "skip"),
        ("7:2", "skip"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {"id": None},
        {"id": True},
        {"id": 1, "line_items": "x"},
        {"id": 1, "line_items": [{"id": 1, "price": "abc"}]},
    ],
)
def test_bodies_that_are_not_orders_raise_shape_errors(body):
    with pytest.raises(shopify.ShapeError):
        shopify.order_parse(body)


def test_a_loop_return_is_one_return_per_line():
    body = {
        "topic": "return",
        "trigger": "return.created",
        "shop_id": 42,
        "id": 9001,
        "state": "open",
        "order_name": "#1042",
        "customer": {"email": "ana@example.com", "first_name": "Ana", "last_name": "Ruiz"},
        "shipping_address": {"zip": "78702"},
        "line_items": [
            {"line_item_id": 11, "sku": "WB15SAGE", "return_reason": "Too heavy"},
            {"line_item_id": 12, "sku": "IPOD2008PINK", "parent_return_reason": "Changed my mind"},
        ],
    }

    assert returns.loop_parse(body) == [
        returns.ReturnIn("LOOP-9001-11", "WB15SAGE", "78702", "ana@example.com", "Ana Ruiz", "Too heavy", "#1042"),
        returns.ReturnIn(
            "LOOP-9001-12", "IPOD2008PINK", "78702", "ana@example.com", "Ana Ruiz", "Changed my mind", "#1042"
        ),
    ]


def test_the_generic_return_requires_its_fields():
    with pytest.raises(shopify.ShapeError) as raised:
        returns.generic_parse({"rma_ref": "RMA-1", "sku": "X"})
    assert raised.value.field == "customer_zip"
