"""inspection_submit: the server re-checks everything the wizard showed, grades with the
brand's standard, stores the inspection with the version it used, moves the return to its
disposition, shelves a Like-New unit and says what to do next."""

from __future__ import annotations

import datetime

import pytest
from django.core import signing
from django.utils import timezone
from django_tenants.utils import schema_context

from closo.actors import Actor, Party
from closo.exceptions import DomainError
from fulfillment.models import Event, ReturnItem, ReturnStatus, StockUnit
from hubs.models import HubRole, HubStatus, HubTask
from hubs.services import registry as hub_services
from inspections.exceptions import NoStandard
from inspections.models import Audit, Grade, Inspection, InspectionPhoto
from inspections.selectors.inspections import (
    STARTED_SALT,
    inspection_form,
    inspection_next_action,
    inspection_started_token,
)
from inspections.services import inspections as inspect
from inspections.services.inspections import inspection_submit
from tests.factories import as_staff
from tests.inspections.inspect_builders import (
    ALL_PASS,
    CHECKS,
    SLOTS,
    add_photos,
    assigned_return,
    other_active_hub,
    publish_standard,
    received_return,
)


def submit(brand, item, hub, inspector, **overrides):
    values = {
        "started_token": inspection_started_token(item=item, at=timezone.now() - datetime.timedelta(seconds=28)),
        "answers": dict(ALL_PASS),
        "actor": Actor.for_user(inspector, party=Party.HUB),
    }
    values.update(overrides)
    with schema_context(brand.schema_name):
        return inspection_submit(item=item, hub=hub, inspector=inspector, **values)


def assert_nothing_recorded(brand, item):
    with schema_context(brand.schema_name):
        assert not Inspection.objects.exists()
        assert ReturnItem.objects.get(pk=item.pk).status == ReturnStatus.DROPPED_OFF
        assert not StockUnit.objects.exists()
        assert not InspectionPhoto.objects.filter(inspection__isnull=False).exists()


def test_like_new_is_recorded_with_its_version_and_the_unit_goes_on_the_shelf(
    brand_a, photographed, active_hub, ivan, version
):
    inspection = submit(brand_a, photographed, active_hub, ivan)

    with schema_context(brand_a.schema_name):
        inspection = Inspection.objects.get(pk=inspection.pk)
        assert (inspection.version_id, inspection.hub_id, inspection.inspector_id) == (
            version.pk,
            active_hub.pk,
            ivan.pk,
        )
        assert (inspection.computed_grade, inspection.final_grade) == (Grade.LIKE_NEW, Grade.LIKE_NEW)
        assert inspection.disposition == "local_stock"
        assert inspection.answers == ALL_PASS
        assert 27 <= inspection.duration_seconds <= 40
        assert sorted(p.slot for p in inspection.photos.all()) == sorted(slot for slot, _ in SLOTS)

        item = ReturnItem.objects.get(pk=photographed.pk)
        assert (item.status, item.disposition) == (ReturnStatus.DISPOSED, ReturnItem.Disposition.IN_LOCAL_STOCK)

        unit = StockUnit.objects.get(return_item=item)
        assert unit.label == f"ACM{brand_a.pk}-{unit.pk:04d}"
        assert (unit.status, unit.condition, unit.inspection_id) == ("available", Grade.LIKE_NEW, inspection.pk)
        assert (unit.hub_id, unit.sku_id) == (active_hub.pk, item.sku_id)
        assert unit.hold_until > timezone.now() + datetime.timedelta(days=13)


