import pytest
from django.core import mail

from closo.models import User
from hubs.models import Hub, HubKind, HubStatus
from hubs.services import registry as services
from tests.factories import PASSWORD, applied_hub, as_staff

APPLICATION = {
    "name": "Zilker Porch",
    "kind": "neighbour",
    "address": "2100 Barton Springs Rd",
    "zip_code": "78704",
    "phone": "512-555-0100",
    "opening_hours": "Daily 8–20",
    "daily_capacity": "15",
    "service_radius_miles": "6",
    "email": "zilker@hub.test",
    "password": "a-long-passphrase-9",
}


@pytest.fixture
def public(host_client, public_host):
    return lambda user=None: host_client(public_host, user)


def test_landing_explains_closo_to_brands_and_hubs(public, db):
    response = public().get("/")
    assert response.status_code == 200
    for text in (b"For brands", b"For neighbours and small businesses", b"Apply to be a hub"):
        assert text in response.content


def test_application_creates_an_applied_hub_and_its_owner_and_emails_how_to_sign_in(
    public, db, django_capture_on_commit_callbacks
):
    client = public()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/hubs/apply/", APPLICATION)
    assert response["Location"] == "/hubs/apply/sent/"
    hub = Hub.objects.get(name="Zilker Porch")
    assert (hub.status, hub.zip_code, hub.service_radius_miles, hub.daily_capacity) == (
        HubStatus.APPLIED,
        "78704",
        6,
        15,
    )
    assert hub.members.get().user.email == "zilker@hub.test"
    assert "_auth_user_id" not in client.session  # signing in would tell the address was new
    [sent] = mail.outbox
    assert sent.to == ["zilker@hub.test"]
    assert "your application for Zilker Porch is in" in sent.body
    assert "http://localhost/accounts/sign-in/" in sent.body
    assert b"Check your e-mail" in client.get("/hubs/apply/sent/").content
    client.post("/accounts/sign-in/", {"username": "zilker@hub.test", "password": APPLICATION["password"]})
    page = client.get("/hub/")
    assert b"Your application" in page.content
    assert b"not taking returns yet" in page.content


@pytest.mark.parametrize("phone", ["512-555-0100", "(512) 555-0100", "+44 20 7946 0958", "555.0100", ""])
def test_application_takes_phone_numbers_as_people_write_them(public, db, phone):
    response = public().post("/hubs/apply/", {**APPLICATION, "phone": phone})
    assert response.status_code == 302
    assert Hub.objects.get(name="Zilker Porch").phone == phone


@pytest.mark.parametrize(
    "typed",
    [
        "2100 Barton Springs Rd, Austin, TX 78704",
        "2100 Barton Springs Rd, Austin, TX",
        "2100 Barton Springs Rd, austin tx 78704-1234, USA",
        "2100 Barton Springs Rd, TX 78704",
        "2100 Barton Springs Rd,",
    ],
)
def test_a_whole_address_typed_as_the_street_is_shown_once(public, db, typed):
    client = public()
    client.post("/hubs/apply/", {**APPLICATION, "address": typed})
    hub = Hub.objects.get(name="Zilker Porch")
    assert hub.address == "2100 Barton Springs Rd"
    assert hub.full_address == "2100 Barton Springs Rd, Austin, TX 78704"
    client.force_login(hub.members.get().user)  # applicants sign in from the e-mail they get
    assert client.get("/hub/").content.decode().count("Austin, TX") == 1


def test_a_hub_stored_with_its_city_in_the_street_shows_its_address_once(db):
    hub = applied_hub("Old Porch", zip_code="78704")
    hub.address = "1600 S Lamar Blvd, Austin, TX 78704"
    assert hub.full_address == "1600 S Lamar Blvd, Austin, TX 78704"
    hub.address = "1 Austin Ave, Suite 5"  # a street named like the city stays as it is
    assert hub.full_address == "1 Austin Ave, Suite 5, Austin, TX 78704"


def test_an_email_with_an_account_gets_the_same_answer_nothing_is_created_and_its_holder_is_emailed(
    public, alice, django_capture_on_commit_callbacks
):
    new = public().post("/hubs/apply/", {**APPLICATION, "email": "new@hub.test"}, follow=True)
    client = public()
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(
            "/hubs/apply/", {**APPLICATION, "name": "Sneaky Porch", "email": "ALICE@acme.test"}, follow=True
        )
    assert (taken.status_code, taken.redirect_chain, taken.content) == (
        new.status_code,
        new.redirect_chain,
        new.content,
    )
    assert not Hub.objects.filter(name="Sneaky Porch").exists()
    assert not alice.hub_memberships.exists()
    assert "_auth_user_id" not in client.session
    sent = mail.outbox[-1]
    assert sent.to == ["alice@acme.test"]
    assert "You already have a Closo account, so we did not create the application" in sent.body
    assert "http://localhost/accounts/sign-in/?next=/hubs/apply/" in sent.body
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)  # the password typed in the form changed nothing


