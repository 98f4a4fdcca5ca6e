from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from fulfillment.forms_backorders import BackorderCancelForm, BackorderForm, BackorderImportForm
from fulfillment.models import Backorder, Channel, ImportJob, Sku
from fulfillment.services import backorders as services
from fulfillment.services.imports import SPECS, import_job_create
from fulfillment.views.regions import domain_error_to_form

PAGE_SIZE = 50
SORT_LABELS = {"placed_at": "Placed", "value": "Value", "promised_ship_by": "Ship by", "priority": "Priority"}
# The same orderings as a menu: on a phone the table's header row (with the sort links) is hidden.
SORT_CHOICES = [
    ("-placed_at", "Newest first"),
    ("placed_at", "Oldest first"),
    ("-value", "Highest value"),
    ("value", "Lowest value"),
    ("promised_ship_by", "Earliest ship-by"),
    ("-promised_ship_by", "Latest ship-by"),
    ("-priority", "Highest priority"),
    ("priority", "Lowest priority"),
]
DEFAULT_ORDERING = "-placed_at"


def _sort_links(request, current: str) -> dict:
    """Column headers: a link per sortable column that sorts by it (again: reversed),
    keeping the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    links = {}
    for field, label in SORT_LABELS.items():
        active = current.lstrip("-") == field
        descending = current.startswith("-")
        params["ordering"] = (field if descending else f"-{field}") if active else f"-{field}"
        links[field] = {
            "label": label,
            "url": "?" + params.urlencode(),
            "arrow": ("↓" if descending else "↑") if active else "",
            "aria": ("descending" if descending else "ascending") if active else "none",
        }
    return links


@brand_member_required
def backorder_list(request):
    filterset = services.BackorderFilter(request.GET or None, queryset=services.backorders_list())
    ordering = request.GET.get("ordering", DEFAULT_ORDERING)
    if ordering.lstrip("-") not in services.BACKORDER_ORDERINGS:
        ordering = DEFAULT_ORDERING
    backorders = filterset.qs.order_by(ordering, "-pk")
    page = Paginator(backorders, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = list(page.object_list)
    for backorder in rows:
        backorder.age_days = (now - backorder.placed_at).days
    query = request.GET.copy()
    query.pop("page", None)
    filtered = any(request.GET.get(name) for name in filterset.filters)  # ordering alone is no filter
    return render(
        request,
        "fulfillment/backorder_list.html",
        {
            "page_obj": page,
            "backorders": rows,
            "filters": filterset.form,
            "filtered": filtered,
            "ordering": ordering,
            "sort": _sort_links(request, ordering),
            "sort_choices": SORT_CHOICES,
            "query": query.urlencode(),
            "histogram": services.backorder_age_histogram(),
            "section": "backorders",
        },
    )


@brand_member_required(write=True)
def backorder_create(request):
    form = BackorderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            backorder = services.backorder_create(
                sku_code=values.pop("sku"), **values, channel=Channel.PORTAL, actor=Actor.from_request(request)
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
        else:
            messages.success(request, f"Backorder {backorder.order_ref} added.")
            return redirect("backorder_detail", pk=backorder.pk)
    sku_codes = Sku.objects.values_list("code", flat=True)[:500]
    return render(
        request, "fulfillment/backorder_form.html", {"form": form, "sku_codes": sku_codes, "section": "backorders"}
    )


@brand_member_required(write=True)
def backorder_import(request):
    form = BackorderImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                kind=ImportJob.Kind.BACKORDERS,
                filename=upload.name,
                data=upload.read(),
                actor=Actor.from_request(request),
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("import_detail", pk=job.pk)
    return render(
        request,
        "fulfillment/backorder_import.html",
        {"form": form, "spec": SPECS[ImportJob.Kind.BACKORDERS], "section": "backorders"},
    )


@brand_member_required
def backorder_detail(request, pk):
    backorder = get_object_or_404(services.backorders_list(), pk=pk)
    return render(
        request,
        "fulfillment/backorder_detail.html",
        {
            "backorder": backorder,
            "events": backorder.events.all(),
            "cancel_form": BackorderCancelForm(),
            "section": "backorders",
        },
    )


@require_POST
@brand_member_required(write=True)
def backorder_cancel(request, pk):
    backorder = get_object_or_404(Backorder, pk=pk)
    # The service checks the reason (required, length), so the page and the API say the same.
    reason = request.POST.get("reason", "")
    try:
        services.backorder_cancel(backorder=backorder, reason=reason, actor=Actor.from_request(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Backorder {backorder.order_ref} cancelled.")
    return redirect("backorder_detail", pk=backorder.pk)
