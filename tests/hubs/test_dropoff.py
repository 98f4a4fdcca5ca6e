"""Assigning a return to a hub (the drop-off code and the hub's task) and receiving it by
code: the services, every refusal with its code, races, and the whole path from a brand's
API to the hub's receive page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from closo.actors import Actor, Party
from closo.exceptions import InvalidTransition
from fulfillment.models import Event, ReturnItem, Sku
from fulfillment.services import returns as services
from hubs.models import HubStatus, HubTask
from hubs.services import registry as hub_services
from hubs.services import tasks as hub_tasks
from tests.conftest import post_json, run_concurrently
from tests.factories import HUB, applied_hub, as_staff, make_return
from tests.hubs.conftest import SYSTEM

CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$")


def receive(code, hub, user=None):
    return services.return_receive_dropoff(
        code=code, hub=hub, actor=Actor(user=user, label="hub", party=Party.HUB) if user else HUB
    )


# --- assignment ---


def test_assigning_issues_a_code_and_the_hubs_dropoff_task_in_one_go(brand_a, in_brand, sku_a, active_hub):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    before = timezone.now()
    with in_brand(brand_a):
        services.return_assign_to_hub(item=item, hub=active_hub, actor=SYSTEM)
        row = ReturnItem.objects.get(pk=item.pk)
        event = Event.objects.filter(return_item=row).last()
    assert (row.status, row.route, row.hub_id) == ("routed", "hub", active_hub.pk)
    assert CODE.match(row.dropoff_code)
    assert (event.kind, event.data["dropoff_code"], event.data["hub"]) == ("routed", row.dropoff_code, active_hub.pk)
    task = HubTask.objects.get(return_item_id=item.pk, brand=brand_a)
    assert (task.hub, task.kind, task.status, task.code) == (active_hub, "dropoff", "open", row.dropoff_code)
    assert (task.title, task.reference) == ("WB-15 · Weighted blanket", "RMA-1")
    assert before + timedelta(days=14) <= task.due_at <= timezone.now() + timedelta(days=14)


def test_codes_avoid_look_alike_characters_and_differ(brand_a, in_brand, sku_a, active_hub, route):
    codes = {route(brand_a, in_brand, active_hub, rma=f"RMA-{i}").dropoff_code for i in range(30)}
    assert len(codes) == 30
    assert not set("".join(codes)) & set("01OIL")


def test_a_colliding_code_is_drawn_again(brand_a, brand_b, in_brand, sku_a, sku_b, active_hub, route, monkeypatch):
    taken = route(brand_b, in_brand, active_hub, rma="B-1").dropoff_code  # another brand's code
    draws = iter([taken, taken, "HJKM2345"])
    monkeypatch.setattr(services, "dropoff_code_new", lambda: next(draws))
    item = route(brand_a, in_brand, active_hub, rma="A-1")
    assert item.dropoff_code == "HJKM2345"
    assert HubTask.objects.filter(code=taken).count() == 1
    # The failed draws left nothing behind: one routed event, one task, for the code kept.
    with in_brand(brand_a):
        assert list(Event.objects.filter(return_item_id=item.pk).values_list("kind", flat=True)) == [
            "created",
            "routed",
        ]
        assert ReturnItem.objects.get(pk=item.pk).dropoff_code == "HJKM2345"
    assert list(HubTask.objects.filter(brand=brand_a).values_list("code", flat=True)) == ["HJKM2345"]


def test_a_code_this_brand_holds_is_drawn_again(brand_a, in_brand, sku_a, active_hub, route, monkeypatch):
    """No existence check runs first: the return's own unique index refuses the code."""
    first = route(brand_a, in_brand, active_hub, rma="A-1")
    draws = iter([first.dropoff_code, "HJKM2345"])
    monkeypatch.setattr(services, "dropoff_code_new", lambda: next(draws))
    second = route(brand_a, in_brand, active_hub, rma="A-2")
    assert second.dropoff_code == "HJKM2345"


