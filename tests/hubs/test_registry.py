import pytest

from closo.actors import Actor, Party
from closo.exceptions import DomainError
from hubs.geo import bounding_box, haversine_miles
from hubs.models import Hub, HubEvent, HubMember, HubStatus, PostalCode
from hubs.services import registry as services
from tests.factories import applied_hub, as_staff


def apply(zip_code="78745", name="South Porch"):
    return applied_hub(name, zip_code=zip_code)


def test_every_us_zip_is_loaded_with_its_centroid(db):
    assert PostalCode.objects.count() > 40000
    austin = PostalCode.objects.get(code="78701")
    assert (austin.city, austin.state) == ("Austin", "TX")
    assert austin.lat == pytest.approx(30.27, abs=0.05)
    assert austin.lon == pytest.approx(-97.74, abs=0.05)


def test_haversine_matches_known_distances():
    # Austin 78701 → Dallas 75201 is about 182 miles as the crow flies.
    assert haversine_miles(30.2713, -97.7426, 32.7876, -96.7994) == pytest.approx(182, abs=3)
    assert haversine_miles(30.0, -97.0, 30.0, -97.0) == 0


def test_bounding_box_contains_the_circle():
    box = bounding_box(30.27, -97.74, 10)
    for lat, lon in [(box.min_lat, -97.74), (box.max_lat, -97.74), (30.27, box.min_lon), (30.27, box.max_lon)]:
        assert haversine_miles(30.27, -97.74, lat, lon) == pytest.approx(10, rel=0.01)


def test_within_miles_annotates_distance_and_orders_nearest_first(db):
    downtown = PostalCode.objects.get(code="78701")
    near = PostalCode.objects.filter(code__in=["78702", "78704", "78701"]).count()
    result = list(PostalCode.objects.filter(**bounding_box(downtown.lat, downtown.lon, 5).as_filter()))
    assert len(result) >= near
    hubs = list(Hub.objects.within_miles(downtown.lat, downtown.lon, 5))
    assert [h.name for h in hubs] == ["Eastside Porch"]
    assert hubs[0].distance_miles == pytest.approx(
        haversine_miles(downtown.lat, downtown.lon, hubs[0].lat, hubs[0].lon), rel=1e-6
    )
    assert list(Hub.objects.within_miles(downtown.lat, downtown.lon, 0.1)) == []


def test_serving_uses_each_hubs_own_radius(db, active_hub):
    round_rock = PostalCode.objects.get(code="78664")  # ~17 mi north of Eastside Porch
    assert not Hub.objects.active().serving(round_rock.lat, round_rock.lon).exists()
    Hub.objects.filter(pk=active_hub.pk).update(service_radius_miles=25)
    assert list(Hub.objects.active().serving(round_rock.lat, round_rock.lon)) == [active_hub]


def test_apply_takes_location_from_the_zip_and_makes_the_applicant_owner(db):
    hub = apply()
    assert (hub.city, hub.state, hub.zip_code, hub.status) == ("Austin", "TX", "78745", HubStatus.APPLIED)
    assert hub.lat == PostalCode.objects.get(code="78745").lat
    assert HubMember.objects.get(hub=hub).role == "owner"
    assert hub.events.get().kind == HubEvent.Kind.APPLIED


def test_apply_with_unknown_zip_stores_nothing(db):
    before = Hub.objects.count()
    with pytest.raises(DomainError) as excinfo:
        apply(zip_code="00000")
    assert excinfo.value.code == "unknown_zip"
    assert Hub.objects.count() == before


def test_vetting_records_who_and_when_and_vetted_needs_every_check(db, stan):
    hub = apply()
    with pytest.raises(DomainError) as excinfo:
        services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=as_staff(stan))
    assert excinfo.value.code == "vetting_incomplete"
    for check in services.VETTING_CHECKS:
        hub = services.hub_record_check(hub=hub, check=check, actor=as_staff(stan))
        assert getattr(hub, f"{check}_by") == stan
        assert getattr(hub, f"{check}_at") is not None
    hub = services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=as_staff(stan))
    hub = services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=as_staff(stan))
    assert hub.status == HubStatus.ACTIVE
    moves = [(e.from_status, e.to_status, e.actor) for e in hub.events.filter(kind=HubEvent.Kind.STATUS)]
    assert moves == [("vetted", "active", stan), ("applied", "vetted", stan)]


def test_recording_a_check_twice_keeps_the_first_record(db, stan, alice):
    hub = services.hub_record_check(hub=apply(), check="id_verified", actor=as_staff(stan))
    first = hub.id_verified_at
    hub = services.hub_record_check(hub=hub, check="id_verified", actor=as_staff(alice))
    assert (hub.id_verified_at, hub.id_verified_by) == (first, stan)


