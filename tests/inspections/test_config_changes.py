"""The configuration audit trail of grading standards and trust settings: every edit of a
standard's draft, its publication or discard, and a change of the trust settings records
who changed what — once, and only when something changed."""

from __future__ import annotations

import pytest

from closo.actors import Actor
from fulfillment.models import ConfigChange, Sku
from inspections.exceptions import DuplicateKey, VersionPublished
from inspections.models import GradingStandard
from inspections.services import standard_rows as row_services
from inspections.services import standards as services
from inspections.services import trust

Scope = GradingStandard.Scope


def recorded() -> list[tuple]:
    """(action, subject, changes) of the standard rows, oldest first."""
    rows = ConfigChange.objects.order_by("created_at", "pk")
    assert {row.area for row in rows} <= {"standard"}
    return [(row.action, row.subject, row.changes) for row in rows]


@pytest.fixture
def draft(in_a, actor):
    """Brand A's default standard, its v1 draft with items tags, odor and photo slot
    front — and an empty activity."""
    standard = services.standard_create(name="Default", scope=Scope.DEFAULT, actor=actor)
    version = standard.versions.get()
    row_services.checklist_item_add(version=version, key="tags", prompt="Tags attached", fail_cap="good", actor=actor)
    row_services.checklist_item_add(version=version, key="odor", prompt="No odor", fail_cap="unsellable", actor=actor)
    row_services.photo_slot_add(version=version, slot="front", label="Front", actor=actor)
    ConfigChange.objects.all().delete()
    return version


V1 = "Standard “Default” v1 (draft)"


def test_creating_standards_records_the_scope_and_the_target(in_a, actor, alice):
    sku = Sku.objects.create(code="BLK-1", title="Blanket", price=120)
    default = services.standard_create(name="Default", scope=Scope.DEFAULT, actor=actor)
    services.standard_create(name="Throws", scope=Scope.CATEGORY, category="Throws", actor=actor)
    services.standard_create(name="Blanket", scope=Scope.SKU, sku=sku, actor=actor)
    assert recorded() == [
        ("created", "Standard “Default”", {"scope": "default"}),
        ("created", "Standard “Throws”", {"scope": "category", "category": "Throws"}),
        ("created", "Standard “Blanket”", {"scope": "sku", "sku": "BLK-1"}),
    ]
    first = ConfigChange.objects.order_by("pk").first()
    assert (first.subject_id, first.actor, first.actor_label) == (default.pk, alice, "alice@acme.test")


def test_checklist_items_added_changed_moved_and_removed_are_recorded(draft, actor):
    row_services.checklist_item_add(
        version=draft, key="stains", prompt="No stains", fail_cap="fair", help_text="Look inside", actor=actor
    )
    row_services.checklist_item_update(
        version=draft, key="odor", changes={"prompt": "No odor", "required": True}, actor=actor
    )
    row_services.checklist_item_update(
        version=draft, key="odor", changes={"key": "smell", "prompt": "No smell"}, actor=actor
    )
    row_services.checklist_item_move(version=draft, key="smell", offset=-1, actor=actor)
    row_services.checklist_item_move(version=draft, key="smell", offset=-1, actor=actor)  # already first
    row_services.checklist_reorder(version=draft, keys=["smell", "tags", "stains"], actor=actor)  # same order
    row_services.checklist_item_delete(version=draft, key="tags", actor=actor)
    assert recorded() == [
        (
            "added",
            f"Checklist item “stains” in {V1}",
            {"fail_cap": "fair", "help_text": "Look inside", "prompt": "No stains", "required": True},
        ),
        ("updated", f"Checklist item “smell” in {V1}", {"key": ["odor", "smell"], "prompt": ["No odor", "No smell"]}),
        ("reordered", f"Checklist of {V1}", {"order": [["tags", "smell", "stains"], ["smell", "tags", "stains"]]}),
        (
            "removed",
            f"Checklist item “tags” in {V1}",
            {"fail_cap": "good", "help_text": "", "prompt": "Tags attached", "required": True},
        ),
    ]