def test_a_code_is_unique_across_brands_in_the_database(brand_a, brand_b, active_hub):
    def task(brand, return_item_id, code, kind="dropoff"):
        return HubTask.objects.create(
            hub=active_hub, brand=brand, kind=kind, return_item_id=return_item_id, code=code, title="t", reference="r"
        )

    task(brand_a, 1, "HJKM2345")
    with pytest.raises(IntegrityError, match="hubtask_code_unique"), transaction.atomic():
        task(brand_b, 1, "HJKM2345")
    # Tasks without a code (every stage after the drop-off) are not constrained.
    task(brand_a, 1, "", kind="inspect")
    task(brand_b, 1, "", kind="inspect")
    assert HubTask.objects.filter(code="").count() == 2


@pytest.mark.parametrize("status", [HubStatus.SUSPENDED, HubStatus.APPLIED])
def test_only_an_active_hub_can_be_assigned(brand_a, in_brand, sku_a, active_hub, stan, status):
    hub = active_hub
    if status == HubStatus.SUSPENDED:
        hub_services.hub_set_status(hub=hub, status=status, actor=as_staff(stan), reason="Audit")
    else:
        hub = applied_hub("New Porch", zip_code="78702")
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    with in_brand(brand_a), pytest.raises(services.HubNotActive) as refused:
        services.return_assign_to_hub(item=item, hub=hub, actor=SYSTEM)
    assert refused.value.code == "hub_not_active"
    assert "is not taking returns" in refused.value.message
    assert not HubTask.objects.exists()


def test_the_hub_must_serve_the_customers_zip(brand_a, in_brand, sku_a, active_hub):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    with in_brand(brand_a):
        ReturnItem.objects.filter(pk=item.pk).update(customer_zip="10001", lat=40.75, lon=-73.99)
        item.refresh_from_db()
        with pytest.raises(services.HubNotServing) as refused:
            services.return_assign_to_hub(item=item, hub=active_hub, actor=SYSTEM)
        assert ReturnItem.objects.get(pk=item.pk).status == "initiated"
    assert refused.value.code == "hub_not_serving"
    assert refused.value.message == ("Eastside Porch does not serve ZIP 10001: it takes returns within 10 mi of 78702.")
    assert refused.value.fields == {"hub": [refused.value.message]}


def test_the_sku_must_be_eligible_for_local_returns(brand_a, in_brand, sku_a, active_hub):
    with in_brand(brand_a):
        Sku.objects.filter(pk=sku_a.pk).update(local_returns_enabled=False)
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    with in_brand(brand_a), pytest.raises(services.NotLocalEligible) as refused:
        services.return_assign_to_hub(item=item, hub=active_hub, actor=SYSTEM)
    assert refused.value.code == "not_local_eligible"
    assert not HubTask.objects.exists()


def test_a_routed_return_cannot_be_assigned_again(brand_a, in_brand, sku_a, active_hub, other_hub, route):
    item = route(brand_a, in_brand, active_hub)
    with in_brand(brand_a), pytest.raises(InvalidTransition):
        services.return_assign_to_hub(item=item, hub=other_hub, actor=SYSTEM)
    assert HubTask.objects.filter(return_item_id=item.pk).count() == 1


def test_create_with_a_hub_that_cannot_take_it_leaves_no_return(brand_a, in_brand, sku_a, active_hub, stan):
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    with in_brand(brand_a):
        with pytest.raises(services.HubNotActive):
            services.return_create(
                rma_ref="RMA-9", sku_code="WB-15", customer_zip="78702", hub=active_hub, actor=SYSTEM
            )
        assert not ReturnItem.objects.exists()
        assert not Event.objects.exists()


def test_cancelling_a_routed_return_cancels_its_dropoff_task(brand_a, in_brand, sku_a, active_hub, route, ivan):
    item = route(brand_a, in_brand, active_hub)
    with in_brand(brand_a):
        services.return_cancel(item=item, reason="Customer kept it", actor=SYSTEM)
    task = HubTask.objects.get(return_item_id=item.pk)
    assert (task.status, task.closed_at is not None) == ("cancelled", True)
    with pytest.raises(services.CodeCancelled) as refused:
        receive(item.dropoff_code, active_hub, ivan)
    assert refused.value.code == "code_cancelled"
    assert "don't take the item" in refused.value.message


