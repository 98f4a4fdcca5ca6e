"""The brand's side of trust, on the brand host: review inspections (photos, answers,
computed vs final grade), the audit queue with agree/disagree, the units held for
approval, and the trust settings. Every change goes through `inspections.trust`."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError, ReasonRequired
from closo.forms import add_domain_error
from closo.listing import query_without, sorting
from fulfillment.selectors import units as unit_selectors
from fulfillment.services import units as unit_services
from inspections.engine import DISPOSITION_LABELS, GRADE_LABELS
from inspections.exceptions import ReasonTooLong
from inspections.filters import AuditFilterSet, InspectionFilterSet
from inspections.forms.review import AuditDecisionForm, TrustSettingsForm, UnitRejectForm
from inspections.selectors import review as review_selectors
from inspections.services import trust

PAGE_SIZE = 25
SORT_COLUMNS = {"submitted": "Submitted", "duration": "Took"}
SORT_FIELDS = {"submitted": "submitted_at", "duration": "duration"}
SORT_CHOICES = (
    ("-submitted", "Newest first"),
    ("submitted", "Oldest first"),
    ("-duration", "Slowest first"),
    ("duration", "Fastest first"),
)


def _context(request, tab: str, **values) -> dict:
    """What every review page shows: the tabs with their counts, the section for the nav."""
    return {**values, "tab": tab, "counts": review_selectors.trust_counts(), "section": "inspections"}


@brand_member_required
def inspection_list(request):
    params = request.GET
    filters = InspectionFilterSet(params, queryset=review_selectors.inspections_all(), request=request)
    sort = sorting(params, SORT_COLUMNS, default="-submitted", descending_first=True)
    rows = filters.qs.order_by(sort.order_by(SORT_FIELDS), "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    stats = review_selectors.inspection_stats(queryset=filters.qs)
    return render(
        request,
        "inspections/review_list.html",
        _context(
            request,
            "inspections",
            page_obj=page,
            filters=filters,
            filtered=any(params.get(name) for name in filters.filters),
            stats=stats,
            like_new_percent=round(100 * stats["like_new"] / stats["total"]) if stats["total"] else None,
            sort=sort.headers,
            ordering=sort.current,
            sort_choices=SORT_CHOICES,
            query=query_without(params, "page"),
        ),
    )


def _detail(request, pk: int, *, audit_form: AuditDecisionForm | None = None, status: int = 200):
    inspection = review_selectors.inspection_get(pk=pk)
    audit = getattr(inspection, "audit", None)
    unit = getattr(inspection.return_item, "unit", None)
    brand = request.tenant
    return render(
        request,
        "inspections/review_detail.html",
        _context(
            request,
            "inspections",
            inspection=inspection,
            item=inspection.return_item,
            audit=audit,
            unit=unit,
            hub=inspection.hub,
            hub_held=unit_services.hold_required(inspection.hub, brand),
            answers=review_selectors.inspection_answers(inspection),
            gallery=review_selectors.inspection_gallery(inspection),
            events=list(review_selectors.inspection_events(inspection=inspection)),
            lowered=inspection.final_grade != inspection.computed_grade,
            computed_label=GRADE_LABELS[inspection.computed_grade],
            final_label=GRADE_LABELS[inspection.final_grade],
            disposition_label=DISPOSITION_LABELS[inspection.disposition],
            audit_form=audit_form or AuditDecisionForm(auto_id="audit-%s"),
        ),
        status=status,
    )


@brand_member_required
def inspection_detail(request, pk):
    return _detail(request, pk)


@brand_member_required
def audit_list(request):
    params = request.GET
    state = params.get("status") if params.get("status") in ("pending", "decided") else "pending"
    filters = AuditFilterSet({"status": state}, queryset=review_selectors.audits_all())
    rows = filters.qs.order_by("sampled_at", "pk") if state == "pending" else filters.qs.order_by("-decided_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    return render(
        request,
        "inspections/audit_list.html",
        _context(
            request,
            "audits",
            page_obj=page,
            state=state,
            brand_rate_percent=round(100 * request.tenant.audit_sample_rate),
            query=query_without(params, "page"),
        ),
    )


@require_POST
@brand_member_required(write=True)
def audit_decide(request, pk):
    audit = review_selectors.audit_get(pk=pk)
    form = AuditDecisionForm(request.POST, auto_id="audit-%s")
    if not form.is_valid():
        return _detail(request, audit.inspection_id, audit_form=form, status=400)
    try:
        trust.audit_decide(audit=audit, actor=Actor.from_request(request), **form.cleaned_data)
    except (ReasonRequired, ReasonTooLong) as exc:
        add_domain_error(form, exc)
        return _detail(request, audit.inspection_id, audit_form=form, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("inspection_review", pk=audit.inspection_id)
    said = "agreed with" if audit.verdict == "agree" else "disagreed with"
    following = review_selectors.audits_pending().first()
    if following is None:
        messages.success(request, f"Saved: you {said} {audit.inspection.return_item.rma_ref}. No audits left.")
        return redirect("audit_list")
    left = review_selectors.audits_pending().count()
    messages.success(
        request,
        f"Saved: you {said} {audit.inspection.return_item.rma_ref}. "
        f"{left} audit{'s' if left != 1 else ''} left — here is the next one.",
    )
    return redirect(reverse("inspection_review", args=[following.inspection_id]) + "#audit")


@brand_member_required
def unit_held_list(request):
    page = Paginator(unit_selectors.units_held(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/unit_held_list.html",
        _context(
            request,
            "held",
            page_obj=page,
            query=query_without(request.GET, "page"),
        ),
    )


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("unit_held_list")


@require_POST
@brand_member_required(write=True)
def unit_approve(request, pk):
    unit = unit_selectors.unit_get(pk=pk)
    try:
        unit_services.unit_approve(unit=unit, actor=Actor.from_request(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Approved: {unit.label} is local stock at {unit.hub.name}.")
    return _back(request)


@require_POST
@brand_member_required(write=True)
def unit_reject(request, pk):
    unit = unit_selectors.unit_get(pk=pk)
    form = UnitRejectForm(request.POST)
    form.is_valid()
    try:
        unit_services.unit_reject(
            unit=unit, reason=form.cleaned_data.get("reason", ""), actor=Actor.from_request(request)
        )
    except DomainError as exc:
        messages.error(request, f"{unit.label}: {exc.message}")
    else:
        messages.success(request, f"Rejected: {unit.hub.name} packs {unit.label} for your warehouse.")
    return _back(request)


@brand_member_required
def trust_settings(request):
    brand = request.tenant
    initial = {"reputation_threshold": brand.reputation_threshold, "audit_sample_rate": brand.audit_sample_rate}
    form = TrustSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not request.membership.can_write:
            messages.error(request, "Only owners and admins can change the trust settings.")
            return redirect("trust_settings")
        if form.is_valid():
            try:
                trust.trust_settings_update(brand=brand, **form.cleaned_data, actor=Actor.from_request(request))
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "Trust settings saved. They apply to inspections submitted from now on.")
                return redirect("trust_settings")
    return render(
        request,
        "inspections/trust_settings.html",
        _context(request, "settings", form=form, hubs=review_selectors.hub_trust_rows(brand=brand)),
    )
