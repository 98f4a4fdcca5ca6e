from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from closo.listing import query_without, sorting
from fulfillment.forms.supply import SupplyCancelForm, SupplyFilterForm, SupplyForm
from fulfillment.models import InboundSupply, Sku
from fulfillment.selectors import supply as supply_selectors
from fulfillment.services import supply as services
from fulfillment.views.skus import PAGE_SIZE

SUPPLY_SORTS = {"po_ref": "PO", "sku__code": "SKU", "qty": "Units", "expected_date": "Expected"}
SKU_CODE_CHOICES = 500  # codes offered as suggestions in the create form


@brand_member_required
def supply_list(request):
    filters = SupplyFilterForm(request.GET)
    filters.is_valid()  # invalid filters are dropped, valid ones apply
    data = filters.cleaned_data
    orders = supply_selectors.supply_search(
        sku=data.get("sku", ""),
        status=data.get("status", ""),
        expected_after=data.get("expected_after"),
        expected_before=data.get("expected_before"),
    )
    sort = sorting(request.GET, SUPPLY_SORTS, default="expected_date")
    page = Paginator(orders.order_by(sort.order_by(), "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "fulfillment/supply_list.html",
        {
            "filters": filters,
            "filtered": any(data.get(name) for name in SupplyFilterForm.base_fields),
            "page_obj": page,
            "orders": page.object_list,
            "sort": sort.headers,
            "query": query_without(request.GET, "page"),
            "chart": supply_selectors.supply_weekly_expected(),
            "section": "supply",
        },
    )


@brand_member_required(write=True)
def supply_create(request):
    form = SupplyForm(request.POST or None, initial={"sku": request.GET.get("sku", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            supply = services.supply_create(
                sku_code=data["sku"],
                qty=data["qty"],
                expected_date=data["expected_date"],
                po_ref=data["po_ref"],
                actor=Actor.from_request(request),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Recorded {supply.po_ref}: {supply.qty} × {supply.sku.code}.")
            return redirect("supply_detail", pk=supply.pk)
    codes = Sku.objects.order_by("code").values_list("code", flat=True)[:SKU_CODE_CHOICES]
    return render(request, "fulfillment/supply_form.html", {"form": form, "sku_codes": codes, "section": "supply"})


def _detail(request, supply: InboundSupply, *, cancel_form: SupplyCancelForm | None = None, status: int = 200):
    return render(
        request,
        "fulfillment/supply_detail.html",
        {
            "supply": supply,
            "events": supply.events.all(),
            "cancel_form": cancel_form or SupplyCancelForm(),
            "section": "supply",
        },
        status=status,
    )


@brand_member_required
def supply_detail(request, pk):
    return _detail(request, get_object_or_404(supply_selectors.supply_with_events(), pk=pk))


@require_POST
@brand_member_required(write=True)
def supply_receive(request, pk):
    supply = get_object_or_404(InboundSupply.objects.select_related("sku"), pk=pk)
    try:
        services.supply_receive(supply=supply, actor=Actor.from_request(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Received {supply.qty} × {supply.sku.code}: added to available stock.")
    return redirect("supply_detail", pk=pk)


@require_POST
@brand_member_required(write=True)
def supply_cancel(request, pk):
    supply = get_object_or_404(InboundSupply, pk=pk)
    form = SupplyCancelForm(request.POST)
    if form.is_valid():
        try:
            services.supply_cancel(supply=supply, reason=form.cleaned_data["reason"], actor=Actor.from_request(request))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Cancelled {supply.po_ref}.")
        return redirect("supply_detail", pk=pk)
    return _detail(
        request, get_object_or_404(supply_selectors.supply_with_events(), pk=pk), cancel_form=form, status=400
    )
