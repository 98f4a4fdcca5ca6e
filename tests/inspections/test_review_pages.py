"""The brand's review pages: inspections (list with filters and stats; detail with the
photo gallery, the answers, computed vs final grade), the audit queue and decisions, held
units with approve/reject, trust settings — and who may see or do what."""

import re

import pytest
from django.urls import reverse

from closo.actors import Actor
from fulfillment.models import StockUnit
from hubs.models import Hub
from inspections.models import Audit, Inspection
from tests.factories import applied_hub
from tests.inspections.inspect_builders import evidence_unsealed
from tests.inspections.trust_builders import make_inspection


@pytest.fixture
def inspect(brand_a, in_brand, active_hub, ivan, alice):
    """inspect(rma, **options): an inspection of brand A at the active hub, by ivan."""
    actor = Actor(user=alice, label=alice.email)

    def make(rma: str, **options):
        with in_brand(brand_a):
            return make_inspection(hub=options.pop("hub", active_hub), inspector=ivan, rma=rma, actor=actor, **options)

    return make


@pytest.fixture
def as_alice(host_client, brand_a, alice):
    return host_client(brand_a.host, alice)


@pytest.fixture
def as_vera(host_client, brand_a, vera):
    return host_client(brand_a.host, vera)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def rmas(response) -> list[str]:
    return re.findall(r'href="/inspections/\d+/">([^<]+)</a>', response.content.decode())


# --- inspections list ---


def test_list_shows_each_inspection_with_its_grade_audit_and_the_stats(as_alice, inspect):
    inspect("RMA-1", seconds=20)
    inspect("RMA-2", failed=("tags",), seconds=40, audit=True)
    inspect("RMA-3", lower_to="fair", lower_reason="Small snag", seconds=90, unit_status=None)
    response = as_alice.get(reverse("inspection_list"))
    assert response.status_code == 200
    assert sorted(rmas(response)) == ["RMA-1", "RMA-2", "RMA-3"]
    page = text(response)
    assert "3 inspections" in page
    assert "33% Like New" in page
    assert "40 s median time" in page
    assert "lowered from Like New" in page
    assert "Waiting" in page  # RMA-2's audit
    assert "1 audit waiting for your verdict" in page


def test_list_filters_by_hub_grade_and_audit(as_alice, inspect):
    other = applied_hub("North Porch")
    inspect("RMA-A", audit=True)
    inspect("RMA-B", failed=("odor",))
    inspect("RMA-C", hub=other)
    assert sorted(rmas(as_alice.get(reverse("inspection_list"), {"hub": other.pk}))) == ["RMA-C"]
    assert rmas(as_alice.get(reverse("inspection_list"), {"grade": "unsellable"})) == ["RMA-B"]
    assert rmas(as_alice.get(reverse("inspection_list"), {"audited": "pending"})) == ["RMA-A"]
    assert sorted(rmas(as_alice.get(reverse("inspection_list"), {"audited": "no"}))) == ["RMA-B", "RMA-C"]
    none = as_alice.get(reverse("inspection_list"), {"audited": "yes"})
    assert "No inspections match these filters" in text(none)


def test_list_sorts_by_duration(as_alice, inspect):
    inspect("RMA-SLOW", seconds=120)
    inspect("RMA-FAST", seconds=15)
    assert rmas(as_alice.get(reverse("inspection_list"), {"sort": "duration"})) == ["RMA-FAST", "RMA-SLOW"]
    assert rmas(as_alice.get(reverse("inspection_list"), {"sort": "-duration"})) == ["RMA-SLOW", "RMA-FAST"]


def test_an_empty_list_says_where_inspections_come_from(as_alice):
    page = text(as_alice.get(reverse("inspection_list")))
    assert "No inspections yet" in page
    assert "GET /api/v1/inspections/" in page


