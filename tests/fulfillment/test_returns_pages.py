"""Returns pages of the brand portal: list (filters, sorting, pages, status funnel), new
return, detail (steps, timeline, moves valid from its state) and who may do what."""

import re

import pytest
from django.urls import reverse

from closo.actors import Actor
from fulfillment.models import Event, ReturnItem, Sku
from fulfillment.services import returns as services
from tests.factories import BRAND, make_return, make_routed_returns

SYSTEM = Actor.system("tests")


@pytest.fixture
def sku(brand_a, in_brand):
    with in_brand(brand_a):
        return Sku.objects.create(code="BLANKET-SAGE", title="Weighted blanket, sage", price=120)


@pytest.fixture
def as_alice(host_client, brand_a, alice, sku):
    return host_client(brand_a.host, alice)


@pytest.fixture
def as_vera(host_client, brand_a, vera, sku):
    return host_client(brand_a.host, vera)


def rmas(response) -> list[str]:
    return re.findall(r'href="/returns/\d+/">([^<]+)</a>', response.content.decode())


def funnel(response) -> dict[str, int]:
    html = response.content.decode()
    rows = re.findall(r'data-status="(\w+)">.*?<span class="bar-value">(\d+)</span>', html, re.S)
    return {status: int(n) for status, n in rows}


# --- list ---


def test_list_shows_returns_and_the_status_funnel(as_alice, brand_a, in_brand):
    routed = make_return(brand_a, in_brand, rma="RMA-A", customer_name="Casey")
    make_return(brand_a, in_brand, rma="RMA-B")
    with in_brand(brand_a):
        services.return_route_to_warehouse(item=routed, actor=SYSTEM)
    response = as_alice.get(reverse("return_list"))
    assert response.status_code == 200
    assert sorted(rmas(response)) == ["RMA-A", "RMA-B"]
    assert funnel(response) == {
        "initiated": 1,
        "routed": 1,
        "dropped_off": 0,
        "inspected": 0,
        "disposed": 0,
        "cancelled": 0,
    }
    assert b'style="--w:100%"' in response.content
    assert b'aria-current="page">Returns</a>' in response.content
    assert b"Casey" in response.content
    assert reverse("return_new").encode() in response.content


def test_list_filters_by_status_sku_and_route_and_the_funnel_follows_the_other_filters(as_alice, brand_a, in_brand):
    with in_brand(brand_a):
        Sku.objects.create(code="THROW-OAT", title="Throw", price=60)
    a = make_return(brand_a, in_brand, rma="RMA-A")
    make_return(brand_a, in_brand, rma="RMA-B", sku_code="THROW-OAT")
    c = make_return(brand_a, in_brand, rma="RMA-C", sku_code="THROW-OAT")
    with in_brand(brand_a):
        services.return_route_to_warehouse(item=a, actor=SYSTEM)
        services.return_cancel(item=c, reason="Kept it", actor=SYSTEM)

    assert rmas(as_alice.get("/returns/?status=routed")) == ["RMA-A"]
    assert rmas(as_alice.get("/returns/?route=warehouse")) == ["RMA-A"]
    by_sku = as_alice.get("/returns/?sku=THROW-OAT")
    assert sorted(rmas(by_sku)) == ["RMA-B", "RMA-C"]
    assert funnel(by_sku)["initiated"] == 1
    assert funnel(by_sku)["cancelled"] == 1
    assert funnel(by_sku)["routed"] == 0
    # Status is the funnel's own filter: the bars still count every status.
    narrowed = as_alice.get("/returns/?sku=THROW-OAT&status=cancelled")
    assert rmas(narrowed) == ["RMA-C"]
    assert funnel(narrowed)["initiated"] == 1
    assert b'href="?sku=THROW-OAT&amp;status=initiated"' in narrowed.content
    assert b'aria-current="true" data-status="cancelled"' in narrowed.content