def test_every_step_is_a_custody_event_at_the_hub_with_the_photo_hashes(brand_a, photographed, active_hub, ivan):
    inspection = submit(brand_a, photographed, active_hub, ivan)

    with schema_context(brand_a.schema_name):
        inspected = Event.objects.get(return_item=photographed, kind="inspected")
        disposed = Event.objects.get(return_item=photographed, kind="disposed")
        released = Event.objects.get(unit__return_item=photographed, kind="released")
        photos = {p.slot: p for p in inspection.photos.all()}
    assert (inspected.from_status, inspected.to_status) == ("dropped_off", "inspected")
    assert (disposed.from_status, disposed.to_status) == ("inspected", "disposed")
    assert {inspected.hub_id, disposed.hub_id, released.hub_id} == {active_hub.pk}
    assert {inspected.actor_id, disposed.actor_id, released.actor_id} == {ivan.pk}
    assert inspected.data["inspection"] == inspection.pk
    assert inspected.data["final_grade"] == Grade.LIKE_NEW
    assert inspected.data["photos"] == {
        slot: {"photo": photo.pk, "sha256": photo.sha256} for slot, photo in photos.items()
    }
    assert disposed.data == {"disposition": "in_local_stock"}
    assert released.to_status == "available"


def test_the_inspect_task_closes_and_a_shelf_task_indexes_the_unit(brand_a, photographed, active_hub, ivan):
    submit(brand_a, photographed, active_hub, ivan)

    with schema_context(brand_a.schema_name):
        unit = StockUnit.objects.get(return_item=photographed)
    tasks = {t.kind: t for t in HubTask.objects.filter(brand=brand_a, return_item_id=photographed.pk)}
    assert tasks[HubTask.Kind.INSPECT].status == HubTask.Status.DONE
    shelf = tasks[HubTask.Kind.SHELF]
    assert (shelf.status, shelf.hub_id, shelf.stock_unit_id) == (HubTask.Status.OPEN, active_hub.pk, unit.pk)
    assert shelf.title.startswith(unit.label)


def test_the_next_action_for_like_new_names_the_shelf_label(brand_a, photographed, active_hub, ivan):
    inspection = submit(brand_a, photographed, active_hub, ivan)

    with schema_context(brand_a.schema_name):
        label = StockUnit.objects.get(return_item=photographed).label
        action = inspection_next_action(inspection=inspection, brand_name=brand_a.name)
    assert action.headline == f"Like New — shelf it with label {label}"
    assert (action.label, action.held, action.grade) == (label, False, Grade.LIKE_NEW)


@pytest.mark.parametrize(
    "failed, grade, disposition, headline",
    [
        ("tags", Grade.GOOD, "to_warehouse", "Pack for the warehouse"),
        ("stains", Grade.FAIR, "liquidated", "Set aside for liquidation"),
        ("odor", Grade.UNSELLABLE, "recycled", "Recycle"),
    ],
)
def test_a_failed_check_sends_the_item_where_its_grade_says(
    brand_a, photographed, active_hub, ivan, failed, grade, disposition, headline
):
    inspection = submit(brand_a, photographed, active_hub, ivan, answers={**ALL_PASS, failed: False})

    with schema_context(brand_a.schema_name):
        item = ReturnItem.objects.get(pk=photographed.pk)
        action = inspection_next_action(inspection=inspection, brand_name=brand_a.name)
        assert not StockUnit.objects.exists()
    assert inspection.final_grade == grade
    assert (item.status, item.disposition) == (ReturnStatus.DISPOSED, disposition)
    assert action.headline == headline
    assert not HubTask.objects.filter(brand=brand_a, kind=HubTask.Kind.SHELF).exists()
    # The brand's reference is named once, as it reads ("RMA-…"), never "RMA RMA-…".
    rma = item.rma_ref
    assert "RMA RMA" not in action.detail
    if disposition != "recycled":
        assert f"the return reference {rma}" in action.detail


