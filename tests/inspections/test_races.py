"""Races on grading standards, with real threads and committed rows: two publishes of one
draft, an edit racing a publish, two new drafts at once."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.models import User
from inspections.exceptions import DraftExists, VersionPublished
from inspections.models import GradingStandard, StandardVersion
from inspections.services import standard_rows as row_services
from inspections.services import standards as services
from tests.conftest import BRAND_A, EMAILS, run_concurrently
from tests.inspections.conftest import make_standard


@pytest.fixture
def race(committed):
    """(brand A's schema name, a standard with a complete draft v1, alice as actor),
    committed so that the threads see them; removed afterwards."""
    brand = Brand.objects.get(slug=BRAND_A["slug"])
    alice = User.objects.get(email=EMAILS["alice"])
    actor = Actor(user=alice, label=alice.email)
    with schema_context(brand.schema_name):
        standard = make_standard(actor)

    def drop():
        with schema_context(brand.schema_name):
            GradingStandard.objects.all().delete()

    committed.append(drop)
    return brand.schema_name, standard, actor


def test_two_concurrent_publishes_of_one_draft_publish_it_once(race):
    schema, standard, actor = race

    def publish(_):
        with schema_context(schema):
            version = StandardVersion.objects.get(standard=standard, number=1)
            return services.version_publish(version=version, actor=actor).published_at

    results = run_concurrently(publish, n=2)
    published = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, VersionPublished)]
    assert len(published) == 1 and len(refused) == 1, results
    with schema_context(schema):
        assert StandardVersion.objects.get(standard=standard).published_at == published[0]


def test_an_edit_racing_a_publish_never_lands_in_the_published_version_unseen(race):
    schema, standard, actor = race

    def work(i):
        with schema_context(schema):
            version = StandardVersion.objects.get(standard=standard, number=1)
            if i == 0:
                services.version_publish(version=version, actor=actor)
                return sorted(version.checklist.values_list("key", flat=True))
            return row_services.checklist_item_add(
                version=version, key="late", prompt="Late", fail_cap="fair", actor=actor
            )

    published_keys, edit = run_concurrently(work, n=2)
    assert not isinstance(published_keys, BaseException), published_keys
    with schema_context(schema):
        version = StandardVersion.objects.get(standard=standard)
        keys = sorted(version.checklist.values_list("key", flat=True))
    assert version.status == "published"
    # The publisher saw exactly what is published: the edit went first (and was
    # published with the rest) or came second and was refused.
    assert keys == published_keys
    assert ("late" in keys) == (not isinstance(edit, VersionPublished)), edit


def test_two_concurrent_new_drafts_make_one(race):
    schema, standard, actor = race
    with schema_context(schema):
        services.version_publish(version=standard.versions.get(), actor=actor)

    def draft(_):
        with schema_context(schema):
            return services.version_draft_create(standard=standard, actor=actor).number

    results = run_concurrently(draft, n=2)
    assert sorted(type(r).__name__ for r in results) == ["DraftExists", "int"], results
    assert 2 in results
    with schema_context(schema):
        assert standard.versions.filter(status="draft").count() == 1
    assert any(isinstance(r, DraftExists) for r in results)
