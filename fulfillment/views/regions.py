from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from fulfillment.forms.regions import RegionForm
from fulfillment.models import RegionLimit
from fulfillment.selectors import regions as region_selectors
from fulfillment.services import regions as services


def _rules(region: RegionLimit) -> list[str]:
    """The region's rules in words, for the list."""

    def some(codes: list[str], limit: int = 8) -> str:
        shown = ", ".join(codes[:limit])
        return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "")

    rules = []
    if region.zip_prefixes:
        rules.append(f"ZIPs starting {some(region.zip_prefixes)}")
    if region.zips:
        rules.append(f"ZIP{'s' if len(region.zips) > 1 else ''} {some(region.zips)}")
    if region.within_miles_of_hub:
        rules.append(f"within {region.within_miles_of_hub} mi of an active hub")
    return rules


@brand_member_required
def region_list(request):
    """Regions, and a "Try a ZIP" box (a GET form, so it works without JavaScript)."""
    zip_query = request.GET.get("zip", "").strip()[:20]
    regions = list(region_selectors.regions_list())
    for region in regions:
        region.rules = _rules(region)
    return render(
        request,
        "fulfillment/region_list.html",
        {
            "regions": regions,
            "any_active": any(r.is_active for r in regions),
            "zip_query": zip_query,
            "decision": region_selectors.zip_check(zip_query) if zip_query else None,
            "section": "regions",
        },
    )


@brand_member_required(write=True)
def region_create(request):
    form = RegionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            region = services.region_create(**form.cleaned_data, actor=Actor.from_request(request))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Region “{region.name}” added.")
            return redirect("region_list")
    return render(request, "fulfillment/region_form.html", {"form": form, "region": None, "section": "regions"})


@brand_member_required(write=True)
def region_edit(request, pk):
    region = get_object_or_404(RegionLimit, pk=pk)
    form = RegionForm.for_region(region, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            region = services.region_update(region=region, changes=form.cleaned_data, actor=Actor.from_request(request))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Region “{region.name}” saved.")
            return redirect("region_list")
    return render(request, "fulfillment/region_form.html", {"form": form, "region": region, "section": "regions"})


@require_POST
@brand_member_required(write=True)
def region_delete(request, pk):
    region = get_object_or_404(RegionLimit, pk=pk)
    services.region_delete(region=region, actor=Actor.from_request(request))
    messages.success(request, f"Region “{region.name}” deleted.")
    return redirect("region_list")