@pytest.mark.parametrize(
    "dispositions, answers, shelved, headline",
    [
        ({"like_new": "warehouse"}, ALL_PASS, False, "Pack for the warehouse"),
        ({"good": "local_stock"}, {**ALL_PASS, "tags": False}, True, "Good — shelf it with label"),
    ],
)
def test_the_brands_disposition_map_decides_what_goes_on_the_shelf(
    brand_a, alice, active_hub, ivan, in_brand, dispositions, answers, shelved, headline
):
    with in_brand(brand_a):
        publish_standard(Actor(user=alice, label=alice.email), dispositions=dispositions)
    item = received_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub)

    inspection = submit(brand_a, item, active_hub, ivan, answers=answers)

    with schema_context(brand_a.schema_name):
        unit = StockUnit.objects.filter(return_item=item).first()
        action = inspection_next_action(inspection=inspection, brand_name=brand_a.name)
    assert (unit is not None) is shelved
    if unit is not None:
        assert unit.condition == inspection.final_grade
    assert action.headline.startswith(headline)


def test_the_inspector_can_lower_the_grade_with_a_reason(brand_a, photographed, active_hub, ivan):
    inspection = submit(
        brand_a, photographed, active_hub, ivan, requested_grade=Grade.FAIR, lower_reason="Faded on one side"
    )

    assert (inspection.computed_grade, inspection.final_grade) == (Grade.LIKE_NEW, Grade.FAIR)
    assert inspection.lower_reason == "Faded on one side"
    assert inspection.disposition == "liquidation"
    assert "Faded on one side" in inspection.reasons[-1]


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"requested_grade": Grade.FAIR, "lower_reason": "  "}, "reason_required"),
        ({"answers": {**ALL_PASS, "tags": False}, "requested_grade": Grade.LIKE_NEW}, "cannot_raise_grade"),
    ],
)
def test_a_grade_is_never_raised_and_never_lowered_without_a_reason(
    brand_a, photographed, active_hub, ivan, overrides, code
):
    with pytest.raises(DomainError) as refused:
        submit(brand_a, photographed, active_hub, ivan, **overrides)

    assert refused.value.code == code
    assert_nothing_recorded(brand_a, photographed)


