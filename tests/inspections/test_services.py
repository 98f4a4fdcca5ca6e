"""Grading-standard services: creating standards, drafts and versions, editing drafts,
publishing, immutability, which standard applies to a SKU, and version diffs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from closo.exceptions import DomainError
from fulfillment.models import Sku
from inspections.engine import evaluate
from inspections.exceptions import (
    DraftExists,
    DuplicateKey,
    NotInVersion,
    StandardExists,
    VersionPublished,
)
from inspections.models import ChecklistItem, GradingStandard, PhotoRequirement, StandardVersion
from inspections.selectors import standards as selectors
from inspections.services import standard_rows as row_services
from inspections.services import standards as services
from tests.inspections.conftest import make_standard

Scope = GradingStandard.Scope
pytestmark = pytest.mark.usefixtures("in_a")


def draft_of(standard) -> StandardVersion:
    return standard.versions.get(status="draft")


# --- standards ---


def test_a_new_standard_opens_an_empty_draft_v1_with_the_default_dispositions(actor, alice):
    standard = services.standard_create(name="Default", scope=Scope.DEFAULT, actor=actor)
    version = standard.versions.get()
    assert (version.number, version.status, version.created_by) == (1, "draft", alice)
    assert version.dispositions == {
        "like_new": "local_stock",
        "good": "warehouse",
        "fair": "liquidation",
        "unsellable": "recycle",
    }
    assert not version.checklist.exists()


def test_one_default_one_per_category_and_one_per_sku(actor):
    sku = Sku.objects.create(code="BLK-1", title="Blanket", price=120, category="Blankets")
    services.standard_create(name="Default", scope=Scope.DEFAULT, actor=actor)
    services.standard_create(name="Blankets", scope=Scope.CATEGORY, category="Blankets", actor=actor)
    services.standard_create(name="Throws", scope=Scope.CATEGORY, category="Throws", actor=actor)
    services.standard_create(name="BLK-1", scope=Scope.SKU, sku=sku, actor=actor)
    for kwargs, message in [
        ({"scope": Scope.DEFAULT}, "This brand already has a default standard"),
        ({"scope": Scope.CATEGORY, "category": "Blankets"}, "Category “Blankets” already has a standard"),
        ({"scope": Scope.SKU, "sku": sku}, "SKU BLK-1 already has a standard"),
    ]:
        with pytest.raises(StandardExists) as error:
            services.standard_create(name="Again", **kwargs, actor=actor)
        assert error.value.code == "standard_exists"
        assert error.value.status == 409
        assert error.value.message.startswith(message)
    assert GradingStandard.objects.count() == 4
    assert StandardVersion.objects.count() == 4


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"name": " ", "scope": "default"}, "required", "name"),
        ({"name": "x" * 121, "scope": "default"}, "too_long", "name"),
        ({"name": "X", "scope": "global"}, "unknown_scope", "scope"),
        ({"name": "X", "scope": "category"}, "required", "category"),
        ({"name": "X", "scope": "default", "category": "Blankets"}, "invalid", "category"),
        ({"name": "X", "scope": "sku"}, "sku_required", "sku"),
    ],
)
def test_standard_create_validates_scope_and_target(actor, kwargs, code, field):
    with pytest.raises(DomainError) as error:
        services.standard_create(**kwargs, actor=actor)
    assert error.value.code == code
    assert field in error.value.fields
    assert not GradingStandard.objects.exists()


def test_a_default_standard_cannot_name_a_sku(actor):
    sku = Sku.objects.create(code="BLK-1", title="Blanket", price=120)
    with pytest.raises(DomainError) as error:
        services.standard_create(name="X", scope=Scope.DEFAULT, sku=sku, actor=actor)
    assert error.value.fields == {"sku": ["Leave empty."]}


# --- drafts and versions ---


def test_a_new_draft_copies_the_latest_published_version(actor):
    standard = make_standard(actor, items=3, photos=2, publish=True)
    v1 = standard.versions.get(number=1)
    v2 = services.version_draft_create(standard=standard, actor=actor)
    assert (v2.number, v2.status) == (2, "draft")
    assert list(v2.checklist.values_list("key", "prompt", "fail_cap", "position")) == list(
        v1.checklist.values_list("key", "prompt", "fail_cap", "position")
    )
    assert list(v2.photos.values_list("slot", "label", "required", "min_long_edge_px")) == list(
        v1.photos.values_list("slot", "label", "required", "min_long_edge_px")
    )
    assert v2.dispositions == v1.dispositions


def test_a_new_draft_is_numbered_after_the_highest_version_even_a_discarded_draft_later(actor):
    standard = make_standard(actor, publish=True)
    v2 = services.version_draft_create(standard=standard, actor=actor)
    services.version_publish(version=v2, actor=actor)
    v3 = services.version_draft_create(standard=standard, actor=actor)
    assert v3.number == 3
    services.version_draft_discard(version=v3, actor=actor)
    assert services.version_draft_create(standard=standard, actor=actor).number == 3


def test_only_one_draft_at_a_time(actor):
    standard = make_standard(actor)
    with pytest.raises(DraftExists) as error:
        services.version_draft_create(standard=standard, actor=actor)
    assert error.value.code == "draft_exists"
    assert error.value.message == "Version 1 is already a draft: edit it, or discard it first."


def test_a_draft_of_a_never_published_standard_starts_empty(actor):
    standard = make_standard(actor)
    services.version_draft_discard(version=draft_of(standard), actor=actor)
    version = services.version_draft_create(standard=standard, actor=actor)
    assert version.number == 1
    assert not version.checklist.exists()


def test_a_published_version_cannot_be_discarded(actor):
    standard = make_standard(actor, publish=True)
    with pytest.raises(VersionPublished):
        services.version_draft_discard(version=standard.versions.get(), actor=actor)
    assert standard.versions.count() == 1


# --- checklist items ---


def test_items_are_appended_in_order_with_their_fields(actor):
    version = draft_of(make_standard(actor, items=0, photos=0))
    row_services.checklist_item_add(
        version=version, key="tags", prompt=" Tags attached ", help_text="Both tags", fail_cap="good", actor=actor
    )
    row_services.checklist_item_add(
        version=version, key="odor", prompt="No odor", required=False, fail_cap="unsellable", actor=actor
    )
    rows = list(version.checklist.values_list("key", "prompt", "help_text", "required", "fail_cap", "position"))
    assert rows == [
        ("tags", "Tags attached", "Both tags", True, "good", 0),
        ("odor", "No odor", "", False, "unsellable", 1),
    ]


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"key": "Tags!", "prompt": "P", "fail_cap": "good"}, "invalid_key", "key"),
        ({"key": "", "prompt": "P", "fail_cap": "good"}, "invalid_key", "key"),
        ({"key": "k" * 41, "prompt": "P", "fail_cap": "good"}, "invalid_key", "key"),
        ({"key": "tags", "prompt": "", "fail_cap": "good"}, "required", "prompt"),
        ({"key": "tags", "prompt": "P" * 201, "fail_cap": "good"}, "too_long", "prompt"),
        ({"key": "tags", "prompt": "P", "help_text": "h" * 301, "fail_cap": "good"}, "too_long", "help_text"),
        ({"key": "tags", "prompt": "P", "fail_cap": "excellent"}, "unknown_grade", "fail_cap"),
        ({"key": "tags", "prompt": "P", "fail_cap": "Good"}, "unknown_grade", "fail_cap"),
        ({"key": "tags", "prompt": "P", "fail_cap": "good", "required": "yes"}, "invalid", "required"),
    ],
)
def test_item_fields_are_validated(actor, kwargs, code, field):
    version = draft_of(make_standard(actor, items=0, photos=0))
    with pytest.raises(DomainError) as error:
        row_services.checklist_item_add(version=version, **kwargs, actor=actor)
    assert error.value.code == code
    assert field in error.value.fields
    assert not version.checklist.exists()


def test_item_keys_are_unique_within_a_version(actor):
    version = draft_of(make_standard(actor, items=2, photos=0))
    with pytest.raises(DuplicateKey) as error:
        row_services.checklist_item_add(version=version, key="tags", prompt="Again", fail_cap="fair", actor=actor)
    assert (error.value.code, error.value.status) == ("duplicate_key", 409)
    with pytest.raises(DuplicateKey):
        row_services.checklist_item_update(version=version, key="odor", changes={"key": "tags"}, actor=actor)


def test_an_item_is_updated_and_may_be_renamed(actor):
    version = draft_of(make_standard(actor, items=2, photos=0))
    item = row_services.checklist_item_update(
        version=version,
        key="tags",
        changes={"key": "hang-tags", "prompt": "Hang tags attached", "required": False, "fail_cap": "fair"},
        actor=actor,
    )
    assert (item.key, item.prompt, item.required, item.fail_cap) == ("hang-tags", "Hang tags attached", False, "fair")
    with pytest.raises(DomainError) as error:
        row_services.checklist_item_update(version=version, key="hang-tags", changes={"fail_cap": "mint"}, actor=actor)
    assert error.value.code == "unknown_grade"
    with pytest.raises(DomainError):
        row_services.checklist_item_update(version=version, key="hang-tags", changes={"position": 9}, actor=actor)


def test_an_unknown_item_key_is_a_404(actor):
    version = draft_of(make_standard(actor, items=1, photos=0))
    with pytest.raises(NotInVersion) as error:
        row_services.checklist_item_delete(version=version, key="nope", actor=actor)
    assert error.value.status == 404


def test_items_are_reordered_by_a_full_list_of_keys(actor):
    version = draft_of(make_standard(actor, items=3, photos=0))
    row_services.checklist_reorder(version=version, keys=["stains", "tags", "odor"], actor=actor)
    assert list(version.checklist.values_list("key", flat=True)) == ["stains", "tags", "odor"]
    for keys in (["stains", "tags"], ["stains", "tags", "odor", "odor"], ["stains", "tags", "zipper"]):
        with pytest.raises(DomainError) as error:
            row_services.checklist_reorder(version=version, keys=keys, actor=actor)
        assert error.value.code == "invalid_order"
    assert list(version.checklist.values_list("key", flat=True)) == ["stains", "tags", "odor"]


def test_items_move_up_and_down_and_stop_at_the_ends(actor):
    version = draft_of(make_standard(actor, items=3, photos=0))
    row_services.checklist_item_move(version=version, key="odor", offset=-1, actor=actor)
    assert list(version.checklist.values_list("key", flat=True)) == ["odor", "tags", "stains"]
    row_services.checklist_item_move(version=version, key="odor", offset=-1, actor=actor)
    assert list(version.checklist.values_list("key", flat=True)) == ["odor", "tags", "stains"]
    row_services.checklist_item_move(version=version, key="tags", offset=1, actor=actor)
    row_services.checklist_item_move(version=version, key="tags", offset=1, actor=actor)
    assert list(version.checklist.values_list("key", flat=True)) == ["odor", "stains", "tags"]


def test_an_item_is_deleted(actor):
    version = draft_of(make_standard(actor, items=2, photos=0))
    row_services.checklist_item_delete(version=version, key="tags", actor=actor)
    assert list(version.checklist.values_list("key", flat=True)) == ["odor"]


# --- photo slots ---


def test_photo_slots_are_added_updated_moved_and_deleted(actor):
    version = draft_of(make_standard(actor, items=0, photos=3))
    assert list(version.photos.values_list("slot", "required", "min_long_edge_px")) == [
        ("front", True, 1200),
        ("back", True, 1200),
        ("care-label", True, 1200),
    ]
    row_services.photo_slot_update(
        version=version, slot="back", changes={"required": False, "min_long_edge_px": 800}, actor=actor
    )
    row_services.photo_slot_move(version=version, slot="care-label", offset=-2, actor=actor)
    row_services.photo_slot_delete(version=version, slot="front", actor=actor)
    assert list(version.photos.values_list("slot", "required", "min_long_edge_px")) == [
        ("care-label", True, 1200),
        ("back", False, 800),
    ]
    row_services.photo_reorder(version=version, slots=["back", "care-label"], actor=actor)
    assert list(version.photos.values_list("slot", flat=True)) == ["back", "care-label"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"slot": "Front side", "label": "Front"}, "invalid_slot"),
        ({"slot": "front", "label": ""}, "required"),
        ({"slot": "front", "label": "Front", "min_long_edge_px": 99}, "invalid_min_long_edge"),
        ({"slot": "front", "label": "Front", "min_long_edge_px": 10_001}, "invalid_min_long_edge"),
        ({"slot": "front", "label": "Front", "min_long_edge_px": "1200"}, "invalid_min_long_edge"),
    ],
)
def test_photo_slot_fields_are_validated(actor, kwargs, code):
    version = draft_of(make_standard(actor, items=0, photos=0))
    with pytest.raises(DomainError) as error:
        row_services.photo_slot_add(version=version, **kwargs, actor=actor)
    assert error.value.code == code


def test_photo_slots_are_unique_within_a_version(actor):
    version = draft_of(make_standard(actor, items=0, photos=1))
    with pytest.raises(DuplicateKey):
        row_services.photo_slot_add(version=version, slot="front", label="Front again", actor=actor)


def test_reorder_both_lists_at_once_or_neither(actor):
    version = draft_of(make_standard(actor, items=2, photos=2))
    row_services.version_reorder(version=version, checklist=["odor", "tags"], photos=["back", "front"], actor=actor)
    assert list(version.checklist.values_list("key", flat=True)) == ["odor", "tags"]
    with pytest.raises(DomainError):
        row_services.version_reorder(version=version, checklist=["tags", "odor"], photos=["back"], actor=actor)
    # The checklist half ran inside the same transaction as the failed photo half.
    assert list(version.checklist.values_list("key", flat=True)) == ["odor", "tags"]


# --- dispositions ---


def test_dispositions_are_replaced_whole(actor):
    version = draft_of(make_standard(actor))
    mapping = {"like_new": "local_stock", "good": "local_stock", "fair": "warehouse", "unsellable": "recycle"}
    assert services.version_dispositions_set(version=version, dispositions=mapping, actor=actor).dispositions == mapping
    version.refresh_from_db()
    assert version.dispositions == mapping


@pytest.mark.parametrize(
    ("mapping", "code"),
    [
        ({"like_new": "local_stock", "good": "warehouse", "fair": "liquidation", "mint": "recycle"}, "unknown_grade"),
        ({"like_new": "local_stock", "good": "warehouse", "fair": "liquidation"}, "missing_grade"),
        (
            {"like_new": "local_stock", "good": "warehouse", "fair": "landfill", "unsellable": "recycle"},
            "unknown_disposition",
        ),
        (
            {"like_new": "local_stock", "good": "warehouse", "fair": ["x"], "unsellable": "recycle"},
            "unknown_disposition",
        ),
    ],
)
def test_dispositions_are_validated(actor, mapping, code):
    version = draft_of(make_standard(actor))
    with pytest.raises(DomainError) as error:
        services.version_dispositions_set(version=version, dispositions=mapping, actor=actor)
    assert error.value.code == code
    version.refresh_from_db()
    assert version.dispositions["fair"] == "liquidation"


# --- publishing and immutability ---


def test_publish_freezes_the_version_and_records_who_and_when(actor, alice):
    version = draft_of(make_standard(actor))
    services.version_publish(version=version, notes="  First cut ", actor=actor)
    version.refresh_from_db()
    assert version.status == "published"
    assert version.published_by == alice
    assert version.published_at is not None
    assert version.notes == "First cut"


@pytest.mark.parametrize(
    ("items", "photos", "code", "message"),
    [
        (0, 1, "no_checklist", "Add at least one checklist item before publishing."),
        (1, 0, "no_required_photo", "Add at least one required photo slot before publishing."),
        (0, 0, "no_checklist", "Add at least one checklist item before publishing."),
    ],
)
def test_a_draft_needs_a_checklist_item_and_a_required_photo_to_publish(actor, items, photos, code, message):
    version = draft_of(make_standard(actor, items=items, photos=photos))
    with pytest.raises(DomainError) as error:
        services.version_publish(version=version, actor=actor)
    assert (error.value.code, error.value.message) == (code, message)
    version.refresh_from_db()
    assert version.status == "draft"


def test_optional_photos_alone_are_not_enough_to_publish(actor):
    version = draft_of(make_standard(actor, items=1, photos=1))
    row_services.photo_slot_update(version=version, slot="front", changes={"required": False}, actor=actor)
    with pytest.raises(DomainError) as error:
        services.version_publish(version=version, actor=actor)
    assert error.value.code == "no_required_photo"


def test_every_edit_of_a_published_version_is_refused(actor):
    standard = make_standard(actor, items=2, photos=2, publish=True)
    version = standard.versions.get()
    before = (list(version.checklist.values()), list(version.photos.values()), version.dispositions)
    edits = [
        lambda: row_services.checklist_item_add(version=version, key="new", prompt="New", fail_cap="good", actor=actor),
        lambda: row_services.checklist_item_update(version=version, key="tags", changes={"prompt": "X"}, actor=actor),
        lambda: row_services.checklist_item_delete(version=version, key="tags", actor=actor),
        lambda: row_services.checklist_reorder(version=version, keys=["odor", "tags"], actor=actor),
        lambda: row_services.checklist_item_move(version=version, key="odor", offset=-1, actor=actor),
        lambda: row_services.photo_slot_add(version=version, slot="new", label="New", actor=actor),
        lambda: row_services.photo_slot_update(version=version, slot="front", changes={"label": "X"}, actor=actor),
        lambda: row_services.photo_slot_delete(version=version, slot="front", actor=actor),
        lambda: row_services.photo_reorder(version=version, slots=["back", "front"], actor=actor),
        lambda: row_services.photo_slot_move(version=version, slot="back", offset=-1, actor=actor),
        lambda: row_services.version_reorder(version=version, checklist=["odor", "tags"], actor=actor),
        lambda: services.version_dispositions_set(
            version=version,
            dispositions={"like_new": "recycle", "good": "recycle", "fair": "recycle", "unsellable": "recycle"},
            actor=actor,
        ),
        lambda: services.version_publish(version=version, actor=actor),
        lambda: services.version_draft_discard(version=version, actor=actor),
    ]
    for edit in edits:
        with pytest.raises(VersionPublished) as error:
            edit()
        assert (error.value.code, error.value.status) == ("version_published", 409)
        assert "Start a new draft" in error.value.message
    version.refresh_from_db()
    assert (list(version.checklist.values()), list(version.photos.values()), version.dispositions) == before


def test_a_stale_draft_object_cannot_edit_a_version_published_since(actor):
    version = draft_of(make_standard(actor))
    stale = StandardVersion.objects.get(pk=version.pk)
    services.version_publish(version=version, actor=actor)
    assert stale.status == "draft"
    with pytest.raises(VersionPublished):
        row_services.checklist_item_add(version=stale, key="late", prompt="Late", fail_cap="good", actor=actor)


def test_the_model_refuses_saving_or_deleting_rows_of_a_published_version(actor):
    standard = make_standard(actor, publish=True)
    item = ChecklistItem.objects.get(version__standard=standard, key="tags")
    item.prompt = "Changed behind the service's back"
    with pytest.raises(ValidationError):
        item.save()
    with pytest.raises(ValidationError):
        PhotoRequirement.objects.get(version__standard=standard).delete()


def test_editing_a_new_draft_leaves_the_published_version_as_it_was(actor):
    standard = make_standard(actor, publish=True)
    v2 = services.version_draft_create(standard=standard, actor=actor)
    row_services.checklist_item_update(version=v2, key="tags", changes={"fail_cap": "fair"}, actor=actor)
    row_services.checklist_item_delete(version=v2, key="odor", actor=actor)
    assert list(standard.versions.get(number=1).checklist.values_list("key", "fail_cap")) == [
        ("tags", "good"),
        ("odor", "unsellable"),
    ]


# --- which standard applies to a SKU ---


@pytest.fixture
def catalogue():
    return {
        "own": Sku.objects.create(code="BLK-OWN", title="Own standard", price=120, category="Blankets"),
        "cat": Sku.objects.create(code="BLK-CAT", title="Category", price=120, category="Blankets"),
        "plain": Sku.objects.create(code="TEE-1", title="Tee", price=20, category="Tees"),
        "none": Sku.objects.create(code="MUG-1", title="Mug", price=12),
    }


def test_resolution_prefers_the_sku_then_the_category_then_the_default(actor, catalogue):
    default = make_standard(actor, name="Default", publish=True)
    blankets = make_standard(actor, name="Blankets", scope=Scope.CATEGORY, category="Blankets", publish=True)
    own = make_standard(actor, name="Own", scope=Scope.SKU, sku=catalogue["own"], publish=True)
    assert selectors.standard_for_sku(catalogue["own"]).standard == own
    assert selectors.standard_for_sku(catalogue["cat"]).standard == blankets
    assert selectors.standard_for_sku(catalogue["plain"]).standard == default
    assert selectors.standard_for_sku(catalogue["none"]).standard == default
    resolution = selectors.standard_resolve(catalogue["cat"])
    assert resolution.reason == (
        "BLK-CAT is in category “Blankets”, which has the standard “Blankets”. Version 1 is the latest published."
    )
    assert "brand default “Default” applies" in selectors.standard_resolve(catalogue["plain"]).reason
    assert selectors.standard_resolve(catalogue["own"]).reason.startswith("BLK-OWN has its own standard “Own”.")


def test_resolution_returns_the_latest_published_version_never_a_draft(actor, catalogue):
    standard = make_standard(actor, publish=True)
    v2 = services.version_draft_create(standard=standard, actor=actor)
    assert selectors.standard_for_sku(catalogue["plain"]).number == 1
    services.version_publish(version=v2, actor=actor)
    services.version_draft_create(standard=standard, actor=actor)
    assert selectors.standard_for_sku(catalogue["plain"]).number == 2


def test_an_override_with_no_published_version_is_not_in_force(actor, catalogue):
    default = make_standard(actor, name="Default", publish=True)
    make_standard(actor, name="Own draft", scope=Scope.SKU, sku=catalogue["own"])
    make_standard(actor, name="Blankets draft", scope=Scope.CATEGORY, category="Blankets")
    assert selectors.standard_for_sku(catalogue["own"]).standard == default


def test_no_published_standard_resolves_to_none_with_a_reason(actor, catalogue):
    make_standard(actor)
    resolution = selectors.standard_resolve(catalogue["plain"])
    assert resolution.version is None
    assert resolution.reason == "No published standard applies: publish a brand default or an override."


def test_category_matching_is_exact(actor, catalogue):
    make_standard(actor, name="blankets", scope=Scope.CATEGORY, category="blankets", publish=True)
    assert selectors.standard_for_sku(catalogue["cat"]) is None


def test_resolution_is_one_query(actor, catalogue, django_assert_num_queries):
    make_standard(actor, publish=True)
    make_standard(actor, name="Blankets", scope=Scope.CATEGORY, category="Blankets", publish=True)
    with django_assert_num_queries(3):  # version + standard, checklist, photos (prefetched for the engine)
        version = selectors.standard_for_sku(catalogue["cat"])
        selectors.snapshot_of(version)


def test_snapshot_of_a_version_grades_with_its_rules_and_dispositions(actor):
    standard = make_standard(actor, items=3, photos=2)
    version = draft_of(standard)
    services.version_dispositions_set(
        version=version,
        dispositions={"like_new": "local_stock", "good": "local_stock", "fair": "warehouse", "unsellable": "recycle"},
        actor=actor,
    )
    services.version_publish(version=version, actor=actor)
    snapshot = selectors.snapshot_of(selectors.version_get(standard_id=standard.pk, number=1))
    assert [r.key for r in snapshot.checklist] == ["tags", "odor", "stains"]
    assert [p.slot for p in snapshot.photo_slots] == ["front", "back"]
    outcome = evaluate(snapshot, {"tags": False, "odor": True, "stains": True})
    assert (outcome.computed_grade, outcome.disposition) == ("good", "local_stock")


# --- diffs ---


def test_diff_against_the_previous_published_version(actor):
    standard = make_standard(actor, items=3, photos=2, publish=True)
    v2 = services.version_draft_create(standard=standard, actor=actor)
    row_services.checklist_item_update(
        version=v2, key="tags", changes={"fail_cap": "fair", "prompt": "Hang tags attached"}, actor=actor
    )
    row_services.checklist_item_delete(version=v2, key="odor", actor=actor)
    row_services.checklist_item_add(version=v2, key="zipper", prompt="Zipper works", fail_cap="fair", actor=actor)
    row_services.photo_slot_update(version=v2, slot="back", changes={"min_long_edge_px": 1600}, actor=actor)
    row_services.photo_slot_add(version=v2, slot="label", label="Care label", required=False, actor=actor)
    row_services.photo_reorder(version=v2, slots=["back", "front", "label"], actor=actor)
    services.version_dispositions_set(
        version=v2,
        dispositions={"like_new": "local_stock", "good": "local_stock", "fair": "liquidation", "unsellable": "recycle"},
        actor=actor,
    )
    v2 = selectors.version_get(standard_id=standard.pk, number=2)
    diff = selectors.version_diff(selectors.published_before(v2), v2)
    assert diff.base_number == 1
    assert [i.key for i in diff.items_added] == ["zipper"]
    assert [i.key for i in diff.items_removed] == ["odor"]
    assert [(c.key, c.fields) for c in diff.items_changed] == [
        ("tags", (("prompt", "Tags attached", "Hang tags attached"), ("fail_cap", "good", "fair")))
    ]
    assert not diff.items_reordered
    assert [p.slot for p in diff.photos_added] == ["label"]
    assert diff.photos_removed == ()
    assert [(c.key, c.fields) for c in diff.photos_changed] == [("back", (("min_long_edge_px", 1200, 1600),))]
    assert diff.photos_reordered
    assert diff.dispositions_changed == (("good", "warehouse", "local_stock"),)
    assert not diff.is_empty


def test_history_diffs_each_version_against_the_published_one_before_it(actor, django_assert_num_queries):
    standard = make_standard(actor, items=2, photos=1, publish=True)
    v2 = services.version_draft_create(standard=standard, actor=actor)
    row_services.checklist_item_delete(version=v2, key="odor", actor=actor)
    services.version_publish(version=v2, actor=actor)
    services.version_draft_create(standard=standard, actor=actor)
    with django_assert_num_queries(3):
        history = selectors.version_history(standard)
        [diff.is_empty for _, diff in history]
    assert [(v.number, v.status) for v, _ in history] == [(3, "draft"), (2, "published"), (1, "published")]
    v3_diff, v2_diff, v1_diff = (diff for _, diff in history)
    assert v3_diff.is_empty and v3_diff.base_number == 2
    assert [i.key for i in v2_diff.items_removed] == ["odor"]
    assert v1_diff.first and [i.key for i in v1_diff.items_added] == ["tags", "odor"]