# --- receiving ---


def test_receiving_by_code_is_a_custody_event_and_moves_the_task(brand_a, in_brand, sku_a, active_hub, route, ivan):
    item = route(brand_a, in_brand, active_hub)
    spaced = f" {item.dropoff_code[:4].lower()}-{item.dropoff_code[4:]} "
    brand, received = receive(spaced, active_hub, ivan)
    assert connection.schema_name == "public"  # the caller's schema is left as it was
    assert (brand, received.pk, received.status) == (brand_a, item.pk, "dropped_off")
    with in_brand(brand_a):
        event = Event.objects.filter(return_item_id=item.pk).last()
        assert ReturnItem.objects.get(pk=item.pk).status == "dropped_off"
    assert (event.kind, event.from_status, event.to_status) == ("dropped_off", "routed", "dropped_off")
    assert (event.hub_id, event.actor_id) == (active_hub.pk, ivan.pk)
    tasks = {t.kind: t for t in HubTask.objects.filter(return_item_id=item.pk)}
    assert (tasks["dropoff"].status, tasks["inspect"].status) == ("done", "open")
    assert tasks["inspect"].hub == active_hub and tasks["inspect"].code == ""
    assert timezone.now() < tasks["inspect"].due_at <= timezone.now() + services.INSPECT_WITHIN


@pytest.mark.parametrize("code", ["", "NOPE", "ABCDEFGH", "0O1IL234", "HJKM-2345-X"])
def test_an_unknown_code_says_so(db, active_hub, code):
    with pytest.raises(services.UnknownCode) as refused:
        receive(code, active_hub)
    assert (refused.value.code, refused.value.status) == ("unknown_code", 404)
    assert "is not a drop-off code we know" in refused.value.message


def test_a_used_code_says_it_was_already_received(brand_a, in_brand, sku_a, active_hub, route, ivan):
    item = route(brand_a, in_brand, active_hub)
    receive(item.dropoff_code, active_hub, ivan)
    with pytest.raises(services.CodeUsed) as refused:
        receive(item.dropoff_code, active_hub, ivan)
    assert (refused.value.code, refused.value.status) == ("code_used", 409)
    assert refused.value.message.startswith("This code was already used: the return was received on ")


def test_an_expired_code_says_so(brand_a, in_brand, sku_a, active_hub, route, ivan):
    item = route(brand_a, in_brand, active_hub)
    HubTask.objects.filter(code=item.dropoff_code).update(due_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(services.CodeExpired) as refused:
        receive(item.dropoff_code, active_hub, ivan)
    assert (refused.value.code, refused.value.status) == ("code_expired", 410)
    assert "the customer should contact the brand for a new one" in refused.value.message
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "routed"


def test_another_hubs_code_is_refused_without_naming_that_hub(brand_a, in_brand, sku_a, active_hub, other_hub, route):
    item = route(brand_a, in_brand, other_hub)
    with pytest.raises(services.WrongHub) as refused:
        receive(item.dropoff_code, active_hub)
    assert (refused.value.code, refused.value.status) == ("wrong_hub", 409)
    assert "another hub" in refused.value.message
    assert other_hub.name not in refused.value.message and other_hub.address not in refused.value.message
    assert HubTask.objects.get(code=item.dropoff_code).status == "open"


def test_a_suspended_hub_cannot_receive(brand_a, in_brand, sku_a, active_hub, route, stan):
    item = route(brand_a, in_brand, active_hub)
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    stale = active_hub  # as the caller read it, still "active"
    stale.status = HubStatus.ACTIVE
    with pytest.raises(services.HubNotActive) as refused:
        receive(item.dropoff_code, stale)
    assert refused.value.code == "hub_not_active"
    assert refused.value.message == "Eastside Porch is suspended: it cannot receive returns."


def test_an_inactive_hub_is_refused_before_any_code_is_looked_up_then_used_expired_wrong_hub_in_order(
    brand_a, in_brand, sku_a, active_hub, other_hub, route, stan
):
    used = route(brand_a, in_brand, other_hub, rma="R-used")
    receive(used.dropoff_code, other_hub)
    expired = route(brand_a, in_brand, other_hub, rma="R-expired")
    HubTask.objects.filter(code=expired.dropoff_code).update(due_at=timezone.now() - timedelta(days=2))
    theirs = route(brand_a, in_brand, other_hub, rma="R-theirs")
    own = route(brand_a, in_brand, active_hub, rma="R-own")
    staff = as_staff(stan)
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=staff, reason="Audit")
    # Suspended: the same answer for every code, live or made up, so nothing can be probed.
    for code in (used.dropoff_code, expired.dropoff_code, theirs.dropoff_code, own.dropoff_code, "ZZZZZZZZ"):
        with pytest.raises(services.HubNotActive):
            receive(code, active_hub)
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.ACTIVE, actor=staff)
    # Active, and none of these codes is its own: each gets its own first failure.
    for code, error in [
        (used.dropoff_code, services.CodeUsed),
        (expired.dropoff_code, services.CodeExpired),
        (theirs.dropoff_code, services.WrongHub),
    ]:
        with pytest.raises(error):
            receive(code, active_hub)


