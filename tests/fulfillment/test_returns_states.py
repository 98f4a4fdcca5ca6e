"""The return state machine (DESIGN.md §4): every pair of states tried against
RETURNS.transition, who may make each move, the contract of a move, and the services
built on it."""

from itertools import product

import pytest
from django.db import transaction

from closo.actors import Actor, Party
from closo.exceptions import InvalidTransition, ReasonRequired
from fulfillment.machines import RETURNS
from fulfillment.models import Channel, Event, ReturnItem, ReturnStatus, Sku
from fulfillment.selectors import returns as return_selectors
from fulfillment.services import returns as services

S = ReturnStatus
HUB, WAREHOUSE = ReturnItem.Route.HUB, ReturnItem.Route.WAREHOUSE
D = ReturnItem.Disposition

# Every state a return can be in: (status, route).
STATES = [
    (S.INITIATED, ""),
    (S.ROUTED, HUB),
    (S.ROUTED, WAREHOUSE),
    (S.DROPPED_OFF, HUB),
    (S.INSPECTED, HUB),
    (S.DISPOSED, HUB),
    (S.DISPOSED, WAREHOUSE),
    (S.CANCELLED, ""),
    (S.CANCELLED, HUB),
    (S.CANCELLED, WAREHOUSE),
]
# Every target: (status, route it sets) — routing is tried both ways.
TARGETS = [
    (S.INITIATED, None),
    (S.ROUTED, HUB),
    (S.ROUTED, WAREHOUSE),
    (S.DROPPED_OFF, None),
    (S.INSPECTED, None),
    (S.DISPOSED, None),
    (S.CANCELLED, None),
]
BRAND, HUB_PARTY, SYSTEM = Party.BRAND, Party.HUB, Party.SYSTEM
# The design, written out independently of fulfillment.machines.RETURNS: the event each
# move records and who may make it (brand decisions, automation where it acts, custody
# at the hub by the hub alone).
ALLOWED = {
    ((S.INITIATED, ""), (S.ROUTED, HUB)): ("routed", {BRAND, SYSTEM}),
    ((S.INITIATED, ""), (S.ROUTED, WAREHOUSE)): ("routed", {BRAND, SYSTEM}),
    ((S.INITIATED, ""), (S.CANCELLED, None)): ("cancelled", {BRAND, SYSTEM}),
    ((S.ROUTED, HUB), (S.DROPPED_OFF, None)): ("dropped_off", {HUB_PARTY}),
    ((S.ROUTED, HUB), (S.CANCELLED, None)): ("cancelled", {BRAND, SYSTEM}),
    # A route withdrawn before drop-off (a suspended hub, or the brand routing again).
    ((S.ROUTED, HUB), (S.INITIATED, None)): ("unrouted", {BRAND, SYSTEM}),
    ((S.ROUTED, WAREHOUSE), (S.INITIATED, None)): ("unrouted", {BRAND, SYSTEM}),
    ((S.ROUTED, WAREHOUSE), (S.DISPOSED, None)): ("received", {BRAND}),
    ((S.ROUTED, WAREHOUSE), (S.CANCELLED, None)): ("cancelled", {BRAND, SYSTEM}),
    ((S.DROPPED_OFF, HUB), (S.INSPECTED, None)): ("inspected", {HUB_PARTY}),
    ((S.INSPECTED, HUB), (S.DISPOSED, None)): ("disposed", {HUB_PARTY}),
}


@pytest.fixture
def actor(alice):
    return Actor(user=alice, label=alice.email)


def acting(alice, party: str) -> Actor:
    return Actor.for_user(alice, party=party)


def move(item: ReturnItem, to: str, **options) -> ReturnItem:
    """RETURNS.transition in a transaction of its own, as a service would run it."""
    with transaction.atomic():
        return RETURNS.transition(item, to, **options)


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="BLANKET-SAGE", title="Weighted blanket, sage", price=120)


def build(sku, status: str, route: str = "", hub=None, n: int = 1) -> ReturnItem:
    """A return put straight into a state with the ORM (no events), as the table sees it."""
    on_hub = route == HUB
    return ReturnItem.objects.create(
        rma_ref=f"RMA-{status}-{route or 'none'}-{n}",
        sku=sku,
        customer_zip="78702",
        status=status,
        route=route,
        hub=hub if on_hub else None,
        dropoff_code=f"D{n}{status[:3]}{route[:1]}".upper() if on_hub else None,
        disposition=(D.IN_LOCAL_STOCK if on_hub else D.TO_WAREHOUSE) if status == S.DISPOSED else "",
    )