@pytest.mark.parametrize(
    "start, target",
    [
        ("applied", "active"),
        ("applied", "suspended"),
        ("active", "vetted"),
        ("suspended", "vetted"),
        ("active", "active"),
    ],
)
def test_invalid_status_moves_are_refused(db, stan, start, target):
    hub = apply()
    Hub.objects.filter(pk=hub.pk).update(status=start)
    with pytest.raises(DomainError) as excinfo:
        services.hub_set_status(hub=hub, status=target, actor=as_staff(stan), reason="r")
    assert excinfo.value.code == "invalid_transition"
    hub.refresh_from_db()
    assert hub.status == start


def test_suspension_needs_a_reason_and_can_be_reinstated(db, stan, active_hub):
    with pytest.raises(DomainError) as excinfo:
        services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason=" ")
    assert excinfo.value.code == "reason_required"
    hub = services.hub_set_status(
        hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Missed audits"
    )
    assert hub.events.first().detail == "Missed audits"
    hub = services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=as_staff(stan))
    assert hub.status == HubStatus.ACTIVE


def test_unknown_check_is_refused(db, stan):
    with pytest.raises(DomainError) as excinfo:
        services.hub_record_check(hub=apply(), check="vibes", actor=as_staff(stan))
    assert excinfo.value.code == "unknown_check"


def test_reputation_is_shrunk_towards_the_prior(db, active_hub):
    assert active_hub.reputation == pytest.approx(0.9)
    active_hub.audits_total, active_hub.audits_agreed = 1, 0
    assert active_hub.reputation == pytest.approx(9 / 11)  # one disagreement is not a verdict
    active_hub.audits_total, active_hub.audits_agreed = 100, 50
    assert active_hub.reputation == pytest.approx(59 / 110)


# --- the status machine: one table, staff only ---


def test_the_hub_status_moves_are_one_table_of_staff_moves():
    assert [(m["from"], m["to"], m["by"], m["needs_reason"]) for m in services.HUBS.graph()] == [
        ("applied", "vetted", ["staff"], False),
        ("vetted", "active", ["staff"], False),
        ("vetted", "suspended", ["staff"], True),
        ("active", "suspended", ["staff"], True),
        ("suspended", "active", ["staff"], False),
    ]
    assert {m["event"] for m in services.HUBS.graph()} == {HubEvent.Kind.STATUS}


@pytest.mark.parametrize("party", [Party.BRAND, Party.HUB, Party.SYSTEM])
def test_only_staff_change_a_hubs_status(db, alice, active_hub, party):
    events = active_hub.events.count()
    with pytest.raises(DomainError) as excinfo:
        services.hub_set_status(
            hub=active_hub, status=HubStatus.SUSPENDED, actor=Actor.for_user(alice, party=party), reason="r"
        )
    assert (excinfo.value.code, excinfo.value.status) == ("transition_not_allowed", 403)
    assert excinfo.value.message == "A hub that is active can become suspended only by Closo staff."
    active_hub.refresh_from_db()
    assert (active_hub.status, active_hub.events.count()) == (HubStatus.ACTIVE, events)


def test_only_staff_record_vetting_checks(db, alice):
    hub = apply()
    with pytest.raises(DomainError) as excinfo:
        services.hub_record_check(hub=hub, check="id_verified", actor=Actor.for_user(alice, party=Party.BRAND))
    assert (excinfo.value.code, excinfo.value.status) == ("not_allowed", 403)
    hub.refresh_from_db()
    assert hub.id_verified_at is None


def test_a_status_move_records_its_event_with_the_staff_member_and_reason(db, stan, active_hub):
    before = active_hub.status_changed_at
    hub = services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason=" Audit ")
    event = hub.events.first()
    assert (event.kind, event.from_status, event.to_status, event.actor, event.detail) == (
        HubEvent.Kind.STATUS,
        "active",
        "suspended",
        stan,
        "Audit",
    )
    assert hub.status_changed_at > before
    assert Hub.objects.get(pk=hub.pk).status == HubStatus.SUSPENDED


def test_a_move_from_a_stale_copy_reads_the_hub_as_it_is_now(db, stan, active_hub):
    services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")
    stale = Hub.objects.get(pk=active_hub.pk)
    stale.status = HubStatus.ACTIVE  # as a page read it before the suspension
    with pytest.raises(DomainError) as excinfo:
        services.hub_set_status(hub=stale, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Again")
    assert excinfo.value.code == "invalid_transition"
    assert excinfo.value.message == "A hub that is suspended cannot become suspended."


def test_the_staff_page_shows_each_events_kind_by_its_label(host_client, public_host, stan, active_hub):
    services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Missed audits")
    page = host_client(public_host, stan).get(f"/staff/hubs/{active_hub.pk}/").content.decode()
    assert "Status changed: active → suspended — Missed audits" in page
    assert "Vetting check recorded — Training completed" in page
    assert "Applied: new → applied — Application received" in page
