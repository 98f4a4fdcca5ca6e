from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from fulfillment.apis.skus import sku_csv_response
from fulfillment.forms_skus import SkuFilterForm, SkuForm, SkuImportForm
from fulfillment.models import ImportJob, InboundSupply, Sku
from fulfillment.services import skus as services
from fulfillment.services.imports import MAX_IMPORT_BYTES, SPECS, import_job_create

PAGE_SIZE = 50
SKU_SORTS = {
    "code": "Code",
    "title": "Title",
    "category": "Category",
    "price": "Price",
    "available_qty": "Available",
    "updated_at": "Updated",
}


# --- list helpers (the supply pages use them too) ---


def query_without(request, *names: str) -> str:
    """The request's query string without `names` (e.g. "page"), for links that keep filters."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def sorting(request, columns: dict[str, str], default: str) -> tuple[str, dict[str, dict]]:
    """`?sort=name` or `?sort=-name` among `columns`. Returns the sort to apply and, per
    column, the link that sorts by it (the current column's link flips the direction)."""
    current = request.GET.get("sort", default)
    if current.lstrip("-") not in columns:
        current = default
    key, descending = current.lstrip("-"), current.startswith("-")
    headers = {}
    for name, label in columns.items():
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = f"-{name}" if name == key and not descending else name
        headers[name] = {
            "label": label,
            "url": "?" + params.urlencode(),
            "aria": ("descending" if descending else "ascending") if name == key else "none",
            "arrow": ("↓" if descending else "↑") if name == key else "",
        }
    return current, headers


def form_add_domain_error(form, exc: DomainError) -> None:
    """Show a service's error on the form: on the fields it names, else on top."""
    placed = False
    for field, field_messages in exc.fields.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


# --- pages ---


def _filtered_skus(request) -> tuple[SkuFilterForm, object]:
    filters = SkuFilterForm(request.GET, categories=services.sku_categories())
    filters.is_valid()  # invalid filters are dropped, valid ones apply
    data = filters.cleaned_data
    skus = services.sku_search(
        q=data.get("q", ""),
        category=data.get("category", ""),
        local_returns={"yes": True, "no": False}.get(data.get("local_returns")),
    )
    return filters, skus


@brand_member_required
def sku_list(request):
    filters, skus = _filtered_skus(request)
    sort, headers = sorting(request, SKU_SORTS, default="code")
    page = Paginator(skus.order_by(sort, "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(filters.cleaned_data.get(name) for name in ("q", "category", "local_returns"))
    return render(
        request,
        "fulfillment/sku_list.html",
        {
            "filters": filters,
            "filtered": filtered,
            "page_obj": page,
            "skus": page.object_list,
            "sort": headers,
            "query": query_without(request, "page"),
            "export_query": query_without(request, "page", "sort"),
            "section": "skus",
        },
    )


@brand_member_required(write=True)
def sku_create(request):
    form = SkuForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ("code", *services.UPDATABLE_FIELDS)}
        try:
            sku = services.sku_create(**data, actor=Actor.from_request(request))
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, f"Added {sku.code} · {sku.title}.")
            return redirect("sku_list")
    return render(request, "fulfillment/sku_form.html", {"form": form, "section": "skus"})


@brand_member_required
def sku_detail(request, pk):
    """The SKU: an edit form for owners and admins, its values for viewers; and its
    restocks on the way."""
    sku = get_object_or_404(Sku, pk=pk)
    if request.method == "POST" and not request.membership.can_write:
        raise PermissionDenied("Your role can read but not change this brand.")
    form = SkuForm(request.POST or None, instance=sku) if request.membership.can_write else None
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in services.UPDATABLE_FIELDS if name in form.changed_data}
        try:
            services.sku_update(sku=sku, actor=Actor.from_request(request), **changes)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, f"Saved {sku.code}." if changes else "Nothing changed.")
            return redirect("sku_detail", pk=sku.pk)
    inbound = sku.inbound.filter(status=InboundSupply.Status.EXPECTED).order_by("expected_date", "pk")[:20]
    return render(
        request,
        "fulfillment/sku_form.html",
        {"form": form, "sku": sku, "inbound": inbound, "section": "skus"},
    )


@brand_member_required(write=True)
def sku_import(request):
    """Upload a CSV: whole-file problems are shown on the form and nothing is stored;
    otherwise the rows are queued and the progress page takes over."""
    form = SkuImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                kind=ImportJob.Kind.SKUS,
                filename=upload.name,
                data=upload.read(MAX_IMPORT_BYTES + 1),
                actor=Actor.from_request(request),
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("import_detail", pk=job.pk)
    return render(
        request,
        "fulfillment/sku_import.html",
        {"form": form, "spec": SPECS[ImportJob.Kind.SKUS], "section": "skus"},
    )


@brand_member_required
def sku_export(request):
    """The list's SKUs (same filters) as CSV, with a byte-order mark so Excel reads UTF-8."""
    _filters, skus = _filtered_skus(request)
    return sku_csv_response(skus.order_by("code"), brand=request.tenant, bom=True)
