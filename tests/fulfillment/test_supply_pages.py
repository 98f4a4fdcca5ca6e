"""Inbound-supply pages: the list with its weekly chart and filters, the create form, and
the detail page with its timeline and receive/cancel actions, by role and across brands."""

import pytest

from closo.actors import Actor
from fulfillment.models import InboundSupply, Sku
from fulfillment.services.supply import supply_create
from tests.factories import in_days


@pytest.fixture
def po(brand_a, in_brand, blanket, alice):
    with in_brand(brand_a):
        return supply_create(
            sku_code="WB-15",
            qty=40,
            expected_date=in_days(8),
            po_ref="PO-1",
            actor=Actor(user=alice, label=alice.email),
        )


def refs(response) -> list[str]:
    return [o.po_ref for o in response.context["orders"]]


# --- list ---


def test_empty_list_says_what_to_do_next(alice_client):
    response = alice_client.get("/supply/")
    assert response.status_code == 200
    assert b"No restocks recorded yet." in response.content
    assert b"POST /api/v1/supply/" in response.content
    assert b"Nothing expected in the next 8 weeks." in response.content
    assert b'href="/supply/" aria-current="page">Supply</a>' in response.content


def test_list_shows_orders_and_a_bar_per_week(alice_client, po):
    response = alice_client.get("/supply/")
    assert b"PO-1" in response.content and b"WB-15" in response.content
    chart = response.context["chart"]
    assert len(chart["weeks"]) == 8
    assert chart["total"] == 40
    assert response.content.count(b'class="bar-row"') == 8
    assert b"--w: 100%" in response.content
    assert b"40 units" in response.content


def test_overdue_units_are_called_out(alice_client, brand_a, in_brand, po):
    with in_brand(brand_a):
        InboundSupply.objects.filter(pk=po.pk).update(expected_date=in_days(-3))
    response = alice_client.get("/supply/")
    assert b"40 units overdue" in response.content
    overdue = alice_client.get(f"/supply/?status=expected&expected_before={in_days(0).isoformat()}")
    assert refs(overdue) == ["PO-1"]


def test_list_filters_and_sorts(alice_client, brand_a, in_brand, po, blanket):
    with in_brand(brand_a):
        other = Sku.objects.create(code="TH-1", title="Throw", price=49)
        InboundSupply.objects.create(po_ref="PO-2", sku=other, qty=5, expected_date=in_days(20))
        InboundSupply.objects.create(po_ref="PO-3", sku=blanket, qty=7, expected_date=in_days(2), status="received")
    assert refs(alice_client.get("/supply/")) == ["PO-3", "PO-1", "PO-2"]
    assert refs(alice_client.get("/supply/?sku=TH-1")) == ["PO-2"]
    assert refs(alice_client.get("/supply/?status=received")) == ["PO-3"]
    assert refs(alice_client.get(f"/supply/?expected_after={in_days(5).isoformat()}")) == ["PO-1", "PO-2"]
    assert refs(alice_client.get("/supply/?sort=-qty")) == ["PO-1", "PO-3", "PO-2"]
    assert b"No purchase orders match these filters." in alice_client.get("/supply/?sku=NOPE").content


def test_list_queries_stay_flat_from_10_to_100_rows(alice_client, brand_a, in_brand, django_assert_num_queries):
    def make(n, start):
        with in_brand(brand_a):
            skus = Sku.objects.bulk_create(Sku(code=f"S-{i}", title="x", price=1) for i in range(start, start + n))
            InboundSupply.objects.bulk_create(
                InboundSupply(po_ref=f"PO-{s.code}", sku=s, qty=1, expected_date=in_days(1)) for s in skus
            )

    make(10, 0)
    alice_client.get("/supply/")
    # search_path (host → brand from memory), session, user, membership, count, page (+ SKUs joined), chart
    with django_assert_num_queries(7) as ten:
        alice_client.get("/supply/")
    make(90, 10)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(refs(alice_client.get("/supply/"))) == 50


def test_writers_see_add_restock_viewers_do_not(alice_client, vera_client, po):
    assert b">Add restock</a>" in alice_client.get("/supply/").content
    assert b">Add restock</a>" not in vera_client.get("/supply/").content


# --- create ---