def test_a_deactivated_brands_code_is_unknown(brand_a, in_brand, sku_a, active_hub, route):
    item = route(brand_a, in_brand, active_hub)
    type(brand_a).objects.filter(pk=brand_a.pk).update(is_active=False)
    with pytest.raises(services.UnknownCode):
        receive(item.dropoff_code, active_hub)


def test_two_hub_phones_receiving_one_code_at_once_record_one_receipt(committed, django_db_blocker):
    from brands.models import Brand
    from hubs.models import Hub

    brand = Brand.objects.get(slug="acme")
    hub = Hub.objects.get(name="Eastside Porch")
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="RACE-1", title="Race blanket", price=10)
        item = services.return_create(rma_ref="RACE-1", sku_code="RACE-1", customer_zip="78702", hub=hub, actor=SYSTEM)

    def cleanup():
        HubTask.objects.filter(brand=brand, return_item_id=item.pk).delete()
        with schema_context(brand.schema_name):
            Event.objects.filter(return_item_id=item.pk).delete()
            ReturnItem.objects.filter(pk=item.pk).delete()
            sku.delete()

    committed.append(cleanup)

    results = run_concurrently(lambda i: receive(item.dropoff_code, hub), n=4)
    wins = [r for r in results if isinstance(r, tuple)]
    losses = [r for r in results if isinstance(r, services.CodeUsed)]
    assert (len(wins), len(losses)) == (1, 3), results
    with schema_context(brand.schema_name):
        assert Event.objects.filter(return_item_id=item.pk, kind="dropped_off").count() == 1
    assert HubTask.objects.filter(brand=brand, return_item_id=item.pk, kind="inspect").count() == 1


def test_a_cancel_racing_a_receipt_ends_in_one_of_them_without_a_deadlock(committed):
    from brands.models import Brand
    from hubs.models import Hub

    brand = Brand.objects.get(slug="acme")
    hub = Hub.objects.get(name="Eastside Porch")
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="RACE-2", title="Race blanket", price=10)
        items = [
            services.return_create(
                rma_ref=f"RACE-2-{i}", sku_code="RACE-2", customer_zip="78702", hub=hub, actor=SYSTEM
            )
            for i in range(5)
        ]

    def cleanup():
        HubTask.objects.filter(brand=brand, return_item_id__in=[i.pk for i in items]).delete()
        with schema_context(brand.schema_name):
            Event.objects.filter(return_item__in=items).delete()
            ReturnItem.objects.filter(pk__in=[i.pk for i in items]).delete()
            sku.delete()

    committed.append(cleanup)

    for item in items:

        def act(i, item=item):
            if i == 0:
                return receive(item.dropoff_code, hub)
            with schema_context(brand.schema_name):
                return services.return_cancel(item=ReturnItem.objects.get(pk=item.pk), reason="Race", actor=SYSTEM)

        received, cancelled = run_concurrently(act, n=2)
        with schema_context(brand.schema_name):
            status = ReturnItem.objects.get(pk=item.pk).status
        tasks = dict(HubTask.objects.filter(brand=brand, return_item_id=item.pk).values_list("kind", "status"))
        if status == "dropped_off":
            assert isinstance(received, tuple)
            assert isinstance(cancelled, InvalidTransition)
            assert tasks == {"dropoff": "done", "inspect": "open"}
        else:
            assert status == "cancelled"
            assert isinstance(received, services.CodeCancelled), received
            assert tasks == {"dropoff": "cancelled"}


