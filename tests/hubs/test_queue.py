"""The hub queue at /hub/: five lanes read from HubTask across brands, overdue work first
and marked, counts, the empty state, and a query count that does not grow with the rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from brands.models import Brand
from closo.actors import Actor, Party
from closo.exceptions import InvalidTransition
from fulfillment.models import ReturnItem, StockUnit
from hubs.machines import HUB_TASKS
from hubs.models import HubTask
from hubs.selectors import queue as hub_queue_module
from hubs.selectors.queue import hub_queue
from hubs.services.tasks import hub_task_close, hub_task_open
from tests.factories import HUB, as_staff


@pytest.fixture
def public(host_client, public_host):
    return lambda user=None: host_client(public_host, user)


def task(hub, brand, kind, rma, *, due_in=None, status="open", title="WB-15 · Weighted blanket", pk=None):
    """A HubTask row as the services write it (for reads that need many of them)."""
    now = timezone.now()
    return HubTask(
        hub=hub,
        brand=brand,
        kind=kind,
        status=status,
        return_item_id=pk or abs(hash(rma)) % 10**9,
        code="",
        title=title,
        reference=rma,
        due_at=now + due_in if due_in is not None else None,
    )


def lanes(queue):
    return {lane.kind: lane for lane in queue.lanes}


# --- services ---


def test_open_and_close_write_the_index_for_one_stage(brand_a, in_brand, sku_a, active_hub):
    with in_brand(brand_a), transaction.atomic():
        item = ReturnItem.objects.create(rma_ref="RMA-5", sku=sku_a, customer_zip="78702")
        unit = StockUnit(pk=42, label="L-0042")
        opened = hub_task_open(hub=active_hub, brand=brand_a, kind="shelf", return_item=item, stock_unit=unit)
        assert (opened.title, opened.reference, opened.stock_unit_id) == (
            "L-0042 — WB-15 · Weighted blanket",
            "RMA-5",
            42,
        )
        assert hub_task_close(brand=brand_a, return_item_id=item.pk, kind="shelf") == 1
        assert hub_task_close(brand=brand_a, return_item_id=item.pk, kind="shelf") == 0  # already closed
    opened.refresh_from_db()
    assert (opened.status, opened.closed_at is not None) == ("done", True)
    with pytest.raises(ValueError), transaction.atomic():
        hub_task_close(brand=brand_a, return_item_id=item.pk, kind="shelf", status="open")


def test_one_open_task_per_return_and_stage(brand_a, in_brand, sku_a, active_hub):
    from django.db import IntegrityError

    with in_brand(brand_a), transaction.atomic():
        item = ReturnItem.objects.create(rma_ref="RMA-5", sku=sku_a, customer_zip="78702")
        hub_task_open(hub=active_hub, brand=brand_a, kind="inspect", return_item=item)
        with pytest.raises(IntegrityError), transaction.atomic():
            hub_task_open(hub=active_hub, brand=brand_a, kind="inspect", return_item=item)


def test_the_index_is_written_only_inside_the_callers_transaction(brand_a, in_brand, sku_a, active_hub):
    """No transaction of its own: an index row committed while the brand row rolls back
    would leave the queue showing work that does not exist."""
    with in_brand(brand_a):
        item = ReturnItem.objects.create(rma_ref="RMA-5", sku=sku_a, customer_zip="78702")
        with pytest.raises(RuntimeError, match="inside the caller's transaction"):
            hub_task_open(hub=active_hub, brand=brand_a, kind="inspect", return_item=item)
        with transaction.atomic():
            hub_task_open(hub=active_hub, brand=brand_a, kind="inspect", return_item=item)
        with pytest.raises(RuntimeError, match="inside the caller's transaction"):
            hub_task_close(brand=brand_a, return_item_id=item.pk, kind="inspect")
    assert HubTask.objects.get(return_item_id=item.pk).status == HubTask.Status.OPEN


def test_a_task_closes_only_through_the_hub_task_machine(brand_a, in_brand, sku_a, active_hub):
    """open → done | cancelled, by the index itself (the brand-row move already checked
    who acted); nothing leaves done or cancelled."""
    assert {(m.source, m.target) for m in HUB_TASKS.moves} == {("open", "done"), ("open", "cancelled")}
    assert HUB_TASKS.terminal == {"done", "cancelled"}
    assert all(m.by == {Party.SYSTEM} for m in HUB_TASKS.moves)
    with in_brand(brand_a), transaction.atomic():
        item = ReturnItem.objects.create(rma_ref="RMA-6", sku=sku_a, customer_zip="78702")
        task = hub_task_open(hub=active_hub, brand=brand_a, kind="dropoff", return_item=item, code="ABCD2345")
        assert hub_task_close(brand=brand_a, return_item_id=item.pk, kind="dropoff", status="cancelled") == 1
        with pytest.raises(InvalidTransition):
            HUB_TASKS.transition(task, HubTask.Status.DONE, actor=Actor.system("tests"))
    task.refresh_from_db()
    assert (task.status, task.closed_at is not None) == ("cancelled", True)


# --- the queue read ---


def test_queue_has_five_lanes_across_brands_most_urgent_first(brand_a, brand_b, active_hub, other_hub):
    HubTask.objects.bulk_create(
        [
            task(active_hub, brand_a, "dropoff", "A-later", due_in=timedelta(days=9)),
            task(active_hub, brand_b, "dropoff", "B-overdue", due_in=-timedelta(days=2, hours=1)),
            task(active_hub, brand_a, "dropoff", "A-soon", due_in=timedelta(hours=3)),
            task(active_hub, brand_b, "inspect", "B-inspect", due_in=timedelta(hours=20)),
            task(active_hub, brand_a, "shelf", "A-shelf"),
            task(active_hub, brand_a, "dropoff", "A-done", status="done", due_in=-timedelta(days=30)),
            task(other_hub, brand_a, "dropoff", "other-hub", due_in=-timedelta(days=30)),
        ]
    )
    queue = hub_queue(active_hub)
    by_kind = lanes(queue)
    assert [lane.kind for lane in queue.lanes] == ["dropoff", "inspect", "shelf", "handoff", "pack"]
    assert [lane.label for lane in queue.lanes] == [
        "Expected drop-offs",
        "Awaiting inspection",
        "On the shelf",
        "Hand-offs due",
        "Pack for the warehouse",
    ]
    assert {k: lane.count for k, lane in by_kind.items()} == {
        "dropoff": 3,
        "inspect": 1,
        "shelf": 1,
        "handoff": 0,
        "pack": 0,
    }
    assert [i.task.reference for i in by_kind["dropoff"].items] == ["B-overdue", "A-soon", "A-later"]
    first = by_kind["dropoff"].items[0]
    assert (first.brand_name, first.overdue, first.due_text) == ("Bolt Bedding", True, "overdue 2\xa0days")
    assert first.url == f"/hub/b/bolt/returns/{first.task.return_item_id}/"
    assert [i.due_text for i in by_kind["dropoff"].items[1:]] == [
        "expected within 2\xa0hours",
        "expected within 1\xa0week",
    ]
    assert by_kind["inspect"].items[0].due_text == "due in 19\xa0hours"
    assert (by_kind["shelf"].items[0].due_text, by_kind["shelf"].items[0].overdue) == ("", False)
    assert (queue.total, queue.overdue_count) == (5, 1)


def test_each_lane_shows_its_most_urgent_tasks_and_counts_them_all(brand_a, active_hub, monkeypatch):
    monkeypatch.setattr(hub_queue_module, "LANE_LIMIT", 3)
    HubTask.objects.bulk_create(
        task(active_hub, brand_a, "dropoff", f"R-{i}", due_in=timedelta(days=i), pk=i + 1) for i in range(5)
    )
    lane = lanes(hub_queue(active_hub))["dropoff"]
    assert (lane.count, lane.more) == (5, 2)
    assert [i.task.reference for i in lane.items] == ["R-0", "R-1", "R-2"]


def test_a_deactivated_brands_work_leaves_the_queue(brand_a, brand_b, active_hub):
    HubTask.objects.bulk_create(
        [task(active_hub, brand_a, "inspect", "A-1"), task(active_hub, brand_b, "inspect", "B-1")]
    )
    Brand.objects.filter(pk=brand_b.pk).update(is_active=False)
    assert [i.task.reference for i in lanes(hub_queue(active_hub))["inspect"].items] == ["A-1"]


# --- the page ---


def test_queue_page_lists_brand_reference_title_and_due_time_with_overdue_marked(
    public, ivan, brand_a, brand_b, active_hub
):
    HubTask.objects.bulk_create(
        [
            task(
                active_hub,
                brand_b,
                "dropoff",
                "RMA-LATE",
                due_in=-timedelta(days=2, hours=2),
                title="DUVET · Linen duvet",
            ),
            task(active_hub, brand_a, "inspect", "RMA-NEXT", due_in=timedelta(hours=5)),
        ]
    )
    page = public(ivan).get("/hub/").content.decode()
    assert "Nothing to do right now" not in page
    assert re.search(r'<span class="lane-n">1</span> expected drop-offs', page)
    assert re.search(r'<span class="lane-n">1</span> awaiting inspection', page)
    assert re.search(r'<span class="lane-n">0</span> on the shelf', page)
    late = re.search(r'<li class="task task-overdue">(.*?)</li>', page, re.S).group(1)
    for text in ("Bolt Bedding", "RMA-LATE", "DUVET · Linen duvet", 'class="pill pill-overdue"', "overdue 2\xa0days"):
        assert text in late
    assert '<span class="pill pill-overdue">1 overdue</span>' in page
    assert "RMA-NEXT" in page and "due in 4\xa0hours" in page
    assert "Receive a drop-off" in page
    assert "Your shelf is empty." in page  # an empty lane says what will appear there


def test_empty_queue_says_what_will_appear(public, ivan):
    page = public(ivan).get("/hub/").content.decode()
    assert "Nothing to do right now." in page
    assert "expected drop-off" in page and "awaiting inspection" in page
    assert page.count('<span class="lane-n">0</span>') == 5


def test_a_suspended_hub_still_sees_its_items_but_cannot_receive(public, ivan, stan, brand_a, active_hub):
    from hubs.services import registry as hub_services

    HubTask.objects.bulk_create([task(active_hub, brand_a, "shelf", "RMA-SHELF")])
    hub_services.hub_set_status(hub=active_hub, status="suspended", actor=as_staff(stan), reason="Audit")
    page = public(ivan).get("/hub/").content.decode()
    assert "cannot receive or inspect" in page
    assert "RMA-SHELF" in page
    assert "Receive a drop-off" not in page


def test_an_applicant_sees_the_application_not_a_queue(public, db):
    from tests.factories import applied_hub

    hub = applied_hub("Fresh Porch")
    page = public(hub.members.get().user).get("/hub/").content.decode()
    assert "Your application" in page and "Today's queue" not in page


def test_a_member_of_two_hubs_picks_the_queue_to_see(public, ivan, brand_a, active_hub, other_hub):
    from hubs.services import registry as hub_services

    hub_services.hub_member_add(hub=other_hub, user=ivan, role="inspector")
    HubTask.objects.bulk_create([task(other_hub, brand_a, "inspect", "AT-ZILKER")])
    client = public(ivan)
    assert "AT-ZILKER" not in client.get("/hub/").content.decode()
    page = client.get(f"/hub/?hub={other_hub.pk}").content.decode()
    assert "AT-ZILKER" in page and 'id="hub-pick"' in page


def test_a_member_cannot_open_another_hubs_queue(public, ivan, other_hub):
    assert public(ivan).get(f"/hub/?hub={other_hub.pk}").status_code == 404
    assert public(ivan).get("/hub/?hub=not-a-number").status_code == 404


@pytest.mark.parametrize("who", ["alice", "bob", "olga"])
def test_people_without_a_hub_get_the_no_hub_page(public, request, who, active_hub, brand_a):
    HubTask.objects.bulk_create([task(active_hub, brand_a, "inspect", "SECRET-RMA")])
    response = public(request.getfixturevalue(who)).get("/hub/")
    assert response.status_code == 403
    assert b"SECRET-RMA" not in response.content


def test_queue_page_query_count_is_the_same_for_10_and_100_tasks(
    public, ivan, brand_a, brand_b, active_hub, django_assert_num_queries
):
    client = public(ivan)

    def add(n, start):
        kinds = ["dropoff", "inspect", "shelf", "handoff"]
        HubTask.objects.bulk_create(
            task(
                active_hub,
                (brand_a, brand_b)[i % 2],
                kinds[i % 4],
                f"R-{i}",
                due_in=timedelta(hours=i - 50),
                pk=i + 1,
            )
            for i in range(start, start + n)
        )

    add(10, 0)
    client.get("/hub/")  # the host → brand lookup, cached from now on
    # search_path (host → brand cached), session, user, memberships (with hubs), the queue (tasks + brands)
    with django_assert_num_queries(5):
        assert client.get("/hub/").status_code == 200
    add(90, 10)
    with django_assert_num_queries(5):
        page = client.get("/hub/").content.decode()
    assert "R-99" in page and len(re.findall(r'<li class="task[ "]', page)) == 100


def test_assignment_and_receipt_move_the_return_across_lanes(brand_a, in_brand, sku_a, active_hub, route, ivan):
    from fulfillment.services import returns as services

    item = route(brand_a, in_brand, active_hub)
    assert [i.task.reference for i in lanes(hub_queue(active_hub))["dropoff"].items] == ["RMA-1"]
    services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    after = lanes(hub_queue(active_hub))
    assert (after["dropoff"].count, after["inspect"].count) == (0, 1)