def changes_for(target, route: str, hub) -> dict:
    status, sets_route = target
    decision = {"route_reason": "Because.", "cost_local": 5, "cost_warehouse": 27}
    if status == S.ROUTED and sets_route == HUB:
        return {"route": HUB, "hub": hub, "dropoff_code": "DROP42", **decision}
    if status == S.ROUTED:
        return {"route": WAREHOUSE, **decision}
    if status == S.DISPOSED and route == HUB:
        return {"disposition": D.RECYCLED}
    return {}


@pytest.mark.parametrize(("state", "target"), list(product(STATES, TARGETS)), ids=lambda v: "-".join(x for x in v if x))
def test_transition_table_allows_exactly_the_designed_moves(brand_a, in_brand, sku, active_hub, actor, state, target):
    status, route = state
    with in_brand(brand_a):
        item = build(sku, status, route, hub=active_hub)
        changes = changes_for(target, route, active_hub)
        if (state, target) in ALLOWED:
            kind, parties = ALLOWED[(state, target)]
            actor = acting(actor.user, min(parties))
            moved = move(item, target[0], actor=actor, detail="Because.", **changes)
            row = ReturnItem.objects.get(pk=item.pk)
            assert (moved.status, row.status) == (target[0], target[0])
            (event,) = Event.objects.filter(return_item=item)
            assert (event.from_status, event.to_status) == (status, target[0])
            assert event.kind == kind
            assert (event.actor, event.actor_label, event.detail) == (actor.user, actor.label, "Because.")
            if target == (S.ROUTED, HUB):
                assert (row.route, row.hub_id, row.dropoff_code) == (HUB, active_hub.pk, "DROP42")
                assert {k: event.data[k] for k in ("route", "hub", "dropoff_code")} == {
                    "route": HUB,
                    "hub": active_hub.pk,
                    "dropoff_code": "DROP42",
                }
                assert row.route_reason == "Because." and row.routed_at is not None
            if target == (S.ROUTED, WAREHOUSE):
                assert (row.route, row.hub_id) == (WAREHOUSE, None)
            if target[0] == S.DISPOSED:
                assert row.disposition == (D.RECYCLED if route == HUB else D.TO_WAREHOUSE)
        else:
            with pytest.raises(InvalidTransition) as refused:
                move(item, target[0], actor=actor, detail="Because.", **changes)
            assert (refused.value.code, refused.value.status) == ("invalid_transition", 409)
            assert S(status).label.lower() in refused.value.message
            assert S(target[0]).label.lower() in refused.value.message
            assert ReturnItem.objects.get(pk=item.pk).status == status
            assert not Event.objects.filter(return_item=item).exists()


def test_nothing_leaves_disposed_or_cancelled():
    assert RETURNS.terminal == {S.DISPOSED, S.CANCELLED}


def test_each_move_is_allowed_to_exactly_the_designed_parties():
    """The table read without a database: for every (state, target), the move that
    applies, its event and its parties."""
    table = {}
    for state, target in product(STATES, TARGETS):
        item = ReturnItem(status=state[0], route=state[1])
        try:
            move = RETURNS.move_for(item, target[0], {"route": target[1]} if target[1] else {})
        except InvalidTransition:
            continue
        table[(state, target)] = (move.event, set(move.by))
    assert table == ALLOWED


def test_a_move_out_of_routed_names_the_route_it_needs(brand_a, in_brand, sku, actor):
    with in_brand(brand_a):
        item = build(sku, S.ROUTED, WAREHOUSE)
        with pytest.raises(InvalidTransition) as refused:
            move(item, S.DROPPED_OFF, actor=actor)
    assert refused.value.message == "A return that is routed cannot become dropped off while its route is warehouse."
    assert refused.value.fields == {"from_status": "routed", "to_status": "dropped_off"}


@pytest.mark.parametrize(
    ("state", "to_status", "changes"),
    [
        ((S.INITIATED, ""), S.ROUTED, {"route": HUB, "dropoff_code": "X1"}),  # no hub
        ((S.INITIATED, ""), S.ROUTED, {"route": WAREHOUSE, "dropoff_code": "X1"}),  # not for the warehouse
        ((S.ROUTED, WAREHOUSE), S.DISPOSED, {"disposition": D.RECYCLED}),  # the move sets it
        ((S.INSPECTED, HUB), S.DISPOSED, {}),  # a disposition is required
        ((S.ROUTED, HUB), S.DROPPED_OFF, {"reason": "x"}),  # not a change this move makes
    ],
)
def test_a_move_takes_exactly_the_fields_the_table_names(
    brand_a, in_brand, sku, active_hub, actor, state, to_status, changes
):
    with in_brand(brand_a):
        item = build(sku, *state, hub=active_hub)
        allowed = acting(actor.user, min(RETURNS.move_for(item, to_status, changes).by))
        with pytest.raises(TypeError):
            move(item, to_status, actor=allowed, **changes)
        assert ReturnItem.objects.get(pk=item.pk).status == state[0]


