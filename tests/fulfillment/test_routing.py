"""Automatic return routing (issue 9): the best active hub serving the customer, with room
today, for an eligible SKU — most waiting backorders nearby, then nearest, then reputation —
else the warehouse, with the reason in words and both routes' costs."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from brands.models import Brand
from fulfillment.models import Backorder, ReturnItem, Sku
from fulfillment.services import returns as services
from fulfillment.services import routing
from fulfillment.services.settings import loop_settings_update
from hubs.geo import MILES_PER_DEGREE_LAT
from hubs.models import Hub, HubKind, HubStatus, HubTask
from tests.conftest import post_json
from tests.factories import BRAND, SYSTEM

SKU = "WB-15-SAGE"
# The customer: ZIP 78702's centroid (as PostalCode has it).
ZIP = "78702"


@pytest.fixture
def sku(brand_a, in_brand) -> Sku:
    with in_brand(brand_a):
        return Sku.objects.create(code=SKU, title="Weighted blanket, sage", price=120)


@pytest.fixture
def home(db):
    """ZIP 78702's centroid (lat, lon)."""
    from hubs.models import PostalCode

    place = PostalCode.objects.get(code=ZIP)
    return place.lat, place.lon


@pytest.fixture
def only(active_hub):
    """Eastside Porch (78702) set aside, so a test places its own hubs."""
    Hub.objects.filter(pk=active_hub.pk).update(status=HubStatus.SUSPENDED)


def north(point, miles: float) -> tuple[float, float]:
    return point[0] + miles / MILES_PER_DEGREE_LAT, point[1]


def hub_at(name, point, *, radius=10, capacity=20, agreed=0, total=0, status=HubStatus.ACTIVE) -> Hub:
    return Hub.objects.create(
        name=name,
        kind=HubKind.SMALL_BUSINESS,
        contact_email=f"{name.split()[0].lower()}@hub.test",
        address="1 Main St",
        city="Austin",
        state="TX",
        zip_code=ZIP,
        lat=point[0],
        lon=point[1],
        service_radius_miles=radius,
        daily_capacity=capacity,
        audits_agreed=agreed,
        audits_total=total,
        status=status,
        opening_hours="Mon–Fri 9–18",
    )


def waiting(sku, point, n=1, ref="#") -> None:
    Backorder.objects.bulk_create(
        Backorder(
            order_ref=f"{ref}{i}",
            sku=sku,
            value=120,
            customer_zip=ZIP,
            lat=point[0],
            lon=point[1],
            placed_at=timezone.now() - datetime.timedelta(days=21),
        )
        for i in range(n)
    )


def new_return(rma="RMA-1", **values) -> ReturnItem:
    return services.return_create(rma_ref=rma, sku_code=SKU, customer_zip=ZIP, actor=BRAND, **values)


# --- the choice ---


def test_more_customers_waiting_beats_a_nearer_hub(brand_a, in_brand, sku, home, only):
    near = hub_at("Near Porch", home, radius=3)
    far_point = north(home, 6)
    far = hub_at("Far Porch", far_point, radius=10)
    with in_brand(brand_a):
        waiting(sku, far_point, n=3)  # 6 mi from Near's centre: outside its 3 mi
        waiting(sku, home, n=1, ref="#home")  # within both
        item = new_return()
    assert (item.status, item.route, item.hub_id) == ("routed", "hub", far.pk)
    assert item.route_reason == f"Far Porch: 4 customers within 10 mi wait for {SKU}; 6.0 mi from the customer."
    assert near.pk != far.pk


def test_with_as_many_waiting_the_nearer_hub_wins_over_a_better_reputation(brand_a, in_brand, sku, home, only):
    near = hub_at("Near Porch", north(home, 1), agreed=0, total=10)  # reputation 0.45
    hub_at("Far Porch", north(home, 4), agreed=20, total=20)  # reputation 0.97
    with in_brand(brand_a):
        item = new_return()
    assert item.hub_id == near.pk
    assert item.route_reason == f"Near Porch: no customer within 10 mi waits for {SKU} yet; 1.0 mi from the customer."


