from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from closo.listing import query_with, query_without, sorting
from fulfillment import filters
from fulfillment.forms.advice import SplitShipAdviceForm
from fulfillment.forms.backorders import BackorderCancelForm, BackorderForm, BackorderImportForm
from fulfillment.models import Backorder, BackorderStatus, Channel, ImportJob, Sku
from fulfillment.selectors import advice as advice_selectors
from fulfillment.selectors import backorders as backorder_selectors
from fulfillment.services import backorders as services
from fulfillment.services import handoffs as handoff_services
from fulfillment.views.imports import import_upload

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


@brand_member_required
def backorder_list(request):
    filterset = filters.BackorderFilter(request.GET or None, queryset=backorder_selectors.backorders_list())
    # `ordering`, as in the API; a column not sorted yet starts with the newest/largest first.
    sort = sorting(request.GET, SORT_LABELS, default=DEFAULT_ORDERING, param="ordering", descending_first=True)
    backorders = filterset.qs.order_by(sort.order_by(), "-pk")
    page = Paginator(backorders, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = list(page.object_list)
    for backorder in rows:
        backorder.age_days = (now - backorder.placed_at).days
    filtered = any(request.GET.get(name) for name in filterset.filters)  # ordering alone is no filter
    return render(
        request,
        "fulfillment/backorder_list.html",
        {
            "page_obj": page,
            "backorders": rows,
            "filters": filterset.form,
            "filtered": filtered,
            "ordering": sort.current,
            "sort": sort.headers,
            "sort_choices": SORT_CHOICES,
            "query": query_without(request.GET, "page"),
            **_age_chart(request.GET),
            "section": "backorders",
        },
    )


AGE_PARAMS = ("min_age_days", "max_age_days")


def _age_chart(params) -> dict:
    """The age chart of the list: the backorders the filters select (status — waiting when
    none is ticked —, SKU, ZIP prefix, dates), by age; the age filters themselves are
    what its bars set, so they are left out. Each bar links to the list of its bucket,
    keeping the other filters."""
    chart_params = params.copy()
    for name in (*AGE_PARAMS, "page"):
        chart_params.pop(name, None)
    statuses = [s for s in chart_params.getlist("status") if s in BackorderStatus.values]
    if not statuses:
        statuses = [BackorderStatus.WAITING]
        chart_params.setlist("status", statuses)
    chart = filters.BackorderFilter(chart_params, queryset=Backorder.objects.all())
    buckets = backorder_selectors.backorder_age_histogram(queryset=chart.qs)
    current = (params.get("min_age_days", ""), params.get("max_age_days", ""))
    for bucket in buckets:
        bounds = {"min_age_days": bucket["min_age_days"]}
        if bucket["max_age_days"] is not None:
            bounds["max_age_days"] = bucket["max_age_days"]
        bucket["query"] = query_with(chart_params, **bounds)
        bucket["current"] = current == (str(bucket["min_age_days"]), str(bucket["max_age_days"] or ""))
    narrowed = [name for name in ("sku", "zip_prefix", "placed_after", "placed_before") if chart_params.get(name)]
    return {
        "histogram": buckets,
        "histogram_statuses": " or ".join(BackorderStatus(s).label for s in statuses).capitalize(),
        "histogram_filtered": bool(narrowed),
    }


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
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Backorder {backorder.order_ref} added.")
            return redirect("backorder_detail", pk=backorder.pk)
    sku_codes = Sku.objects.values_list("code", flat=True)[:500]
    return render(
        request, "fulfillment/backorder_form.html", {"form": form, "sku_codes": sku_codes, "section": "backorders"}
    )


@brand_member_required(write=True)
def backorder_import(request):
    return import_upload(
        request,
        kind=ImportJob.Kind.BACKORDERS,
        form_class=BackorderImportForm,
        template="fulfillment/backorder_import.html",
    )


@brand_member_required
def backorder_detail(request, pk):
    backorder = get_object_or_404(backorder_selectors.backorder_detail(), pk=pk)
    allocation = backorder.current_allocation
    # The split-ship card: the backorder's own value and promise, or what the brand types in.
    advice_form = SplitShipAdviceForm(request.GET or None)
    asked = advice_form.cleaned_data if advice_form.is_valid() else {}
    advice = advice_selectors.backorder_split_advice(
        brand=request.tenant,
        backorder=backorder,
        order_value=asked.get("order_value"),
        expected_wait_days=asked.get("expected_wait_days"),
    )
    return render(
        request,
        "fulfillment/backorder_detail.html",
        {
            "backorder": backorder,
            "allocation": allocation,
            "custody": backorder_selectors.backorder_custody(backorder=backorder),
            "cancel_form": BackorderCancelForm(),
            "advice": advice,
            "advice_form": advice_form,
            "section": "backorders",
        },
    )


@require_POST
@brand_member_required(write=True)
def backorder_fulfilled(request, pk):
    """The customer received the unit a courier took or the hub shipped."""
    backorder = get_object_or_404(Backorder, pk=pk)
    try:
        handoff_services.backorder_fulfill(backorder=backorder, actor=Actor.from_request(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Backorder {backorder.order_ref} fulfilled: the customer has it.")
    return redirect("backorder_detail", pk=backorder.pk)


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
