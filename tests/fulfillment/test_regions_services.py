"""Region limits: validation of the rules, and the ZIP check's answer in words."""

import pytest

from closo.actors import Actor
from closo.exceptions import DomainError
from fulfillment.exceptions import RegionNameTaken
from fulfillment.models import Backorder, RegionLimit, Sku
from fulfillment.selectors.regions import zip_check
from fulfillment.services.regions import region_create, region_delete, region_update
from hubs.models import Hub, HubStatus
from tests.factories import applied_hub

ACTOR = Actor.system("tests")


@pytest.fixture
def acme(brand_a, in_brand):
    with in_brand(brand_a):
        yield brand_a


def make_region(name="Austin core", **rules):
    rules.setdefault("zip_prefixes", [])
    return RegionLimit.objects.create(name=name, **rules)


def test_with_no_regions_every_known_zip_is_allowed(acme):
    decision = zip_check("78701")
    assert decision.valid and decision.allowed
    assert decision.region is None
    assert decision.explanation == "78701: allowed — no regions set — backorders are allowed everywhere"
    assert decision.max_promise_days is None


def test_a_prefix_match_names_the_region_and_the_prefix(acme):
    make_region("Austin core", zip_prefixes=["786", "787"], max_promise_days=21, requires_consent=True)
    decision = zip_check("78701")
    assert decision.allowed
    assert decision.region.name == "Austin core"
    assert decision.explanation == "78701: allowed — in region “Austin core” (prefix 787)"
    assert decision.max_promise_days == 21
    assert decision.requires_consent is True


def test_a_listed_zip_matches(acme):
    make_region("Round Rock", zips=["78664"])
    assert zip_check("78664").explanation == "78664: allowed — in region “Round Rock” (listed ZIP)"
    assert not zip_check("78665").allowed


def test_within_miles_of_an_active_hub_gives_the_distance_and_the_hub(acme, active_hub):
    make_region("Austin metro", within_miles_of_hub=10)
    decision = zip_check("78701")
    assert decision.allowed
    assert decision.nearest_hub == active_hub
    assert decision.distance_miles == 1.6
    assert decision.explanation == (
        "78701: allowed — 1.6 mi from Eastside Porch (within 10 mi of an active hub, region “Austin metro”)"
    )
    # Cedar Park is 17.8 mi from the hub: outside a 10-mile region.
    assert not zip_check("78613").allowed


def test_a_zip_no_region_covers_is_refused_with_the_nearest_active_hub(acme, active_hub):
    make_region("Austin metro", within_miles_of_hub=10)
    decision = zip_check("10001")
    assert not decision.allowed
    assert decision.valid
    assert (
        decision.explanation
        == "10001: not allowed — no region covers it (nearest active hub: Eastside Porch, 1,511 mi)"
    )
    assert decision.region is None


def test_only_active_hubs_count_for_distance(acme, active_hub):
    Hub.objects.filter(pk=active_hub.pk).update(status=HubStatus.SUSPENDED)
    make_region("Austin metro", within_miles_of_hub=10)
    decision = zip_check("78701")
    assert not decision.allowed
    assert decision.explanation == "78701: not allowed — no region covers it (no active hubs yet)"


def test_a_hub_still_applying_does_not_count(acme, active_hub):
    applied_hub("Far North Porch", zip_code="78613")
    make_region("Cedar Park", within_miles_of_hub=5)
    assert not zip_check("78613").allowed


def test_inactive_regions_are_ignored(acme):
    make_region("Paused", zip_prefixes=["787"], is_active=False)
    make_region("Dallas", zip_prefixes=["752"])
    decision = zip_check("78701")
    assert not decision.allowed
    assert decision.explanation.startswith("78701: not allowed — no region covers it")


def test_only_inactive_regions_means_allowed_everywhere(acme):
    make_region("Paused", zip_prefixes=["752"], is_active=False)
    assert zip_check("78701").explanation == "78701: allowed — no regions set — backorders are allowed everywhere"