def test_list_sorts_by_column(as_alice, brand_a, in_brand):
    for rma in ("RMA-B", "RMA-C", "RMA-A"):
        make_return(brand_a, in_brand, rma=rma)
    assert rmas(as_alice.get("/returns/?sort=rma")) == ["RMA-A", "RMA-B", "RMA-C"]
    descending = as_alice.get("/returns/?sort=-rma")
    assert rmas(descending) == ["RMA-C", "RMA-B", "RMA-A"]
    assert b'aria-sort="descending"' in descending.content
    assert b'href="?sort=rma">RMA' in descending.content  # the header link flips the order
    assert b'<option value="-rma" selected>' in descending.content  # the sort menu (phones have no headers)
    assert rmas(as_alice.get("/returns/")) == ["RMA-A", "RMA-C", "RMA-B"]  # newest first
    assert rmas(as_alice.get("/returns/?sort=bogus")) == ["RMA-A", "RMA-C", "RMA-B"]


def test_list_is_paginated_and_keeps_filters_across_pages(as_alice, brand_a, in_brand, sku):
    with in_brand(brand_a):
        ReturnItem.objects.bulk_create(
            ReturnItem(rma_ref=f"RMA-{i:03d}", sku=sku, customer_zip="78702") for i in range(30)
        )
    first = as_alice.get("/returns/?status=initiated&sort=rma")
    assert len(rmas(first)) == 25
    assert b"Page 1 of 2 \xc2\xb7 30 in all" in first.content
    assert b'href="?status=initiated&amp;sort=rma&amp;page=2"' in first.content
    second = as_alice.get("/returns/?status=initiated&sort=rma&page=2")
    assert rmas(second) == [f"RMA-{i:03d}" for i in range(25, 30)]


def test_list_empty_states_say_what_to_do(as_alice, as_vera, brand_a, in_brand):
    empty = as_alice.get("/returns/")
    assert b"No returns yet" in empty.content
    assert b"POST /api/v1/returns/" in empty.content
    make_return(brand_a, in_brand)
    none_match = as_alice.get("/returns/?status=disposed")
    assert b"No returns match these filters" in none_match.content


def test_list_uses_the_same_number_of_queries_at_10_and_100_rows(
    as_alice, brand_a, in_brand, sku, active_hub, django_assert_num_queries
):
    def add(start, n):
        with in_brand(brand_a):
            make_routed_returns(sku, active_hub, start, n)

    add(0, 10)
    as_alice.get("/returns/")
    # search_path (host → brand from memory), session, user, membership, count, funnel, page (SKU + hub joined)
    with django_assert_num_queries(7) as ten:
        assert len(rmas(as_alice.get("/returns/"))) == 10
    add(10, 90)
    with django_assert_num_queries(len(ten.captured_queries)):
        page = as_alice.get("/returns/")
    assert len(rmas(page)) == 25
    assert b"Eastside Porch" in page.content


# --- new return ---


