"""Hand-off pages: the hub's hand-offs lane, its confirm page and a hand-off's page; the
brand's backorder page (allocation, hand-off, chain of custody) and Local fills."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from fulfillment.models import Allocation
from fulfillment.services import handoffs
from hubs.models import HubTask
from tests.factories import applied_hub
from tests.fulfillment.test_handoffs import allocate, confirm, hub_actor, states
from tests.hubs.conftest import activate


@pytest.fixture
def hub_client(host_client, public_host, ivan):
    return host_client(public_host, ivan)


def task_of(allocation) -> HubTask:
    return HubTask.objects.get(code=allocation.pickup_code)


# --- hub side ---


def test_the_handoffs_lane_shows_label_first_name_method_and_links_to_the_handoff(hub_client, brand_a, active_hub):
    allocation = allocate(brand_a, active_hub, name="Cara Jones")
    page = hub_client.get("/hub/").content.decode()
    assert "Confirm a pickup" in page
    lane = page[page.index('id="lane-handoff"') :]
    assert "T1" in lane and "for Cara" in lane and "Customer pickup at the hub" in lane and "Jones" not in lane
    assert f'href="/hub/handoffs/{task_of(allocation).pk}/"' in lane
    assert allocation.pickup_code not in page


def test_confirming_a_pickup_on_the_phone_page_says_what_to_hand_over(hub_client, brand_a, active_hub):
    allocation = allocate(brand_a, active_hub)
    assert hub_client.get("/hub/handoffs/confirm/").status_code == 200
    response = hub_client.post("/hub/handoffs/confirm/", {"code": allocation.pickup_code}, follow=True)
    assert response.redirect_chain[-1][0] == f"/hub/handoffs/{task_of(allocation).pk}/"
    page = response.content.decode()
    assert "Hand over now" in page and "T1" in page and "WB-15-SAGE" in page
    assert "Code accepted for Acme Apparel. Hand over T1." in page
    assert states(brand_a, allocation) == ("handed_off", "handed_off", "fulfilled")


def test_the_hub_return_page_says_the_unit_is_reserved_then_handed_off(hub_client, brand_a, active_hub):
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name):
        return_item_id = allocation.unit.return_item_id
    url = f"/hub/b/acme/returns/{return_item_id}/"
    reserved = hub_client.get(url).content.decode()
    assert "label T1: it is reserved for a customer nearby. Hand it over when they give their pickup code." in reserved
    hub_client.post("/hub/handoffs/confirm/", {"code": allocation.pickup_code})
    handed_off = hub_client.get(url).content.decode()
    assert "Handed off (T1): nothing left to do." in handed_off
    assert "until a local hand-off" not in handed_off


@pytest.mark.parametrize(
    ("case", "status", "text"),
    [
        ("unknown", 404, "is not a pickup code we know"),
        ("used", 409, "This code was already used"),
        ("expired", 410, "This pickup code expired on"),
    ],
)
def test_the_confirm_page_shows_each_refusal_clearly(hub_client, brand_a, active_hub, case, status, text):
    allocation = allocate(brand_a, active_hub)
    code = allocation.pickup_code
    if case == "unknown":
        code = "ZZZZZZZZ"
    elif case == "used":
        confirm(code, active_hub)
    else:
        with schema_context(brand_a.schema_name):
            Allocation.objects.filter(pk=allocation.pk).update(due_at=timezone.now() - timedelta(hours=1))
    response = hub_client.post("/hub/handoffs/confirm/", {"code": code})
    assert response.status_code == status
    assert 'role="alert"' in response.content.decode() and text in response.content.decode()


def test_the_tenth_wrong_code_on_the_page_says_when_to_try_again(hub_client, brand_a, active_hub):
    for n in range(9):
        hub_client.post("/hub/handoffs/confirm/", {"code": f"ZZZZZZZ{n + 2}"})
    tenth = hub_client.post("/hub/handoffs/confirm/", {"code": "YYYYYYYY"})
    assert (tenth.status_code, tenth["Retry-After"]) == (429, "600")
    assert b"Too many wrong codes were entered at your hub." in tenth.content


def test_recording_a_courier_on_the_handoff_page(hub_client, brand_a, active_hub):
    allocation = allocate(brand_a, active_hub)
    path = f"/hub/handoffs/{task_of(allocation).pk}/"
    page = hub_client.get(path).content.decode()
    assert "What to hand over" in page and "Cara" in page and allocation.pickup_code not in page
    refused = hub_client.post(path, {"method": "courier", "tracking": ""})
    assert refused.status_code == 400 and b"Enter the courier&#x27;s job or tracking number" in refused.content
    response = hub_client.post(path, {"method": "courier", "tracking": "UBR-7"}, follow=True)
    page = response.content.decode()
    assert "Local courier, tracking <strong>UBR-7</strong>" in page
    assert states(brand_a, allocation) == ("handed_off", "handed_off", "handed_off")
    assert hub_client.post(path, {"method": "ship", "tracking": "X"}).status_code == 409


def test_another_hubs_member_gets_a_404_for_a_handoff_page(host_client, public_host, brand_a, active_hub, stan):
    activate(applied_hub("Zilker Stoop", zip_code="78704"), stan)
    allocation = allocate(brand_a, active_hub)
    from closo.models import User

    attacker = host_client(public_host, User.objects.get(email="zilkerstoop@hub.test"))
    path = f"/hub/handoffs/{task_of(allocation).pk}/"
    assert attacker.get(path).status_code == 404
    assert attacker.post(path, {"method": "ship", "tracking": "X"}).status_code == 404
    assert states(brand_a, allocation) == ("active", "reserved", "allocated")


# --- brand side ---


def test_the_backorder_page_shows_the_allocation_and_the_whole_chain_of_custody(alice_client, brand_a, active_hub):
    allocation = allocate(brand_a, active_hub)
    page = alice_client.get(reverse("backorder_detail", args=[allocation.backorder_id])).content.decode()
    assert "Allocated: a unit nearby" in page and allocation.pickup_code in page
    assert "Eastside Porch" in page and "1100 E 6th St" in page and "Customer pickup at the hub" in page
    assert "Reserved for a backorder" in page  # the unit's event, beside the backorder's own
    confirm(allocation.pickup_code, active_hub)
    page = alice_client.get(reverse("backorder_detail", args=[allocation.backorder_id])).content.decode()
    assert "Fulfilled" in page and "Handed off" in page and "Mark delivered" not in page


def test_the_brand_marks_a_shipped_backorder_delivered_with_the_button(alice_client, vera_client, brand_a, active_hub):
    allocation = allocate(brand_a, active_hub)
    with schema_context(brand_a.schema_name):
        handoffs.handoff_record(
            allocation=allocation, method="ship", tracking="1Z42", hub=active_hub, actor=hub_actor()
        )
    path = reverse("backorder_detail", args=[allocation.backorder_id])
    page = alice_client.get(path).content.decode()
    assert "1Z42" in page and "Mark delivered (fulfilled)" in page
    assert "Mark delivered" not in vera_client.get(path).content.decode()
    assert vera_client.post(reverse("backorder_fulfilled", args=[allocation.backorder_id])).status_code == 403
    response = alice_client.post(reverse("backorder_fulfilled", args=[allocation.backorder_id]), follow=True)
    assert "fulfilled: the customer has it" in response.content.decode()
    assert states(brand_a, allocation)[2] == "fulfilled"


def test_local_fills_shows_shelves_allocations_and_fills_this_week(alice_client, brand_a, active_hub):
    handed = allocate(brand_a, active_hub, n=1)
    allocate(brand_a, active_hub, n=2)
    confirm(handed.pickup_code, active_hub)
    response = alice_client.get("/local-fills/")
    page = response.content.decode()
    assert response.status_code == 200 and 'aria-current="page">Local fills' in page
    shelves = page[page.index('id="shelves"') :]
    assert "Eastside Porch" in shelves
    assert "Awaiting hand-off: 1" in page and "Handed off: 1" in page
    assert "<svg" in page and "Hand-offs per day" in page
    today = timezone.localdate().strftime("%a %b %-d")
    assert f'<td data-label="Day">{today}</td><td data-label="Hand-offs">1</td>' in page


def test_local_fills_query_count_is_flat_from_1_to_10_allocations(alice_client, brand_a, active_hub):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get("/local-fills/").status_code == 200
        return len(captured.captured_queries)

    confirm(allocate(brand_a, active_hub, n=1).pickup_code, active_hub)
    allocate(brand_a, active_hub, n=2)
    count()  # warm up: the first request also fills the process's host → brand cache
    one = count()
    for n in range(3, 12):
        allocation = allocate(brand_a, active_hub, n=n)
        if n % 2:
            confirm(allocation.pickup_code, active_hub)
    assert count() == one


def test_local_fills_is_for_members_only(host_client, brand_a, olga, bob):
    for user in (olga, bob):
        response = host_client(brand_a.host, user).get("/local-fills/")
        assert response.status_code == 404