def test_when_several_regions_match_the_first_by_name_decides_and_the_others_are_named(acme, active_hub):
    make_region("Texas", zip_prefixes=["7"], max_promise_days=45)
    make_region("Austin metro", within_miles_of_hub=10, max_promise_days=14, requires_consent=True)
    decision = zip_check("78701")
    assert decision.region.name == "Austin metro"
    assert decision.max_promise_days == 14
    assert decision.requires_consent is True
    assert decision.explanation.endswith("region “Austin metro”); also in “Texas”")


@pytest.mark.parametrize(
    ("raw", "explanation"),
    [("00000", "00000: not a US ZIP code"), ("7870", "7870: not a US ZIP code"), ("abcde", "abcde: not a US ZIP code")],
)
def test_unknown_or_malformed_zips_are_not_us_zip_codes(acme, raw, explanation):
    decision = zip_check(raw)
    assert not decision.valid
    assert not decision.allowed
    assert decision.explanation == explanation


def test_zip_plus_four_is_read_as_its_zip(acme):
    make_region("Austin core", zip_prefixes=["787"])
    decision = zip_check(" 78701-1234 ")
    assert decision.zip_code == "78701"
    assert decision.allowed


def test_zip_check_query_count_does_not_grow_with_regions(acme, active_hub, django_assert_num_queries):
    make_region("R0", zip_prefixes=["100"], within_miles_of_hub=5)
    # ZIP, regions, nearest hub within the largest radius, then any active hub (none that close)
    with django_assert_num_queries(4):
        zip_check("98101")
    for i in range(1, 30):
        make_region(f"R{i}", zip_prefixes=[f"{100 + i}"], within_miles_of_hub=5)
    with django_assert_num_queries(4):
        zip_check("98101")


def test_create_takes_text_or_lists_and_dedupes(acme):
    region = region_create(
        name="  Austin  ", zip_prefixes="787, 786 787;786", zips=["78664", "78664", "78613"], actor=ACTOR
    )
    assert region.name == "Austin"
    assert region.zip_prefixes == ["787", "786"]
    assert region.zips == ["78664", "78613"]
    assert region.max_promise_days == 30
    assert region.is_active


def test_create_refuses_bad_prefixes_and_unknown_zips_with_invalid_zip(acme):
    with pytest.raises(DomainError) as exc:
        region_create(name="Bad", zip_prefixes="78a, 123456", zips="78701 00000 1234", actor=ACTOR)
    assert exc.value.code == "invalid_zip"
    assert exc.value.fields["zip_prefixes"] == [
        "78a, 123456: a ZIP prefix is 3 to 5 digits, e.g. 787 (one digit alone covers a tenth of the US)."
    ]
    assert exc.value.fields["zips"] == ["00000, 1234: not a US ZIP code. Enter a 5-digit US ZIP code, e.g. 78702."]
    with pytest.raises(DomainError) as exc:
        region_create(name="Bad", zips="78701 00000", actor=ACTOR)
    assert exc.value.fields["zips"] == ["00000: not a US ZIP code. Enter a 5-digit US ZIP code, e.g. 78702."]
    assert not RegionLimit.objects.exists()


@pytest.mark.parametrize(
    ("prefixes", "message"),
    [
        ("7", "7: a ZIP prefix is 3 to 5 digits, e.g. 787 (one digit alone covers a tenth of the US)."),
        ("78, 787", "78: a ZIP prefix is 3 to 5 digits, e.g. 787 (one digit alone covers a tenth of the US)."),
        ("00000", "00000: no US ZIP code starts with these digits."),
        ("787 000 7870", "000: no US ZIP code starts with these digits."),
    ],
)
def test_a_prefix_must_be_3_to_5_digits_that_start_a_us_zip(acme, prefixes, message):
    with pytest.raises(DomainError) as exc:
        region_create(name="Too wide", zip_prefixes=prefixes, actor=ACTOR)
    assert (exc.value.code, exc.value.fields) == ("invalid_zip", {"zip_prefixes": [message]})
    region = region_create(name="Austin", zip_prefixes="787 7870 78701", actor=ACTOR)
    assert region.zip_prefixes == ["787", "7870", "78701"]


