from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from closo.actors import Actor, Party
from closo.exceptions import DomainError
from fulfillment.models import EventKind, StockUnit
from fulfillment.selectors import returns as return_selectors
from fulfillment.services import returns as return_services
from hubs.models import HubMember, HubStatus, HubTask
from hubs.selectors.members import hub_memberships
from hubs.selectors.queue import hub_queue, hub_return_url
from hubs.views.registry import DISPOSED_ACTION, NEXT_ACTION
from portals.forms.hub import ReceiveForm
from portals.selectors.hub_access import hub_return
from portals.selectors.hub_handoffs import handoff_rows


def _pick(members: list[HubMember], hub_id) -> HubMember:
    """The membership of the hub asked for (`?hub=`), else the first; another hub → 404."""
    if not hub_id:
        return members[0]
    for member in members:
        if str(member.hub_id) == str(hub_id):
            return member
    raise Http404("Not a member of that hub.")


def hub_member_required(view):
    """Hub portal pages: signed in and a member of a hub (else the 403 "no hub" page).
    Passes the memberships and the chosen one (`hub` in the query or the form)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        members = hub_memberships(user=request.user)
        if not members:
            return render(request, "hubs/no_hub.html", status=403)
        member = _pick(members, request.POST.get("hub") or request.GET.get("hub"))
        return view(request, *args, members=members, member=member, **kwargs)

    return wrapper


@hub_member_required
def hub_home(request, *, members, member):
    """The hub portal: the hub's status and its queue across brands (applicants see
    their application's progress instead)."""
    hub = member.hub
    queue = hub_queue(hub) if hub.status in (HubStatus.ACTIVE, HubStatus.SUSPENDED) else None
    if queue is not None:
        _add_handoff_details(queue)
    return render(
        request,
        "hubs/home.html",
        {"hub": hub, "member": member, "members": members, "statuses": HubStatus, "queue": queue},
    )


def _add_handoff_details(queue) -> None:
    """The hand-offs lane shows each hand-off's shelf label, customer first name and method
    (brand rows: one query per brand in the lane)."""
    lane = next((lane for lane in queue.lanes if lane.kind == HubTask.Kind.HANDOFF), None)
    if lane is None or not lane.items:
        return
    rows = {row.task.pk: row for row in handoff_rows([entry.task for entry in lane.items])}
    for entry in lane.items:
        entry.task.handoff = rows.get(entry.task.pk)


@hub_member_required
def hub_receive(request, *, members, member):
    """Receive a drop-off: the hub types (or scans) the customer's code."""
    hub = member.hub
    form = ReceiveForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            brand, item = return_services.return_receive_dropoff(
                code=form.cleaned_data["code"], hub=hub, actor=Actor.from_request(request, party=Party.HUB)
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
            status = exc.status
            retry_after = getattr(exc, "retry_after", None)  # too many wrong codes
        else:
            messages.success(request, f"Received {item.rma_ref} for {brand.name}: {item.sku.title}. Next: inspect it.")
            return redirect(hub_return_url(brand_slug=brand.slug, return_item_id=item.pk))
    elif request.method == "POST":
        status = 400
    response = render(
        request,
        "hubs/receive.html",
        {"hub": hub, "member": member, "members": members, "statuses": HubStatus, "form": form},
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


# Where a shelved unit went next: the return's disposition ("in local stock") no longer says.
UNIT_ACTION = {
    StockUnit.Status.RESERVED: "Keep it on your shelf with label {label}: it is reserved for a customer nearby. "
    "Hand it over when they give their pickup code.",
    StockUnit.Status.HANDED_OFF: "Handed off ({label}): nothing left to do.",
    StockUnit.Status.MISSING: "Reported missing in a shelf count ({label}).",
}


def next_action(item, unit: StockUnit | None = None) -> str:
    if item.status == "disposed":
        if unit is not None and unit.status in (StockUnit.Status.AVAILABLE, StockUnit.Status.HELD):
            return f"Keep it on your shelf with label {unit.label}." + (
                " The brand approves it before a hand-off." if unit.status == StockUnit.Status.HELD else ""
            )
        if unit is not None and unit.status in UNIT_ACTION:
            return UNIT_ACTION[unit.status].format(label=unit.label)
        return DISPOSED_ACTION.get(item.disposition, "Nothing left to do.")
    return NEXT_ACTION.get(item.status, "")


def inspect_url(*, brand_slug: str, return_item_id: int) -> str:
    """The inspection wizard of a return (hub portal, inspections app)."""
    return f"/hub/b/{brand_slug}/returns/{return_item_id}/inspect/"


@login_required
def hub_return_detail(request, brand_slug, pk):
    """One return at the member's hub: what it is, where it stands, its custody timeline,
    and the next physical step (inspect it, shelf it, pack it)."""
    with hub_return(user=request.user, brand_slug=brand_slug, pk=pk) as found:
        item = found.item
        events = list(return_selectors.return_events(item=item).exclude(kind=EventKind.REFUND))
        unit = StockUnit.objects.filter(return_item=item).first()
        return render(
            request,
            "hubs/return_detail.html",
            {
                "found": found,
                "brand": found.brand,
                "hub": found.hub,
                "item": item,
                "unit": unit,
                "events": events,
                "steps": return_selectors.return_steps(item=item, events=events),
                "next_action": next_action(item, unit),
                "can_inspect": item.status == "dropped_off" and found.hub.status == HubStatus.ACTIVE,
                "inspect_url": inspect_url(brand_slug=found.brand.slug, return_item_id=item.pk),
            },
        )
