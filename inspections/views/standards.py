"""Brand-portal pages for grading standards: the list, the editor of a draft (read-only
for published versions), the hub-form preview, and the version history. Every change
goes through `inspections.services`; a change to a published version is refused with a
message and changes nothing."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from closo.listing import query_with, query_without
from fulfillment.models import Sku
from inspections import engine
from inspections.forms import standards as forms
from inspections.models import GRADE_ORDER, GradingStandard, StandardVersion
from inspections.selectors import standards as selectors
from inspections.services import standards as services

GRADE_LABELS = engine.GRADE_LABELS
DISPOSITION_LABELS = engine.DISPOSITION_LABELS
SCOPE_FILTERS = [("", "All"), *GradingStandard.Scope.choices]
SORTS = {"scope": ("scope", "category", "name"), "name": ("name",), "created": ("-created_at",)}
# The editor shows four forms on one page: distinct ids keep every <label for> unique.
AUTO_IDS = {
    "item_form": "new-item-%s",
    "photo_form": "new-photo-%s",
    "dispositions_form": "disposition-%s",
    "publish_form": "publish-%s",
}
FIELD_LABELS = {
    "prompt": "check",
    "help_text": "help",
    "required": "required",
    "fail_cap": "if it fails",
    "label": "label",
    "min_long_edge_px": "minimum long edge",
}


def _version_url(version: StandardVersion) -> str:
    return reverse("standard_version", args=[version.standard_id, version.number])


def _dispositions_table(dispositions: dict) -> list[tuple[str, str, str]]:
    return [(str(g), GRADE_LABELS[g], DISPOSITION_LABELS.get(dispositions.get(g, ""), "—")) for g in GRADE_ORDER]


def _readiness(version: StandardVersion) -> list[str]:
    items = list(version.checklist.all())
    photos = list(version.photos.all())
    problems = []
    if not items:
        problems.append("Add at least one checklist item.")
    if not any(p.required for p in photos):
        problems.append("Add at least one required photo slot.")
    return problems


# --- list ---


@brand_member_required
def standard_list(request):
    form = forms.StandardForm(request.POST or None)
    if request.method == "POST":
        if not request.membership.can_write:
            messages.error(request, "Only owners and admins can create standards.")
            return redirect("standard_list")
        if form.is_valid():
            try:
                standard = services.standard_create(**form.cleaned_data, actor=Actor.from_request(request))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Created “{standard.name}”. Add its checks and photos, then publish.")
                return redirect("standard_detail", pk=standard.pk)
    scope = request.GET.get("scope", "")
    sort = request.GET.get("sort", "scope")
    standards = selectors.standards_with_versions().order_by(*SORTS.get(sort, SORTS["scope"]))
    if scope in GradingStandard.Scope.values:
        standards = standards.filter(scope=scope)
    page = Paginator(standards, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "standards": page.object_list,
        "scope": scope,
        "sort": sort,
        "scope_filters": [(value, label, query_with(request.GET, scope=value)) for value, label in SCOPE_FILTERS],
        "sort_links": [
            (key, label, query_with(request.GET, sort=key))
            for key, label in (("scope", "Scope"), ("name", "Name"), ("created", "Newest"))
        ],
        "query": query_without(request.GET, "page"),
        "categories": Sku.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct(),
        "section": "standards",
    }
    return render(request, "inspections/standard_list.html", context, status=400 if form.errors else 200)


# --- the editor (one version) ---


def _version_page(request, version: StandardVersion | None, standard: GradingStandard, **forms_in_use):
    can_edit = version is not None and not version.is_published and request.membership.can_write
    versions = list(standard.versions.order_by("-number").only("number", "status", "standard_id"))
    draft = next((v for v in versions if v.status == StandardVersion.Status.DRAFT), None)
    latest_published = next((v for v in versions if v.status == StandardVersion.Status.PUBLISHED), None)
    context = {
        "standard": standard,
        "version": version,
        "versions": versions,
        "draft": draft,
        "latest_published": latest_published,
        "can_edit": can_edit,
        "can_start_draft": draft is None and request.membership.can_write,
        "section": "standards",
    }
    if version is not None:
        context |= {
            "items": list(version.checklist.all()),
            "photos": list(version.photos.all()),
            "dispositions": _dispositions_table(version.dispositions),
            "problems": _readiness(version) if not version.is_published else [],
        }
    if can_edit:
        context |= {
            "item_form": forms_in_use.get("item_form") or forms.ChecklistItemForm(auto_id=AUTO_IDS["item_form"]),
            "photo_form": forms_in_use.get("photo_form") or forms.PhotoSlotForm(auto_id=AUTO_IDS["photo_form"]),
            "dispositions_form": forms_in_use.get("dispositions_form")
            or forms.DispositionsForm(initial=version.dispositions, auto_id=AUTO_IDS["dispositions_form"]),
            "publish_form": forms_in_use.get("publish_form")
            or forms.PublishForm(initial={"notes": version.notes}, auto_id=AUTO_IDS["publish_form"]),
        }
    status = 400 if any(f is not None and f.errors for f in forms_in_use.values()) else 200
    return render(request, "inspections/version_detail.html", context, status=status)


@brand_member_required
def standard_detail(request, pk):
    """The standard's current draft if it has one, else its latest published version."""
    standard = get_object_or_404(GradingStandard.objects.select_related("sku"), pk=pk)
    latest = selectors.version_latest(standard)
    version = selectors.version_get(standard_id=pk, number=latest.number) if latest else None
    return _version_page(request, version, standard)


