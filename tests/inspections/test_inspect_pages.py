"""The hub portal's inspection wizard and result pages (public host): what the phone shows,
the submit, the refusals with the answers kept, and who can reach them (another hub,
another brand's admin, an outsider and a guessed URL all get 404)."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from closo.actors import Actor, Party
from fulfillment.models import Event, ReturnItem, StockUnit
from hubs.models import HubStatus
from hubs.services import registry as hub_services
from inspections.models import Inspection, InspectionPhoto
from inspections.selectors.inspections import inspection_started_token
from inspections.services import photos
from inspections.services.inspections import inspection_submit
from tests.factories import as_staff
from tests.inspections.inspect_builders import (
    ALL_PASS,
    CHECKS,
    SLOTS,
    add_photos,
    assigned_return,
    other_active_hub,
    received_return,
)


@pytest.fixture
def ivan_client(host_client, public_host, ivan):
    return host_client(public_host, ivan)


def wizard_url(item, slug="acme") -> str:
    return f"/hub/b/{slug}/returns/{item.pk}/inspect/"


def result_url(item, slug="acme") -> str:
    return f"/hub/b/{slug}/returns/{item.pk}/inspection/"


def form_data(version, answers=None, *, item=None, **extra) -> dict:
    """What the wizard posts: the answers, the version and the start its form signed for
    `item` (or the `started_token=` given)."""
    data = {f"a-{key}": "pass" if value else "fail" for key, value in (answers or ALL_PASS).items()}
    data["version"] = str(version.pk)
    if item is not None:
        data["started_token"] = inspection_started_token(item=item)
    data.update(extra)
    return data


def started_token_of(html: str) -> str:
    return re.search(r'name="started_token" value="([^"]+)"', html).group(1)


def test_the_wizard_shows_the_photo_slots_and_checks_of_the_standard_in_force(ivan_client, item, version):
    response = ivan_client.get(wizard_url(item))

    assert response.status_code == 200
    html = response.content.decode()
    for _, label in SLOTS:
        assert label in html
    for _, prompt, _ in CHECKS:
        assert prompt in html
    assert html.count('accept="image/*" capture="environment"') == 4
    assert f'data-upload-url="/hub/b/acme/returns/{item.pk}/photos/"' in html
    assert f'name="version" value="{version.pk}"' in html
    assert started_token_of(html)
    assert re.search(r"<strong data-photos>0</strong> of 4 photos\s*· <strong data-checks>0</strong> of 8 checks", html)
    assert "Still missing:" in html and "4 photos (Front, Back, Care label, Defect close-up)" in html
    assert "8 checks" in html
    assert "js/inspect.js" in html


def test_photos_taken_before_a_reload_are_shown_as_taken(ivan_client, brand_a, item, active_hub, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back"])
        add_photos(item, active_hub, slots=["defect"], status=InspectionPhoto.Status.FAILED)

    html = ivan_client.get(wizard_url(item)).content.decode()

    assert "<strong data-photos>2</strong> of 4 photos" in html
    assert html.count("✓ Taken") == 2
    assert "Could not be processed" in html
    assert "2 photos (Care label, Defect close-up)" in html
    assert html.count("/hub/b/acme/photos/") == 2  # the ready photos' thumbnails


def test_a_photo_still_processing_shows_so_and_has_no_thumbnail_yet(ivan_client, brand_a, item, active_hub, in_brand):
    with in_brand(brand_a):
        ready = add_photos(item, active_hub, slots=["front", "back", "care-label"])
        (pending,) = add_photos(item, active_hub, slots=["defect"], status=InspectionPhoto.Status.PENDING)

    html = ivan_client.get(wizard_url(item)).content.decode()

    shot = re.search(r'<li class="shot"[^>]*data-slot="defect".*?</li>', html, re.S).group(0)
    assert 'data-state="processing"' in shot and f'data-photo-id="{pending.pk}"' in shot
    assert "Processing…" in shot and "<img" not in shot
    assert html.count('data-state="done"') == len(ready)
    assert "Processing 1 photo (Defect close-up): submit when it is ready." not in html  # checks still missing
    assert "Still missing:" in html and "8 checks" in html


def test_submitting_goes_to_the_result_with_the_next_action_in_large_type(
    ivan_client, brand_a, photographed, version, active_hub
):
    response = ivan_client.post(wizard_url(photographed), form_data(version, item=photographed))

    assert response.status_code == 302
    assert response["Location"] == result_url(photographed)
    result = ivan_client.get(result_url(photographed))
    html = result.content.decode()
    with schema_context(brand_a.schema_name):
        label = StockUnit.objects.get(return_item=photographed).label
    assert result.status_code == 200
    headline = f'Like New — shelf it with label <span class="nowrap">{label}</span>'
    assert f'<h1 class="result-action" id="next-action">{headline}</h1>' in html
    assert f'<p class="result-label" aria-label="Shelf label">{label}</p>' in html
    assert f'href="/hub/?hub={active_hub.pk}">Back to the queue</a>' in html


def test_the_result_of_a_failed_check_says_where_the_item_goes(ivan_client, photographed, version):
    ivan_client.post(wizard_url(photographed), form_data(version, {**ALL_PASS, "stains": False}, item=photographed))

    html = ivan_client.get(result_url(photographed)).content.decode()

    assert "Set aside for liquidation" in html
    assert "No stains: failed → at most Fair" in html


def test_the_duration_runs_from_when_the_wizard_was_opened(ivan_client, brand_a, photographed, version):
    opened = inspection_started_token(item=photographed, at=timezone.now() - datetime.timedelta(seconds=25))

    ivan_client.post(wizard_url(photographed), form_data(version, started_token=opened))

    with schema_context(brand_a.schema_name):
        assert 24 <= Inspection.objects.get().duration_seconds <= 35


@pytest.mark.parametrize("token", ["", "forged", "other-item", "a-day-old"])
def test_a_start_not_signed_for_this_item_is_refused_with_a_fresh_form(
    ivan_client, brand_a, photographed, version, token
):
    started = {
        "": "",
        "forged": "forged",
        "other-item": inspection_started_token(item=ReturnItem(pk=photographed.pk + 1, hub_id=photographed.hub_id)),
        "a-day-old": inspection_started_token(item=photographed, at=timezone.now() - datetime.timedelta(hours=25)),
    }[token]

    response = ivan_client.post(wizard_url(photographed), form_data(version, started_token=started))

    assert response.status_code == 400
    html = response.content.decode()
    says = {
        "": "Send the started_token the inspection form gave you",
        "forged": "This started_token was not issued by Closo",
        "other-item": "This started_token is for another return or hub",
        "a-day-old": "This inspection form was opened more than 24 hours ago",
    }[token]
    assert f'<div class="errors" role="alert" id="wizard-error">\n  <p><strong>{says}' in html
    fresh = started_token_of(html)
    assert fresh != started
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()
    # The answers are kept and the page carries a new start: submitting again works.
    assert ivan_client.post(wizard_url(photographed), form_data(version, started_token=fresh)).status_code == 302


def test_a_refused_submit_shows_why_and_keeps_the_answers(ivan_client, brand_a, photographed, version):
    answers = dict.fromkeys(list(ALL_PASS)[:5], True)
    answers["tags"] = False

    response = ivan_client.post(
        wizard_url(photographed), form_data(version, answers, item=photographed, lower_reason="Faded")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Answer every required check" in html
    assert html.count("checked") == 5
    assert re.search(r'name="a-tags" value="fail" checked', html)
    assert 'value="Faded"' in html
    assert "3 checks" in html  # still missing
    assert "<li>No pilling: This check is required.</li>" in html
    assert html.count("wizard-check has-error") == 3
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()


def test_missing_photos_are_named(ivan_client, brand_a, item, active_hub, version, in_brand):
    with in_brand(brand_a):
        add_photos(item, active_hub, slots=["front", "back", "care-label"])

    response = ivan_client.post(wizard_url(item), form_data(version, item=item))

    assert response.status_code == 400
    assert "Take every required photo: Defect close-up." in response.content.decode()


def test_without_the_script_the_photos_travel_with_the_form_and_the_submit_waits_for_them(
    ivan_client, brand_a, item, version, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}

    def jpeg(name):
        buffer = io.BytesIO()
        Image.new("RGB", (1600, 1200), (120, 140, 160)).save(buffer, "JPEG")
        buffer.seek(0)
        buffer.name = name
        return buffer

    data = form_data(version, item=item)
    data.update({f"photo-{slot}": jpeg(f"{slot}.jpg") for slot, _ in SLOTS})
    response = ivan_client.post(wizard_url(item), data)

    # Stored, not processed yet: the page says to wait, with the answers kept.
    assert response.status_code == 409
    html = response.content.decode()
    assert "4 photos are still being processed (Front, Back, Care label, Defect close-up)" in html
    assert "submit again in a few seconds" in html
    assert html.count('data-state="processing"') == 4
    assert html.count('value="pass" checked') == len(ALL_PASS)
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()
        for photo in InspectionPhoto.objects.all():  # the worker's turn
            photos.photo_process(photo.pk)

    again = ivan_client.post(wizard_url(item), form_data(version, started_token=started_token_of(html)))

    assert again.status_code == 302
    with schema_context(brand_a.schema_name):
        inspection = Inspection.objects.get()
        linked = {p.slot: p.sha256 for p in inspection.photos.all()}
        inspected = Event.objects.get(return_item=item, kind="inspected")
    assert sorted(linked) == sorted(slot for slot, _ in SLOTS)
    assert {slot: entry["sha256"] for slot, entry in inspected.data["photos"].items()} == linked
    assert all(len(sha) == 64 for sha in linked.values())


def test_a_suspended_hub_sees_why_it_cannot_inspect(ivan_client, brand_a, photographed, version, active_hub, stan):
    hub_services.hub_set_status(hub=active_hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason="Audit")

    page = ivan_client.get(wizard_url(photographed))
    submitted = ivan_client.post(wizard_url(photographed), form_data(version, item=photographed))

    assert page.status_code == 409
    assert "Eastside Porch is suspended: it cannot inspect returns." in page.content.decode()
    assert submitted.status_code == 409
    assert "Eastside Porch is suspended" in submitted.content.decode()
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()


def test_a_return_not_received_yet_points_to_receiving(ivan_client, brand_a, active_hub, version):
    item = assigned_return(brand_a, active_hub)

    response = ivan_client.get(wizard_url(item))

    assert response.status_code == 409
    html = response.content.decode()
    assert "receive it with its drop-off code first" in html
    assert f'href="/hub/receive/?hub={active_hub.pk}">Receive a drop-off</a>' in html


def test_without_a_published_standard_the_page_says_so(ivan_client, brand_a, active_hub):
    item = received_return(brand_a, active_hub)

    response = ivan_client.get(wizard_url(item))

    assert response.status_code == 409
    assert "no published grading standard" in response.content.decode()


def test_an_inspected_return_opens_on_its_result_and_a_second_submit_changes_nothing(
    ivan_client, brand_a, photographed, version, active_hub, ivan
):
    with schema_context(brand_a.schema_name):
        inspection_submit(
            item=photographed,
            hub=active_hub,
            inspector=ivan,
            started_token=inspection_started_token(item=photographed),
            answers=dict(ALL_PASS),
            actor=Actor.for_user(ivan, party=Party.HUB),
        )

    page = ivan_client.get(wizard_url(photographed))
    again = ivan_client.post(
        wizard_url(photographed), form_data(version, {**ALL_PASS, "odor": False}, item=photographed)
    )

    assert page.status_code == 302 and page["Location"] == result_url(photographed)
    assert again.status_code == 302 and again["Location"] == result_url(photographed)
    with schema_context(brand_a.schema_name):
        assert Inspection.objects.get().final_grade == "like_new"


def test_the_result_of_a_return_not_inspected_yet_leads_to_the_wizard(ivan_client, item):
    response = ivan_client.get(result_url(item))

    assert response.status_code == 302
    assert response["Location"] == wizard_url(item)


# --- who can reach it ---


def test_signing_in_is_required(host_client, public_host, item):
    client = host_client(public_host)

    for url in (wizard_url(item), result_url(item)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/sign-in/?next={url}"


@pytest.mark.parametrize("who", ["other_hub", "bob", "olga", "alice", "stan"])
def test_anyone_but_the_hub_holding_the_return_gets_404(
    host_client, public_host, brand_a, photographed, version, who, stan, request
):
    user = other_active_hub(stan)[1] if who == "other_hub" else request.getfixturevalue(who)
    client = host_client(public_host, user)

    responses = [
        client.get(wizard_url(photographed)),
        client.post(wizard_url(photographed), form_data(version, item=photographed)),
        client.get(result_url(photographed)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    with schema_context(brand_a.schema_name):
        assert not Inspection.objects.exists()
        assert ReturnItem.objects.get(pk=photographed.pk).status == "dropped_off"


def test_another_hubs_member_cannot_see_a_finished_inspection(
    ivan_client, host_client, public_host, photographed, version, stan
):
    ivan_client.post(wizard_url(photographed), form_data(version, item=photographed))
    _, oscar = other_active_hub(stan)

    response = host_client(public_host, oscar).get(result_url(photographed))

    assert response.status_code == 404


@pytest.mark.parametrize("slug", ["bolt", "nope", "public"])
def test_a_guessed_brand_in_the_url_finds_nothing(ivan_client, photographed, slug):
    assert ivan_client.get(wizard_url(photographed, slug)).status_code == 404
    assert ivan_client.get(result_url(photographed, slug)).status_code == 404


def test_a_deactivated_brands_returns_cannot_be_opened(ivan_client, brand_a, photographed):
    brand_a.is_active = False
    brand_a.save(update_fields=["is_active"])

    assert ivan_client.get(wizard_url(photographed)).status_code == 404