@pytest.mark.parametrize("first", ["receive", "cancel"])
def test_a_receipt_and_a_cancel_each_holding_a_first_lock_still_finish(committed, first):
    """Forced interleaving (FirstLocksHeld): `first` takes its first row lock, then the other
    flow starts, and each is held before its second lock until the other holds one or
    waits. Both lock the drop-off task, then the return, so the second waits at the task:
    the first wins, the second is refused for what the first did, none deadlocks."""
    from brands.models import Brand
    from hubs.models import Hub
    from tests.conftest import FirstLocksHeld

    brand = Brand.objects.get(slug="acme")
    hub = Hub.objects.get(name="Eastside Porch")
    with schema_context(brand.schema_name):
        sku = Sku.objects.create(code="RACE-3", title="Race blanket", price=10)
        item = services.return_create(rma_ref="RACE-3", sku_code="RACE-3", customer_zip="78702", hub=hub, actor=SYSTEM)

    def cleanup():
        HubTask.objects.filter(brand=brand, return_item_id=item.pk).delete()
        with schema_context(brand.schema_name):
            Event.objects.filter(return_item_id=item.pk).delete()
            ReturnItem.objects.filter(pk=item.pk).delete()
            sku.delete()

    committed.append(cleanup)
    held = FirstLocksHeld("hubs_hubtask", "fulfillment_returnitem")
    flows = ["receive", "cancel"] if first == "receive" else ["cancel", "receive"]

    def act(i):
        if i == 1:
            assert held.holding[0].wait(10), "the first flow never took its first lock"
        with held.thread(i):
            if flows[i] == "receive":
                return receive(item.dropoff_code, hub)
            with schema_context(brand.schema_name):
                return services.return_cancel(item=item, reason="Race", actor=SYSTEM)

    results = dict(zip(flows, run_concurrently(act, n=2), strict=True))

    assert held.waited == [1]  # the second flow waited at the task
    with schema_context(brand.schema_name):
        status = ReturnItem.objects.get(pk=item.pk).status
    tasks = dict(HubTask.objects.filter(brand=brand, return_item_id=item.pk).values_list("kind", "status"))
    if first == "receive":
        assert isinstance(results["receive"], tuple), results
        assert isinstance(results["cancel"], InvalidTransition), results
        assert (status, tasks) == ("dropped_off", {"dropoff": "done", "inspect": "open"})
    else:
        assert isinstance(results["cancel"], ReturnItem), results
        assert isinstance(results["receive"], services.CodeCancelled), results
        assert (status, tasks) == ("cancelled", {"dropoff": "cancelled"})


