from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from brands.forms.api_keys import ApiKeyForm
from brands.selectors.api_keys import api_key_for_brand
from brands.services import api_keys as api_key_services


@brand_member_required
def team(request):
    members = request.tenant.memberships.select_related("user").order_by("role", "user__email")
    return render(request, "brands/team.html", {"members": members, "section": "team"})


@brand_member_required
def api_keys(request):
    brand = request.tenant
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST":
        if not request.membership.can_write:
            messages.error(request, "Only owners and admins can create API keys.")
            return redirect("brand_api_keys")
        if form.is_valid():
            _key, new_key = api_key_services.api_key_create(
                brand=brand, name=form.cleaned_data["name"], role=form.cleaned_data["role"], actor=request.user
            )
            form = ApiKeyForm()
    keys = brand.api_keys.select_related("created_by", "revoked_by")
    return render(request, "brands/api_keys.html", {"form": form, "keys": keys, "new_key": new_key, "section": "keys"})


@require_POST
@brand_member_required(write=True)
def api_key_revoke(request, pk):
    key = api_key_for_brand(brand=request.tenant, pk=pk)
    api_key_services.api_key_revoke(key=key, actor=request.user)
    messages.success(request, f"Revoked “{key.name}”. Requests using it are now refused.")
    return redirect("brand_api_keys")
