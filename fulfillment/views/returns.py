"""Returns pages of the brand portal: list with a status funnel, new return, detail with
the state-machine steps, the timeline and the moves valid from where the return is."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor, Party
from closo.exceptions import DomainError, ReasonRequired
from closo.forms import add_domain_error
from closo.listing import query_without, sorting
from fulfillment.filters import ReturnFilterSet
from fulfillment.forms.returns import CancelForm, RefundForm, ReturnForm, RouteHubForm, UnrouteForm, dropoff_help
from fulfillment.models import Channel, EventKind, ReturnItem, ReturnStatus
from fulfillment.qr import dropoff_qr_svg
from fulfillment.selectors import returns as return_selectors
from fulfillment.services import returns as services

PAGE_SIZE = 25
SORT_COLUMNS = {"rma": "RMA", "sku": "SKU", "created": "Created"}
SORT_FIELDS = {"rma": "rma_ref", "sku": "sku__code", "created": "created_at"}
DEFAULT_SORT = "-created"
SORT_CHOICES = (
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("rma", "RMA A–Z"),
    ("-rma", "RMA Z–A"),
    ("sku", "SKU A–Z"),
)


@brand_member_required
def return_list(request):
    params = request.GET
    filters = ReturnFilterSet(params, queryset=return_selectors.returns_all())
    sort = sorting(params, SORT_COLUMNS, default=DEFAULT_SORT)
    rows = filters.qs.order_by(sort.order_by(SORT_FIELDS), "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))

    # The funnel counts every status under the other filters, so it shows where this
    # SKU's (or route's) returns are, and each bar narrows the list to its status.
    any_status = params.copy()
    any_status.pop("status", None)
    counts = return_selectors.return_status_counts(
        queryset=ReturnFilterSet(any_status, queryset=ReturnItem.objects.all()).qs
    )
    widest = max(count for _, _, count in counts) or 1
    funnel = [
        {"status": s, "label": label, "count": count, "percent": round(100 * count / widest)}
        for s, label, count in counts
    ]
    return render(
        request,
        "fulfillment/return_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filtered": any(params.get(name) for name in filters.filters),
            "status": params.get("status", ""),
            "funnel": funnel,
            "total": sum(row["count"] for row in funnel),
            "funnel_query": query_without(any_status, "page"),
            "sort": sort.headers,
            "ordering": sort.current,
            "sort_choices": SORT_CHOICES,
            "query": query_without(params, "page"),
            "section": "returns",
        },
    )


@brand_member_required(write=True)
def return_new(request):
    # "Update the hub list for this ZIP" (the page without JavaScript) shows the same
    # form again with the hubs for the ZIP typed, without submitting it.
    finding = "find_hubs" in request.POST
    form = ReturnForm(initial=request.POST.dict()) if finding else ReturnForm(request.POST or None)
    if request.method == "POST" and not finding and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            item = services.return_create(
                sku_code=values.pop("sku"), **values, channel=Channel.PORTAL, actor=Actor.from_request(request)
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if item.hub_id:
                done = (
                    f"Return {item.rma_ref} created and routed to {item.hub.name}. Give the customer the drop-off code."
                )
            elif item.route == ReturnItem.Route.WAREHOUSE:
                done = f"Return {item.rma_ref} created and routed to your warehouse: {item.route_reason}"
            else:
                done = f"Return {item.rma_ref} created. Route it below when you know where it goes."
            messages.success(request, done)
            return redirect("return_detail", pk=item.pk)
    return render(request, "fulfillment/return_new.html", {"form": form, "section": "returns"})


@brand_member_required(write=True)
def return_new_hubs(request):
    """The new-return page's drop-off hub list for `?zip=` as JSON, so the list follows
    the ZIP as it is typed: {zip, valid, hubs: [{id, label}], help}."""
    place, hubs = return_selectors.hubs_serving_zip(request.GET.get("zip", "")[:20])
    field = ReturnForm.base_fields["hub"]
    rows = [{"id": hub.pk, "label": field.label_from_instance(hub)} for hub in hubs]
    return JsonResponse(
        {
            "zip": place.code if place else None,
            "valid": place is not None,
            "hubs": rows,
            "help": dropoff_help(place, bool(rows)),
        }
    )


def _detail(
    request,
    item: ReturnItem,
    *,
    cancel_form: CancelForm | None = None,
    hub_form: RouteHubForm | None = None,
    unroute_form: UnrouteForm | None = None,
    status: int = 200,
):
    events = list(return_selectors.return_events(item=item))
    moves = return_selectors.return_next_moves(item=item, party=Party.BRAND)
    can_route = any(
        m.target == ReturnStatus.ROUTED and m.when.get("route") == ReturnItem.Route.WAREHOUSE for m in moves
    )
    if hub_form is None and can_route and item.sku.local_returns_enabled and request.membership.can_write:
        hubs = return_selectors.hubs_serving_return(item=item)
        nearest = hubs.first()
        hub_form = RouteHubForm(hubs=hubs, initial={"hub": nearest}) if nearest else None
    return render(
        request,
        "fulfillment/return_detail.html",
        {
            "item": item,
            "events": events,
            "steps": return_selectors.return_steps(item=item, events=events),
            "dropoff": return_selectors.return_dropoff_task(item=item) if item.dropoff_code else None,
            "dropoff_qr": dropoff_qr_svg(item.dropoff_code),
            "now": timezone.now(),
            "can_route": can_route,
            "hub_form": hub_form,
            "can_receive": any(m.event == EventKind.RECEIVED for m in moves),
            "can_cancel": any(m.target == ReturnStatus.CANCELLED for m in moves),
            "can_refund": item.refund_status in (ReturnItem.RefundStatus.PENDING, ReturnItem.RefundStatus.READY),
            "cancel_form": cancel_form or CancelForm(),
            "can_unroute": any(m.event == EventKind.UNROUTED for m in moves),
            "unroute_form": unroute_form or UnrouteForm(),
            "section": "returns",
        },
        status=status,
    )


@brand_member_required
def return_detail(request, pk):
    return _detail(request, return_selectors.return_get(pk=pk))


def _act(request, pk, move, done: str):
    """Run one move of return `pk` and come back to its page with the outcome."""
    item = return_selectors.return_get(pk=pk)
    try:
        move(item=item, actor=Actor.from_request(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("return_detail", pk=pk)


@require_POST
@brand_member_required(write=True)
def return_route(request, pk):
    return _act(request, pk, services.return_route_to_warehouse, "Routed to your warehouse.")


@require_POST
@brand_member_required(write=True)
def return_route_hub(request, pk):
    item = return_selectors.return_get(pk=pk)
    form = RouteHubForm(request.POST, hubs=return_selectors.hubs_serving_return(item=item))
    if form.is_valid():
        try:
            services.return_assign_to_hub(item=item, hub=form.cleaned_data["hub"], actor=Actor.from_request(request))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Routed to {item.hub.name}. Give the customer the drop-off code.")
        return redirect("return_detail", pk=pk)
    return _detail(request, item, hub_form=form, status=400)


def _move_with_reason(request, pk, *, form_class, move, done: str, form_name: str):
    """A move that needs a reason (withdraw the route, cancel): a missing reason is shown
    on the form, any other refusal as a message; the one service makes the move."""
    item = return_selectors.return_get(pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            move(item=item, reason=form.cleaned_data["reason"], actor=Actor.from_request(request))
        except ReasonRequired as exc:
            add_domain_error(form, exc)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("return_detail", pk=pk)
        else:
            messages.success(request, done)
            return redirect("return_detail", pk=pk)
    return _detail(request, item, **{form_name: form}, status=400)


@require_POST
@brand_member_required(write=True)
def return_unroute(request, pk):
    return _move_with_reason(
        request,
        pk,
        form_class=UnrouteForm,
        move=services.return_unroute,
        done="Route withdrawn: the old drop-off code no longer works. Route it again below.",
        form_name="unroute_form",
    )


@require_POST
@brand_member_required(write=True)
def return_received(request, pk):
    return _act(request, pk, services.return_warehouse_received, "Marked as received at your warehouse.")


@require_POST
@brand_member_required(write=True)
def return_cancel(request, pk):
    return _move_with_reason(
        request,
        pk,
        form_class=CancelForm,
        move=services.return_cancel,
        done="Return cancelled.",
        form_name="cancel_form",
    )


@require_POST
@brand_member_required(write=True)
def return_refund(request, pk):
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose refunded or denied.")
        return redirect("return_detail", pk=pk)
    decision = form.cleaned_data["refund_status"]
    return _act(
        request,
        pk,
        lambda item, actor: services.return_refund_update(item=item, refund_status=decision, actor=actor),
        f"Refund marked {ReturnItem.RefundStatus(decision).label.lower()}.",
    )
