from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from closo.actors import Actor
from closo.exceptions import DomainError
from closo.models import User
from fulfillment.models import StockUnit
from fulfillment.services import returns as return_services
from hubs import services
from hubs.forms import HubApplicationForm, ReceiveForm, SuspendForm
from hubs.models import Hub, HubMember, HubStatus
from hubs.queue import hub_queue, hub_return, hub_return_url
from hubs.selectors import hub_memberships


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Closo staff only.")
        return view(request, *args, **kwargs)

    return wrapper


def hub_apply(request):
    form = HubApplicationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            applicant = form.user or User.objects.create_user(data["email"], data["password"])
            services.hub_apply(
                applicant=applicant,
                name=data["name"],
                kind=data["kind"],
                address=data["address"],
                zip_code=data["zip_code"],
                phone=data["phone"],
                opening_hours=data["opening_hours"],
                daily_capacity=data["daily_capacity"],
                service_radius_miles=data["service_radius_miles"],
            )
        if form.user is None:
            login(request, applicant, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Thanks — your application is in. We will e-mail you about the next steps.")
        return redirect("hub_home")
    return render(request, "hubs/apply.html", {"form": form})


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
    return render(
        request,
        "hubs/home.html",
        {"hub": hub, "member": member, "members": members, "statuses": HubStatus, "queue": queue},
    )


@hub_member_required
def hub_receive(request, *, members, member):
    """Receive a drop-off: the hub types (or scans) the customer's code."""
    hub = member.hub
    form = ReceiveForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            brand, item = return_services.return_receive_dropoff(
                code=form.cleaned_data["code"], hub=hub, actor=Actor.from_request(request)
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
            status = exc.status
        else:
            messages.success(request, f"Received {item.rma_ref} for {brand.name}: {item.sku.title}. Next: inspect it.")
            return redirect(hub_return_url(brand_slug=brand.slug, return_item_id=item.pk))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "hubs/receive.html",
        {"hub": hub, "member": member, "members": members, "statuses": HubStatus, "form": form},
        status=status,
    )


# What the hub does next with a return in each state (the page and the API say the same).
NEXT_ACTION = {
    "routed": "Waiting for the customer to drop it off. Receive it with the code they bring.",
    "dropped_off": "Inspect it: photos and the checklist take about 30 seconds.",
    "inspected": "Inspected: the brand's rules decide where it goes next.",
    "cancelled": "The brand cancelled this return: don't take the item.",
}
DISPOSED_ACTION = {
    "in_local_stock": "Keep it on your shelf with its label until a local hand-off.",
    "to_warehouse": "Pack it for the brand's warehouse.",
    "liquidated": "Set it aside for liquidation.",
    "recycled": "Set it aside for recycling.",
}


EVENT_LABELS = {
    "created": "Return started",
    "routed": "Routed to the hub",
    "dropped_off": "Received at the hub",
    "inspected": "Inspected",
    "disposed": "Disposed",
    "cancelled": "Cancelled",
}


def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind.replace("_", " ").capitalize())


def next_action(item, unit: StockUnit | None = None) -> str:
    if item.status == "disposed":
        if unit is not None and unit.status in (StockUnit.Status.AVAILABLE, StockUnit.Status.HELD):
            return f"Keep it on your shelf with label {unit.label}." + (
                " The brand approves it before a hand-off." if unit.status == StockUnit.Status.HELD else ""
            )
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
        events = list(return_services.return_events(item=item).exclude(kind="refund"))
        for event in events:
            event.label = event_label(event.kind)
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
                "steps": return_services.return_steps(item=item, events=events),
                "next_action": next_action(item, unit),
                "can_inspect": item.status == "dropped_off" and found.hub.status == HubStatus.ACTIVE,
                "inspect_url": inspect_url(brand_slug=found.brand.slug, return_item_id=item.pk),
            },
        )


@staff_required
def staff_hub_list(request):
    status = request.GET.get("status", "")
    hubs = Hub.objects.all()
    if status in HubStatus.values:
        hubs = hubs.filter(status=status)
    counts = Hub.objects.aggregate(**{s: Count("pk", filter=Q(status=s)) for s in HubStatus.values})
    return render(
        request,
        "hubs/staff_list.html",
        {
            "hubs": hubs,
            "status": status,
            "statuses": [(s, HubStatus(s).label, counts[s]) for s in HubStatus.values],
        },
    )


@staff_required
def staff_hub_detail(request, pk):
    hub = get_object_or_404(Hub, pk=pk)
    checks = [
        (key, label, getattr(hub, f"{key}_at"), getattr(hub, f"{key}_by"))
        for key, label in services.VETTING_CHECKS.items()
    ]
    return render(
        request,
        "hubs/staff_detail.html",
        {
            "hub": hub,
            "checks": checks,
            "events": hub.events.select_related("actor")[:50],
            "members": hub.members.select_related("user"),
            "suspend_form": SuspendForm(),
            "statuses": HubStatus,
        },
    )


@require_POST
@staff_required
def staff_hub_check(request, pk):
    hub = get_object_or_404(Hub, pk=pk)
    try:
        services.hub_record_check(hub=hub, check=request.POST.get("check", ""), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("staff_hub_detail", pk=hub.pk)


@require_POST
@staff_required
def staff_hub_status(request, pk):
    hub = get_object_or_404(Hub, pk=pk)
    try:
        hub = services.hub_set_status(
            hub=hub, status=request.POST.get("status", ""), actor=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, f"{hub.name} is now {hub.get_status_display().lower()}.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "Unknown status."))
    return redirect("staff_hub_detail", pk=hub.pk)
