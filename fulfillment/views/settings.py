"""The brand's local loop settings page: route costs, refund rule, hand-off, shelf and
count timers, the split-ship advisor's figures. Owners and admins change them; viewers read them."""

from django.contrib import messages
from django.shortcuts import redirect, render

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from fulfillment.advice import SplitShipCosts
from fulfillment.forms.settings import LoopSettingsForm
from fulfillment.services import settings as loop_settings


@brand_member_required
def loop_settings_page(request):
    brand = request.tenant
    form = LoopSettingsForm(request.POST or None, initial=loop_settings.loop_settings_of(brand))
    if request.method == "POST":
        if not request.membership.can_write:
            messages.error(request, "Only owners and admins can change the local loop settings.")
            return redirect("loop_settings")
        if form.is_valid():
            try:
                loop_settings.loop_settings_update(
                    brand=brand, values=form.cleaned_data, actor=Actor.from_request(request)
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "Local loop settings saved. They apply to returns routed from now on.")
                return redirect("loop_settings")
    return render(
        request,
        "fulfillment/loop_settings.html",
        {
            "form": form,
            "brand": brand,
            "split_costs": SplitShipCosts.of(brand),
            "section": "loop",
        },
    )