def test_every_problem_of_a_region_is_reported_at_once(acme):
    with pytest.raises(DomainError) as exc:
        region_create(name="", zip_prefixes="7", max_promise_days="0", within_miles_of_hub="x", actor=ACTOR)
    assert set(exc.value.fields) == {"name", "zip_prefixes", "max_promise_days", "within_miles_of_hub"}
    with pytest.raises(DomainError) as exc:
        region_create(name="Nowhere", max_promise_days=0, actor=ACTOR)
    assert exc.value.code == "invalid"
    assert exc.value.fields == {
        "max_promise_days": ["Between 1 and 365 days."],
        "zip_prefixes": ["Add at least one rule: ZIP prefixes, ZIP codes or miles from a hub."],
    }


def test_a_region_needs_at_least_one_rule(acme):
    with pytest.raises(DomainError) as exc:
        region_create(name="Nowhere", actor=ACTOR)
    assert exc.value.code == "no_rule"
    assert "zip_prefixes" in exc.value.fields


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"within_miles_of_hub": 0}, "within_miles_of_hub"),
        ({"within_miles_of_hub": 251}, "within_miles_of_hub"),
        ({"max_promise_days": 0}, "max_promise_days"),
        ({"max_promise_days": None}, "max_promise_days"),
        ({"max_open_backorders_per_sku": 0}, "max_open_backorders_per_sku"),
    ],
)
def test_out_of_range_settings_are_refused(acme, values, field):
    with pytest.raises(DomainError) as exc:
        region_create(**{"name": "R", "zip_prefixes": "787", **values}, actor=ACTOR)
    assert exc.value.code == "invalid"
    assert list(exc.value.fields) == [field]


def test_names_are_unique_ignoring_case(acme):
    region_create(name="Austin", zip_prefixes="787", actor=ACTOR)
    with pytest.raises(RegionNameTaken) as exc:
        region_create(name="austin", zip_prefixes="786", actor=ACTOR)
    assert exc.value.code == "region_exists"
    assert exc.value.status == 409


def test_update_changes_only_what_is_given(acme):
    region = region_create(name="Austin", zip_prefixes="787", max_promise_days=20, actor=ACTOR)
    region = region_update(region=region, changes={"within_miles_of_hub": 15, "zip_prefixes": []}, actor=ACTOR)
    assert region.zip_prefixes == []
    assert region.within_miles_of_hub == 15
    assert region.max_promise_days == 20
    assert region.name == "Austin"


def test_update_cannot_remove_the_last_rule(acme):
    region = region_create(name="Austin", zip_prefixes="787", actor=ACTOR)
    with pytest.raises(DomainError) as exc:
        region_update(region=region, changes={"zip_prefixes": ""}, actor=ACTOR)
    assert exc.value.code == "no_rule"
    region.refresh_from_db()
    assert region.zip_prefixes == ["787"]


def test_update_may_keep_its_own_name(acme):
    region = region_create(name="Austin", zip_prefixes="787", actor=ACTOR)
    assert region_update(region=region, changes={"name": "Austin"}, actor=ACTOR).name == "Austin"


def test_deleting_a_region_keeps_its_backorders(acme):
    region = region_create(name="Austin", zip_prefixes="787", actor=ACTOR)
    sku = Sku.objects.create(code="WB-15", title="Weighted blanket", price=120)
    backorder = Backorder.objects.create(
        order_ref="#1", sku=sku, value=120, customer_zip="78701", placed_at="2026-01-01T00:00Z", region=region
    )
    region_delete(region=region, actor=ACTOR)
    backorder.refresh_from_db()
    assert backorder.region is None
    assert not RegionLimit.objects.exists()
