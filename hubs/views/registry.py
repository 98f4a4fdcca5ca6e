from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from closo import attempts
from closo.actors import Actor, Party
from closo.exceptions import DomainError
from closo.views import too_many_attempts
from hubs.forms.registry import HubApplicationForm, SuspendForm
from hubs.models import Hub, HubStatus
from hubs.services import registry as services


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Closo staff only.")
        return view(request, *args, **kwargs)

    return wrapper


def _staff(request) -> Actor:
    return Actor.for_user(request.user, party=Party.STAFF)


def hub_apply(request):
    """Apply to be a hub. Signed in: the application is theirs at once. Not signed in: the
    same answer whether or not the e-mail has an account (hubs.services.registry.
    hub_apply_with_email e-mails the difference), under the e-mail limits."""
    form = HubApplicationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = {
            key: data[key]
            for key in (
                "name",
                "kind",
                "address",
                "zip_code",
                "phone",
                "opening_hours",
                "daily_capacity",
                "service_radius_miles",
            )
        }
        if form.user is not None:
            services.hub_apply(applicant=form.user, **details)
            messages.success(request, "Thanks — your application is in. We will e-mail you about the next steps.")
            return redirect("hub_home")
        keys = attempts.email_keys(request, data["email"])
        refusal = attempts.check(*keys)
        if refusal is not None:
            return too_many_attempts(request, refusal, title="Become a Closo hub")
        attempts.record_all(*keys)
        services.hub_apply_with_email(
            email=data["email"],
            password=data["password"],
            sign_in_url=request.build_absolute_uri(reverse("login")),
            **details,
        )
        return redirect("hub_apply_sent")
    return render(request, "hubs/apply.html", {"form": form})


def hub_apply_sent(request):
    return render(request, "hubs/apply_sent.html")


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
        services.hub_record_check(hub=hub, check=request.POST.get("check", ""), actor=_staff(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("staff_hub_detail", pk=hub.pk)


@require_POST
@staff_required
def staff_hub_status(request, pk):
    hub = get_object_or_404(Hub, pk=pk)
    try:
        hub = services.hub_set_status(
            hub=hub, status=request.POST.get("status", ""), actor=_staff(request), reason=request.POST.get("reason", "")
        )
        messages.success(request, f"{hub.name} is now {hub.get_status_display().lower()}.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("staff_hub_detail", pk=hub.pk)