def test_missing_photos_are_refused_naming_the_slot(brand_a, item, active_hub, ivan, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back", "care-label"])

    with pytest.raises(DomainError) as refused:
        submit(brand_a, item, active_hub, ivan)

    assert (refused.value.code, refused.value.status) == ("missing_photos", 400)
    assert "Defect close-up" in refused.value.message
    assert set(refused.value.fields) == {"defect"}
    assert_nothing_recorded(brand_a, item)


def test_a_required_photo_whose_processing_failed_must_be_retaken(brand_a, item, active_hub, ivan, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back", "care-label"])
        (failed,) = add_photos(item, active_hub, slots=["defect"], status=InspectionPhoto.Status.FAILED)
        InspectionPhoto.objects.filter(pk=failed.pk).update(error="The file is damaged.")

    with pytest.raises(DomainError) as refused:
        submit(brand_a, item, active_hub, ivan)

    assert (refused.value.code, refused.value.status) == ("photo_failed", 400)
    assert refused.value.message == "Take this photo again: Defect close-up could not be processed."
    assert refused.value.fields == {"defect": ["The file is damaged. Take it again."]}
    assert_nothing_recorded(brand_a, item)


def test_a_submit_waits_while_photos_are_still_processing(brand_a, item, active_hub, ivan, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back"])
        add_photos(item, active_hub, slots=["care-label", "defect"], status=InspectionPhoto.Status.PENDING)

    with pytest.raises(inspect.PhotosProcessing) as refused:
        submit(brand_a, item, active_hub, ivan)

    assert (refused.value.code, refused.value.status) == ("photos_processing", 409)
    assert refused.value.message == (
        "2 photos are still being processed (Care label, Defect close-up): submit again in a few seconds."
    )
    assert refused.value.fields == {
        "care-label": ["Still being processed."],
        "defect": ["Still being processed."],
        "retry_after": 2,
    }
    assert_nothing_recorded(brand_a, item)


def test_once_processed_the_same_submit_records_every_photos_hash(brand_a, item, active_hub, ivan, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, status=InspectionPhoto.Status.PENDING)
    with pytest.raises(inspect.PhotosProcessing):
        submit(brand_a, item, active_hub, ivan)
    with in_brand(brand_a):  # what the processing task does, as far as the submit cares
        for i, photo in enumerate(InspectionPhoto.objects.order_by("pk")):
            InspectionPhoto.objects.filter(pk=photo.pk).update(status="ready", sha256=f"{i:x}" * 64)

    inspection = submit(brand_a, item, active_hub, ivan)

    with in_brand(brand_a):
        inspected = Event.objects.get(return_item=item, kind="inspected")
        hashes = {p.slot: p.sha256 for p in inspection.photos.all()}
    assert sorted(hashes) == sorted(slot for slot, _ in SLOTS)
    assert {slot: entry["sha256"] for slot, entry in inspected.data["photos"].items()} == hashes
    assert all(len(sha) == 64 for sha in hashes.values())


def test_an_optional_photo_still_processing_is_waited_for_too(brand_a, alice, active_hub, ivan, in_brand):
    """Every photo the inspection keeps is processed evidence, optional ones included."""
    with in_brand(brand_a):
        publish_standard(Actor(user=alice, label=alice.email), optional_slots=("defect",))
    item = received_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back", "care-label"])
        add_photos(item, active_hub, slots=["defect"], status=InspectionPhoto.Status.PENDING)

    with pytest.raises(inspect.PhotosProcessing) as refused:
        submit(brand_a, item, active_hub, ivan)

    assert set(refused.value.fields) == {"defect", "retry_after"}


def test_a_photo_smaller_than_its_slot_minimum_is_refused(brand_a, item, active_hub, ivan, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back", "care-label"])
        add_photos(item, active_hub, slots=["defect"], size=(800, 600))

    with pytest.raises(DomainError) as refused:
        submit(brand_a, item, active_hub, ivan)

    assert refused.value.code == "photo_too_small"
    assert set(refused.value.fields) == {"defect"}


def test_a_retake_replaces_the_earlier_photo_of_its_slot(brand_a, item, active_hub, ivan, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["defect"], size=(800, 600))
        add_photos(item, active_hub)
        retake = InspectionPhoto.objects.filter(slot="defect").latest("pk")

    inspection = submit(brand_a, item, active_hub, ivan)

    with in_brand(brand_a):
        assert inspection.photos.get(slot="defect").pk == retake.pk
        assert InspectionPhoto.objects.filter(slot="defect", inspection__isnull=True).count() == 1


def test_every_required_check_needs_an_answer(brand_a, photographed, active_hub, ivan):
    answers = {**ALL_PASS}
    del answers["seams"]

    with pytest.raises(DomainError) as refused:
        submit(brand_a, photographed, active_hub, ivan, answers=answers)

    assert (refused.value.code, refused.value.status) == ("missing_answers", 400)
    assert set(refused.value.fields) == {"seams"}
    assert_nothing_recorded(brand_a, photographed)


def test_an_answer_to_a_check_not_in_the_standard_is_refused(brand_a, photographed, active_hub, ivan):
    with pytest.raises(DomainError) as refused:
        submit(brand_a, photographed, active_hub, ivan, answers={**ALL_PASS, "sparkles": True})

    assert refused.value.code == "unknown_item"


def test_an_optional_check_may_be_skipped(brand_a, alice, active_hub, ivan, in_brand):
    with in_brand(brand_a):
        publish_standard(Actor(user=alice, label=alice.email), optional_checks=("packaging",))
    item = received_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub)

    inspection = submit(brand_a, item, active_hub, ivan, answers={**ALL_PASS, "packaging": None})

    assert inspection.final_grade == Grade.LIKE_NEW
    assert inspection.answers["packaging"] is None


def test_a_suspended_hub_cannot_inspect(brand_a, photographed, active_hub, ivan, stan):
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")

    with pytest.raises(inspect.HubNotActive) as refused:
        submit(brand_a, photographed, active_hub, ivan)

    assert (refused.value.code, refused.value.status) == ("hub_not_active", 409)
    assert_nothing_recorded(brand_a, photographed)


def test_a_hub_cannot_inspect_another_hubs_return(brand_a, photographed, ivan, stan, active_hub):
    other, _ = other_active_hub(stan)
    hub_services.hub_member_add(hub=other, user=ivan, role=HubRole.INSPECTOR)

    with pytest.raises(inspect.WrongHub) as refused:
        submit(brand_a, photographed, other, ivan)

    assert (refused.value.code, refused.value.status) == ("wrong_hub", 409)
    assert_nothing_recorded(brand_a, photographed)


def test_only_a_member_of_the_hub_can_inspect_for_it(brand_a, photographed, active_hub, stan):
    _, oscar = other_active_hub(stan)

    with pytest.raises(inspect.NotHubMember):
        submit(brand_a, photographed, active_hub, oscar)

    assert_nothing_recorded(brand_a, photographed)


def test_a_return_not_received_yet_cannot_be_inspected(brand_a, active_hub, ivan, version, in_brand):
    item = assigned_return(brand_a, active_hub)
    with in_brand(brand_a):
        add_photos(item, active_hub)

    with pytest.raises(inspect.NotDroppedOff) as refused:
        submit(brand_a, item, active_hub, ivan)

    assert (refused.value.code, refused.value.status) == ("not_dropped_off", 409)
    assert "drop-off code" in refused.value.message


def test_a_return_is_inspected_once(brand_a, photographed, active_hub, ivan):
    first = submit(brand_a, photographed, active_hub, ivan)

    with pytest.raises(inspect.AlreadyInspected) as refused:
        submit(brand_a, photographed, active_hub, ivan, answers={**ALL_PASS, "odor": False})

    assert (refused.value.code, refused.value.status) == ("already_inspected", 409)
    assert refused.value.fields == {"inspection": first.pk}
    with schema_context(brand_a.schema_name):
        assert Inspection.objects.get().final_grade == Grade.LIKE_NEW


def test_a_new_standard_version_published_meanwhile_is_refused(brand_a, photographed, active_hub, ivan, version):
    with pytest.raises(inspect.StandardChanged) as refused:
        submit(brand_a, photographed, active_hub, ivan, version_id=version.pk + 1000)

    assert (refused.value.code, refused.value.status) == ("standard_changed", 409)
    inspection = submit(brand_a, photographed, active_hub, ivan, version_id=version.pk)
    assert inspection.version_id == version.pk


def test_without_a_published_standard_there_is_nothing_to_inspect_with(brand_a, active_hub, ivan):
    item = received_return(brand_a, active_hub)

    with pytest.raises(NoStandard) as refused:
        submit(brand_a, item, active_hub, ivan)
    with schema_context(brand_a.schema_name), pytest.raises(NoStandard):
        inspection_form(item=item)

    assert refused.value.code == "no_standard"


def test_the_duration_runs_from_the_signed_start(brand_a, photographed, active_hub, ivan):
    opened = timezone.now() - datetime.timedelta(minutes=3)

    inspection = submit(
        brand_a, photographed, active_hub, ivan, started_token=inspection_started_token(item=photographed, at=opened)
    )

    assert inspection.started_at == opened.replace(microsecond=inspection.started_at.microsecond)
    assert 180 <= inspection.duration_seconds < 200


def _token(item, *, hub_id=None, at=None, salt=STARTED_SALT, **payload) -> str:
    moment = at or timezone.now()
    data = {"return": item.pk, "hub": hub_id or item.hub_id, "at": moment.timestamp(), **payload}
    return signing.dumps(data, salt=salt)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda item: "", id="missing"),
        pytest.param(lambda item: "2026-11-26T08:00:00Z", id="a raw start time"),
        pytest.param(lambda item: _token(item)[:-2] + "xx", id="tampered"),
        pytest.param(lambda item: _token(item, salt="another.purpose"), id="signed for another purpose"),
        pytest.param(lambda item: _token(item, **{"return": item.pk + 1}), id="another return"),
        pytest.param(lambda item: _token(item, hub_id=item.hub_id + 1000), id="another hub"),
        pytest.param(lambda item: _token(item, at=timezone.now() + datetime.timedelta(hours=1)), id="in the future"),
        pytest.param(lambda item: _token(item, at=timezone.now() - datetime.timedelta(hours=25)), id="over 24 h old"),
        pytest.param(lambda item: signing.dumps([item.pk, 0.0], salt=STARTED_SALT), id="old format"),
    ],
)
def test_a_start_time_not_signed_for_this_inspection_is_refused(brand_a, photographed, active_hub, ivan, forge):
    with pytest.raises(inspect.InvalidStartedToken) as refused:
        submit(brand_a, photographed, active_hub, ivan, started_token=forge(photographed))

    assert (refused.value.code, refused.value.status) == ("invalid_started_token", 400)
    assert set(refused.value.fields) == {"started_token"}
    assert_nothing_recorded(brand_a, photographed)


