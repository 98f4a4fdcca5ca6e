"""Drop-off in the portals: a brand picks the hub when it creates a return (or from the
return's page) and hands the customer the code; the hub receives it on /hub/receive/ and
opens it on /hub/b/<brand>/returns/<id>/. Who may see what, from the attacker's side."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from brands.models import Brand
from closo.actors import Actor, Party
from fulfillment.models import ReturnItem, Sku
from fulfillment.services import returns as services
from hubs.models import HubStatus, HubTask
from hubs.services import registry as hub_services
from tests.factories import HUB, as_staff, make_return
from tests.hubs.conftest import SYSTEM

NEW = {"rma_ref": "RMA-50", "sku": "WB-15", "customer_zip": "78702", "customer_name": "Casey"}


@pytest.fixture
def public(host_client, public_host):
    return lambda user=None: host_client(public_host, user)


@pytest.fixture
def as_alice(host_client, brand_a, alice, sku_a):
    return host_client(brand_a.host, alice)


# --- brand portal: choosing the hub ---


def test_new_return_form_offers_active_hubs_and_routes_to_the_chosen_one(
    as_alice, brand_a, in_brand, active_hub, other_hub
):
    form = as_alice.get("/returns/new/").content.decode()
    assert "Drop-off hub" in form and "No particular hub" in form and "Decide later (route it by hand)" in form
    assert "ZIP code: the active hubs that serve it are listed here." in form
    form = as_alice.post("/returns/new/", {**NEW, "find_hubs": "1"}).content.decode()
    assert "Eastside Porch — Austin, TX 78702" in form and "Zilker Stoop" in form
    response = as_alice.post("/returns/new/", {**NEW, "hub": active_hub.pk}, follow=True)
    page = response.content.decode()
    assert "created and routed to Eastside Porch. Give the customer the drop-off code." in page
    with in_brand(brand_a):
        item = ReturnItem.objects.get(rma_ref="RMA-50")
    assert (item.status, item.hub_id) == ("routed", active_hub.pk)
    code = item.dropoff_code
    assert f"{code[:4]}-{code[4:]}" in page
    expires = timezone.localtime(HubTask.objects.get(code=code).due_at)
    assert f"Valid until {expires:%b} {expires.day}, {expires.year}" in page
    assert "1100 E 6th St" in page


def test_a_hub_that_does_not_serve_the_zip_is_a_form_error_and_nothing_is_created(
    as_alice, brand_a, in_brand, active_hub
):
    response = as_alice.post("/returns/new/", {**NEW, "customer_zip": "10001", "hub": active_hub.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Eastside Porch does not serve ZIP 10001: it takes returns within 10 mi of 78702." in page
    assert 'value="RMA-50"' in page  # the input is kept
    with in_brand(brand_a):
        assert not ReturnItem.objects.exists()
    assert not HubTask.objects.exists()


def test_a_suspended_hub_is_not_offered(as_alice, active_hub, stan):
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    assert "Eastside Porch" not in as_alice.post("/returns/new/", {**NEW, "find_hubs": "1"}).content.decode()
    response = as_alice.post("/returns/new/", {**NEW, "hub": active_hub.pk})
    assert "Eastside Porch is not taking returns (suspended). Choose an active hub." in response.content.decode()


def test_return_page_offers_the_hubs_serving_the_customer_nearest_first(
    as_alice, brand_a, in_brand, active_hub, other_hub
):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    page = as_alice.get(f"/returns/{item.pk}/").content.decode()
    assert page.index("Eastside Porch — Austin") < page.index("Zilker Stoop — Austin")
    assert "Send to this hub" in page and "Route to warehouse" in page
    response = as_alice.post(f"/returns/{item.pk}/route-hub/", {"hub": other_hub.pk}, follow=True)
    assert "Routed to Zilker Stoop. Give the customer the drop-off code." in response.content.decode()
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).hub_id == other_hub.pk


def test_return_page_explains_when_no_hub_can_take_it(as_alice, brand_a, in_brand, active_hub, sku_a):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    with in_brand(brand_a):
        Sku.objects.filter(pk=sku_a.pk).update(local_returns_enabled=False)
    page = as_alice.get(f"/returns/{item.pk}/").content.decode()
    assert "WB-15 is not eligible for local returns" in page and "Send to this hub" not in page
    with in_brand(brand_a):
        Sku.objects.filter(pk=sku_a.pk).update(local_returns_enabled=True)
        ReturnItem.objects.filter(pk=item.pk).update(customer_zip="10001", lat=40.75, lon=-73.99)
    assert "No active hub serves ZIP 10001 yet." in as_alice.get(f"/returns/{item.pk}/").content.decode()


def test_route_to_a_hub_that_does_not_serve_the_customer_is_refused(as_alice, brand_a, in_brand, stan):
    from tests.factories import applied_hub
    from tests.hubs.conftest import activate

    far = activate(applied_hub("Far Porch", zip_code="10001"), stan)
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    response = as_alice.post(f"/returns/{item.pk}/route-hub/", {"hub": far.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "initiated"


def test_viewers_cannot_route_to_a_hub(host_client, brand_a, in_brand, vera, sku_a, active_hub):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    client = host_client(brand_a.host, vera)
    assert "Send to this hub" not in client.get(f"/returns/{item.pk}/").content.decode()
    assert client.post(f"/returns/{item.pk}/route-hub/", {"hub": active_hub.pk}).status_code == 403
    assert client.post("/returns/new/", {**NEW, "hub": active_hub.pk}).status_code == 403


def test_brand_b_cannot_route_brand_as_return(host_client, brand_a, brand_b, bob, in_brand, sku_a, active_hub):
    item = make_return(brand_a, in_brand, sku_code="WB-15")
    response = host_client(brand_b.host, bob).post(f"/returns/{item.pk}/route-hub/", {"hub": active_hub.pk})
    assert response.status_code == 404
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "initiated"


# --- hub portal: receiving ---


def test_receive_page_is_a_big_code_field(public, ivan):
    page = public(ivan).get("/hub/receive/").content.decode()
    assert "Receive a drop-off" in page and "At Eastside Porch." in page
    assert 'name="code"' in page and 'autocapitalize="characters"' in page and "autofocus" in page


@pytest.mark.parametrize(
    ("setup", "status", "message"),
    [
        ("unknown", 404, "is not a drop-off code we know"),
        ("used", 409, "This code was already used"),
        ("expired", 410, "This code expired on"),
        ("other_hub", 409, "This code is for another hub, not yours."),
        ("cancelled", 409, "The brand cancelled this return"),
    ],
)
def test_a_bad_code_gets_a_clear_message_and_keeps_the_input(
    public, ivan, brand_a, in_brand, sku_a, active_hub, other_hub, route, setup, status, message
):
    item = route(brand_a, in_brand, other_hub if setup == "other_hub" else active_hub)
    code = item.dropoff_code
    if setup == "unknown":
        code = "HJKM2345" if code != "HJKM2345" else "HJKM2346"
    elif setup == "used":
        services.return_receive_dropoff(code=code, hub=active_hub, actor=HUB)
    elif setup == "expired":
        HubTask.objects.filter(code=code).update(due_at=timezone.now() - timedelta(days=1))
    elif setup == "cancelled":
        with in_brand(brand_a):
            services.return_cancel(item=item, reason="Kept it", actor=SYSTEM)
    response = public(ivan).post("/hub/receive/", {"code": code})
    assert response.status_code == status
    page = response.content.decode()
    assert message in page
    assert f'value="{code}"' in page
    assert "Zilker Stoop" not in page


def test_a_blank_code_is_required(public, ivan):
    response = public(ivan).post("/hub/receive/", {"code": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_suspended_hub_gets_no_receive_form_and_a_post_is_refused(
    public, ivan, stan, brand_a, in_brand, sku_a, active_hub, route
):
    item = route(brand_a, in_brand, active_hub)
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    client = public(ivan)
    page = client.get("/hub/receive/").content.decode()
    assert "Eastside Porch is suspended: it cannot receive returns." in page and 'name="code"' not in page
    response = client.post("/hub/receive/", {"code": item.dropoff_code})
    assert response.status_code == 409
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "routed"


def test_a_member_of_two_hubs_receives_at_the_hub_they_chose(
    public, ivan, brand_a, in_brand, sku_a, active_hub, other_hub, route
):
    hub_services.hub_member_add(hub=other_hub, user=ivan, role="inspector")
    item = route(brand_a, in_brand, other_hub)
    client = public(ivan)
    assert client.post("/hub/receive/", {"code": item.dropoff_code}).status_code == 409  # first hub: Eastside
    page = client.get(f"/hub/receive/?hub={other_hub.pk}").content.decode()
    assert f'name="hub" value="{other_hub.pk}"' in page
    response = client.post("/hub/receive/", {"code": item.dropoff_code, "hub": other_hub.pk})
    assert response.status_code == 302
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "dropped_off"


@pytest.mark.parametrize("who", ["alice", "bob", "olga"])
def test_people_without_a_hub_cannot_receive(public, request, who, brand_a, in_brand, sku_a, active_hub, route):
    item = route(brand_a, in_brand, active_hub)
    response = public(request.getfixturevalue(who)).post("/hub/receive/", {"code": item.dropoff_code})
    assert response.status_code == 403
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "routed"


def test_receive_needs_sign_in(public, db):
    response = public().post("/hub/receive/", {"code": "HJKM2345"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/")


# --- hub portal: the return's page ---


def test_return_page_shows_the_item_the_next_step_and_the_custody_timeline(
    public, ivan, brand_a, in_brand, sku_a, active_hub, route
):
    item = route(brand_a, in_brand, active_hub)
    client = public(ivan)
    routed = client.get(f"/hub/b/acme/returns/{item.pk}/").content.decode()
    assert "Waiting for the customer to drop it off" in routed and "Inspect now" not in routed
    assert item.dropoff_code not in routed  # the hub learns the code from the customer only
    services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=Actor.for_user(ivan, party=Party.HUB))
    page = client.get(f"/hub/b/acme/returns/{item.pk}/").content.decode()
    for text in ("Acme Apparel", "Weighted blanket", "RMA-1", "WB-15 · Sage", "Inspect it: photos and the checklist"):
        assert text in page
    assert f'href="/hub/b/acme/returns/{item.pk}/inspect/"' in page
    assert "Received at the hub" in page and "at Eastside Porch" in page and ivan.email in page
    assert "Dropped_off" not in page  # the kind's label, never its value
    assert "Casey" not in page and "tests" not in page.split("Chain of custody")[1]  # no brand-side actors


def test_return_page_of_a_suspended_hub_offers_no_inspection(
    public, ivan, stan, brand_a, in_brand, sku_a, active_hub, route
):
    item = route(brand_a, in_brand, active_hub)
    services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=HUB)
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    page = public(ivan).get(f"/hub/b/acme/returns/{item.pk}/").content.decode()
    assert "Inspect now" not in page and "it cannot inspect returns" in page


@pytest.mark.parametrize("who", ["wes", "alice", "bob", "olga", "stan"])
def test_others_cannot_open_a_hubs_return(public, request, who, brand_a, in_brand, sku_a, active_hub, other_hub, route):
    item = route(brand_a, in_brand, active_hub)
    response = public(request.getfixturevalue(who)).get(f"/hub/b/acme/returns/{item.pk}/")
    assert response.status_code == 404
    assert b"RMA-1" not in response.content


def test_guessed_return_urls_are_404(public, ivan, brand_a, brand_b, in_brand, sku_a, sku_b, active_hub, route):
    mine = route(brand_a, in_brand, active_hub)
    warehouse = make_return(brand_a, in_brand, rma="RMA-WH", sku_code="WB-15")
    bolt = make_return(brand_b, in_brand, rma="RMA-B", sku_code="DUVET-Q")
    client = public(ivan)
    assert client.get(f"/hub/b/acme/returns/{mine.pk}/").status_code == 200
    for path in (
        f"/hub/b/bolt/returns/{mine.pk}/",  # the right id under another brand
        f"/hub/b/bolt/returns/{bolt.pk}/",  # another brand's return not at this hub
        f"/hub/b/acme/returns/{warehouse.pk}/",  # not on the hub route
        f"/hub/b/acme/returns/{mine.pk + 1000}/",
        f"/hub/b/public/returns/{mine.pk}/",
        f"/hub/b/nope/returns/{mine.pk}/",
    ):
        assert client.get(path).status_code == 404, path
    Brand.objects.filter(pk=brand_a.pk).update(is_active=False)
    assert client.get(f"/hub/b/acme/returns/{mine.pk}/").status_code == 404


def test_return_page_needs_sign_in(public, brand_a, in_brand, sku_a, active_hub, route):
    item = route(brand_a, in_brand, active_hub)
    response = public().get(f"/hub/b/acme/returns/{item.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/")


def test_brand_sees_the_receipt_at_the_hub_on_the_returns_timeline(
    as_alice, brand_a, in_brand, active_hub, route, ivan
):
    item = route(brand_a, in_brand, active_hub)
    services.return_receive_dropoff(code=item.dropoff_code, hub=active_hub, actor=Actor.for_user(ivan, party=Party.HUB))
    page = as_alice.get(f"/returns/{item.pk}/").content.decode()
    timeline = page.split('aria-label="Timeline"')[1]
    assert re.search(
        r"Received at the hub</strong>: Routed → Dropped off\s*<span class=\"pill\">at Eastside Porch</span>", timeline
    )
    assert "Used " in page  # the code's state next to it
