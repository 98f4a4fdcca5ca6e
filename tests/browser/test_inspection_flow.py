"""The hub's 30-second job on a phone (390×844): Ivan receives a drop-off by typing its code
and inspects the item — 4 photos straight from the camera (4000×3000 JPEGs of 3–4 MB)
and 8 checks — then reads what to do with it next.

Reports the user actions it took (fills, clicks, file picks; goal ≤ 14) and the bytes the
browser uploaded for the photos against the original photos' bytes (goal ≤ 25 %): the
wizard shrinks each photo to a ≤ 2048 px JPEG in the browser before it uploads it.
Signing in is not counted: it happens once a shift, not once an item.

Each uploaded photo is then processed by the worker; the wizard shows "Processing…" in its
slot until the server's thumbnail replaces it, and the submit waits for all of them."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from django.core.signals import request_started
from django_tenants.utils import schema_context
from PIL import Image, ImageChops
from playwright.sync_api import Locator, Page, expect

from closo.actors import Actor
from fulfillment.models import Event, ReturnItem, StockUnit
from inspections.models import Inspection, InspectionPhoto
from inspections.services import photos as photo_services
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD
from tests.inspections.inspect_builders import SLOTS, assigned_return, publish_standard, received_return

pytestmark = pytest.mark.browser

MAX_ACTIONS = 14
MAX_UPLOAD_RATIO = 0.25


@pytest.fixture(scope="module")
def camera_photos(tmp_path_factory) -> list[Path]:
    """Four 4000×3000 (12 MP) JPEGs of 3–4 MB, like a phone camera's: smooth colour with
    sensor-like grain (pure noise would not compress like a photo)."""
    folder = tmp_path_factory.mktemp("camera")
    random.seed(4)
    paths = []
    for i, (slot, _) in enumerate(SLOTS):
        channels = [Image.effect_noise((160, 120), 50 + 5 * i) for _ in range(3)]
        colour = Image.merge("RGB", channels).resize((4000, 3000), Image.BICUBIC)
        grain = Image.effect_noise((4000, 3000), 12).convert("RGB")
        path = folder / f"IMG_{1000 + i}_{slot}.jpg"
        ImageChops.blend(colour, grain, 0.35).save(path, "JPEG", quality=92)
        paths.append(path)
    return paths


class PhotoWorker:
    """Stands in for the django-q2 worker, which never sees the uploads of a test that runs
    in one transaction: once started, it processes the brand's pending photos before each
    request the live server handles — in the server's thread, on its connection, so the
    test never uses that connection from two threads at once."""

    def __init__(self, schema_name: str):
        self.schema_name = schema_name
        self.running = False

    def start(self) -> None:
        self.running = True

    def __call__(self, **kwargs) -> None:
        if not self.running:
            return
        with schema_context(self.schema_name):
            pending = InspectionPhoto.objects.filter(status=InspectionPhoto.Status.PENDING)
            for pk in pending.values_list("pk", flat=True):
                photo_services.photo_process(pk)


@pytest.fixture
def photo_worker(brand_a):
    worker = PhotoWorker(brand_a.schema_name)
    request_started.connect(worker, dispatch_uid="test-photo-worker")
    yield worker
    request_started.disconnect(dispatch_uid="test-photo-worker")


def _body_bytes(request) -> int:
    """Bytes of a request's body as sent. Chromium does not hand Playwright a multipart body
    built from a Blob (post_data_buffer is None), so its Content-Length is the measure."""
    body = request.post_data_buffer
    return len(body) if body else int(request.all_headers()["content-length"])


class Actions:
    """Does what the person does, and counts it."""

    def __init__(self):
        self.log: list[str] = []

    def click(self, target: Locator, what: str) -> None:
        target.click()
        self.log.append(f"click {what}")

    def fill(self, target: Locator, value: str, what: str) -> None:
        target.fill(value)
        self.log.append(f"fill {what}")

    def pick(self, target: Locator, path: Path, what: str) -> None:
        target.set_input_files(str(path))
        self.log.append(f"pick {what}")


def test_an_inspector_receives_a_drop_off_and_inspects_it_in_a_few_taps(
    page: Page, server, sign_in, screenshot, brand_a, alice, active_hub, camera_photos, photo_worker
):
    photo_worker.start()
    with schema_context(brand_a.schema_name):
        publish_standard(Actor(user=alice, label=alice.email))
    item = assigned_return(brand_a, active_hub, rma="RMA-PHONE-1")
    code = item.dropoff_code

    uploads = []

    def count_upload(request):
        if request.method == "POST" and re.search(r"/returns/\d+/photos/$", request.url):
            uploads.append(request)

    page.on("request", count_upload)
    sign_in(page, server.url("/accounts/sign-in/"), "ivan@hub.test", PASSWORD)
    page.goto(server.url("/hub/"))

    act = Actions()
    # Receive: the customer reads out the code.
    act.click(page.get_by_role("link", name="Receive a drop-off"), "Receive a drop-off")
    act.fill(page.get_by_label("Drop-off code"), code.lower(), "the drop-off code")
    act.click(page.get_by_role("button", name="Receive", exact=True), "Receive")
    act.click(page.get_by_role("link", name="Inspect now"), "Inspect now")

    # The wizard: one screen. Nothing is done, so the submit says what is missing.
    expect(page.get_by_role("heading", name="Inspect RMA-PHONE-1")).to_be_visible()
    submit = page.get_by_role("button", name="Submit inspection")
    progress = page.locator(".wizard-count")
    expect(progress).to_have_text(re.compile(r"0 of 4 photos\s*· 0 of 8 checks"))
    expect(submit).to_be_disabled()
    expect(page.locator("[data-missing]")).to_contain_text("Still missing: 4 photos")
    screenshot(page, "inspect-1-wizard.png")

    for (slot, label), photo in zip(SLOTS, camera_photos, strict=True):
        act.pick(page.locator(f"#photo-{slot}"), photo, f"photo {label}")
    for slot, _ in SLOTS:
        expect(page.locator(f'.shot[data-slot="{slot}"]')).to_have_attribute("data-state", "done", timeout=20_000)
    expect(progress).to_have_text(re.compile(r"4 of 4 photos\s*· 0 of 8 checks"))
    expect(submit).to_be_disabled()
    expect(page.locator("[data-missing]")).to_have_text("Still missing: 8 checks")
    screenshot(page, "inspect-2-photos-taken.png")

    act.click(page.get_by_role("button", name="All pass"), "All pass")
    expect(progress).to_have_text(re.compile(r"4 of 4 photos\s*· 8 of 8 checks"))
    expect(submit).to_be_enabled()
    # What the phone shows at the end of the checklist: the progress line stays on top.
    submit.scroll_into_view_if_needed()
    expect(page.locator(".wizard-progress")).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "inspect-3-ready.png"))
    act.click(submit, "Submit inspection")

    # The result: what to do with the item, in large type.
    headline = page.locator(".result-action")
    expect(headline).to_have_text(re.compile(r"^Like New — shelf it with label ACM\d+-\d{4,}$"))
    expect(page.get_by_role("link", name="Back to the queue")).to_be_visible()
    screenshot(page, "inspect-4-result.png")

    with schema_context(brand_a.schema_name):
        inspection = Inspection.objects.get(return_item_id=item.pk)
        unit = StockUnit.objects.get(return_item_id=item.pk)
        assert ReturnItem.objects.get(pk=item.pk).disposition == "in_local_stock"
        photos = list(inspection.photos.all())
    assert headline.inner_text() == f"Like New — shelf it with label {unit.label}"
    assert len(photos) == 4
    assert all(max(p.width, p.height) == 2048 for p in photos)

    uploaded = [_body_bytes(r) for r in uploads]
    # The server received what the browser says it sent (each body is one file plus a
    # small multipart envelope).
    stored = sum(p.bytes_uploaded for p in photos)
    assert stored <= sum(uploaded) <= stored + 4 * 1024
    original_bytes = sum(path.stat().st_size for path in camera_photos)
    upload_bytes = sum(uploaded)
    ratio = upload_bytes / original_bytes
    print(
        f"\nInspection flow: {len(act.log)} user actions (goal ≤ {MAX_ACTIONS}): {', '.join(act.log)}"
        f"\nPhotos: uploaded {upload_bytes / 1e6:.2f} MB in {len(uploaded)} requests for {original_bytes / 1e6:.2f} MB "
        f"of originals = {ratio:.1%} (goal ≤ {MAX_UPLOAD_RATIO:.0%}); "
        f"inspection took {inspection.duration_seconds:.1f} s"
    )
    assert len(uploaded) == 4
    assert len(act.log) <= MAX_ACTIONS
    assert ratio <= MAX_UPLOAD_RATIO


def test_the_wizard_says_which_photo_to_retake_and_a_failed_check_changes_where_the_item_goes(
    page: Page, server, sign_in, screenshot, brand_a, alice, active_hub, camera_photos, tmp_path, photo_worker
):
    photo_worker.start()
    with schema_context(brand_a.schema_name):
        publish_standard(Actor(user=alice, label=alice.email))
    item = received_return(brand_a, active_hub, rma="RMA-PHONE-2")
    too_small = tmp_path / "small.jpg"
    Image.new("RGB", (800, 600), (90, 110, 130)).save(too_small, "JPEG")
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_bytes(b"these are not the pixels you are looking for")

    sign_in(page, server.url("/accounts/sign-in/"), "ivan@hub.test", PASSWORD)
    page.goto(server.url(f"/hub/b/acme/returns/{item.pk}/inspect/"))
    front = page.locator('.shot[data-slot="front"]')
    back = page.locator('.shot[data-slot="back"]')

    page.locator("#photo-front").set_input_files(str(too_small))
    expect(front).to_have_attribute("data-state", "error")
    expect(front).to_contain_text("Too small (800 px; at least 1200 px needed): retake it closer.")
    page.locator("#photo-back").set_input_files(str(not_a_photo))
    expect(back).to_have_attribute("data-state", "error")
    expect(back).to_contain_text("Tap to retake.")
    screenshot(page, "inspect-5-retake.png")
    expect(page.get_by_role("button", name="Submit inspection")).to_be_disabled()

    for (slot, _), photo in zip(SLOTS, camera_photos, strict=True):
        page.locator(f"#photo-{slot}").set_input_files(str(photo))
    for slot, _ in SLOTS:
        expect(page.locator(f'.shot[data-slot="{slot}"]')).to_have_attribute("data-state", "done", timeout=20_000)
    # A retake that is refused keeps the photo already taken.
    page.locator("#photo-front").set_input_files(str(too_small))
    expect(front).to_contain_text("The earlier photo is kept")
    expect(front).to_have_attribute("data-state", "done")
    page.locator('fieldset[data-check="tags"]').get_by_text("Fail").click()
    page.get_by_role("button", name="All pass").click()
    expect(page.locator('fieldset[data-check="tags"] input[value="fail"]')).to_be_checked()
    page.get_by_role("button", name="Submit inspection").click()

    expect(page.locator(".result-action")).to_have_text("Pack for the warehouse")
    page.get_by_text("Why Good").click()
    expect(page.get_by_text("Tags attached: failed → at most Good")).to_be_visible()
    screenshot(page, "inspect-6-result-warehouse.png")
    with schema_context(brand_a.schema_name):
        assert ReturnItem.objects.get(pk=item.pk).disposition == "to_warehouse"
        assert not StockUnit.objects.filter(return_item_id=item.pk).exists()


def test_the_wizard_shows_each_photo_processing_and_submits_once_all_are_ready(
    page: Page, server, sign_in, screenshot, brand_a, alice, active_hub, camera_photos, photo_worker
):
    with schema_context(brand_a.schema_name):
        publish_standard(Actor(user=alice, label=alice.email))
    item = received_return(brand_a, active_hub, rma="RMA-PHONE-3")

    sign_in(page, server.url("/accounts/sign-in/"), "ivan@hub.test", PASSWORD)
    page.goto(server.url(f"/hub/b/acme/returns/{item.pk}/inspect/"))
    submit = page.get_by_role("button", name="Submit inspection")
    for (slot, _), photo in zip(SLOTS, camera_photos, strict=True):
        page.locator(f"#photo-{slot}").set_input_files(str(photo))
    page.get_by_role("button", name="All pass").click()

    # Uploaded, not processed yet (the worker is idle): each slot says so, the submit waits.
    for slot, _ in SLOTS:
        shot = page.locator(f'.shot[data-slot="{slot}"]')
        expect(shot).to_have_attribute("data-state", "processing", timeout=20_000)
        expect(shot.locator("[data-status]")).to_have_text("Processing…")
    expect(page.locator("[data-missing]")).to_have_text(
        "Processing 4 photos (Front, Back, Care label, Defect close-up)…"
    )
    expect(submit).to_be_disabled()
    screenshot(page, "inspect-7-processing.png")

    # The worker processes them; the wizard's polling shows the server's thumbnails.
    photo_worker.start()
    for slot, _ in SLOTS:
        shot = page.locator(f'.shot[data-slot="{slot}"]')
        expect(shot).to_have_attribute("data-state", "done", timeout=20_000)
        thumbnail = shot.locator(".shot-preview img")
        expect(thumbnail).to_have_attribute("src", re.compile(r"^/hub/b/acme/photos/\d+/thumbnail$"))
        expect(thumbnail).to_have_js_property("complete", True)
        assert thumbnail.evaluate("img => img.naturalWidth") == 320  # the server's thumbnail, loaded
    expect(page.locator("[data-missing]")).to_have_text("Ready to submit.")
    expect(submit).to_be_enabled()
    screenshot(page, "inspect-8-processed.png")
    submit.click()

    expect(page.locator(".result-action")).to_have_text(re.compile(r"^Like New — shelf it with label"))
    with schema_context(brand_a.schema_name):
        inspection = Inspection.objects.get(return_item_id=item.pk)
        hashes = {p.slot: p.sha256 for p in inspection.photos.all()}
        inspected = Event.objects.get(return_item_id=item.pk, kind="inspected")
    assert sorted(hashes) == sorted(slot for slot, _ in SLOTS)
    assert {slot: entry["sha256"] for slot, entry in inspected.data["photos"].items()} == hashes
    assert all(len(sha) == 64 for sha in hashes.values())
