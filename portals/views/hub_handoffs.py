"""Hub portal pages of hand-offs: confirm a pickup by the customer's code (phone first),
and one hand-off, where a courier or a shipment is recorded with its tracking number."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from closo.actors import Actor, Party
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from fulfillment.models import Allocation
from fulfillment.services import handoffs as handoff_services
from hubs.models import HubStatus, HubTask
from portals.forms.hub_handoffs import PickupForm, RecordForm
from portals.selectors.hub_handoffs import hub_handoff, hub_handoff_url
from portals.views.hub import hub_member_required


@hub_member_required
def hub_handoff_confirm(request, *, members, member):
    """Confirm a pickup: the hub types (or scans) the customer's pickup code; on success
    the hand-off page says what to hand over."""
    hub = member.hub
    form = PickupForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            brand, allocation = handoff_services.handoff_confirm_pickup(
                code=form.cleaned_data["code"], hub=hub, actor=Actor.from_request(request, party=Party.HUB)
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
            status = exc.status
            retry_after = getattr(exc, "retry_after", None)  # too many wrong codes
        else:
            task = HubTask.objects.get(code=allocation.pickup_code)
            messages.success(request, f"Code accepted for {brand.name}. Hand over {allocation.unit.label}.")
            return redirect(hub_handoff_url(task.pk))
    elif request.method == "POST":
        status = 400
    response = render(
        request,
        "hubs/handoff_confirm.html",
        {"hub": hub, "member": member, "members": members, "statuses": HubStatus, "form": form},
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
def hub_handoff_detail(request, pk):
    """One hand-off at the member's hub: what to hand over (shelf label, SKU), to whom
    (first name), by when and how; record a courier or a shipment while it is open."""
    with hub_handoff(user=request.user, pk=pk) as found:
        allocation = found.allocation
        is_open = allocation.status == Allocation.Status.ACTIVE
        form = RecordForm(request.POST or None)
        status = 200
        if request.method == "POST" and is_open and form.is_valid():
            try:
                handoff_services.handoff_record(
                    allocation=allocation,
                    method=form.cleaned_data["method"],
                    tracking=form.cleaned_data["tracking"],
                    hub=found.hub,
                    actor=Actor.from_request(request, party=Party.HUB),
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request, f"Recorded: {allocation.unit.label} left with tracking {allocation.tracking}."
                )
                return redirect(hub_handoff_url(found.task.pk))
        elif request.method == "POST":
            status = 400 if is_open else 409
            if not is_open:
                form.add_error(None, f"This hand-off is {allocation.get_status_display().lower()}: nothing to record.")
        return render(
            request,
            "hubs/handoff_detail.html",
            {
                "found": found,
                "brand": found.brand,
                "hub": found.hub,
                "allocation": allocation,
                "row": found.row,
                "is_open": is_open,
                "can_hand_off": is_open and found.hub.status == HubStatus.ACTIVE,
                "form": form,
            },
            status=status,
        )
