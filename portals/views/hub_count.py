"""Hub portal: "Count my shelf" (the cycle count, phone first) and a count's result; and
"Packed and sent" for a unit packed for the warehouse. Thin: parse, call the service,
render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from brands.models import Brand
from closo.actors import Actor, Party
from closo.exceptions import DomainError
from hubs.models import HubStatus, ShelfCount
from hubs.selectors.shelf import hub_shelf
from hubs.services.packing import pack_task_done
from portals.services.shelf_counts import labels_parse, shelf_count_submit
from portals.views.hub import hub_member_required

MAX_KEYS = 2000  # units one count may name; a real shelf is far smaller


def _hub_query(members, hub) -> str:
    return f"?hub={hub.pk}" if len(members) > 1 else ""


def _words(labels: list[str], limit: int = 8) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


@hub_member_required
def hub_count(request, *, members, member):
    """The hub's shelf as it should be, across brands, by label: tick what is there (or
    type / scan labels), and submit. Unticked units are reported missing."""
    hub = member.hub
    if request.method == "POST":
        if hub.status != HubStatus.ACTIVE and hub.status != HubStatus.SUSPENDED:
            raise Http404("Your hub has no shelf yet.")
        result = shelf_count_submit(
            hub=hub,
            actor=Actor.from_request(request, party=Party.HUB),
            shown=request.POST.getlist("shown")[:MAX_KEYS],
            ticked=request.POST.getlist("found")[:MAX_KEYS],
            labels=labels_parse(request.POST.get("labels", "")),
        )
        if result.refused:
            messages.warning(
                request,
                f"Not on your shelf list, nothing changed: {_words(result.refused)}. "
                "Check the label, or it belongs to another hub.",
            )
        if result.unchanged:
            messages.info(request, f"Moved while you counted, left as they are: {_words(result.unchanged)}.")
        if result.count is None:
            if not result.refused:
                messages.info(request, "Nothing counted: tick the units you find, or type their labels.")
            return redirect(reverse("hub_count") + _hub_query(members, hub))
        messages.success(
            request,
            f"Count saved: {len(result.found)} found, {len(result.missing)} missing"
            + (f", {len(result.found_again)} found again" if result.found_again else "")
            + ".",
        )
        return redirect(reverse("hub_count_detail", kwargs={"pk": result.count.pk}) + _hub_query(members, hub))
    lines = hub_shelf(hub) if hub.status in (HubStatus.ACTIVE, HubStatus.SUSPENDED) else []
    recent = list(ShelfCount.objects.filter(hub=hub).order_by("-created_at", "-pk")[:5])
    return render(
        request,
        "hubs/count.html",
        {"hub": hub, "member": member, "members": members, "statuses": HubStatus, "lines": lines, "recent": recent},
    )


@hub_member_required
def hub_count_detail(request, pk, *, members, member):
    """One count of the member's hub: what was found, missing, found again (any brand:
    the hub counted them all). Another hub's count is a 404."""
    count = get_object_or_404(ShelfCount.objects.filter(hub__in=[m.hub_id for m in members]), pk=pk)
    member = next(m for m in members if m.hub_id == count.hub_id)
    brands = Brand.objects.in_bulk({line.get("brand") for line in count.lines})
    lines = [{**line, "brand_name": getattr(brands.get(line.get("brand")), "name", "")} for line in count.lines]
    order = {"missing": 0, "found_again": 1, "found": 2}
    lines.sort(key=lambda line: (order.get(line["result"], 3), line["label"]))
    return render(
        request,
        "hubs/count_detail.html",
        {"hub": member.hub, "member": member, "members": members, "count": count, "lines": lines},
    )


@require_POST
@hub_member_required
def hub_pack_done(request, pk, *, members, member):
    """ "Packed and sent": the unit packed for the warehouse left the hub; its task closes."""
    try:
        pack_task_done(task_id=pk, hub=member.hub, actor=Actor.from_request(request, party=Party.HUB))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Marked packed and sent. Thank you.")
    return redirect(reverse("hub_home") + _hub_query(members, member.hub) + "#lane-pack")