def test_two_brands_drawing_one_code_at_once_keep_it_unique(committed, monkeypatch):
    """Both assignments draw the same code and get past the draw before either commits (a
    barrier just before the task insert): the first commits with it, the second waits on
    the index, fails, and draws again. Without the unique index both would keep it."""
    import threading

    from brands.models import Brand
    from hubs.models import Hub

    brands = [Brand.objects.get(slug="acme"), Brand.objects.get(slug="bolt")]
    hub = Hub.objects.get(name="Eastside Porch")
    items, skus = [], []
    for n, brand in enumerate(brands):
        with schema_context(brand.schema_name):
            skus.append(Sku.objects.create(code=f"RACE-C{n}", title="Race blanket", price=10))
            items.append(
                services.return_create(
                    rma_ref=f"RACE-C{n}", sku_code=f"RACE-C{n}", customer_zip="78702", route="manual", actor=SYSTEM
                )
            )

    def cleanup():
        for brand, item, sku in zip(brands, items, skus, strict=True):
            HubTask.objects.filter(brand=brand, return_item_id=item.pk).delete()
            with schema_context(brand.schema_name):
                Event.objects.filter(return_item_id=item.pk).delete()
                ReturnItem.objects.filter(pk=item.pk).delete()
                sku.delete()

    committed.append(cleanup)

    local = threading.local()
    monkeypatch.setattr(services, "dropoff_code_new", lambda: "HJKM2345" if not hasattr(local, "drawn") else "NPQR6789")
    both_drew = threading.Barrier(2)
    real_open = hub_tasks.hub_task_open

    def hub_task_open(**kwargs):
        if not hasattr(local, "drawn"):
            local.drawn = True
            both_drew.wait(10)
        return real_open(**kwargs)

    monkeypatch.setattr(hub_tasks, "hub_task_open", hub_task_open)  # the index the routing move opens

    def assign(i):
        with schema_context(brands[i].schema_name):
            return services.return_assign_to_hub(item=items[i], hub=hub, actor=SYSTEM)

    results = run_concurrently(assign, n=2)
    assert all(isinstance(r, ReturnItem) for r in results), results
    assert sorted(r.dropoff_code for r in results) == ["HJKM2345", "NPQR6789"]
    assert HubTask.objects.filter(code="HJKM2345").count() == 1
    for brand, item in zip(brands, results, strict=True):
        task = HubTask.objects.get(brand=brand, return_item_id=item.pk)
        assert task.code == item.dropoff_code


# --- the whole path ---


def test_a_return_created_with_a_hub_through_the_api_is_received_by_code_on_the_hub_page(
    api_client, host_client, public_host, brand_a, in_brand, sku_a, active_hub, ivan
):
    created = post_json(
        api_client(brand_a),
        "/api/v1/returns/",
        {"rma_ref": "RMA-77", "sku": "WB-15", "customer_zip": "78702", "hub": active_hub.pk},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["route"], body["hub"]) == (
        "routed",
        "hub",
        {"id": active_hub.pk, "name": "Eastside Porch"},
    )
    code = body["dropoff_code"]
    task = HubTask.objects.get(brand=brand_a, return_item_id=body["id"])
    assert (task.kind, task.status, task.code, task.hub) == ("dropoff", "open", code, active_hub)

    hub_page = host_client(public_host, ivan)
    assert b"RMA-77" in hub_page.get("/hub/").content
    received = hub_page.post("/hub/receive/", {"code": code}, follow=True)
    assert received.redirect_chain == [(f"/hub/b/acme/returns/{body['id']}/", 302)]
    assert b"Received RMA-77 for Acme Apparel" in received.content

    with in_brand(brand_a):
        item = ReturnItem.objects.get(pk=body["id"])
        custody = Event.objects.get(return_item=item, kind="dropped_off")
    assert item.status == "dropped_off"
    assert (custody.hub_id, custody.actor_id, custody.from_status) == (active_hub.pk, ivan.pk, "routed")
    tasks = dict(HubTask.objects.filter(brand=brand_a, return_item_id=item.pk).values_list("kind", "status"))
    assert tasks == {"dropoff": "done", "inspect": "open"}
    events = api_client(brand_a).get(f"/api/v1/returns/{item.pk}/events").json()["results"]
    assert [(e["kind"], e["hub"]) for e in events][-1] == (
        "dropped_off",
        {"id": active_hub.pk, "name": "Eastside Porch"},
    )


# --- wrong codes: the limit per hub member (closo.attempts.HUB_CODE) ---


def made_up(n: int) -> str:
    return f"ZZZZZZ{'23456789ABCDEFGHJKMNPQRSTUVWXY'[n]}Z"


def api_receive(client, code):
    return post_json(client, "/api/v1/hub/receive", {"code": code})


