"""Every hub endpoint family (hubs, queue, receive, a return, inspection, photos) shares one
base class (hubs.apis.base.HubApi) and one access rule (portals.selectors.hub_access):
both sign-in methods work on each, a browser is never challenged for Basic credentials,
people without a hub are refused, and another hub's return, an inactive or unknown brand
and staff (no hub's member) get the same answer from every entry point that opens a return."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest

from closo.actors import Actor
from hubs.models import HubStatus
from inspections.selectors.inspections import inspection_started_token
from tests.conftest import EMAILS
from tests.factories import PASSWORD
from tests.inspections.inspect_builders import (
    ALL_PASS,
    add_photos,
    assigned_return,
    publish_standard,
    received_return,
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict | None = None
    ok: int = 200


@pytest.fixture
def data(brand_a, alice, active_hub, in_brand):
    """A published standard, a return received at Eastside Porch with its photos, and one
    on its way there (routed, with its drop-off code)."""
    with in_brand(brand_a):
        publish_standard(Actor(user=alice, label=alice.email))
    received = received_return(brand_a, active_hub)
    routed = assigned_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(received, active_hub)
    return received, routed


def calls(received, routed, slug="acme") -> dict[str, Call]:
    item = f"/api/v1/hub/b/{slug}/returns/{received.pk}"
    return {
        "hubs": Call("get", "/api/v1/hub/hubs"),
        "queue": Call("get", "/api/v1/hub/queue"),
        "receive": Call("post", "/api/v1/hub/receive", {"code": routed.dropoff_code}),
        "return": Call("get", item),
        "inspection form": Call("get", f"{item}/inspection/form"),
        "inspection submit": Call(
            "post",
            f"{item}/inspection",
            {"answers": ALL_PASS, "started_token": inspection_started_token(item=received)},
            ok=201,
        ),
        "photos (API)": Call("get", f"{item}/photos"),
        "photos (wizard)": Call("get", f"/hub/b/{slug}/returns/{received.pk}/photos/"),
    }


FAMILIES = [
    "hubs",
    "queue",
    "receive",
    "return",
    "inspection form",
    "inspection submit",
    "photos (API)",
    "photos (wizard)",
]


def send(client, call: Call, **headers):
    if call.method == "post":
        return client.post(call.path, json.dumps(call.body), content_type="application/json", **headers)
    return client.get(call.path, **headers)


def basic(email: str, password: str = PASSWORD) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
def public(host_client, public_host):
    return lambda user=None: host_client(public_host, user)


# --- both sign-in methods, on every family ---


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("auth", ["session", "basic"])
def test_a_hub_member_signs_in_with_a_session_or_http_basic(public, ivan, data, family, auth):
    call = calls(*data)[family]
    client = public(ivan) if auth == "session" else public()
    response = send(client, call, **({} if auth == "session" else basic(ivan.email)))
    assert response.status_code == call.ok, response.content


@pytest.mark.parametrize("family", FAMILIES)
def test_a_session_wins_over_stray_basic_credentials(public, ivan, data, family):
    """Session first: a signed-in browser is not refused for an Authorization header it
    did not mean to send."""
    call = calls(*data)[family]
    response = send(public(ivan), call, **basic(ivan.email, "not-the-password"))
    assert response.status_code == call.ok, response.content


@pytest.mark.parametrize("family", FAMILIES)
def test_a_scanner_without_credentials_is_challenged(public, data, family):
    response = send(public(), calls(*data)[family])
    assert error(response) == (401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


@pytest.mark.parametrize("family", FAMILIES)
def test_wrong_basic_credentials_get_401_and_the_challenge(public, ivan, data, family):
    response = send(public(), calls(*data)[family], **basic(ivan.email, "wrong"))
    assert error(response) == (401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(
    "browser", [{"HTTP_SEC_FETCH_MODE": "cors"}, {"HTTP_COOKIE": "sessionid=expired"}], ids=["fetch", "cookie"]
)
def test_a_browser_is_never_asked_for_basic_credentials(public, data, family, browser):
    response = send(public(), calls(*data)[family], **browser)
    assert error(response) == (403, "not_authenticated")
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize("family", FAMILIES)
def test_people_without_a_hub_are_refused_everywhere(request, public, data, family):
    for who in ("alice", "olga", "stan"):
        user = request.getfixturevalue(who)
        for client, headers in ((public(user), {}), (public(), basic(EMAILS[who]))):
            response = send(client, calls(*data)[family], **headers)
            assert response.status_code == 403, (who, headers)
            assert response.json()["error"] == {
                "code": "permission_denied",
                "message": "You are not a member of any hub.",
                "fields": {},
            }


# --- one access rule for every entry point that opens a return ---

PAGES = ["", "inspect/"]  # the hub portal's pages of one return
RETURN_FAMILIES = ["return", "inspection form", "photos (API)", "photos (wizard)", "inspection submit"]


def entry_points(received, slug: str) -> list[Call]:
    """Every way in to one return, the submit last (it changes what the pages show)."""
    endpoints = calls(received, received, slug)
    pages = [Call("get", f"/hub/b/{slug}/returns/{received.pk}/{page}") for page in PAGES]
    return pages + [endpoints[family] for family in RETURN_FAMILIES]


def test_the_holders_inspector_opens_the_return_everywhere(public, ivan, data):
    received, _ = data
    for call in entry_points(received, "acme"):
        assert send(public(ivan), call).status_code in (200, 201), call.path


@pytest.mark.parametrize("case", ["another hub's inspector", "inactive brand", "unknown brand", "another brand's id"])
def test_every_entry_point_answers_404_for_what_the_member_may_not_open(public, ivan, wes, data, brand_a, case):
    received, _ = data
    user, slug = ivan, "acme"
    if case == "another hub's inspector":
        user = wes
    elif case == "inactive brand":
        type(brand_a).objects.filter(pk=brand_a.pk).update(is_active=False)
    elif case == "unknown brand":
        slug = "nope"
    else:
        slug = "bolt"  # brand B has no return of that id at his hub
    for call in entry_points(received, slug):
        response = send(public(user), call)
        assert response.status_code == 404, (call.path, response.status_code)


def test_staff_are_no_hubs_members_on_any_return_entry_point(public, stan, data):
    received, _ = data
    for call in entry_points(received, "acme"):
        response = send(public(stan), call)
        is_api = "/api/" in call.path or call.path.endswith("/photos/")
        assert response.status_code == (403 if is_api else 404), call.path


def test_a_suspended_hub_still_reads_but_cannot_receive(public, ivan, data, active_hub, stan):
    from hubs.services import registry as hub_services
    from tests.factories import as_staff

    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    endpoints = calls(*data)
    assert send(public(ivan), endpoints["return"]).status_code == 200
    assert error(send(public(ivan), endpoints["receive"])) == (409, "hub_not_active")
