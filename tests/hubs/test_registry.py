import pytest

from closo.exceptions import DomainError
from hubs.geo import bounding_box, haversine_miles
from hubs.models import Hub, HubEvent, HubMember, HubStatus, PostalCode
from hubs.services import registry as services
from tests.factories import applied_hub


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
        services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=stan)
    assert excinfo.value.code == "vetting_incomplete"
    for check in services.VETTING_CHECKS:
        hub = services.hub_record_check(hub=hub, check=check, actor=stan)
        assert getattr(hub, f"{check}_by") == stan
        assert getattr(hub, f"{check}_at") is not None
    hub = services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=stan)
    hub = services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=stan)
    assert hub.status == HubStatus.ACTIVE
    moves = [(e.from_status, e.to_status, e.actor) for e in hub.events.filter(kind=HubEvent.Kind.STATUS)]
    assert moves == [("vetted", "active", stan), ("applied", "vetted", stan)]


def test_recording_a_check_twice_keeps_the_first_record(db, stan, alice):
    hub = services.hub_record_check(hub=apply(), check="id_verified", actor=stan)
    first = hub.id_verified_at
    hub = services.hub_record_check(hub=hub, check="id_verified", actor=alice)
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
        services.hub_set_status(hub=hub, status=target, actor=stan, reason="r")
    assert excinfo.value.code == "invalid_transition"
    hub.refresh_from_db()
    assert hub.status == start


def test_suspension_needs_a_reason_and_can_be_reinstated(db, stan, active_hub):
    with pytest.raises(DomainError) as excinfo:
        services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=stan, reason=" ")
    assert excinfo.value.code == "reason_required"
    hub = services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=stan, reason="Missed audits")
    assert hub.events.first().detail == "Missed audits"
    hub = services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=stan)
    assert hub.status == HubStatus.ACTIVE


def test_unknown_check_is_refused(db, stan):
    with pytest.raises(DomainError) as excinfo:
        services.hub_record_check(hub=apply(), check="vibes", actor=stan)
    assert excinfo.value.code == "unknown_check"


def test_reputation_is_shrunk_towards_the_prior(db, active_hub):
    assert active_hub.reputation == pytest.approx(0.9)
    active_hub.audits_total, active_hub.audits_agreed = 1, 0
    assert active_hub.reputation == pytest.approx(9 / 11)  # one disagreement is not a verdict
    active_hub.audits_total, active_hub.audits_agreed = 100, 50
    assert active_hub.reputation == pytest.approx(59 / 110)