def test_a_start_a_moment_in_the_future_is_clock_skew_and_counts_as_now(brand_a, photographed, active_hub, ivan):
    token = _token(photographed, at=timezone.now() + datetime.timedelta(seconds=10))

    inspection = submit(brand_a, photographed, active_hub, ivan, started_token=token)

    assert inspection.started_at == inspection.submitted_at


@pytest.mark.parametrize("rate, audited", [(1.0, True), (0.0, False)])
def test_the_brands_audit_sample_picks_inspections_at_its_rate(brand_a, photographed, active_hub, ivan, rate, audited):
    brand_a.audit_sample_rate = rate
    brand_a.save(update_fields=["audit_sample_rate"])

    inspection = submit(brand_a, photographed, active_hub, ivan)

    with schema_context(brand_a.schema_name):
        assert Audit.objects.filter(inspection=inspection, verdict="").exists() is audited


def test_the_audit_sample_is_random_at_the_brands_rate(brand_a, photographed, active_hub, ivan, monkeypatch):
    brand_a.audit_sample_rate = 0.25
    brand_a.save(update_fields=["audit_sample_rate"])
    monkeypatch.setattr(inspect, "_sample_audit", lambda: 0.24)

    inspection = submit(brand_a, photographed, active_hub, ivan)

    with schema_context(brand_a.schema_name):
        assert Audit.objects.filter(inspection=inspection).exists()


def test_the_form_shows_the_standard_in_force_with_the_photos_taken_so_far(
    brand_a, item, active_hub, version, in_brand
):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["back"])
        add_photos(item, active_hub, slots=["defect"], status=InspectionPhoto.Status.FAILED)
        form = inspection_form(item=item)

    assert form.version.pk == version.pk
    assert [c.key for c in form.checklist] == [key for key, _, _ in CHECKS]
    assert [(s.requirement.slot, s.taken, s.failed is not None) for s in form.slots] == [
        ("front", False, False),
        ("back", True, False),
        ("care-label", False, False),
        ("defect", False, True),
    ]
    assert (form.photos_taken, form.photos_required) == (1, 4)
    assert form.missing_photos == ["Front", "Care label", "Defect close-up"]


def test_the_form_hands_out_a_start_signed_for_the_return_at_its_hub(brand_a, item, active_hub, in_brand):
    before = timezone.now()
    with in_brand(brand_a):
        form = inspection_form(item=item)

    signed = signing.loads(form.started_token, salt=STARTED_SALT)
    assert (signed["return"], signed["hub"]) == (item.pk, active_hub.pk)
    assert before.timestamp() <= signed["at"] <= timezone.now().timestamp()
