"""The state-machine primitive (closo.statemachine), over real models: the hub registry
(public schema, its own HubEvent rows), the hub task index (no events of its own), and a
brand's returns and purchase orders (a brand schema, fulfillment's event writer)."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor, Party
from closo.statemachine import InvalidTransition, Move, ReasonRequired, StateMachine, TransitionNotAllowed
from fulfillment.models import Event, InboundSupply, ReturnItem, ReturnStatus, Sku
from fulfillment.services.events import event_record
from hubs.models import Hub, HubEvent, HubStatus, HubTask
from tests.conftest import BRAND_A, run_concurrently
from tests.factories import applied_hub, in_days

H = HubStatus
S = ReturnStatus
T = HubTask.Status
P = InboundSupply.Status
Route = ReturnItem.Route
STAFF, HUB, BRAND, SYSTEM = Party.STAFF, Party.HUB, Party.BRAND, Party.SYSTEM


def hub_event(*, subject, kind, actor, from_status, to_status, detail, data, hub):
    return HubEvent.objects.create(
        hub=subject, kind=kind, actor=actor.user, from_status=from_status, to_status=to_status, detail=detail
    )


HUBS = StateMachine(
    model=Hub,
    noun="hub",
    status_labels=HubStatus,
    event_kinds=HubEvent.Kind,
    events=hub_event,
    moves=(
        Move(H.APPLIED, H.VETTED, HubEvent.Kind.STATUS, by={STAFF}, sets={"status_changed_at": timezone.now}),
        Move(H.VETTED, H.ACTIVE, HubEvent.Kind.STATUS, by={STAFF}, sets={"status_changed_at": timezone.now}),
        Move(
            H.VETTED,
            H.SUSPENDED,
            HubEvent.Kind.STATUS,
            by={STAFF},
            needs_reason=True,
            sets={"status_changed_at": timezone.now},
        ),
        Move(
            H.ACTIVE,
            H.SUSPENDED,
            HubEvent.Kind.STATUS,
            by={STAFF, SYSTEM},
            needs_reason=True,
            sets={"status_changed_at": timezone.now},
        ),
        Move(H.SUSPENDED, H.ACTIVE, HubEvent.Kind.STATUS, by={STAFF}, sets={"status_changed_at": timezone.now}),
    ),
)

HUB_TASKS = StateMachine(
    model=HubTask,
    noun="hub task",
    status_labels=HubTask.Status,
    events=None,  # a task's moves are recorded by the brand-row move they belong to
    moves=(
        Move(T.OPEN, T.DONE, "done", by={HUB, BRAND, STAFF, SYSTEM}, sets={"closed_at": timezone.now}),
        Move(T.OPEN, T.CANCELLED, "cancelled", by={BRAND, STAFF, SYSTEM}, sets={"closed_at": timezone.now}),
    ),
)


class FakeTasks:
    """Records what a machine asks of the hub task index."""

    kinds = tuple(HubTask.Kind.values)

    def __init__(self):
        self.calls: list[tuple] = []

    def open(self, obj, kind, **task_args):
        self.calls.append(("open", obj.pk, kind, task_args))

    def close(self, obj, kind, *, cancelled):
        self.calls.append(("close", obj.pk, kind, cancelled))


TASKS = FakeTasks()
K = HubTask.Kind

RETURNS = StateMachine(
    model=ReturnItem,
    noun="return",
    status_labels=ReturnStatus,
    events=event_record,
    tasks=TASKS,
    moves=(
        Move(S.INITIATED, S.ROUTED, "routed", by={BRAND, SYSTEM}, when={"route": Route.WAREHOUSE}, takes={"route"}),
        Move(
            S.INITIATED,
            S.ROUTED,
            "routed",
            by={BRAND, SYSTEM},
            when={"route": Route.HUB},
            takes={"route", "hub", "dropoff_code"},
            opens=(K.DROPOFF,),
        ),
        Move(S.INITIATED, S.CANCELLED, "cancelled", by={BRAND}, needs_reason=True),
        Move(S.ROUTED, S.DROPPED_OFF, "dropped_off", by={HUB}, when={"route": Route.HUB}, closes=(K.DROPOFF,)),
        Move(S.ROUTED, S.CANCELLED, "cancelled", by={BRAND}, needs_reason=True, cancels=(K.DROPOFF,)),
        Move(S.DROPPED_OFF, S.INSPECTED, "inspected", by={HUB}, opens=(K.INSPECT,)),
        Move(S.INSPECTED, S.DISPOSED, "disposed", by={HUB, SYSTEM}, takes={"disposition"}, closes=(K.INSPECT,)),
    ),
)

SUPPLY = StateMachine(
    model=InboundSupply,
    noun="purchase order",
    status_labels=InboundSupply.Status,
    events=event_record,
    moves=(
        Move(P.EXPECTED, P.RECEIVED, "received", by={BRAND, SYSTEM}, takes={"received_at"}),
        Move(P.EXPECTED, P.CANCELLED, "cancelled", by={BRAND}, needs_reason=True),
    ),
)


@pytest.fixture
def staff(stan) -> Actor:
    return Actor.for_user(stan, party=STAFF)


@pytest.fixture
def hub(db) -> Hub:
    return applied_hub("North Stoop", zip_code="78751")


@pytest.fixture
def sku(brand_a, in_brand) -> Sku:
    with in_brand(brand_a):
        return Sku.objects.create(code="SM-1", title="State blanket", price=100)


@pytest.fixture
def item(brand_a, in_brand, sku) -> ReturnItem:
    with in_brand(brand_a):
        return ReturnItem.objects.create(rma_ref="RMA-SM", sku=sku, customer_zip="78702")


@pytest.fixture(autouse=True)
def _fresh_task_calls():
    TASKS.calls.clear()


def move(machine, obj, to, **kwargs):
    """One transition in its own transaction, as a service runs it."""
    with transaction.atomic():
        return machine.transition(obj, to, **kwargs)


# --- a move ---


def test_a_valid_move_updates_the_row_and_writes_the_event_with_its_actor(hub, staff, stan):
    before = hub.status_changed_at
    moved = move(HUBS, hub, H.VETTED, actor=staff, detail="ID, agreement and training checked.")

    assert moved is hub and hub.status == H.VETTED
    row = Hub.objects.get(pk=hub.pk)
    assert row.status == H.VETTED and row.status_changed_at > before
    event = HubEvent.objects.filter(hub=hub, kind=HubEvent.Kind.STATUS).get()
    assert (event.actor, event.from_status, event.to_status, event.detail) == (
        stan,
        H.APPLIED,
        H.VETTED,
        "ID, agreement and training checked.",
    )


def test_a_move_the_table_lacks_is_refused_naming_both_states(hub, staff):
    with pytest.raises(InvalidTransition) as refused:
        move(HUBS, hub, H.ACTIVE, actor=staff)

    assert (refused.value.code, refused.value.status) == ("invalid_transition", 409)
    assert refused.value.message == "A hub that is applied cannot become active."
    assert refused.value.fields == {"from_status": H.APPLIED, "to_status": H.ACTIVE}
    assert Hub.objects.get(pk=hub.pk).status == H.APPLIED


def test_a_party_the_move_does_not_allow_is_refused_with_403_and_nothing_changes(hub, alice):
    with pytest.raises(TransitionNotAllowed) as refused:
        move(HUBS, hub, H.VETTED, actor=Actor(user=alice, label=alice.email))  # a brand admin

    assert (refused.value.code, refused.value.status) == ("transition_not_allowed", 403)
    assert refused.value.message == "A hub that is applied can become vetted only by Closo staff."
    assert Hub.objects.get(pk=hub.pk).status == H.APPLIED
    assert not HubEvent.objects.filter(hub=hub, kind=HubEvent.Kind.STATUS).exists()


def test_a_move_that_needs_a_reason_refuses_a_blank_one(active_hub, staff):
    with pytest.raises(ReasonRequired) as refused:
        move(HUBS, active_hub, H.SUSPENDED, actor=staff, detail="   ")

    assert (refused.value.code, refused.value.status) == ("reason_required", 400)
    assert refused.value.fields == {"reason": ["This field is required."]}
    assert Hub.objects.get(pk=active_hub.pk).status == H.ACTIVE

    move(HUBS, active_hub, H.SUSPENDED, actor=Actor.system("trust engine"), detail="  Reputation below 0.7. ")
    event = HubEvent.objects.filter(hub=active_hub).first()
    assert (event.to_status, event.detail, event.actor) == (H.SUSPENDED, "Reputation below 0.7.", None)


def test_transition_refuses_to_run_outside_the_callers_transaction(hub, staff):
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        HUBS.transition(hub, H.VETTED, actor=staff)
    assert Hub.objects.get(pk=hub.pk).status == H.APPLIED


def test_moves_from_lists_what_a_page_can_offer_next(active_hub, hub):
    assert [(m.source, m.target) for m in HUBS.moves_from(active_hub)] == [(H.ACTIVE, H.SUSPENDED)]
    assert [m.target for m in HUBS.moves_from(hub)] == [H.VETTED]
    assert HUBS.terminal == frozenset()
    assert HUBS.graph()[3] == {
        "from": H.ACTIVE,
        "to": H.SUSPENDED,
        "event": "status",
        "by": ["staff", "system"],
        "when": {},
        "takes": [],
        "sets": ["status_changed_at"],
        "needs_reason": True,
        "opens": [],
        "closes": [],
        "cancels": [],
    }


def test_a_machine_without_events_moves_the_row_and_refuses_event_arguments(brand_a, active_hub):
    task = HubTask.objects.create(hub=active_hub, brand=brand_a, kind=K.DROPOFF, return_item_id=1, title="x")
    with pytest.raises(TypeError, match="writes no events"):
        move(HUB_TASKS, task, T.DONE, actor=Actor.system(), detail="Received.")

    move(HUB_TASKS, task, T.DONE, actor=Actor.system())
    row = HubTask.objects.get(pk=task.pk)
    assert row.status == T.DONE and row.closed_at is not None and task.closed_at == row.closed_at
    assert HUB_TASKS.terminal == {T.DONE, T.CANCELLED}


# --- takes, sets, when, tasks (a brand's returns) ---


def test_when_picks_the_move_by_the_value_the_caller_passes(brand_a, in_brand, item, active_hub):
    with in_brand(brand_a):
        move(RETURNS, item, S.ROUTED, actor=Actor.system(), route=Route.HUB, hub=active_hub, dropoff_code="ABC123")
        row = ReturnItem.objects.get(pk=item.pk)
        event = Event.objects.get(return_item=item)

    assert (row.status, row.route, row.hub_id, row.dropoff_code) == (S.ROUTED, "hub", active_hub.pk, "ABC123")
    assert (event.kind, event.from_status, event.to_status, event.actor_label) == (
        "routed",
        "initiated",
        "routed",
        "system",
    )
    assert event.data == {"route": "hub", "hub": active_hub.pk, "dropoff_code": "ABC123"}
    assert TASKS.calls == [("open", item.pk, K.DROPOFF, {})]


def test_when_refusals_say_which_condition_does_not_hold(brand_a, in_brand, item):
    with in_brand(brand_a), pytest.raises(InvalidTransition) as unrouted:
        move(RETURNS, item, S.ROUTED, actor=Actor.system())
    assert unrouted.value.message == "A return that is initiated cannot become routed without a route."

    with in_brand(brand_a):
        move(RETURNS, item, S.ROUTED, actor=Actor.system(), route=Route.WAREHOUSE)
        assert [m.target for m in RETURNS.moves_from(item)] == [S.CANCELLED]
        with pytest.raises(InvalidTransition) as wrong_route:
            move(RETURNS, item, S.DROPPED_OFF, actor=Actor(party=HUB))
    assert (
        wrong_route.value.message == "A return that is routed cannot become dropped off while its route is warehouse."
    )


def test_the_caller_must_pass_exactly_what_the_move_takes(brand_a, in_brand, item, active_hub):
    with in_brand(brand_a):
        with pytest.raises(TypeError, match=r"missing \['dropoff_code', 'hub'\], unexpected \[\]"):
            move(RETURNS, item, S.ROUTED, actor=Actor.system(), route=Route.HUB)
        with pytest.raises(TypeError, match=r"missing \[\], unexpected \['reason'\]"):
            move(RETURNS, item, S.CANCELLED, actor=Actor(), detail="Kept it.", reason="Kept it.")
        assert ReturnItem.objects.get(pk=item.pk).status == S.INITIATED


def test_a_choice_field_refuses_a_value_outside_its_choices(brand_a, in_brand, sku):
    with in_brand(brand_a):
        inspected = ReturnItem.objects.create(rma_ref="RMA-I", sku=sku, customer_zip="78702", status=S.INSPECTED)
        with pytest.raises(ValueError, match="'burned' is not a valid disposition"):
            move(RETURNS, inspected, S.DISPOSED, actor=Actor.system(), disposition="burned")
        move(RETURNS, inspected, S.DISPOSED, actor=Actor.system(), disposition="recycled")
        assert ReturnItem.objects.get(pk=inspected.pk).disposition == "recycled"


def test_the_tasks_a_move_names_are_closed_or_cancelled_then_opened(brand_a, in_brand, sku, active_hub):
    due = timezone.now()
    with in_brand(brand_a):
        a = ReturnItem.objects.create(rma_ref="RMA-A", sku=sku, customer_zip="78702", status=S.ROUTED, route="hub")
        b = ReturnItem.objects.create(rma_ref="RMA-B", sku=sku, customer_zip="78702", status=S.ROUTED, route="hub")
        move(RETURNS, a, S.DROPPED_OFF, actor=Actor(party=HUB), at_hub=active_hub, event_data={"code": "ABC123"})
        move(RETURNS, a, S.INSPECTED, actor=Actor(party=HUB), task_args={"due_at": due})
        move(RETURNS, b, S.CANCELLED, actor=Actor(), detail="Customer kept it.")
        with pytest.raises(TypeError, match="opens no task"):
            move(RETURNS, a, S.DISPOSED, actor=Actor(party=HUB), disposition="recycled", task_args={"due_at": due})
        custody = Event.objects.get(return_item=a, kind="dropped_off")

    assert TASKS.calls == [
        ("close", a.pk, K.DROPOFF, False),
        ("open", a.pk, K.INSPECT, {"due_at": due}),
        ("close", b.pk, K.DROPOFF, True),
    ]
    assert (custody.hub_id, custody.data) == (active_hub.pk, {"code": "ABC123"})


def test_a_brand_schema_move_writes_the_brands_event_and_touches_updated_at(brand_a, in_brand, sku, alice):
    received_at = timezone.now()
    with in_brand(brand_a):
        po = InboundSupply.objects.create(po_ref="PO-SM", sku=sku, qty=3, expected_date=in_days(2))
        before = po.updated_at
        move(SUPPLY, po, P.RECEIVED, actor=Actor(user=alice, label=alice.email), received_at=received_at)
        row = InboundSupply.objects.get(pk=po.pk)
        event = Event.objects.get(supply=po)
    assert (row.status, row.received_at) == (P.RECEIVED, received_at) and row.updated_at > before
    assert (event.kind, event.actor, event.actor_label) == ("received", alice, alice.email)
    assert event.data == {"received_at": received_at.isoformat()}


# --- the table is checked when the machine is built ---


def machine(*moves, **options):
    return StateMachine(
        model=ReturnItem, noun="return", events=options.pop("events", event_record), moves=moves, **options
    )


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: machine(Move("initiated", "lost", "lost", by={BRAND})), "“lost” is not a status"),
        (
            lambda: machine(
                Move(S.ROUTED, S.CANCELLED, "cancelled", by={BRAND}),
                Move(S.ROUTED, S.CANCELLED, "voided", by={STAFF}),
            ),
            "two moves routed → cancelled can apply to one row",
        ),
        (
            lambda: machine(
                Move(S.ROUTED, S.DROPPED_OFF, "dropped_off", by={HUB}),
                Move(S.ROUTED, S.DROPPED_OFF, "dropped_off", by={HUB}, when={"route": Route.HUB}),
            ),
            "make their conditions exclusive",
        ),
        (
            lambda: machine(Move(S.ROUTED, S.DROPPED_OFF, "x", by={HUB}, opens=(K.INSPECT,))),
            "give the machine `tasks=`",
        ),
        (
            lambda: machine(Move(S.ROUTED, S.DROPPED_OFF, "x", by={HUB}, opens=("shelve",)), tasks=FakeTasks()),
            "['shelve'] are not task kinds",
        ),
        (
            lambda: machine(Move(S.ROUTED, S.DROPPED_OFF, "x", by={HUB}, when={"colour": "red"})),
            "“colour” is not a field",
        ),
        (
            lambda: machine(Move(S.ROUTED, S.DROPPED_OFF, "x", by={HUB}, when={"route": "moon"})),
            "'moon' is not a valid route",
        ),
        (lambda: machine(Move(S.ROUTED, S.DROPPED_OFF, "x", by={HUB}, when={"hub": 1})), "“hub” is a relation"),
        (lambda: machine(Move(S.ROUTED, S.DISPOSED, "x", by={HUB}, sets={"disposition": "burned"})), "'burned'"),
        (lambda: machine(Move(S.ROUTED, S.DISPOSED, "x", by={HUB}, takes={"status"})), "only by the move's target"),
        (lambda: machine(Move(S.ROUTED, S.CANCELLED, "x", by={BRAND}, needs_reason=True), events=None), "no events"),
        (lambda: machine(Move(S.ROUTED, S.CANCELLED, "x", by={BRAND}), event_kinds=HubEvent.Kind), "“x” is not one"),
        (lambda: machine(Move(S.ROUTED, S.CANCELLED, "x", by={BRAND}), status_labels=HubStatus), "does not list"),
        (lambda: Move(S.ROUTED, S.CANCELLED, "x", by=set()), "names no party"),
        (lambda: Move(S.ROUTED, S.CANCELLED, "x", by={"customer"}), "['customer'] are not parties"),
        (lambda: Move(S.ROUTED, S.CANCELLED, "x", by={BRAND}, takes={"hub"}, sets={"hub": None}), "both taken"),
        (lambda: Move(S.ROUTED, S.ROUTED, "x", by={BRAND}), "a move changes the status"),
    ],
)
def test_a_bad_table_fails_when_the_machine_is_built(db, build, error):
    with pytest.raises(ValueError) as failed:
        build()
    assert error in str(failed.value)


def test_a_condition_may_ask_for_a_field_still_empty(brand_a, in_brand, item):
    unrouted = machine(Move(S.INITIATED, S.CANCELLED, "cancelled", by={BRAND}, when={"route": ""}))
    assert [m.target for m in unrouted.moves_from(item)] == [S.CANCELLED]
    item.route = Route.WAREHOUSE
    assert unrouted.moves_from(item) == []


def test_parties_and_kinds_must_be_collections_not_strings():
    with pytest.raises(TypeError, match="not the string 'brand'"):
        Move(S.ROUTED, S.CANCELLED, "x", by="brand")
    with pytest.raises(TypeError, match="not the string 'inspect'"):
        Move(S.ROUTED, S.CANCELLED, "x", by={BRAND}, opens="inspect")


def test_a_machine_must_say_explicitly_that_it_writes_no_events():
    with pytest.raises(TypeError, match="events"):
        StateMachine(model=HubTask, moves=HUB_TASKS.moves)


# --- a race ---


@pytest.fixture
def committed_po(committed):
    """A committed `expected` purchase order of brand A (removed afterwards, with its events)."""
    brand = Brand.objects.get(slug=BRAND_A["slug"])
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="SM-RACE", title="Race blanket", price=100)
        po = InboundSupply.objects.create(po_ref="PO-SM-RACE", sku=sku, qty=5, expected_date=in_days(3))

    def cleanup():
        with schema_context(brand.schema_name):
            Event.objects.filter(supply=po).delete()
            InboundSupply.objects.filter(pk=po.pk).delete()
            Sku.objects.filter(pk=sku.pk).delete()

    committed.append(cleanup)
    return brand, po


@pytest.mark.parametrize("targets", [(P.RECEIVED, P.RECEIVED), (P.RECEIVED, P.CANCELLED)])
def test_of_two_concurrent_moves_from_one_state_exactly_one_wins(committed_po, targets):
    brand, po = committed_po
    # Both transactions read the row as `expected` before either writes: only the
    # conditional UPDATE can tell them apart.
    read = threading.Barrier(2, timeout=30)

    def worker(i):
        with schema_context(brand.schema_name), transaction.atomic():
            copy = InboundSupply.objects.get(pk=po.pk)
            read.wait()
            if targets[i] == P.RECEIVED:
                return SUPPLY.transition(copy, P.RECEIVED, actor=Actor.system(f"t{i}"), received_at=timezone.now())
            return SUPPLY.transition(copy, P.CANCELLED, actor=Actor(label=f"t{i}"), detail="Supplier went quiet.")

    results = run_concurrently(worker, n=2)

    winners = [r for r in results if isinstance(r, InboundSupply)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(winners), len(losers)) == (1, 1), results
    won = winners[0].status
    assert losers[0].message.startswith(f"This purchase order is {won} now (it was expected): it cannot become ")
    with schema_context(brand.schema_name):
        assert InboundSupply.objects.get(pk=po.pk).status == won
        assert Event.objects.filter(supply=po).count() == 1