def test_photo_slots_added_changed_moved_and_removed_are_recorded(draft, actor):
    row_services.photo_slot_add(version=draft, slot="back", label="Back", required=False, actor=actor)
    row_services.photo_slot_update(version=draft, slot="back", changes={"min_long_edge_px": 1600}, actor=actor)
    row_services.photo_slot_update(version=draft, slot="back", changes={"label": "Back"}, actor=actor)  # no change
    row_services.photo_slot_move(version=draft, slot="back", offset=-1, actor=actor)
    row_services.photo_reorder(version=draft, slots=["front", "back"], actor=actor)
    row_services.photo_slot_delete(version=draft, slot="back", actor=actor)
    assert recorded() == [
        ("added", f"Photo slot “back” in {V1}", {"label": "Back", "min_long_edge_px": 1200, "required": False}),
        ("updated", f"Photo slot “back” in {V1}", {"min_long_edge_px": [1200, 1600]}),
        ("reordered", f"Photo slots of {V1}", {"order": [["front", "back"], ["back", "front"]]}),
        ("reordered", f"Photo slots of {V1}", {"order": [["back", "front"], ["front", "back"]]}),
        ("removed", f"Photo slot “back” in {V1}", {"label": "Back", "min_long_edge_px": 1600, "required": False}),
    ]


def test_reordering_both_lists_records_each_list_that_moved(draft, actor):
    row_services.photo_slot_add(version=draft, slot="back", label="Back", actor=actor)
    ConfigChange.objects.all().delete()
    row_services.version_reorder(version=draft, checklist=["odor", "tags"], photos=["front", "back"], actor=actor)
    assert recorded() == [("reordered", f"Checklist of {V1}", {"order": [["tags", "odor"], ["odor", "tags"]]})]


def test_dispositions_record_the_grades_that_changed(draft, actor):
    dispositions = {"like_new": "local_stock", "good": "warehouse", "fair": "liquidation", "unsellable": "recycle"}
    services.version_dispositions_set(version=draft, dispositions=dispositions, actor=actor)  # the defaults
    services.version_dispositions_set(version=draft, dispositions={**dispositions, "good": "local_stock"}, actor=actor)
    assert recorded() == [("updated", f"Dispositions of {V1}", {"good": ["warehouse", "local_stock"]})]


def test_publish_new_draft_and_discard_are_recorded(draft, actor):
    standard = draft.standard
    services.version_publish(version=draft, notes="First version", actor=actor)
    v2 = services.version_draft_create(standard=standard, actor=actor)
    services.version_draft_discard(version=v2, actor=actor)
    assert recorded() == [
        ("published", "Standard “Default” v1", {"notes": "First version"}),
        ("created", "Standard “Default” v2 (draft)", {"copied_from": "v1"}),
        ("discarded", "Standard “Default” v2 (draft)", {}),
    ]
    assert set(ConfigChange.objects.values_list("subject_id", flat=True)) == {standard.pk}


def test_refused_edits_record_nothing(draft, actor):
    with pytest.raises(DuplicateKey):
        row_services.checklist_item_add(version=draft, key="odor", prompt="Again", fail_cap="good", actor=actor)
    services.version_publish(version=draft, actor=actor)
    ConfigChange.objects.all().delete()
    with pytest.raises(VersionPublished):
        row_services.checklist_item_update(version=draft, key="odor", changes={"prompt": "Changed"}, actor=actor)
    with pytest.raises(VersionPublished):
        services.version_draft_discard(version=draft, actor=actor)
    assert not ConfigChange.objects.exists()


# --- trust settings (on the public Brand row, recorded in the brand's schema) ---


def test_trust_settings_record_old_and_new_values_in_the_brand(brand_a, brand_b, in_brand, alice):
    actor = Actor(user=alice, label=alice.email)
    trust.trust_settings_update(brand=brand_a, reputation_threshold=0.7, audit_sample_rate=0.1, actor=actor)
    trust.trust_settings_update(brand=brand_a, reputation_threshold=0.7, audit_sample_rate=0.1, actor=actor)
    with in_brand(brand_a):
        change = ConfigChange.objects.get()
        assert (change.area, change.action, change.subject, change.subject_id) == (
            "trust_settings",
            "updated",
            "Trust settings",
            None,
        )
        assert change.changes == {"reputation_threshold": [0.8, 0.7]}
        assert (change.actor, change.actor_label) == (alice, "alice@acme.test")
    with in_brand(brand_b):
        assert not ConfigChange.objects.exists()


def test_refused_trust_settings_record_nothing(brand_a, in_brand):
    with pytest.raises(trust.InvalidTrustSettings):
        trust.trust_settings_update(
            brand=brand_a, reputation_threshold=0.7, audit_sample_rate=1.5, actor=Actor.system("tests")
        )
    with in_brand(brand_a):
        assert not ConfigChange.objects.exists()
