"""Who may make which move (fulfillment.machines): custody at a hub is the hub's alone, a
return's and a backorder's fate is the brand's. A refused move changes nothing — no
status, no task, no event — and says 403 `transition_not_allowed`."""

from __future__ import annotations

import pytest
from django.db import transaction

from closo.actors import Actor, Party
from closo.statemachine import TransitionNotAllowed
from fulfillment.machines import BACKORDERS, RETURNS, UNITS
from fulfillment.models import Backorder, Event, ReturnItem
from fulfillment.services import returns as services
from fulfillment.services.backorders import backorder_cancel
from hubs.models import HubTask
from tests.factories import BRAND, HUB


def refused(excinfo) -> tuple[str, int]:
    return excinfo.value.code, excinfo.value.status


def tasks_of(item) -> dict[str, str]:
    return dict(HubTask.objects.filter(return_item_id=item.pk).values_list("kind", "status"))


def test_a_brand_cannot_receive_a_drop_off_for_the_hub(brand_a, in_brand, sku_a, active_hub, route, alice):
    item = route(brand_a, in_brand, active_hub)
    brand_admin = Actor.for_user(alice, party=Party.BRAND)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=brand_admin)
    assert refused(excinfo) == ("transition_not_allowed", 403)
    assert excinfo.value.message == "A return that is routed can become dropped off only by the hub."
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "routed"
        assert not Event.objects.filter(return_item_id=item.pk, kind="dropped_off").exists()
    assert tasks_of(item) == {"dropoff": "open"}


@pytest.mark.parametrize("who", [BRAND, Actor.system("tests")], ids=["brand", "system"])
def test_only_the_hub_inspects_and_disposes(brand_a, in_brand, sku_a, active_hub, route, who):
    item = route(brand_a, in_brand, active_hub)
    services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    with in_brand(brand_a):
        item = ReturnItem.objects.get(pk=item.pk)
        with pytest.raises(TransitionNotAllowed) as excinfo, transaction.atomic():
            services.return_mark_inspected(item=item, hub=active_hub, actor=who, detail="Looks fine", custody={})
        assert refused(excinfo) == ("transition_not_allowed", 403)
        assert ReturnItem.objects.get(pk=item.pk).status == "dropped_off"
    assert tasks_of(item) == {"dropoff": "done", "inspect": "open"}


def test_a_hub_cannot_cancel_a_return(brand_a, in_brand, sku_a, active_hub, route, ivan):
    item = route(brand_a, in_brand, active_hub)
    inspector = Actor.for_user(ivan, party=Party.HUB)
    with in_brand(brand_a):
        with pytest.raises(TransitionNotAllowed) as excinfo:
            services.return_cancel(item=item, reason="Customer never came", actor=inspector)
        assert refused(excinfo) == ("transition_not_allowed", 403)
        assert excinfo.value.message == "A return that is routed can become cancelled only by the brand or Closo."
        assert ReturnItem.objects.get(pk=item.pk).status == "routed"
        assert not Event.objects.filter(return_item_id=item.pk, kind="cancelled").exists()
    assert tasks_of(item) == {"dropoff": "open"}


def test_a_hub_cannot_cancel_a_backorder(brand_a, in_brand, sku_a):
    with in_brand(brand_a):
        backorder = Backorder.objects.create(
            order_ref="#1", sku=sku_a, value=120, customer_zip="78702", placed_at="2026-01-05T10:00Z"
        )
        with pytest.raises(TransitionNotAllowed) as excinfo:
            backorder_cancel(backorder=backorder, reason="Out of patience", actor=HUB)
        assert refused(excinfo) == ("transition_not_allowed", 403)
        assert Backorder.objects.get(pk=backorder.pk).status == "waiting"


def test_the_tables_keep_custody_with_the_hub_and_decisions_with_the_brand():
    """Read from the tables: the hub makes exactly the custody moves, and no move a hub
    makes is also open to the brand (nobody vouches for an item they do not hold)."""
    hub_moves = {
        (machine.noun, move.source, move.target)
        for machine in (RETURNS, BACKORDERS, UNITS)
        for move in machine.moves
        if Party.HUB in move.by
    }
    assert hub_moves == {
        ("return", "routed", "dropped_off"),
        ("return", "dropped_off", "inspected"),
        ("return", "inspected", "disposed"),
        ("backorder", "allocated", "handed_off"),
        ("stock unit", "reserved", "handed_off"),
        ("stock unit", "available", "missing"),
        ("stock unit", "held", "missing"),
        ("stock unit", "reserved", "missing"),
        ("stock unit", "missing", "available"),
    }
    assert all(
        move.by == {Party.HUB}
        for machine in (RETURNS, BACKORDERS, UNITS)
        for move in machine.moves
        if Party.HUB in move.by
    )
    cancels = [move for machine in (RETURNS, BACKORDERS) for move in machine.moves if move.target == "cancelled"]
    assert cancels and all(move.by == {Party.BRAND, Party.SYSTEM} for move in cancels)