def test_the_tenth_wrong_code_locks_the_member_and_even_a_live_code_is_refused(
    host_client, public_host, brand_a, in_brand, sku_a, active_hub, other_hub, route, ivan
):
    live = route(brand_a, in_brand, active_hub, rma="R-live")
    theirs = route(brand_a, in_brand, other_hub, rma="R-theirs")
    client = host_client(public_host, ivan)
    answers = [api_receive(client, theirs.dropoff_code if n % 3 == 0 else made_up(n)) for n in range(9)]
    assert {r.json()["error"]["code"] for r in answers} == {"unknown_code", "wrong_hub"}
    tenth = api_receive(client, made_up(9))
    assert (tenth.status_code, tenth["Retry-After"]) == (429, "600")
    error = tenth.json()["error"]
    assert (error["code"], error["fields"]) == ("too_many_attempts", {})
    assert error["message"].startswith("Too many wrong codes were entered at your hub. Try again in 10 minutes (at ")
    refused = api_receive(client, live.dropoff_code)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_attempts"
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=live.pk).status == "routed"


def test_the_code_lock_is_per_member_and_ends_after_ten_minutes(
    host_client, public_host, brand_a, in_brand, sku_a, active_hub, other_hub, route, ivan, wes, clock
):
    from closo.models import User

    live = route(brand_a, in_brand, active_hub, rma="R-live")
    ivans = host_client(public_host, ivan)
    for n in range(10):
        api_receive(ivans, made_up(n))
    assert api_receive(ivans, live.dropoff_code).status_code == 429
    # The hub's owner at the same hub, and another hub's inspector, are not held to ivan's lock.
    owner = host_client(public_host, User.objects.get(email="owner@hub.test"))
    assert api_receive(owner, made_up(0)).json()["error"]["code"] == "unknown_code"
    assert api_receive(host_client(public_host, wes), made_up(0)).json()["error"]["code"] == "unknown_code"
    clock.advance(10 * 60)
    assert api_receive(ivans, live.dropoff_code).status_code == 200


def test_the_receive_page_and_the_api_share_the_count_and_the_page_says_when_to_try_again(
    host_client, public_host, brand_a, in_brand, sku_a, active_hub, route, ivan
):
    live = route(brand_a, in_brand, active_hub, rma="R-live")
    client = host_client(public_host, ivan)
    for n in range(5):
        assert api_receive(client, made_up(n)).status_code == 404
    for n in range(5, 9):
        assert client.post("/hub/receive/", {"code": made_up(n)}).status_code == 404
    tenth = client.post("/hub/receive/", {"code": made_up(9)})
    assert (tenth.status_code, tenth["Retry-After"]) == (429, "600")
    assert b"Too many wrong codes were entered at your hub. Try again in 10 minutes" in tenth.content
    assert client.post("/hub/receive/", {"code": live.dropoff_code}).status_code == 429
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=live.pk).status == "routed"


def test_a_used_code_retried_never_locks(host_client, public_host, brand_a, in_brand, sku_a, active_hub, route, ivan):
    item = route(brand_a, in_brand, active_hub)
    client = host_client(public_host, ivan)
    assert api_receive(client, item.dropoff_code).status_code == 200
    codes = {api_receive(client, item.dropoff_code).json()["error"]["code"] for _ in range(12)}
    assert codes == {"code_used"}


def test_a_hub_not_yet_active_cannot_tell_a_live_code_from_a_made_up_one(
    host_client, public_host, brand_a, in_brand, sku_a, other_hub, route
):
    from closo.models import User

    applied = applied_hub("Probe Porch")
    prober = host_client(public_host, User.objects.get(email="probeporch@hub.test"))
    live = route(brand_a, in_brand, other_hub, rma="R-live")
    answers = [api_receive(prober, code) for code in [live.dropoff_code, made_up(0)] * 8]
    assert {(r.status_code, r.json()["error"]["code"], r.json()["error"]["message"]) for r in answers} == {
        (409, "hub_not_active", "Probe Porch is applied: it cannot receive returns.")
    }
    assert applied.status == HubStatus.APPLIED