def test_a_disposition_must_be_one_of_the_four(brand_a, in_brand, sku, active_hub, actor):
    with in_brand(brand_a):
        item = build(sku, S.INSPECTED, HUB, hub=active_hub)
        with pytest.raises(ValueError):
            move(item, S.DISPOSED, actor=acting(actor.user, HUB_PARTY), disposition="burned")
        assert ReturnItem.objects.get(pk=item.pk).status == S.INSPECTED


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_needs_a_reason(brand_a, in_brand, sku, actor, reason):
    with in_brand(brand_a):
        item = build(sku, S.INITIATED)
        with pytest.raises(ReasonRequired) as refused:
            services.return_cancel(item=item, reason=reason, actor=actor)
        assert refused.value.code == "reason_required"
        assert "reason" in refused.value.fields
        assert ReturnItem.objects.get(pk=item.pk).status == S.INITIATED
        assert not Event.objects.filter(return_item=item).exists()


def test_a_stale_copy_loses_to_the_move_already_made(brand_a, in_brand, sku, actor):
    with in_brand(brand_a):
        item = build(sku, S.INITIATED)
        stale = ReturnItem.objects.get(pk=item.pk)
        services.return_cancel(item=item, reason="Customer kept it", actor=actor)
        with pytest.raises(InvalidTransition) as refused:
            services.return_route_to_warehouse(item=stale, actor=actor)
        assert "cancelled now" in refused.value.message
        assert "routed" in refused.value.message
        row = ReturnItem.objects.get(pk=item.pk)
        assert (row.status, row.route) == (S.CANCELLED, "")
        assert list(Event.objects.filter(return_item=item).values_list("kind", flat=True)) == ["cancelled"]


def test_create_places_the_return_at_its_zip_and_records_it(brand_a, in_brand, sku, actor):
    with in_brand(brand_a):
        item = services.return_create(
            rma_ref=" RMA-100 ",
            sku_code="BLANKET-SAGE",
            customer_zip="78702-1234",
            customer_name="Casey",
            reason="Too warm",
            channel=Channel.PORTAL,
            route="manual",
            actor=actor,
        )
        row = ReturnItem.objects.get(pk=item.pk)
        (event,) = Event.objects.filter(return_item=item)
    assert (row.rma_ref, row.customer_zip, row.status, row.route, row.channel) == (
        "RMA-100",
        "78702",
        S.INITIATED,
        "",
        Channel.PORTAL,
    )
    assert row.lat == pytest.approx(30.26, abs=0.05)
    assert row.lon == pytest.approx(-97.71, abs=0.05)
    assert row.refund_status == ReturnItem.RefundStatus.PENDING
    assert (event.kind, event.from_status, event.to_status) == ("created", "", S.INITIATED)
    assert event.data == {"sku": "BLANKET-SAGE", "customer_zip": "78702", "channel": "portal"}


