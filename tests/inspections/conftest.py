"""Builders for grading standards, going through the real services."""

from __future__ import annotations

import pytest

from closo.actors import Actor
from inspections.models import Grade, GradingStandard, StandardVersion
from inspections.services import standard_rows as row_services
from inspections.services import standards as services
from tests.inspections.inspect_builders import add_photos, publish_standard, received_return

ITEMS = [
    ("tags", "Tags attached", Grade.GOOD),
    ("odor", "No odor", Grade.UNSELLABLE),
    ("stains", "No stains", Grade.FAIR),
    ("seams", "Seams intact", Grade.FAIR),
    ("packaging", "Original packaging", Grade.GOOD),
    ("pilling", "No pilling", Grade.GOOD),
]
PHOTOS = [("front", "Front"), ("back", "Back"), ("care-label", "Care label"), ("defect", "Defect close-up")]


def fill_draft(version: StandardVersion, actor: Actor, *, items: int = 2, photos: int = 1) -> StandardVersion:
    for key, prompt, cap in ITEMS[:items]:
        row_services.checklist_item_add(version=version, key=key, prompt=prompt, fail_cap=cap, actor=actor)
    for slot, label in PHOTOS[:photos]:
        row_services.photo_slot_add(version=version, slot=slot, label=label, actor=actor)
    return version


def make_standard(
    actor: Actor,
    *,
    name: str = "Brand default",
    scope: str = GradingStandard.Scope.DEFAULT,
    category: str = "",
    sku=None,
    items: int = 2,
    photos: int = 1,
    publish: bool = False,
) -> GradingStandard:
    """A standard whose v1 draft has `items` checklist items and `photos` required
    photo slots, published if asked. Call inside the brand's schema."""
    standard = services.standard_create(name=name, scope=scope, category=category, sku=sku, actor=actor)
    version = fill_draft(standard.versions.get(), actor, items=items, photos=photos)
    if publish:
        services.version_publish(version=version, actor=actor)
    return standard


@pytest.fixture
def actor(alice) -> Actor:
    return Actor(user=alice, label=alice.email)


@pytest.fixture
def in_a(in_brand, brand_a):
    """Run the test body in brand A's schema."""
    with in_brand(brand_a):
        yield brand_a


# --- an inspection in progress: the standard, a return received at the hub, its photos ---


@pytest.fixture
def version(brand_a, alice, in_brand):
    with in_brand(brand_a):
        return publish_standard(Actor(user=alice, label=alice.email))


@pytest.fixture
def item(brand_a, active_hub, version):
    return received_return(brand_a, active_hub)


@pytest.fixture
def photographed(brand_a, item, active_hub, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub)
    return item