def test_applications_are_held_to_the_email_limits(public, db, django_capture_on_commit_callbacks):
    client = public()
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/hubs/apply/", {**APPLICATION, "name": f"Porch {n}"})
    response = client.post("/hubs/apply/", {**APPLICATION, "name": "Porch 3"})
    assert response.status_code == 429
    assert b"We have already sent several e-mails to this address" in response.content
    assert len(mail.outbox) == 3
    assert not Hub.objects.filter(name="Porch 3").exists()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("zip_code", "00000", b"Enter a 5-digit US ZIP code, e.g. 78702."),
        ("zip_code", "7870a", b"Enter a 5-digit US ZIP code, e.g. 78702."),
        ("zip_code", "", b"Enter a 5-digit US ZIP code, e.g. 78702."),
        ("phone", "call me maybe", b"Enter a phone number: 7 to 15 digits"),
        ("phone", "555-01", b"Enter a phone number: 7 to 15 digits"),
        ("phone", "+1 512 555 0100 555 0100", b"Enter a phone number: 7 to 15 digits"),
        ("email", "not-an-email", b"Enter a valid email address"),
        ("daily_capacity", "0", b"greater than or equal to 1"),
        ("daily_capacity", "100000", b"less than or equal to 500"),
        ("service_radius_miles", "80", b"less than or equal to 50"),
        ("password", "123", b"too short"),
    ],
)
def test_application_errors_are_clear_keep_input_and_store_nothing(public, db, field, value, message):
    before = Hub.objects.count()
    response = public().post("/hubs/apply/", {**APPLICATION, field: value})
    assert response.status_code == 200
    assert message in response.content
    assert b'value="Zilker Porch"' in response.content
    assert Hub.objects.count() == before
    assert not User.objects.filter(email="zilker@hub.test").exists()


def test_signed_in_user_applies_without_a_new_account(public, olga):
    data = {k: v for k, v in APPLICATION.items() if k not in ("email", "password")}
    response = public(olga).post("/hubs/apply/", data)
    assert response.status_code == 302
    assert Hub.objects.get(name="Zilker Porch").members.get().user == olga


def test_hub_portal_needs_sign_in(public, db):
    response = public().get("/hub/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_hub_portal_needs_hub_membership(public, alice):
    response = public(alice).get("/hub/")
    assert response.status_code == 403
    assert b"You are not part of a hub" in response.content


def test_inspector_sees_their_hub_and_an_empty_queue_that_says_what_will_appear(public, ivan):
    response = public(ivan).get("/hub/")
    assert response.status_code == 200
    assert b"Eastside Porch" in response.content
    assert b"Nothing to do right now" in response.content
    assert b"expected drop-off" in response.content


def test_member_of_one_hub_cannot_open_another_by_id(public, ivan, stan):
    other = applied_hub("Other")
    assert public(ivan).get(f"/hub/?hub={other.pk}").status_code == 404


def test_suspended_hub_portal_says_so(public, ivan, stan, active_hub):
    services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    response = public(ivan).get("/hub/")
    assert b"Suspended" in response.content
    assert b"cannot receive or inspect" in response.content


@pytest.mark.parametrize("who", ["alice", "ivan", "olga"])
def test_staff_pages_are_for_staff_only(public, request, active_hub, who):
    client = public(request.getfixturevalue(who))
    assert client.get("/staff/hubs/").status_code == 403
    assert client.get(f"/staff/hubs/{active_hub.pk}/").status_code == 403
    response = client.post(f"/staff/hubs/{active_hub.pk}/status/", {"status": "suspended", "reason": "x"})
    assert response.status_code == 403
    active_hub.refresh_from_db()
    assert active_hub.status == HubStatus.ACTIVE


def test_staff_vet_and_activate_an_applicant_recording_who_did_it(public, stan):
    hub = applied_hub("New Hub", kind=HubKind.SMALL_BUSINESS)
    client = public(stan)
    listing = client.get("/staff/hubs/?status=applied")
    assert b"New Hub" in listing.content and b"Eastside Porch" not in listing.content
    refused = client.post(f"/staff/hubs/{hub.pk}/status/", {"status": "vetted"}, follow=True)
    assert b"Still to confirm: ID verified, Agreement signed, Training completed." in refused.content
    for check in services.VETTING_CHECKS:
        client.post(f"/staff/hubs/{hub.pk}/check/", {"check": check})
    client.post(f"/staff/hubs/{hub.pk}/status/", {"status": "vetted"})
    page = client.post(f"/staff/hubs/{hub.pk}/status/", {"status": "active"}, follow=True)
    assert b"New Hub is now active." in page.content
    hub.refresh_from_db()
    assert hub.status == HubStatus.ACTIVE
    assert hub.training_completed_by == stan
    assert list(hub.events.values_list("actor__email", flat=True))[:2] == [stan.email, stan.email]


def test_staff_list_query_count_is_flat(public, stan, django_assert_max_num_queries):
    client = public(stan)
    with django_assert_max_num_queries(8):
        client.get("/staff/hubs/")
    for i in range(30):
        applied_hub(f"Hub {i}")
    with django_assert_max_num_queries(8):
        assert b"Hub 29" in client.get("/staff/hubs/").content


def test_an_admin_action_changes_status_through_the_machine_as_staff(public, active_hub):
    root = User.objects.create_superuser("root@closo.test", "a-long-passphrase-9")
    response = public(root).post(
        "/admin/hubs/hub/", {"action": "make_suspended", "_selected_action": [active_hub.pk]}, follow=True
    )
    assert b"Eastside Porch: suspend." in response.content
    active_hub.refresh_from_db()
    assert active_hub.status == HubStatus.SUSPENDED
    event = active_hub.events.first()
    assert (event.from_status, event.to_status, event.actor, event.detail) == (
        "active",
        "suspended",
        root,
        "Changed in admin",
    )
    refused = public(root).post(
        "/admin/hubs/hub/", {"action": "make_vetted", "_selected_action": [active_hub.pk]}, follow=True
    )
    assert b"A hub that is suspended cannot become vetted." in refused.content