def test_at_the_same_distance_the_better_reputation_wins(brand_a, in_brand, sku, home, only):
    hub_at("Shaky Porch", north(home, 2), agreed=0, total=10)
    trusted = hub_at("Trusted Porch", north(home, 2), agreed=20, total=20)
    with in_brand(brand_a):
        assert new_return().hub_id == trusted.pk


def test_a_full_hub_is_skipped_for_one_with_room(brand_a, brand_b, in_brand, sku, home, only):
    full = hub_at("Full Porch", home, capacity=2)
    roomy = hub_at("Roomy Porch", north(home, 3))
    with in_brand(brand_a):
        waiting(sku, home, n=5)
    # Its day is taken by other brands' drop-offs and inspections (open tasks, any brand).
    for kind, n in ((HubTask.Kind.DROPOFF, 1), (HubTask.Kind.INSPECT, 2)):
        HubTask.objects.create(hub=full, brand=brand_b, kind=kind, return_item_id=n, title="x", reference=f"B{n}")
    HubTask.objects.create(
        hub=full, brand=brand_b, kind=HubTask.Kind.SHELF, return_item_id=9, title="x", reference="B9"
    )  # a shelf unit is not intake: not counted
    with in_brand(brand_a):
        item = new_return()
    assert item.hub_id == roomy.pk


def test_the_only_hub_full_sends_it_to_the_warehouse_saying_so(brand_a, brand_b, in_brand, sku, active_hub):
    Hub.objects.filter(pk=active_hub.pk).update(daily_capacity=1)
    HubTask.objects.create(
        hub=active_hub, brand=brand_b, kind=HubTask.Kind.DROPOFF, return_item_id=1, title="x", reference="B1"
    )
    with in_brand(brand_a):
        item = new_return()
    assert (item.status, item.route, item.hub_id) == ("routed", "warehouse", None)
    assert item.route_reason == "Eastside Porch is full today (1 of 1)."


def test_an_inactive_hub_is_never_chosen(brand_a, in_brand, sku, home, active_hub):
    Hub.objects.filter(pk=active_hub.pk).update(status=HubStatus.SUSPENDED)
    hub_at("Vetted Porch", home, status=HubStatus.VETTED)
    with in_brand(brand_a):
        waiting(sku, home, n=3)
        item = new_return()
    assert (item.route, item.route_reason) == ("warehouse", f"No active hub serves {ZIP}.")


def test_no_hub_serving_the_zip_sends_it_to_the_warehouse(brand_a, in_brand, sku):
    with in_brand(brand_a):
        item = services.return_create(rma_ref="RMA-NY", sku_code=SKU, customer_zip="10001", actor=BRAND)
    assert (item.route, item.route_reason) == ("warehouse", "No active hub serves 10001.")


