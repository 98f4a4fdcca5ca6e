"""The hub portal's inspection pages (public host): the one-screen wizard a phone uses to
photograph and check a received item, its submit, and the result that says what to do
with the item next. Every page opens the return through
`portals.selectors.hub_access.hub_return` (404 unless it is at one of the member's hubs)
and every write goes through `inspections.services.inspections.inspection_submit`.

The page carries the `started_token` its form handed out (the start of the inspection,
signed by the server) and sends it back with the submit, as a scanner app does. Photos
are uploaded one by one by the script and processed in the background; the script polls
the return's photo list until each is ready (the thumbnail replaces "Processing…") and
enables the submit once all are. Without the script a submit made too early is refused
(`photos_processing`) and the page says to submit again in a few seconds."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from closo.actors import Actor, Party
from closo.exceptions import DomainError, HubNotActive
from hubs.models import HubStatus
from inspections.engine import GRADE_LABELS
from inspections.exceptions import InvalidStartedToken
from inspections.models import GRADE_ORDER, Inspection
from inspections.selectors.inspections import inspection_form, inspection_next_action
from inspections.services.inspections import inspection_submit
from inspections.services.photos import photo_upload
from portals.selectors.hub_access import hub_photo_url, hub_return


def answers_from(post) -> dict[str, bool | None]:
    """Pass / Fail / (skipped) radio values `a-<key>` → {key: True / False / None}."""
    return {
        name.removeprefix("a-"): {"pass": True, "fail": False}.get(value)
        for name, value in post.items()
        if name.startswith("a-")
    }


def upload_url(*, brand_slug: str, pk: int) -> str:
    """Where the wizard sends each photo as soon as it is picked (the photo pipeline's
    upload endpoint: multipart `slot` + `file` → JSON)."""
    return reverse("hub_photo_upload", kwargs={"brand_slug": brand_slug, "pk": pk})


def _queue_url(hub) -> str:
    return f"{reverse('hub_home')}?hub={hub.pk}"


def _blocked(request, ctx, *, title: str, message: str, status: int, receive: bool = False):
    return render(
        request,
        "inspections/hub_inspect_blocked.html",
        {
            "ctx": ctx,
            "item": ctx.item,
            "title": title,
            "message": message,
            "receive": receive,
            "queue_url": _queue_url(ctx.hub),
        },
        status=status,
    )


def _wizard(request, ctx, *, answers=None, grade="", lower_reason="", token=None, error=None, status=200):
    form = inspection_form(item=ctx.item)
    slots = [
        (slot, hub_photo_url(brand=ctx.brand, photo=slot.photo, rendition="thumbnail") if slot.ready else "")
        for slot in form.slots
    ]
    checklist = [(item, (answers or {}).get(item.key)) for item in form.checklist]
    answered = sum(1 for _, answer in checklist if answer is not None)
    missing_checks = sum(1 for item, answer in checklist if item.required and answer is None)
    # A refusal names checks and slots by key: show the words the inspector sees.
    names = {c.key: c.prompt for c in form.checklist} | {s.requirement.slot: s.requirement.label for s in form.slots}
    fields = error.fields if error is not None and isinstance(error.fields, dict) else {}
    error_items = [
        (names[key], messages[0]) for key, messages in fields.items() if key in names and isinstance(messages, list)
    ]
    steps_total = len(form.slots) + len(checklist)
    steps_done = form.photos_taken + answered
    return render(
        request,
        "inspections/hub_inspect.html",
        {
            "ctx": ctx,
            "item": ctx.item,
            "form": form,
            "slots": slots,
            "checklist": checklist,
            "answered": answered,
            "missing_checks": missing_checks,
            "steps_total": steps_total,
            "steps_done": steps_done,
            "percent": round(100 * steps_done / steps_total) if steps_total else 0,
            "missing_photos": form.missing_photos,
            "processing_photos": form.processing_photos,
            "grades": [(str(g), GRADE_LABELS[str(g)]) for g in GRADE_ORDER[1:]],
            "grade": grade,
            "lower_reason": lower_reason,
            # A refused submit keeps the start it was sent with; a start refused itself
            # (a tab left open for a day) is replaced by this form's.
            "started_token": token or form.started_token,
            "upload_url": upload_url(brand_slug=ctx.brand.slug, pk=ctx.item.pk),
            "queue_url": _queue_url(ctx.hub),
            "error": error,
            "error_items": error_items,
            "error_keys": {key for key in fields if key in names},
        },
        status=status,
    )


@login_required
def hub_inspect(request, brand_slug, pk):
    """GET: the wizard for a received item. POST: submit it (the server checks it all
    again), then go to the result; on a refusal, the wizard again with the answers kept."""
    with hub_return(user=request.user, brand_slug=brand_slug, pk=pk) as ctx:
        item = ctx.item
        if Inspection.objects.filter(return_item=item).exists():
            return redirect("hub_inspection_result", brand_slug=brand_slug, pk=pk)
        if request.method == "POST":
            return _submit(request, ctx)
        if ctx.hub.status != HubStatus.ACTIVE:
            return _blocked(
                request,
                ctx,
                title="Your hub cannot inspect",
                message=f"{ctx.hub.name} is {ctx.hub.get_status_display().lower()}: it cannot inspect returns.",
                status=HubNotActive.status,
            )
        if item.status != "dropped_off":
            receive = item.status == "routed"
            message = (
                "This return has not been received yet: receive it with its drop-off code first."
                if receive
                else f"This return is {item.get_status_display().lower()}: there is nothing to inspect."
            )
            return _blocked(request, ctx, title="Not ready to inspect", message=message, status=409, receive=receive)
        try:
            return _wizard(request, ctx)
        except DomainError as error:  # no published standard for this SKU
            return _blocked(request, ctx, title="No standard to inspect with", message=error.message, status=409)


def _submit(request, ctx):
    post = request.POST
    answers = answers_from(post)
    token = post.get("started_token", "")
    version = post.get("version", "")
    try:
        # Without the script, the photos come with the form: store them first, the same way
        # the script's uploads are stored (a photo stays stored if the submit is refused).
        for name, upload in request.FILES.items():
            if name.startswith("photo-"):
                photo_upload(
                    item=ctx.item,
                    slot=name.removeprefix("photo-"),
                    upload=upload,
                    hub=ctx.hub,
                    actor=Actor.from_request(request, party=Party.HUB),
                )
        inspection_submit(
            item=ctx.item,
            hub=ctx.hub,
            inspector=request.user,
            started_token=token,
            answers=answers,
            requested_grade=post.get("grade", "") or None,
            lower_reason=post.get("lower_reason", ""),
            actor=Actor.from_request(request, party=Party.HUB),
            version_id=int(version) if version.isdigit() else None,
        )
    except DomainError as error:
        if error.code == "already_inspected":
            return redirect("hub_inspection_result", brand_slug=ctx.brand.slug, pk=ctx.item.pk)
        try:
            return _wizard(
                request,
                ctx,
                answers=answers,
                grade=post.get("grade", ""),
                lower_reason=post.get("lower_reason", ""),
                token="" if isinstance(error, InvalidStartedToken) else token,
                error=error,
                status=error.status,
            )
        except DomainError as blocked:  # the standard itself is gone
            return _blocked(request, ctx, title="Cannot inspect", message=blocked.message, status=blocked.status)
    return redirect("hub_inspection_result", brand_slug=ctx.brand.slug, pk=ctx.item.pk)


@login_required
def hub_inspection_result(request, brand_slug, pk):
    """The outcome, with the next physical action in large type."""
    with hub_return(user=request.user, brand_slug=brand_slug, pk=pk) as ctx:
        inspection = (
            Inspection.objects.select_related("version__standard", "return_item").filter(return_item=ctx.item).first()
        )
        if inspection is None:
            return redirect("hub_inspect", brand_slug=brand_slug, pk=pk)
        action = inspection_next_action(inspection=inspection, brand_name=ctx.brand.name)
        return render(
            request,
            "inspections/hub_inspect_result.html",
            {
                "ctx": ctx,
                "item": ctx.item,
                "inspection": inspection,
                "action": action,
                "computed_label": GRADE_LABELS[inspection.computed_grade],
                "queue_url": _queue_url(ctx.hub),
            },
        )
