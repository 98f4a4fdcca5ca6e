"""The hub API on the public host (/api/v1/hub/): sessions and HTTP Basic for scanner apps,
members of a hub only, `X-Hub`/`?hub=` to pick a hub, the queue, receive by code, one
return — and nothing for another hub, a brand's admin or an outsider."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from fulfillment.models import Event, ReturnItem
from fulfillment.services import returns as services
from hubs.models import HubStatus, HubTask
from hubs.services import registry as hub_services
from tests.conftest import EMAILS, post_json
from tests.factories import HUB, PASSWORD, as_staff
from tests.hubs.conftest import SYSTEM


@pytest.fixture
def public(host_client, public_host):
    return lambda user=None: host_client(public_host, user)


@pytest.fixture
def scanner(public):
    """basic(email, password=PASSWORD): a client sending HTTP Basic credentials, no session."""

    def make(email: str, password: str = PASSWORD):
        client = public()
        token = base64.b64encode(f"{email}:{password}".encode()).decode()
        client.defaults["HTTP_AUTHORIZATION"] = f"Basic {token}"
        return client

    return make


def error(response) -> dict:
    return response.json()["error"]


# --- who may call it ---


def test_anonymous_gets_401_with_a_basic_challenge(public, db):
    response = public().get("/api/v1/hub/queue")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert error(response)["code"] == "not_authenticated"


def test_wrong_password_is_401(scanner, ivan):
    response = scanner(EMAILS["ivan"], "wrong").get("/api/v1/hub/queue")
    assert (response.status_code, error(response)["code"]) == (401, "authentication_failed")


@pytest.mark.parametrize("who", ["alice", "bob", "olga"])
def test_people_without_a_hub_are_refused(scanner, request, who):
    request.getfixturevalue(who)
    response = scanner(EMAILS[who]).get("/api/v1/hub/queue")
    assert response.status_code == 403
    assert error(response) == {
        "code": "permission_denied",
        "message": "You are not a member of any hub.",
        "fields": {},
    }


def test_the_hub_api_is_not_on_brand_hosts(api_client, host_client, brand_a, ivan):
    assert api_client(brand_a).get("/api/v1/hub/queue").status_code == 404
    assert host_client(brand_a.host, ivan).get("/api/v1/hub/queue").status_code == 404


def test_a_session_needs_csrf_for_writes(host_client, public_host, ivan):
    from django.test import Client

    client = Client(HTTP_HOST=public_host, enforce_csrf_checks=True)
    client.force_login(ivan)
    response = post_json(client, "/api/v1/hub/receive", {"code": "HJKM2345"})
    assert response.status_code == 403
    assert "CSRF" in error(response)["message"]


# --- hubs and the queue ---


def test_hubs_lists_where_you_work(scanner, ivan, active_hub):
    body = scanner(EMAILS["ivan"]).get("/api/v1/hub/hubs").json()
    assert body == [
        {
            "hub": {
                "id": active_hub.pk,
                "name": "Eastside Porch",
                "status": "active",
                "address": "1100 E 6th St",
                "city": "Austin",
                "state": "TX",
                "zip_code": "78702",
            },
            "role": "inspector",
        }
    ]


def test_queue_mirrors_the_portal_lanes(scanner, ivan, brand_a, in_brand, sku_a, active_hub, route):
    item = route(brand_a, in_brand, active_hub)
    HubTask.objects.filter(code=item.dropoff_code).update(due_at=timezone.now() - timedelta(days=2, hours=1))
    body = scanner(EMAILS["ivan"]).get("/api/v1/hub/queue").json()
    assert body["hub"]["id"] == active_hub.pk
    assert (body["total"], body["overdue"]) == (1, 1)
    assert [(lane["kind"], lane["count"]) for lane in body["lanes"]] == [
        ("dropoff", 1),
        ("inspect", 0),
        ("shelf", 0),
        ("handoff", 0),
        ("pack", 0),
    ]
    (entry,) = body["lanes"][0]["items"]
    assert entry == {
        "brand": {"slug": "acme", "name": "Acme Apparel"},
        "return_id": item.pk,
        "reference": "RMA-1",
        "title": "WB-15 · Weighted blanket",
        "due_at": entry["due_at"],
        "overdue": True,
        "due_text": "overdue 2\xa0days",
        "url": f"/api/v1/hub/b/acme/returns/{item.pk}",
    }
    assert "code" not in entry  # the code comes from the customer, never from the queue


def test_x_hub_or_query_picks_one_of_your_hubs_and_another_hub_is_404(
    scanner, ivan, brand_a, in_brand, sku_a, active_hub, other_hub, route
):
    route(brand_a, in_brand, other_hub, rma="AT-ZILKER")
    client = scanner(EMAILS["ivan"])
    assert client.get("/api/v1/hub/queue", HTTP_X_HUB=str(other_hub.pk)).status_code == 404
    assert client.get(f"/api/v1/hub/queue?hub={other_hub.pk}").json()["error"]["code"] == "not_found"
    hub_services.hub_member_add(hub=other_hub, user=ivan, role="inspector")
    by_header = client.get("/api/v1/hub/queue", HTTP_X_HUB=str(other_hub.pk)).json()
    by_query = client.get(f"/api/v1/hub/queue?hub={other_hub.pk}").json()
    assert by_header == by_query
    assert by_header["lanes"][0]["items"][0]["reference"] == "AT-ZILKER"
    assert client.get("/api/v1/hub/queue").json()["total"] == 0  # the first hub: Eastside


def test_queue_query_count_is_flat_from_10_to_100_tasks(
    scanner, ivan, brand_a, brand_b, active_hub, django_assert_num_queries
):
    client = scanner(EMAILS["ivan"])

    def add(start, n):
        HubTask.objects.bulk_create(
            HubTask(
                hub=active_hub,
                brand=(brand_a, brand_b)[i % 2],
                kind=["dropoff", "inspect", "shelf", "handoff"][i % 4],
                return_item_id=i + 1,
                title=f"Item {i}",
                reference=f"R-{i}",
                due_at=timezone.now() + timedelta(hours=i - 30),
            )
            for i in range(start, start + n)
        )

    add(0, 10)
    client.get("/api/v1/hub/queue")  # warm the password hasher's first-use work
    # search_path (host → brand from memory), account and IP locks (closo.attempts), user (Basic), membership
    # check, memberships, queue
    with django_assert_num_queries(6):
        assert client.get("/api/v1/hub/queue").json()["total"] == 10
    add(10, 90)
    with django_assert_num_queries(6):
        assert client.get("/api/v1/hub/queue").json()["total"] == 100


# --- receive ---


def test_receive_by_code_answers_the_return_and_what_to_do_next(
    scanner, ivan, brand_a, in_brand, sku_a, active_hub, route
):
    item = route(brand_a, in_brand, active_hub)
    response = post_json(scanner(EMAILS["ivan"]), "/api/v1/hub/receive", {"code": item.dropoff_code.lower()})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["brand"] == {"slug": "acme", "name": "Acme Apparel"}
    assert body["hub"]["id"] == active_hub.pk
    assert body["url"] == f"/api/v1/hub/b/acme/returns/{item.pk}"
    assert {k: body["item"][k] for k in ("id", "rma_ref", "status", "next_action", "inspect_url", "unit")} == {
        "id": item.pk,
        "rma_ref": "RMA-1",
        "status": "dropped_off",
        "next_action": "Inspect it: photos and the checklist take about 30 seconds.",
        "inspect_url": f"/hub/b/acme/returns/{item.pk}/inspect/",
        "unit": None,
    }
    assert body["item"]["sku"] == {"code": "WB-15", "title": "Weighted blanket", "attributes": {"colour": "Sage"}}
    with in_brand(brand_a):
        event = Event.objects.filter(return_item_id=item.pk).last()
    assert (event.kind, event.hub_id, event.actor_id) == ("dropped_off", active_hub.pk, ivan.pk)


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("unknown", 404, "unknown_code"),
        ("used", 409, "code_used"),
        ("cancelled", 409, "code_cancelled"),
        ("expired", 410, "code_expired"),
        ("other_hub", 409, "wrong_hub"),
        ("suspended", 409, "hub_not_active"),
    ],
)
def test_receive_errors_have_their_code_and_change_nothing(
    scanner, ivan, stan, brand_a, in_brand, sku_a, active_hub, other_hub, route, setup, status, code
):
    item = route(brand_a, in_brand, other_hub if setup == "other_hub" else active_hub)
    typed = item.dropoff_code
    if setup == "unknown":
        typed = "HJKM2345" if typed != "HJKM2345" else "HJKM2346"
    elif setup == "used":
        services.return_receive_dropoff(code=typed, hub=active_hub, actor=HUB)
    elif setup == "cancelled":
        with in_brand(brand_a):
            services.return_cancel(item=item, reason="Kept it", actor=SYSTEM)
    elif setup == "expired":
        HubTask.objects.filter(code=typed).update(due_at=timezone.now() - timedelta(days=1))
    elif setup == "suspended":
        hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    with in_brand(brand_a):
        before = (ReturnItem.objects.get(pk=item.pk).status, Event.objects.count())
    tasks_before = list(HubTask.objects.order_by("pk").values_list("kind", "status"))
    response = post_json(scanner(EMAILS["ivan"]), "/api/v1/hub/receive", {"code": typed})
    assert response.status_code == status
    assert error(response)["code"] == code
    assert error(response)["message"]
    assert "Zilker" not in error(response)["message"]
    with in_brand(brand_a):
        assert (ReturnItem.objects.get(pk=item.pk).status, Event.objects.count()) == before
    assert list(HubTask.objects.order_by("pk").values_list("kind", "status")) == tasks_before


def test_receive_needs_a_code(scanner, ivan):
    response = post_json(scanner(EMAILS["ivan"]), "/api/v1/hub/receive", {})
    assert response.status_code == 400
    assert (error(response)["code"], list(error(response)["fields"])) == ("required", ["code"])


@pytest.mark.parametrize("who", ["alice", "bob", "olga"])
def test_receive_by_people_without_a_hub_is_refused(scanner, request, who, brand_a, in_brand, sku_a, active_hub, route):
    request.getfixturevalue(who)
    item = route(brand_a, in_brand, active_hub)
    response = post_json(scanner(EMAILS[who]), "/api/v1/hub/receive", {"code": item.dropoff_code})
    assert response.status_code == 403
    with in_brand(brand_a):
        assert ReturnItem.objects.get(pk=item.pk).status == "routed"


def test_another_hubs_inspector_cannot_receive_your_drop_off(scanner, wes, brand_a, in_brand, sku_a, active_hub, route):
    item = route(brand_a, in_brand, active_hub)
    response = post_json(scanner("wes@hub.test"), "/api/v1/hub/receive", {"code": item.dropoff_code})
    assert error(response)["code"] == "wrong_hub"


# --- one return ---


def test_return_detail_has_the_item_and_its_custody(scanner, ivan, brand_a, in_brand, sku_a, active_hub, route):
    item = route(brand_a, in_brand, active_hub)
    client = scanner(EMAILS["ivan"])
    post_json(client, "/api/v1/hub/receive", {"code": item.dropoff_code})
    body = client.get(f"/api/v1/hub/b/acme/returns/{item.pk}").json()
    assert body["brand"] == {"slug": "acme", "name": "Acme Apparel"}
    assert (body["item"]["status"], body["item"]["inspect_url"]) == (
        "dropped_off",
        f"/hub/b/acme/returns/{item.pk}/inspect/",
    )
    assert [(e["kind"], e["hub"], e["actor"]) for e in body["events"]] == [
        ("created", None, None),
        ("routed", None, None),
        ("dropped_off", "Eastside Porch", ivan.email),
    ]
    assert [e["kind_label"] for e in body["events"]] == ["Created", "Routed", "Received at the hub"]
    assert "customer_name" not in body["item"] and "dropoff_code" not in body["item"]


@pytest.mark.parametrize("who", ["wes", "alice", "bob", "olga"])
def test_others_cannot_read_a_hubs_return(
    scanner, request, who, brand_a, in_brand, sku_a, active_hub, other_hub, route
):
    request.getfixturevalue(who)
    item = route(brand_a, in_brand, active_hub)
    email = "wes@hub.test" if who == "wes" else EMAILS[who]
    response = scanner(email).get(f"/api/v1/hub/b/acme/returns/{item.pk}")
    assert response.status_code == (404 if who == "wes" else 403)
    assert "RMA-1" not in response.content.decode()


def test_guessed_return_ids_and_brands_are_404(
    scanner, ivan, brand_a, brand_b, in_brand, sku_a, sku_b, active_hub, route
):
    from tests.factories import make_return

    mine = route(brand_a, in_brand, active_hub)
    bolt = make_return(brand_b, in_brand, rma="RMA-B", sku_code="DUVET-Q")
    client = scanner(EMAILS["ivan"])
    for path in (
        f"/api/v1/hub/b/bolt/returns/{mine.pk}",
        f"/api/v1/hub/b/bolt/returns/{bolt.pk}",
        f"/api/v1/hub/b/acme/returns/{mine.pk + 1000}",
        f"/api/v1/hub/b/nope/returns/{mine.pk}",
    ):
        response = client.get(path)
        assert (response.status_code, error(response)["code"]) == (404, "not_found"), path