def test_new_return_creates_it_from_the_portal(as_alice, brand_a, in_brand, alice):
    assert as_alice.get(reverse("return_new")).status_code == 200
    response = as_alice.post(
        reverse("return_new"),
        {"rma_ref": "RMA-77", "sku": "BLANKET-SAGE", "customer_zip": "78702", "reason": "Too warm", "route": "manual"},
    )
    with in_brand(brand_a):
        item = ReturnItem.objects.get(rma_ref="RMA-77")
        event = Event.objects.get(return_item=item)
    assert response.status_code == 302
    assert response["Location"] == reverse("return_detail", args=[item.pk])
    assert (item.channel, item.reason, item.status) == ("portal", "Too warm", "initiated")
    assert (event.kind, event.actor_id, event.detail) == ("created", alice.pk, "Created in the portal.")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"sku": "NOPE"}, "sku", "Unknown SKU code “NOPE”."),
        ({"customer_zip": "00000"}, "customer_zip", "Enter a 5-digit US ZIP code, e.g. 78702."),
        ({"customer_zip": ""}, "customer_zip", "Enter a 5-digit US ZIP code, e.g. 78702."),
        ({"rma_ref": "RMA-1"}, "rma_ref", "A return with this reference already exists."),
        ({"rma_ref": " "}, "rma_ref", "Enter your returns app's reference, e.g. RMA-10452."),
        ({"customer_email": "nope"}, "customer_email", "Enter an e-mail address, e.g. casey@example.com."),
    ],
)
def test_new_return_shows_errors_on_the_field_and_keeps_the_input(as_alice, brand_a, in_brand, change, field, message):
    make_return(brand_a, in_brand, rma="RMA-1")
    values = {"rma_ref": "RMA-2", "sku": "BLANKET-SAGE", "customer_zip": "78702", "customer_name": "Casey", **change}
    response = as_alice.post(reverse("return_new"), values)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert b'value="Casey"' in response.content
    with in_brand(brand_a):
        assert ReturnItem.objects.count() == 1


def test_viewers_cannot_open_or_post_the_new_return_form(as_vera, brand_a, in_brand):
    assert as_vera.get(reverse("return_new")).status_code == 403
    response = as_vera.post(reverse("return_new"), {"rma_ref": "R", "sku": "BLANKET-SAGE", "customer_zip": "78702"})
    assert response.status_code == 403
    with in_brand(brand_a):
        assert not ReturnItem.objects.exists()
    assert reverse("return_new").encode() not in as_vera.get(reverse("return_list")).content


# --- detail ---

ACTIONS = {
    "route": b"Route to warehouse",
    "received": b"Mark received at warehouse",
    "cancel": b"Cancel return",
    "refund": b"Mark refunded",
}


def actions(response) -> set[str]:
    return {name for name, label in ACTIONS.items() if label in response.content}


def test_detail_offers_the_moves_valid_from_each_state(as_alice, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    url = reverse("return_detail", args=[item.pk])
    page = as_alice.get(url)
    assert page.status_code == 200
    assert actions(page) == {"route", "cancel", "refund"}
    with in_brand(brand_a):
        services.return_route_to_warehouse(item=item, actor=SYSTEM)
    assert actions(as_alice.get(url)) == {"received", "cancel", "refund"}
    with in_brand(brand_a):
        services.return_warehouse_received(item=item, actor=BRAND)  # the brand's warehouse, not Closo
        services.return_refund_update(item=item, refund_status="refunded", actor=SYSTEM)
    done = as_alice.get(url)
    assert actions(done) == set()
    assert b"Nothing left to do" in done.content


def test_detail_shows_fields_steps_and_timeline(as_alice, brand_a, in_brand):
    item = make_return(brand_a, in_brand, customer_name="Casey", reason="Too warm")
    with in_brand(brand_a):
        services.return_route_to_warehouse(item=item, actor=SYSTEM)
    page = as_alice.get(reverse("return_detail", args=[item.pk]))
    html = page.content.decode()
    assert "Return RMA-1" in html and "Casey" in html and "Too warm" in html
    steps = re.findall(r'<li class="step-(\w+)"[^>]*>([^<]+)</li>', html)
    assert steps == [("done", "Initiated"), ("current", "Routed · Warehouse"), ("todo", "Disposed")]
    assert 'aria-current="step"' in html
    timeline = html[html.index('class="timeline"') :]
    assert timeline.index("Created") < timeline.index("Routed")
    assert "Initiated → Routed" in timeline
    assert "Routed to the warehouse by hand" in timeline


def test_viewer_sees_the_return_but_no_action_buttons(as_vera, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    page = as_vera.get(reverse("return_detail", args=[item.pk]))
    assert page.status_code == 200
    assert b"RMA-1" in page.content
    assert actions(page) == set()
    for name in ("return_route", "return_received", "return_cancel", "return_refund"):
        assert reverse(name, args=[item.pk]).encode() not in page.content


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("return_route", {}),
        ("return_received", {}),
        ("return_cancel", {"reason": "x"}),
        ("return_refund", {"refund_status": "denied"}),
    ],
)
def test_a_viewer_post_is_refused_and_changes_nothing(as_vera, brand_a, in_brand, name, data):
    item = make_return(brand_a, in_brand)
    assert as_vera.post(reverse(name, args=[item.pk]), data).status_code == 403
    with in_brand(brand_a):
        row = ReturnItem.objects.get(pk=item.pk)
        assert (row.status, row.refund_status) == ("initiated", "pending")
        assert Event.objects.filter(return_item=item).count() == 1