@brand_member_required
def version_detail(request, pk, number):
    version = selectors.version_get(standard_id=pk, number=number)
    return _version_page(request, version, version.standard)


def _edit(request, pk, number, action, success: str | None = None):
    """Run one draft edit, `action(version=, actor=)`; a refused edit (published version,
    bad order…) becomes an error message. Back to the version page either way."""
    version = selectors.version_get(standard_id=pk, number=number)
    try:
        action(version=version, actor=Actor.from_request(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if success:
            messages.success(request, success)
    return redirect(_version_url(version))


@require_POST
@brand_member_required(write=True)
def dispositions_set(request, pk, number):
    version = selectors.version_get(standard_id=pk, number=number)
    form = forms.DispositionsForm(request.POST, auto_id=AUTO_IDS["dispositions_form"])
    if not form.is_valid():
        return _version_page(request, version, version.standard, dispositions_form=form)
    return _edit(
        request,
        pk,
        number,
        partial(services.version_dispositions_set, dispositions=form.cleaned_data),
        "Saved where each grade goes.",
    )


@require_POST
@brand_member_required(write=True)
def publish(request, pk, number):
    form = forms.PublishForm(request.POST, auto_id=AUTO_IDS["publish_form"])
    if not form.is_valid():
        version = selectors.version_get(standard_id=pk, number=number)
        return _version_page(request, version, version.standard, publish_form=form)
    return _edit(
        request,
        pk,
        number,
        partial(services.version_publish, notes=form.cleaned_data["notes"]),
        f"Published version {number}. Hubs use it from now on for the items this standard covers.",
    )


@require_POST
@brand_member_required(write=True)
def draft_create(request, pk):
    standard = get_object_or_404(GradingStandard, pk=pk)
    try:
        version = services.version_draft_create(standard=standard, actor=Actor.from_request(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("standard_detail", pk=pk)
    messages.success(request, f"Started draft version {version.number}. Publish it when it is ready.")
    return redirect(_version_url(version))


@require_POST
@brand_member_required(write=True)
def draft_discard(request, pk, number):
    version = selectors.version_get(standard_id=pk, number=number)
    try:
        services.version_draft_discard(version=version, actor=Actor.from_request(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_version_url(version))
    messages.success(request, f"Discarded draft version {number}.")
    return redirect("standard_detail", pk=pk)


# --- preview and history ---


def _answers_from(query) -> dict[str, bool | None]:
    return {
        name.removeprefix("a-"): {"pass": True, "fail": False}.get(value)
        for name, value in query.items()
        if name.startswith("a-")
    }


@brand_member_required
def version_preview(request, pk, number):
    """The inspection form a hub sees for this version. Its checklist can be tried: the
    answers go through the grading engine and the page shows the grade it gives."""
    version = selectors.version_get(standard_id=pk, number=number)
    snapshot = selectors.snapshot_of(version)
    answers = _answers_from(request.GET)
    answers = {key: value for key, value in answers.items() if key in {r.key for r in snapshot.checklist}}
    result = error = None
    if "try" in request.GET:
        try:
            result = engine.grade(snapshot, answers)
        except DomainError as exc:
            error = exc
    items = list(version.checklist.all())
    context = {
        "standard": version.standard,
        "version": version,
        "items": [(item, answers.get(item.key)) for item in items],
        "photos": list(version.photos.all()),
        "answered": sum(1 for value in answers.values() if value is not None),
        "result": result,
        "result_grade": GRADE_LABELS.get(result.computed_grade) if result else None,
        "result_disposition": DISPOSITION_LABELS.get(result.disposition) if result else None,
        "error": error,
        "section": "standards",
    }
    return render(request, "inspections/version_preview.html", context)


def _describe(change: selectors.Change) -> list[str]:
    def show(name, value):
        if name == "fail_cap":
            return GRADE_LABELS.get(value, value)
        if name == "required":
            return "yes" if value else "no"
        if name == "min_long_edge_px":
            return f"{value} px"
        return f"“{value}”" if value else "(none)"

    return [f"{FIELD_LABELS[name]} {show(name, old)} → {show(name, new)}" for name, old, new in change.fields]


@brand_member_required
def standard_history(request, pk):
    standard = get_object_or_404(GradingStandard.objects.select_related("sku"), pk=pk)
    history = []
    for version, diff in selectors.version_history(standard):
        history.append(
            {
                "version": version,
                "diff": diff,
                "items_changed": [(c, _describe(c)) for c in diff.items_changed],
                "photos_changed": [(c, _describe(c)) for c in diff.photos_changed],
                "dispositions_changed": [
                    (GRADE_LABELS[g], DISPOSITION_LABELS.get(old, old or "—"), DISPOSITION_LABELS.get(new, new))
                    for g, old, new in diff.dispositions_changed
                ],
            }
        )
    return render(
        request,
        "inspections/standard_history.html",
        {"standard": standard, "history": history, "section": "standards"},
    )