def test_a_sku_not_eligible_for_local_returns_goes_to_the_warehouse(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        Sku.objects.filter(pk=sku.pk).update(local_returns_enabled=False)
        item = new_return()
    assert (item.route, item.hub_id) == ("warehouse", None)
    assert item.route_reason == f"{SKU} is not eligible for local returns."


def test_the_decision_stores_both_costs_and_its_event(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        waiting(sku, (active_hub.lat, active_hub.lon), n=3)
        item = new_return()
        event = item.events.get(kind="routed")
    assert (item.cost_local, item.cost_warehouse, item.route_saving) == (Decimal(5), Decimal(27), Decimal(22))
    assert item.route_reason.startswith(f"Eastside Porch: 3 customers within 10 mi wait for {SKU}; ")
    assert item.route_reason.endswith(" mi from the customer.")
    assert event.detail == f"{item.route_reason} Drop-off code issued."
    assert event.actor_label == BRAND.label
    assert len(item.dropoff_code) == 8 and item.routed_at is not None


def test_the_brands_own_costs_are_stored_with_the_decision(brand_a, in_brand, sku, active_hub):
    brand = Brand.objects.get(pk=brand_a.pk)
    loop_settings_update(brand=brand, values={"cost_warehouse_shipping": "20.50", "cost_hub_fee": "3.25"}, actor=BRAND)
    with in_brand(brand):
        hub_item = new_return()
        Sku.objects.filter(pk=sku.pk).update(local_returns_enabled=False)
        warehouse_item = new_return("RMA-2")
    assert (hub_item.cost_local, hub_item.cost_warehouse, hub_item.route_saving) == (
        Decimal("3.25"),
        Decimal("32.50"),
        Decimal("29.25"),
    )
    # The warehouse route keeps the counterfactual too (what a hub would have cost).
    assert (warehouse_item.cost_local, warehouse_item.cost_warehouse, warehouse_item.route_saving) == (
        Decimal("3.25"),
        Decimal("32.50"),
        None,
    )


@pytest.mark.parametrize("route", ["manual"])
def test_route_manual_leaves_it_initiated_for_routing_by_hand(brand_a, in_brand, sku, active_hub, route):
    with in_brand(brand_a):
        item = new_return(route=route)
        assert (item.status, item.route, item.route_reason) == ("initiated", "", "")
        services.return_assign_to_hub(item=item, hub=active_hub, actor=BRAND)
    assert item.route_reason == f"Routed to Eastside Porch by hand ({BRAND.label})."


def test_route_warehouse_on_create_skips_the_hubs(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        item = new_return(route="warehouse")
    assert (item.route, item.route_reason) == ("warehouse", f"Routed to the warehouse by hand ({BRAND.label}).")


@pytest.mark.parametrize(
    ("values", "field"),
    [({"route": "hub"}, "hub"), ({"route": "warehouse", "hub": "HUB"}, "hub"), ({"route": "sideways"}, "route")],
)
def test_a_route_and_a_hub_that_do_not_fit_are_refused_and_nothing_is_written(
    brand_a, in_brand, sku, active_hub, values, field
):
    values = {k: (active_hub if v == "HUB" else v) for k, v in values.items()}
    with in_brand(brand_a), pytest.raises(services.Invalid) as refused:
        new_return(**values)
    assert field in refused.value.fields
    with in_brand(brand_a):
        assert not ReturnItem.objects.exists()


def test_a_hub_suspended_between_decision_and_assignment_sends_it_to_the_warehouse(
    brand_a, in_brand, sku, active_hub, monkeypatch
):
    real = routing.route_decide

    def decide_then_suspend(*, item):
        decision = real(item=item)
        Hub.objects.filter(pk=active_hub.pk).update(status=HubStatus.SUSPENDED)
        return decision

    monkeypatch.setattr(routing, "route_decide", decide_then_suspend)
    with in_brand(brand_a):
        item = new_return()
    assert item.route == "warehouse"
    assert item.route_reason.startswith("Eastside Porch could not take it: Eastside Porch is not taking returns")
    assert not HubTask.objects.filter(kind=HubTask.Kind.DROPOFF).exists()


@pytest.mark.parametrize("n", [1, 10])
def test_routing_reads_a_constant_number_of_queries(brand_a, in_brand, sku, home, only, n, django_assert_num_queries):
    """1 hub and 1 backorder, or 10 and 10 each: the same queries (serving hubs, their
    load, the waiting backorders near each, counted in one aggregate)."""
    hubs = [hub_at(f"Porch {i}", north(home, i * 0.5)) for i in range(n)]
    with in_brand(brand_a):
        for i in range(n):
            waiting(sku, north(home, i), n=n, ref=f"#{i}-")
        item = new_return(route="manual")
        item = ReturnItem.objects.select_related("sku").get(pk=item.pk)
        with django_assert_num_queries(3):
            decision = routing.route_decide(item=item)
    assert decision.hub in hubs and decision.waiting >= 1


def test_a_whole_create_with_routing_takes_as_many_queries_for_10_hubs_as_for_1(brand_a, in_brand, sku, home, only):
    counts = []
    for n in (1, 10):
        with in_brand(brand_a):
            Backorder.objects.all().delete()
        Hub.objects.filter(name__startswith="Porch").update(status=HubStatus.SUSPENDED)
        for i in range(n):
            hub_at(f"Porch {n}-{i}", north(home, i * 0.5))
        with in_brand(brand_a):
            waiting(sku, home, n=n, ref=f"#{n}-")
            with CaptureQueriesContext(connection) as queries:
                new_return(f"RMA-{n}")
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- the API and the portal show the decision ---


def test_the_api_routes_a_new_return_and_shows_the_decision_and_qr(api_client, brand_a, in_brand, sku, active_hub):
    api = api_client(brand_a)
    response = post_json(api, "/api/v1/returns/", {"rma_ref": "RMA-9", "sku": SKU, "customer_zip": ZIP})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["route"], body["hub"]["name"]) == ("routed", "hub", "Eastside Porch")
    assert body["route_reason"].startswith("Eastside Porch: no customer within 10 mi waits for")
    assert (body["cost_local"], body["cost_warehouse"], body["saving"]) == ("5.00", "27.00", "22.00")
    assert body["dropoff_qr_svg"].startswith("<svg") and "<path" in body["dropoff_qr_svg"]
    assert body["routed_at"] and body["refund_ready_at"] is None
    detail = api.get(f"/api/v1/returns/{body['id']}").json()
    assert detail["dropoff_qr_svg"] == body["dropoff_qr_svg"]
    manual = post_json(
        api, "/api/v1/returns/", {"rma_ref": "RMA-10", "sku": SKU, "customer_zip": ZIP, "route": "manual"}
    )
    assert (manual.json()["status"], manual.json()["dropoff_qr_svg"], manual.json()["saving"]) == (
        "initiated",
        None,
        None,
    )
    bad = post_json(api, "/api/v1/returns/", {"rma_ref": "RMA-11", "sku": SKU, "customer_zip": ZIP, "route": "x"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_choice")


def test_the_return_page_shows_the_decision_costs_and_the_qr(
    host_client, brand_a, alice, vera, in_brand, sku, active_hub
):
    with in_brand(brand_a):
        item = new_return()
    for user in (alice, vera):  # a viewer sees it too
        page = host_client(brand_a.host, user).get(reverse("return_detail", args=[item.pk])).content.decode()
        assert "Routing decision" in page and item.route_reason in page
        assert "$5.00" in page and "$27.00" in page and "$22.00" in page
        assert '<div class="dropoff-qr"><svg' in page
        assert f"Drop-off code {item.dropoff_code}" in page  # the QR's title


def test_the_portal_creates_and_routes_automatically(host_client, brand_a, alice, in_brand, sku, active_hub):
    client = host_client(brand_a.host, alice)
    response = client.post(reverse("return_new"), {"rma_ref": "RMA-P", "sku": SKU, "customer_zip": ZIP})
    assert response.status_code == 302
    with in_brand(brand_a):
        item = ReturnItem.objects.get(rma_ref="RMA-P")
    assert (item.status, item.hub_id) == ("routed", active_hub.pk)
    client.post(reverse("return_new"), {"rma_ref": "RMA-W", "sku": SKU, "customer_zip": ZIP, "route": "warehouse"})
    client.post(
        reverse("return_new"), {"rma_ref": "RMA-H", "sku": SKU, "customer_zip": ZIP, "hub": active_hub.pk}
    )  # a hub picked with the route left on automatic: that hub
    with in_brand(brand_a):
        assert ReturnItem.objects.get(rma_ref="RMA-W").route == "warehouse"
        picked = ReturnItem.objects.get(rma_ref="RMA-H")
    assert (picked.hub_id, picked.route_reason) == (active_hub.pk, f"Routed to Eastside Porch by hand ({alice.email}).")


# --- the customer's e-mail ---


def test_the_customer_gets_drop_off_instructions_with_the_qr_after_commit(
    brand_a, in_brand, sku, active_hub, mailoutbox, django_capture_on_commit_callbacks
):
    with in_brand(brand_a), django_capture_on_commit_callbacks(execute=True):
        item = new_return(customer_email="casey@example.com", customer_name="Casey")
        assert mailoutbox == []  # not before the commit
    (mail,) = mailoutbox
    assert mail.to == ["casey@example.com"]
    assert mail.subject == "Acme Apparel: where to drop off your Weighted blanket, sage"
    code = f"{item.dropoff_code[:4]}-{item.dropoff_code[4:]}"
    for text in ("Hello Casey", "Eastside Porch", active_hub.full_address, "Hours:", code, "valid until"):
        assert text.lower() in mail.body.lower(), text
    ((name, content, mimetype),) = mail.attachments
    assert (name, mimetype) == (f"dropoff-code-{item.dropoff_code}.png", "image/png")
    assert content.startswith(b"\x89PNG")


def test_no_e_mail_for_the_warehouse_route_or_without_an_address(
    brand_a, in_brand, sku, active_hub, mailoutbox, django_capture_on_commit_callbacks
):
    with in_brand(brand_a), django_capture_on_commit_callbacks(execute=True):
        new_return("RMA-1")  # no e-mail address
        new_return("RMA-2", customer_email="casey@example.com", route="warehouse")
    assert mailoutbox == []


def test_system_actor_routes_too(brand_a, in_brand, sku, active_hub):
    with in_brand(brand_a):
        item = services.return_create(rma_ref="RMA-S", sku_code=SKU, customer_zip=ZIP, actor=SYSTEM)
    assert item.hub_id == active_hub.pk


# --- overruling the automatic decision ---


def test_the_brand_overrules_the_decision_through_the_api(api_client, brand_a, in_brand, sku, active_hub):
    api = api_client(brand_a)
    body = post_json(api, "/api/v1/returns/", {"rma_ref": "RMA-O", "sku": SKU, "customer_zip": ZIP}).json()
    path = f"/api/v1/returns/{body['id']}"
    refused = post_json(api, f"{path}/unroute", {"reason": ""})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "reason_required")
    unrouted = post_json(api, f"{path}/unroute", {"reason": "Customer ships it"})
    assert unrouted.status_code == 200, unrouted.json()
    assert (unrouted.json()["status"], unrouted.json()["dropoff_code"], unrouted.json()["hub"]) == (
        "initiated",
        None,
        None,
    )
    assert HubTask.objects.get(code=body["dropoff_code"]).status == HubTask.Status.CANCELLED
    routed = post_json(api, f"{path}/route", {"route": "warehouse"}).json()
    assert (routed["route"], routed["cost_warehouse"]) == ("warehouse", "27.00")
    again = post_json(api, f"{path}/unroute", {"reason": "Changed my mind"})
    assert again.status_code == 200  # a warehouse route can be withdrawn too, until received


def test_the_brand_overrules_the_decision_on_the_return_page(
    host_client, brand_a, alice, vera, in_brand, sku, active_hub
):
    with in_brand(brand_a):
        item = new_return()
    url = reverse("return_unroute", args=[item.pk])
    assert host_client(brand_a.host, vera).post(url, {"reason": "x"}).status_code == 403
    client = host_client(brand_a.host, alice)
    page = client.get(reverse("return_detail", args=[item.pk])).content.decode()
    assert "Change the route" in page
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Customer ships it"}).status_code == 302
    with in_brand(brand_a):
        row = ReturnItem.objects.get(pk=item.pk)
    assert (row.status, row.hub_id) == ("initiated", None)
    page = client.get(reverse("return_detail", args=[item.pk])).content.decode()
    assert "Send to this hub" in page and "Route to warehouse" in page