def test_moves_are_get_refused(as_alice, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    assert as_alice.get(reverse("return_route", args=[item.pk])).status_code == 405


# --- moves from the page ---


def test_route_then_receive_from_the_page(as_alice, brand_a, in_brand, alice):
    item = make_return(brand_a, in_brand)
    response = as_alice.post(reverse("return_route", args=[item.pk]), follow=True)
    assert b"Routed to your warehouse." in response.content
    response = as_alice.post(reverse("return_received", args=[item.pk]), follow=True)
    assert b"Marked as received at your warehouse." in response.content
    with in_brand(brand_a):
        row = ReturnItem.objects.get(pk=item.pk)
        actors = set(Event.objects.filter(return_item=item).exclude(kind="created").values_list("actor_id", flat=True))
    assert (row.status, row.disposition) == ("disposed", "to_warehouse")
    assert actors == {alice.pk}


def test_a_move_no_longer_valid_is_explained(as_alice, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    response = as_alice.post(reverse("return_received", args=[item.pk]), follow=True)
    assert "A return that is initiated cannot become disposed." in [str(m) for m in response.context["messages"]]
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "initiated"


def test_cancel_with_a_reason(as_alice, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    response = as_alice.post(reverse("return_cancel", args=[item.pk]), {"reason": "Customer kept it"})
    assert response.status_code == 302
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "cancelled"
        assert Event.objects.get(return_item=item, kind="cancelled").detail == "Customer kept it"
    steps = re.findall(r'<li class="step-(\w+)"', as_alice.get(response["Location"]).content.decode())
    assert steps == ["done", "stopped"]


def test_cancel_without_a_reason_shows_the_error_on_the_form(as_alice, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    response = as_alice.post(reverse("return_cancel", args=[item.pk]), {"reason": " "})
    assert response.status_code == 400
    assert response.context["cancel_form"].errors["reason"] == ["This field is required."]
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "initiated"


def test_refund_decision_from_the_page(as_alice, brand_a, in_brand):
    item = make_return(brand_a, in_brand)
    response = as_alice.post(reverse("return_refund", args=[item.pk]), {"refund_status": "denied"}, follow=True)
    assert b"Refund marked denied." in response.content
    bogus = as_alice.post(reverse("return_refund", args=[item.pk]), {"refund_status": "maybe"}, follow=True)
    assert b"Choose refunded or denied." in bogus.content
    again = as_alice.post(reverse("return_refund", args=[item.pk]), {"refund_status": "refunded"}, follow=True)
    assert b"The refund is already denied" in again.content
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).refund_status == "denied"


# --- who can see it ---


def test_anonymous_is_sent_to_sign_in(host_client, brand_a):
    response = host_client(brand_a.host).get("/returns/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/returns/"


@pytest.mark.parametrize("who", ["olga", "bob"])
def test_non_members_get_404(host_client, brand_a, request, who):
    assert host_client(brand_a.host, request.getfixturevalue(who)).get("/returns/").status_code == 404


def test_brand_b_returns_are_unreachable_from_brand_a(as_alice, host_client, brand_b, alice, in_brand):
    with in_brand(brand_b):
        Sku.objects.create(code="BOLT-DUVET", title="Duvet", price=99)
    b_item = make_return(brand_b, in_brand, rma="BOLT-RMA-SECRET", sku_code="BOLT-DUVET")
    assert b"BOLT-RMA-SECRET" not in as_alice.get("/returns/").content
    assert as_alice.get(reverse("return_detail", args=[b_item.pk])).status_code == 404
    assert as_alice.post(reverse("return_cancel", args=[b_item.pk]), {"reason": "x"}).status_code == 404
    on_b = host_client(brand_b.host, alice)
    assert on_b.get("/returns/").status_code == 404
    assert on_b.post(reverse("return_cancel", args=[b_item.pk]), {"reason": "x"}).status_code == 404
    with in_brand(brand_b):
        assert ReturnItem.objects.get().status == "initiated"


def test_new_return_shows_every_error_at_once(as_alice, brand_a, in_brand, active_hub):
    make_return(brand_a, in_brand, rma="RMA-1")
    values = {"rma_ref": "RMA-1", "sku": "NOPE", "customer_zip": "00000", "customer_email": "nope", "hub": ""}
    form = as_alice.post(reverse("return_new"), values).context["form"]
    assert form.errors == {
        "rma_ref": ["A return with this reference already exists."],
        "sku": ["Unknown SKU code “NOPE”."],
        "customer_zip": ["Enter a 5-digit US ZIP code, e.g. 78702."],
        "customer_email": ["Enter an e-mail address, e.g. casey@example.com."],
    }


def test_new_return_offers_only_the_hubs_that_serve_the_zip_typed(as_alice, active_hub):
    # Eastside Porch (78702) takes returns within 10 mi: Austin, not New York.
    near = as_alice.post(reverse("return_new"), {"customer_zip": "78702", "find_hubs": "1"})
    far = as_alice.post(reverse("return_new"), {"customer_zip": "10001", "find_hubs": "1"})
    assert list(near.context["form"].fields["hub"].queryset) == [active_hub]
    assert not near.context["form"].errors  # only the list was asked for
    assert list(far.context["form"].fields["hub"].queryset) == []
    assert "No active hub serves 10001 (New York, NY) yet" in far.content.decode()

    near = as_alice.get(reverse("return_new_hubs"), {"zip": "78702"}).json()
    far = as_alice.get(reverse("return_new_hubs"), {"zip": "10001"}).json()
    bad = as_alice.get(reverse("return_new_hubs"), {"zip": "0000"}).json()
    assert (near["zip"], near["valid"], near["hubs"]) == (
        "78702",
        True,
        [{"id": active_hub.pk, "label": "Eastside Porch — Austin, TX 78702 · 0.0 mi"}],
    )
    assert near["help"].startswith("Active hubs that serve 78702 (Austin, TX), nearest first.")
    assert (far["valid"], far["hubs"]) == (True, [])
    assert (bad["zip"], bad["valid"], bad["hubs"]) == (None, False, [])


def test_new_return_with_a_hub_that_does_not_serve_the_zip_lists_the_right_hubs(
    as_alice, brand_a, in_brand, active_hub
):
    values = {"rma_ref": "RMA-9", "sku": "BLANKET-SAGE", "customer_zip": "10001", "hub": active_hub.pk}
    response = as_alice.post(reverse("return_new"), values)
    form = response.context["form"]
    assert form.errors == {"hub": ["Eastside Porch does not serve ZIP 10001: it takes returns within 10 mi of 78702."]}
    assert list(form.fields["hub"].queryset) == []  # the hubs for the ZIP now typed
    with in_brand(brand_a):
        assert not ReturnItem.objects.exists()


def test_the_hub_list_of_a_new_return_is_for_brand_writers(as_vera, brand_a):
    assert as_vera.get(reverse("return_new_hubs"), {"zip": "78702"}).status_code == 403