def test_list_uses_the_same_number_of_queries_at_10_and_100_rows(as_alice, inspect, django_assert_num_queries):
    for n in range(10):
        inspect(f"RMA-{n:03d}", audit=n % 2 == 0, photos=False, unit_status="held" if n % 3 == 0 else None)
    as_alice.get(reverse("inspection_list"))  # warms the session and membership lookups
    # search_path (host → brand cached), session, user, membership, page count, stats, tab counts,
    # the hub filter's choices, the page's rows
    with django_assert_num_queries(9) as ten:
        assert as_alice.get(reverse("inspection_list")).status_code == 200
    for n in range(10, 100):
        inspect(f"RMA-{n:03d}", audit=n % 2 == 0, photos=False)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(rmas(as_alice.get(reverse("inspection_list")))) == 25


# --- inspection detail ---


def test_detail_shows_the_gallery_answers_and_computed_versus_final_grade(as_alice, inspect, brand_a, in_brand):
    inspection = inspect("RMA-D", failed=("tags",), lower_to="fair", lower_reason="Snag on the hem", seconds=34)
    with in_brand(brand_a):
        photos = list(inspection.photos.order_by("pk").values_list("pk", "slot"))
    response = as_alice.get(reverse("inspection_review", args=[inspection.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    # photo gallery: every slot, thumbnails linking to the display rendition (authorizing view)
    for pk, _slot in photos:
        assert f'href="/photos/{pk}/display"' in html
        assert f'src="/photos/{pk}/thumbnail"' in html
    assert [label for label in ("Front", "Back", "Care label", "Defect close-up") if label in page] == [
        "Front",
        "Back",
        "Care label",
        "Defect close-up",
    ]
    assert "2048×1536" in page
    # answers: pass/fail per item with its prompt
    assert "✗ Fail Tags attached → at most Good" in page
    assert "✓ Pass No odor" in page
    # computed vs final grade and the inspector's reason
    assert "The checklist computed Good → Final grade Fair" in page
    assert "Lowered by the inspector: “Snag on the hem”" in page
    assert "took 34 s" in page
    assert "Liquidation" in page


def test_detail_of_an_unlowered_grade_says_the_inspector_kept_it(as_alice, inspect):
    inspection = inspect("RMA-K")
    page = text(as_alice.get(reverse("inspection_review", args=[inspection.pk])))
    assert "The checklist computed Like New → Final grade Like New" in page
    assert "The inspector kept the computed grade." in page


def test_detail_lists_missing_and_unprocessed_photos_plainly(as_alice, inspect, brand_a, in_brand):
    inspection = inspect("RMA-P")
    with in_brand(brand_a), evidence_unsealed():  # rows from before submits waited for processing
        inspection.photos.filter(slot="back").update(status="pending")
        inspection.photos.filter(slot="defect").delete()
    html = as_alice.get(reverse("inspection_review", args=[inspection.pk])).content.decode()
    assert "Processing…" in html
    assert "No photo (required)" in html
    assert html.count('src="/photos/') == 2


def test_detail_shows_the_hubs_reputation_against_the_threshold(as_alice, inspect, active_hub):
    inspection = inspect("RMA-H")
    page = text(as_alice.get(reverse("inspection_review", args=[inspection.pk])))
    assert "0.90 reputation" in page
    assert "At or above your threshold of 0.80" in page
    Hub.objects.filter(pk=active_hub.pk).update(audits_total=3)
    page = text(as_alice.get(reverse("inspection_review", args=[inspection.pk])))
    assert "0.69 reputation" in page
    assert "Below your threshold of 0.80: its Like-New units wait for your approval." in page


def test_another_brands_inspection_id_is_a_404(host_client, brand_b, bob, inspect):
    inspection = inspect("RMA-A-ONLY")
    response = host_client(brand_b.host, bob).get(reverse("inspection_review", args=[inspection.pk]))
    assert response.status_code == 404


# --- audits ---


def test_audit_queue_says_what_to_do_next(as_alice, inspect):
    first = inspect("RMA-OLD", audit=True)
    inspect("RMA-NEW", audit=True)
    inspect("RMA-NOT-SAMPLED")
    response = as_alice.get(reverse("audit_list"))
    page = text(response)
    assert "Next: open the oldest one" in page
    assert f'href="/inspections/{first.pk}/#audit">Start with RMA-OLD' in response.content.decode()
    assert "RMA-NOT-SAMPLED" not in page
    assert "Audits 2" in page  # the tab's count


def test_an_empty_audit_queue_explains_the_sample(as_alice):
    page = text(as_alice.get(reverse("audit_list")))
    assert "Nothing to audit right now" in page
    assert "10% chance" in page


def test_agreeing_on_the_page_moves_to_the_next_audit(as_alice, inspect, active_hub, brand_a, in_brand):
    first = inspect("RMA-1", audit=True)
    second = inspect("RMA-2", audit=True)
    with in_brand(brand_a):
        audit = Audit.objects.get(inspection=first)
    response = as_alice.post(reverse("audit_decide", args=[audit.pk]), {"verdict": "agree", "reason": ""})
    assert response.status_code == 302
    assert response["Location"] == reverse("inspection_review", args=[second.pk]) + "#audit"
    followed = text(as_alice.get(response["Location"]))
    assert "Saved: you agreed with RMA-1. 1 audit left — here is the next one." in followed
    assert Hub.objects.get(pk=active_hub.pk).audits_agreed == 1


def test_deciding_the_last_audit_returns_to_the_queue(as_alice, inspect, brand_a, in_brand):
    inspection = inspect("RMA-LAST", audit=True)
    with in_brand(brand_a):
        audit = Audit.objects.get(inspection=inspection)
    response = as_alice.post(
        reverse("audit_decide", args=[audit.pk]), {"verdict": "disagree", "reason": "Stain on the back"}
    )
    assert response["Location"] == reverse("audit_list")
    page = text(as_alice.get(reverse("audit_list"), {"status": "decided"}))
    assert "Disagreed “Stain on the back”" in page


def test_disagreeing_without_a_reason_shows_the_error_on_the_form(as_alice, inspect, active_hub, brand_a, in_brand):
    inspection = inspect("RMA-X", audit=True)
    with in_brand(brand_a):
        audit = Audit.objects.get(inspection=inspection)
    response = as_alice.post(reverse("audit_decide", args=[audit.pk]), {"verdict": "disagree", "reason": ""})
    assert response.status_code == 400
    assert "A reason is required to disagree." in text(response)
    assert Hub.objects.get(pk=active_hub.pk).audits_total == 0


def test_a_decision_without_a_verdict_asks_for_one(as_alice, inspect, brand_a, in_brand):
    inspection = inspect("RMA-NV", audit=True)
    with in_brand(brand_a):
        audit = Audit.objects.get(inspection=inspection)
    response = as_alice.post(reverse("audit_decide", args=[audit.pk]), {"reason": "Looks fine"})
    assert response.status_code == 400
    page = text(response)
    assert "Choose agree or disagree." in page
    assert 'value="Looks fine"' in response.content.decode()  # the reason typed is kept


def test_a_decided_audit_cannot_be_decided_again_on_the_page(as_alice, inspect, brand_a, in_brand):
    inspection = inspect("RMA-Y", audit=True)
    with in_brand(brand_a):
        audit = Audit.objects.get(inspection=inspection)
    as_alice.post(reverse("audit_decide", args=[audit.pk]), {"verdict": "agree"})
    response = as_alice.post(reverse("audit_decide", args=[audit.pk]), {"verdict": "disagree", "reason": "No"})
    assert response["Location"] == reverse("inspection_review", args=[inspection.pk])
    assert "This audit is already decided: alice@acme.test said “agree”." in text(as_alice.get(response["Location"]))


def test_viewers_see_audits_but_cannot_decide(as_vera, inspect, brand_a, in_brand):
    inspection = inspect("RMA-V", audit=True)
    with in_brand(brand_a):
        audit = Audit.objects.get(inspection=inspection)
    detail = as_vera.get(reverse("inspection_review", args=[inspection.pk]))
    assert detail.status_code == 200
    assert "Owners and admins decide audits." in text(detail)
    assert "audit_decide" not in detail.content.decode() and "/decide/" not in detail.content.decode()
    assert as_vera.post(reverse("audit_decide", args=[audit.pk]), {"verdict": "agree"}).status_code == 403
    with in_brand(brand_a):
        assert Audit.objects.get(pk=audit.pk).verdict == ""


# --- held units ---


def held_unit(brand, in_brand, inspection) -> StockUnit:
    with in_brand(brand):
        return StockUnit.objects.get(return_item=inspection.return_item)


def test_held_units_page_shows_each_unit_with_its_inspection_link(as_alice, inspect, brand_a, in_brand):
    inspection = inspect("RMA-HELD", unit_status="held")
    inspect("RMA-FREE", unit_status="available")
    unit = held_unit(brand_a, in_brand, inspection)
    response = as_alice.get(reverse("unit_held_list"))
    html, page = response.content.decode(), text(response)
    assert unit.label in page and "RMA-HELD" in page and "RMA-FREE" not in page
    assert f'href="/inspections/{inspection.pk}/">See its inspection' in html
    assert f'action="/units/{unit.pk}/approve/"' in html
    assert f'action="/units/{unit.pk}/reject/"' in html
    assert "Held units 1" in page


def test_approving_on_the_page_makes_the_unit_local_stock(as_alice, inspect, brand_a, in_brand):
    unit = held_unit(brand_a, in_brand, inspect("RMA-AP", unit_status="held"))
    response = as_alice.post(reverse("unit_approve", args=[unit.pk]))
    assert response["Location"] == reverse("unit_held_list")
    assert f"Approved: {unit.label} is local stock at Eastside Porch." in text(as_alice.get(response["Location"]))
    with in_brand(brand_a):
        assert StockUnit.objects.get(pk=unit.pk).status == "available"


def test_rejecting_on_the_page_needs_a_reason_then_sends_it_to_the_warehouse(as_alice, inspect, brand_a, in_brand):
    inspection = inspect("RMA-RJ", unit_status="held")
    unit = held_unit(brand_a, in_brand, inspection)
    back = reverse("inspection_review", args=[inspection.pk])
    refused = as_alice.post(reverse("unit_reject", args=[unit.pk]), {"reason": "", "next": back})
    assert refused["Location"] == back
    assert "Say why the unit goes to the warehouse" in text(as_alice.get(back))
    response = as_alice.post(reverse("unit_reject", args=[unit.pk]), {"reason": "Pilling", "next": back})
    assert response["Location"] == back
    with in_brand(brand_a):
        assert StockUnit.objects.get(pk=unit.pk).status == "to_warehouse"


def test_a_foreign_next_url_is_ignored(as_alice, inspect, brand_a, in_brand):
    unit = held_unit(brand_a, in_brand, inspect("RMA-NX", unit_status="held"))
    response = as_alice.post(reverse("unit_approve", args=[unit.pk]), {"next": "https://evil.test/"})
    assert response["Location"] == reverse("unit_held_list")


def test_viewers_see_held_units_but_cannot_approve_or_reject(as_vera, inspect, brand_a, in_brand):
    unit = held_unit(brand_a, in_brand, inspect("RMA-VH", unit_status="held"))
    page = as_vera.get(reverse("unit_held_list"))
    assert page.status_code == 200 and unit.label in text(page)
    assert "/approve/" not in page.content.decode()
    assert as_vera.post(reverse("unit_approve", args=[unit.pk])).status_code == 403
    assert as_vera.post(reverse("unit_reject", args=[unit.pk]), {"reason": "x"}).status_code == 403
    with in_brand(brand_a):
        assert StockUnit.objects.get(pk=unit.pk).status == "held"


def test_no_held_units_says_why_units_are_held(as_alice):
    page = text(as_alice.get(reverse("unit_held_list")))
    assert "No units held." in page
    assert "below your threshold of 0.80" in page


# --- trust settings ---


def test_admins_change_the_trust_settings(as_alice, brand_a, inspect):
    inspect("RMA-S")
    page = text(as_alice.get(reverse("trust_settings")))
    assert "Eastside Porch Good standing" in page
    response = as_alice.post(reverse("trust_settings"), {"reputation_threshold": "0.92", "audit_sample_rate": "0.5"})
    assert response.status_code == 302
    brand_a.refresh_from_db()
    assert (brand_a.reputation_threshold, brand_a.audit_sample_rate) == (0.92, 0.5)
    assert "Eastside Porch Units held" in text(as_alice.get(reverse("trust_settings")))


def test_invalid_trust_settings_keep_the_input_and_say_what_is_wrong(as_alice, brand_a):
    response = as_alice.post(reverse("trust_settings"), {"reputation_threshold": "1.5", "audit_sample_rate": "0.2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="1.5"' in html and 'value="0.2"' in html
    assert "Ensure this value is less than or equal to 1" in html
    brand_a.refresh_from_db()
    assert brand_a.reputation_threshold == 0.8


def test_viewers_read_the_trust_settings_but_cannot_change_them(as_vera, brand_a):
    page = as_vera.get(reverse("trust_settings"))
    assert "Owners and admins can change these." in text(page)
    assert '<form method="post" class="form">' not in page.content.decode()
    as_vera.post(reverse("trust_settings"), {"reputation_threshold": "0.1", "audit_sample_rate": "1"})
    brand_a.refresh_from_db()
    assert brand_a.reputation_threshold == 0.8


# --- who may see the pages ---

PAGES = ["inspection_list", "audit_list", "unit_held_list", "trust_settings"]


@pytest.mark.parametrize("who", ["bob", "ivan", "olga"])
def test_outsiders_get_404_on_every_review_page(request, host_client, brand_a, in_brand, inspect, who):
    inspection = inspect("RMA-SECRET", audit=True, unit_status="held")
    unit = held_unit(brand_a, in_brand, inspection)
    with in_brand(brand_a):
        audit = Audit.objects.get(inspection=inspection)
    client = host_client(brand_a.host, request.getfixturevalue(who))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 404, name
    assert client.get(reverse("inspection_review", args=[inspection.pk])).status_code == 404
    assert client.post(reverse("audit_decide", args=[audit.pk]), {"verdict": "agree"}).status_code == 404
    assert client.post(reverse("unit_approve", args=[unit.pk])).status_code == 404
    assert client.post(reverse("unit_reject", args=[unit.pk]), {"reason": "x"}).status_code == 404
    with in_brand(brand_a):
        assert Audit.objects.get(pk=audit.pk).verdict == ""
        assert StockUnit.objects.get(pk=unit.pk).status == "held"


def test_anonymous_visitors_are_sent_to_sign_in(host_client, brand_a):
    for name in PAGES:
        response = host_client(brand_a.host).get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/")


def test_brand_b_admin_cannot_act_on_brand_a_units_from_brand_b_host(
    host_client, brand_b, bob, inspect, brand_a, in_brand
):
    unit = held_unit(brand_a, in_brand, inspect("RMA-AU", unit_status="held"))
    client = host_client(brand_b.host, bob)
    assert client.post(reverse("unit_approve", args=[unit.pk])).status_code == 404
    with in_brand(brand_a):
        assert StockUnit.objects.get(pk=unit.pk).status == "held"
        assert Inspection.objects.count() == 1


@pytest.mark.parametrize(
    "name, options", [("audit_list", {"audit": True}), ("unit_held_list", {"unit_status": "held"})]
)
def test_queues_use_the_same_number_of_queries_at_10_and_100_rows(
    as_alice, inspect, name, options, django_assert_num_queries
):
    for n in range(10):
        inspect(f"RMA-{n:03d}", photos=False, **options)
    as_alice.get(reverse(name))
    with django_assert_num_queries(7) as ten:  # search_path (host cached), session, user, membership, tabs, count, rows
        assert as_alice.get(reverse(name)).status_code == 200
    for n in range(10, 100):
        inspect(f"RMA-{n:03d}", photos=False, **options)
    with django_assert_num_queries(len(ten.captured_queries)):
        assert as_alice.get(reverse(name)).status_code == 200
