"""Availability answers kept in memory (fulfillment.selectors.availability, closo.stamps) are
never given once what they read has changed: every kind of write, through the real services,
makes the next answer a new one; and the code is walked for writes that send no signal.

Each change runs its after-commit work (`django_capture_on_commit_callbacks(execute=True)`),
as a committed transaction would; the answer is asked through the selector, as the API does."""

from __future__ import annotations

import ast
import datetime
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from closo.actors import Actor, Party
from fulfillment.models import Backorder, Sku
from fulfillment.selectors.availability import availability, availability_held
from fulfillment.services.regions import region_create
from fulfillment.services.skus import sku_set_stock
from fulfillment.services.supply import supply_create, supply_receive
from hubs.services.registry import hub_set_status
from tests.fulfillment.loop_builders import shelve, waiting

STAFF = Actor(label="staff", party=Party.STAFF)
BRAND = Actor(label="brand admin", party=Party.BRAND)


@pytest.fixture
def kept(brand_a, in_brand, django_capture_on_commit_callbacks):
    """Brand A's sold-out SKU with one customer waiting, committed; `kept.ask()` answers
    (and keeps) in brand A; `kept.change()` is a committed change in brand A."""

    class Kept:
        def ask(self):
            with in_brand(brand_a):
                return availability("WB-20", "78702")

        def held(self):
            with in_brand(brand_a):
                return availability_held("WB-20", "78702")

        def change(self):
            class Change:
                def __enter__(inner):
                    inner.capture = django_capture_on_commit_callbacks(execute=True)
                    inner.capture.__enter__()
                    inner.brand = in_brand(brand_a)
                    inner.brand.__enter__()

                def __exit__(inner, *exc):
                    inner.brand.__exit__(*exc)
                    inner.capture.__exit__(*exc)

            return Change()

    k = Kept()
    with k.change():
        k.sku = Sku.objects.create(code="WB-20", title="Weighted blanket", price=139, available_qty=0)
        waiting(k.sku, ref="#W1")
    first = k.ask()
    assert k.held() == first  # kept
    return k


def test_a_new_backorder_is_counted_at_once(kept):
    with kept.change():
        waiting(kept.sku, ref="#W2")
    assert kept.held() is None
    assert kept.ask().queue_ahead == 2


def test_a_backorder_moving_is_seen(kept):
    with kept.change():
        from fulfillment.services.backorders import backorder_cancel

        backorder_cancel(backorder=Backorder.objects.get(order_ref="#W1"), reason="changed mind", actor=BRAND)
    assert kept.held() is None
    assert kept.ask().queue_ahead == 0


def test_stock_set_by_the_wms_is_seen(kept):
    with kept.change():
        sku_set_stock(sku=kept.sku, available_qty=5, actor=BRAND)
    assert kept.held() is None
    assert kept.ask().reason == "in_stock"


def test_a_restock_received_is_seen(kept):
    with kept.change():
        supply = supply_create(
            sku_code="WB-20",
            qty=9,
            expected_date=datetime.date.today() + datetime.timedelta(days=3),
            po_ref="PO-9",
            actor=BRAND,
        )
    assert kept.held() is None
    assert kept.ask().reason == "restock"
    with kept.change():
        supply_receive(supply=supply, actor=BRAND)
    assert kept.held() is None
    assert kept.ask().reason == "in_stock"


def test_a_region_rule_is_seen(kept):
    with kept.change():
        region_create(name="Dallas", zip_prefixes=["752"], actor=BRAND)
    assert kept.held() is None
    assert kept.ask().reason == "region_not_allowed"


def test_a_hub_suspended_is_seen_by_every_brand(kept, active_hub, brand_a):
    with kept.change():
        Sku.objects.filter(pk=kept.sku.pk).update(local_returns_enabled=True)
        shelve(brand_a, kept.sku, active_hub, 1)
        shelve(brand_a, kept.sku, active_hub, 2)
    assert kept.ask().reason == "local_unit_available"
    with kept.change():
        hub_set_status(hub=active_hub, status="suspended", actor=STAFF, reason="audit")
    assert kept.held() is None
    assert kept.ask().reason != "local_unit_available"


def test_reloading_zip_centroids_renews_every_brands_answers(kept, capsys):
    call_command("load_postal_codes")
    assert kept.held() is None


# --- the code walk: writes that send no signal -----------------------------------------

# The models an answer reads, and the fields of theirs an answer does not read (a queryset
# update of only those needs no renewal).
WATCHED = {
    "Sku": {"updated_at"},
    "RegionLimit": set(),
    "Backorder": {"promised_ship_by", "updated_at"},
    "StockUnit": {"verified_at"},
    "InboundSupply": set(),
    "Hub": {"audits_total", "audits_agreed"},
    "PostalCode": set(),
}
RENEWALS = {"availability_changed", "reference_changed", "renew_on_commit"}
PACKAGES = ("brands", "hubs", "fulfillment", "inspections", "portals")
ROOT = Path(__file__).resolve().parents[2]


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _unrenewed_writes() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef):
                    continue
                calls = [n for n in ast.walk(func) if isinstance(n, ast.Call)]
                renews = any(
                    (isinstance(c.func, ast.Name) and c.func.id in RENEWALS)
                    or (isinstance(c.func, ast.Attribute) and c.func.attr in RENEWALS)
                    for c in calls
                )
                for call in calls:
                    if not isinstance(call.func, ast.Attribute):
                        continue
                    if call.func.attr not in ("update", "bulk_update", "bulk_create"):
                        continue
                    model = _root_name(call.func.value)
                    if model not in WATCHED:
                        continue
                    if call.func.attr == "update":
                        fields = {kw.arg for kw in call.keywords}
                    elif call.func.attr == "bulk_update" and len(call.args) > 1 and isinstance(call.args[1], ast.List):
                        fields = {elt.value for elt in call.args[1].elts if isinstance(elt, ast.Constant)}
                    else:
                        fields = {None}  # bulk_create: whole rows
                    if fields <= WATCHED[model] or renews:
                        continue
                    found.append(
                        f"{path.relative_to(ROOT)}:{call.lineno} {model}.{call.func.attr}({sorted(map(str, fields))})"
                    )
    return found


def test_every_write_without_a_signal_renews_what_answers_read():
    unrenewed = _unrenewed_writes()
    assert not unrenewed, (
        "These queryset writes send no post_save, so availability answers kept in memory would "
        "not know: call fulfillment.selectors.availability.availability_changed() (or "
        "reference_changed() for hubs) in the same function:\n" + "\n".join(unrenewed)
    )


def test_the_walk_finds_such_a_write(tmp_path, monkeypatch):
    """The walk itself: an update of a watched column without a renewal is reported."""
    package = tmp_path / "fulfillment"
    package.mkdir()
    (package / "bad.py").write_text(
        "def bad(pk):\n    Sku.objects.filter(pk=pk).update(available_qty=3)\n"
        "def fine(pk):\n    Sku.objects.filter(pk=pk).update(updated_at=None)\n"
        "def renewed(pk):\n    Sku.objects.filter(pk=pk).update(available_qty=3)\n    availability_changed()\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", ("fulfillment",))
    assert _unrenewed_writes() == ["fulfillment/bad.py:2 Sku.update(['available_qty'])"]
