from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from closo.listing import query_without, sorting
from fulfillment.apis.skus import sku_csv_response
from fulfillment.forms.skus import SkuFilterForm, SkuForm, SkuImportForm
from fulfillment.models import ImportJob, InboundSupply, Sku
from fulfillment.selectors import skus as sku_selectors
from fulfillment.services import skus as services
from fulfillment.views.imports import import_upload

PAGE_SIZE = 50
SKU_SORTS = {
    "code": "Code",
    "title": "Title",
    "category": "Category",
    "price": "Price",
    "available_qty": "Available",
    "updated_at": "Updated",
}


def _filtered_skus(request) -> tuple[SkuFilterForm, object]:
    filters = SkuFilterForm(request.GET, categories=sku_selectors.sku_categories())
    filters.is_valid()  # invalid filters are dropped, valid ones apply
    data = filters.cleaned_data
    skus = sku_selectors.sku_search(
        q=data.get("q", ""),
        category=data.get("category", ""),
        local_returns={"yes": True, "no": False}.get(data.get("local_returns")),
    )
    return filters, skus


@brand_member_required
def sku_list(request):
    filters, skus = _filtered_skus(request)
    sort = sorting(request.GET, SKU_SORTS, default="code")
    page = Paginator(skus.order_by(sort.order_by(), "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(filters.cleaned_data.get(name) for name in ("q", "category", "local_returns"))
    return render(
        request,
        "fulfillment/sku_list.html",
        {
            "filters": filters,
            "filtered": filtered,
            "page_obj": page,
            "skus": page.object_list,
            "sort": sort.headers,
            "query": query_without(request.GET, "page"),
            "export_query": query_without(request.GET, "page", "sort"),
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
            add_domain_error(form, exc)
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
            add_domain_error(form, exc)
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
    return import_upload(
        request, kind=ImportJob.Kind.SKUS, form_class=SkuImportForm, template="fulfillment/sku_import.html"
    )


@brand_member_required
def sku_export(request):
    """The list's SKUs (same filters) as CSV, with a byte-order mark so Excel reads UTF-8."""
    _filters, skus = _filtered_skus(request)
    return sku_csv_response(skus.order_by("code"), brand=request.tenant, bom=True)
