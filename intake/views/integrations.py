"""The Integrations page (brand admins): webhook addresses to paste into Shopify and the
returns platform, their signing secrets, and the latest deliveries received."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from intake import shopify
from intake.forms.integrations import SecretForm
from intake.models import IntegrationSecret
from intake.selectors.integrations import LOG_SIZE, deliveries_latest, secrets_by_kind
from intake.services.secrets import integration_secret_set


@brand_member_required(write=True)
def integrations_page(request):
    forms = {kind: SecretForm(prefix=kind) for kind in IntegrationSecret.Kind.values}
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind in forms:
            form = forms[kind] = SecretForm(request.POST, prefix=kind)
            if form.is_valid():
                try:
                    integration_secret_set(
                        kind=kind, secret=form.cleaned_data["webhook_secret"], actor=Actor.from_request(request)
                    )
                except DomainError as exc:
                    form.add_error("webhook_secret", exc.fields.get("webhook_secret") or exc.message)
                else:
                    messages.success(request, f"Saved the {IntegrationSecret.Kind(kind).label.lower()}.")
                    return redirect("integrations")
    url = request.build_absolute_uri
    return render(
        request,
        "intake/integrations.html",
        {
            "section": "integrations",
            "forms": forms,
            "secrets": secrets_by_kind(),
            "shopify_url": url("/integrations/shopify/webhooks"),
            "returns_url": url("/integrations/returns/webhooks"),
            "loop_url": url("/integrations/loop/webhooks"),
            "topics": sorted(shopify.ORDER_TOPICS),
            "consent_attribute": shopify.CONSENT_ATTRIBUTE,
            "consent_tag": shopify.CONSENT_TAG,
            "deliveries": deliveries_latest(),
            "log_size": LOG_SIZE,
        },
    )
