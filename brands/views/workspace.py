from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from brands.forms.api_keys import ApiKeyForm, StorefrontOriginsForm
from brands.selectors.api_keys import api_key_for_brand, publishable_key_for_brand
from brands.services import api_keys as api_key_services
from brands.services import storefront as storefront_services


@brand_member_required
def team(request):
    members = request.tenant.memberships.select_related("user").order_by("role", "user__email")
    return render(request, "brands/team.html", {"members": members, "section": "team"})


def _api_keys_page(request, *, form=None, origins_form=None, new_key=None):
    brand = request.tenant
    return render(
        request,
        "brands/api_keys.html",
        {
            "form": form or ApiKeyForm(),
            "origins_form": origins_form
            or StorefrontOriginsForm(initial={"origins": "\n".join(brand.storefront_origins)}),
            "keys": brand.api_keys.select_related("created_by", "revoked_by"),
            "publishable_key": brand.publishable_keys.active().select_related("created_by").first(),
            "new_key": new_key,
            "section": "keys",
        },
    )


@brand_member_required
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST":
        if not request.membership.can_write:
            messages.error(request, "Only owners and admins can create API keys.")
            return redirect("brand_api_keys")
        if form.is_valid():
            _key, new_key = api_key_services.api_key_create(
                brand=request.tenant, name=form.cleaned_data["name"], role=form.cleaned_data["role"], actor=request.user
            )
            form = ApiKeyForm()
    return _api_keys_page(request, form=form, new_key=new_key)


@require_POST
@brand_member_required(write=True)
def api_key_revoke(request, pk):
    key = api_key_for_brand(brand=request.tenant, pk=pk)
    api_key_services.api_key_revoke(key=key, actor=request.user)
    messages.success(request, f"Revoked “{key.name}”. Requests using it are now refused.")
    return redirect("brand_api_keys")


@require_POST
@brand_member_required(write=True)
def publishable_key_rotate(request):
    had_one = request.tenant.publishable_keys.active().exists()
    key = storefront_services.publishable_key_rotate(brand=request.tenant, actor=request.user)
    if had_one:
        messages.success(request, f"New publishable key {key.key}: the old one is refused from now on.")
    else:
        messages.success(request, f"Created publishable key {key.key}.")
    return redirect("brand_api_keys")


@require_POST
@brand_member_required(write=True)
def publishable_key_revoke(request, pk):
    key = publishable_key_for_brand(brand=request.tenant, pk=pk)
    storefront_services.publishable_key_revoke(key=key, actor=request.user)
    messages.success(request, "Revoked the publishable key. Storefront pages using it are now refused.")
    return redirect("brand_api_keys")


@require_POST
@brand_member_required(write=True)
def storefront_origins(request):
    form = StorefrontOriginsForm(request.POST)
    if not form.is_valid():
        return _api_keys_page(request, origins_form=form)
    brand = storefront_services.storefront_origins_update(
        brand=request.tenant, origins=form.cleaned_data["origins"], actor=request.user
    )
    count = len(brand.storefront_origins)
    messages.success(request, f"Saved {count} storefront origin{'s' if count != 1 else ''}.")
    return redirect("brand_api_keys")