@pytest.mark.parametrize(
    ("values", "error", "code"),
    [
        ({"sku_code": "NOPE"}, services.UnknownSku, "unknown_sku"),
        ({"customer_zip": "00000"}, services.InvalidZip, "invalid_zip"),
        ({"customer_zip": "7870"}, services.InvalidZip, "invalid_zip"),
        ({"customer_zip": "abcde"}, services.InvalidZip, "invalid_zip"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(brand_a, in_brand, sku, actor, values, error, code):
    with in_brand(brand_a):
        with pytest.raises(error) as refused:
            services.return_create(
                **{"rma_ref": "RMA-1", "sku_code": "BLANKET-SAGE", "customer_zip": "78702", **values}, actor=actor
            )
        assert refused.value.code == code
        assert not ReturnItem.objects.exists()


def test_create_refuses_an_rma_that_exists(brand_a, in_brand, sku, actor):
    with in_brand(brand_a):
        services.return_create(rma_ref="RMA-1", sku_code="BLANKET-SAGE", customer_zip="78702", actor=actor)
        with pytest.raises(services.ReturnExists) as refused:
            services.return_create(rma_ref="RMA-1", sku_code="BLANKET-SAGE", customer_zip="78745", actor=actor)
        assert (refused.value.code, refused.value.status) == ("return_exists", 409)
        assert ReturnItem.objects.count() == 1


def test_warehouse_path_ends_disposed_to_warehouse(brand_a, in_brand, sku, actor):
    with in_brand(brand_a):
        item = build(sku, S.INITIATED)
        services.return_route_to_warehouse(item=item, actor=actor)
        services.return_warehouse_received(item=item, actor=actor)
        row = ReturnItem.objects.get(pk=item.pk)
        kinds = list(Event.objects.filter(return_item=item).values_list("kind", "from_status", "to_status"))
    assert (row.status, row.route, row.disposition) == (S.DISPOSED, WAREHOUSE, D.TO_WAREHOUSE)
    assert kinds == [("routed", "initiated", "routed"), ("received", "routed", "disposed")]


def test_refund_is_decided_once_without_moving_the_return(brand_a, in_brand, sku, actor):
    with in_brand(brand_a):
        item = build(sku, S.ROUTED, WAREHOUSE)
        services.return_refund_update(item=item, refund_status="refunded", actor=actor)
        with pytest.raises(InvalidTransition) as refused:
            services.return_refund_update(item=item, refund_status="denied", actor=actor)
        row = ReturnItem.objects.get(pk=item.pk)
        (event,) = Event.objects.filter(return_item=item)
    assert refused.value.message == "The refund is already refunded: it cannot become denied."
    assert (row.refund_status, row.status) == ("refunded", S.ROUTED)
    assert (event.kind, event.from_status, event.to_status) == ("refund", "pending", "refunded")
    assert event.data == {"refund_status": "refunded", "previous": "pending"}


def test_refund_update_accepts_only_a_decision(brand_a, in_brand, sku, actor):
    with in_brand(brand_a):
        item = build(sku, S.INITIATED)
        with pytest.raises(ValueError):
            services.return_refund_update(item=item, refund_status="pending", actor=actor)


def steps(item, events=()):
    return [(s.status, s.state) for s in return_selectors.return_steps(item=item, events=events)]


def test_steps_follow_the_route_the_return_is_on(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        initiated = build(sku, S.INITIATED)
        on_hub = build(sku, S.DROPPED_OFF, HUB, hub=active_hub)
        at_warehouse = build(sku, S.DISPOSED, WAREHOUSE)
    assert steps(initiated) == [
        ("initiated", "current"),
        ("routed", "todo"),
        ("dropped_off", "todo"),
        ("inspected", "todo"),
        ("disposed", "todo"),
    ]
    assert steps(on_hub) == [
        ("initiated", "done"),
        ("routed", "done"),
        ("dropped_off", "current"),
        ("inspected", "todo"),
        ("disposed", "todo"),
    ]
    assert steps(at_warehouse) == [("initiated", "done"), ("routed", "done"), ("disposed", "current")]
    labels = [s.label for s in return_selectors.return_steps(item=at_warehouse, events=())]
    assert labels == ["Initiated", "Routed · Warehouse", "Disposed · To warehouse"]
    assert [s.label for s in return_selectors.return_steps(item=on_hub, events=())][1] == "Routed · Eastside Porch"


def test_a_cancelled_return_shows_how_far_it_got(brand_a, in_brand, sku, actor):
    with in_brand(brand_a):
        item = build(sku, S.INITIATED)
        services.return_route_to_warehouse(item=item, actor=actor)
        services.return_cancel(item=item, reason="Lost in the post", actor=actor)
        events = list(return_selectors.return_events(item=item))
    assert steps(item, events) == [("initiated", "done"), ("routed", "done"), ("cancelled", "stopped")]


def test_next_moves_are_read_from_the_table(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):

        def moves(*state):
            return {
                (m.target, m.when.get("route"))
                for m in return_selectors.return_next_moves(item=build(sku, *state, hub=active_hub))
            }

        assert moves(S.INITIATED, "") == {(S.ROUTED, HUB), (S.ROUTED, WAREHOUSE), (S.CANCELLED, None)}
        assert moves(S.ROUTED, WAREHOUSE) == {(S.DISPOSED, WAREHOUSE), (S.CANCELLED, None), (S.INITIATED, None)}
        assert moves(S.ROUTED, HUB) == {(S.DROPPED_OFF, HUB), (S.CANCELLED, None), (S.INITIATED, None)}
        assert moves(S.DISPOSED, WAREHOUSE) == set()