def test_create_form_records_the_order_and_opens_it(alice_client, brand_a, in_brand, blanket):
    page = alice_client.get("/supply/new/?sku=WB-15")
    assert page.status_code == 200
    assert b'value="WB-15"' in page.content
    assert b'<option value="WB-15">' in page.content
    response = alice_client.post(
        "/supply/new/", {"po_ref": "PO-7", "sku": "WB-15", "qty": "12", "expected_date": in_days(3).isoformat()}
    )
    with in_brand(brand_a):
        po = InboundSupply.objects.get(po_ref="PO-7")
    assert response.status_code == 302
    assert response["Location"] == f"/supply/{po.pk}/"


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"sku": "NOPE"}, "sku", "No SKU with code “NOPE”."),
        ({"expected_date": in_days(-2).isoformat()}, "expected_date", "Enter today or a later date."),
        ({"qty": "0"}, "qty", "Ensure this value is greater than or equal to 1."),
        ({"po_ref": "PO-1"}, "po_ref", "This PO reference is already used."),
    ],
)
def test_create_form_errors_keep_the_input(alice_client, brand_a, in_brand, po, change, field, message):
    data = {"po_ref": "PO-8", "sku": "WB-15", "qty": "12", "expected_date": in_days(3).isoformat(), **change}
    response = alice_client.post("/supply/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert f'value="{data["po_ref"]}"'.encode() in response.content
    with in_brand(brand_a):
        assert InboundSupply.objects.count() == 1


def test_viewers_cannot_create(vera_client, blanket):
    assert vera_client.get("/supply/new/").status_code == 403


# --- detail, receive, cancel ---


def test_detail_shows_the_timeline_and_actions_for_writers(alice_client, po):
    response = alice_client.get(f"/supply/{po.pk}/")
    assert response.status_code == 200
    assert b'class="timeline"' in response.content
    assert b"alice@acme.test" in response.content
    assert b"Mark received" in response.content
    assert b"Cancel this order" in response.content


def test_viewer_sees_the_detail_without_actions(vera_client, po):
    response = vera_client.get(f"/supply/{po.pk}/")
    assert response.status_code == 200
    assert b"Mark received" not in response.content
    assert b"Cancel this order" not in response.content
    assert vera_client.post(f"/supply/{po.pk}/receive/").status_code == 403
    assert vera_client.post(f"/supply/{po.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_receive_button_adds_stock_and_hides_the_actions(alice_client, brand_a, in_brand, po, blanket):
    response = alice_client.post(f"/supply/{po.pk}/receive/", follow=True)
    assert b"Received 40 \xc3\x97 WB-15" in response.content
    assert b"Mark received" not in response.content
    assert b"42 at your warehouse" in response.content
    with in_brand(brand_a):
        assert Sku.objects.get(pk=blanket.pk).available_qty == 42
    again = alice_client.post(f"/supply/{po.pk}/receive/", follow=True)
    assert b"A purchase order that is received cannot become received." in again.content


def test_cancel_needs_a_reason_and_records_it(alice_client, brand_a, in_brand, po):
    missing = alice_client.post(f"/supply/{po.pk}/cancel/", {"reason": ""})
    assert missing.status_code == 400
    assert missing.context["cancel_form"].errors["reason"] == ["This field is required."]
    response = alice_client.post(f"/supply/{po.pk}/cancel/", {"reason": "Factory cancelled"}, follow=True)
    assert b"Cancelled PO-1." in response.content
    assert b"Factory cancelled" in response.content
    with in_brand(brand_a):
        assert InboundSupply.objects.get(pk=po.pk).status == "cancelled"


def test_actions_only_take_post(alice_client, po):
    assert alice_client.get(f"/supply/{po.pk}/receive/").status_code == 405


# --- access ---


@pytest.mark.parametrize("path", ["/supply/", "/supply/new/"])
def test_non_members_get_404(host_client, brand_a, olga, path):
    assert host_client(brand_a.host, olga).get(path).status_code == 404


def test_brand_b_orders_are_unreachable_from_brand_a(alice_client, host_client, brand_b, in_brand, alice):
    with in_brand(brand_b):
        Sku.objects.create(code="BOLT-1", title="Bolt duvet", price=199)
        theirs = supply_create(sku_code="BOLT-1", qty=5, expected_date=in_days(3), po_ref="BOLT-PO", actor=Actor())
    assert b"BOLT-PO" not in alice_client.get("/supply/").content
    assert alice_client.get(f"/supply/{theirs.pk}/").status_code == 404
    assert alice_client.post(f"/supply/{theirs.pk}/receive/").status_code == 404
    assert host_client(brand_b.host, alice).get(f"/supply/{theirs.pk}/").status_code == 404
    with in_brand(brand_b):
        assert InboundSupply.objects.get(pk=theirs.pk).status == "expected"
