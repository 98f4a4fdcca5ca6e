"""Brand-portal pages for outbound webhooks (owners and admins): endpoints, their delivery
log, redeliver, test event, secret rotation, enabling again."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from closo.listing import query_without
from webhooks.forms.webhooks import EndpointForm
from webhooks.models import Attempt, Endpoint
from webhooks.selectors import webhooks as selectors
from webhooks.services import deliveries as delivery_services
from webhooks.services import endpoints as services

LOG_PAGE_SIZE = 25


@brand_member_required(write=True)
def webhook_list(request):
    return render(request, "webhooks/endpoint_list.html", {"endpoints": selectors.endpoints(), "section": "webhooks"})


def _detail_page(request, endpoint: Endpoint, *, new_secret: str | None = None):
    page = Paginator(selectors.delivery_log(endpoint), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "page_obj": page,
            "deliveries": page.object_list,
            "query": query_without(request.GET, "page"),
            "new_secret": new_secret,
            "section": "webhooks",
        },
    )


@brand_member_required(write=True)
def webhook_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(**form.cleaned_data, actor=Actor.from_request(request))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            # Rendered, not redirected: the secret is shown here once, never stored in a message.
            messages.success(request, "Endpoint added. Copy its signing secret now.")
            return _detail_page(request, endpoint, new_secret=endpoint.secret)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None, "section": "webhooks"})


@brand_member_required(write=True)
def webhook_edit(request, pk):
    endpoint = selectors.endpoint_get(pk)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, **form.cleaned_data, actor=Actor.from_request(request))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhook_detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint, "section": "webhooks"})


@brand_member_required(write=True)
def webhook_detail(request, pk):
    return _detail_page(request, selectors.endpoint_get(pk))


def _attempt_message(request, attempt: Attempt) -> None:
    if attempt.succeeded:
        messages.success(request, f"Delivered: HTTP {attempt.response_code} in {attempt.duration_ms} ms.")
    else:
        messages.error(request, f"Not delivered: {attempt.error or 'no answer'}.")


@require_POST
@brand_member_required(write=True)
def webhook_test(request, pk):
    endpoint = selectors.endpoint_get(pk)
    attempt = delivery_services.endpoint_send_test(endpoint=endpoint, actor=Actor.from_request(request))
    _attempt_message(request, attempt)
    return redirect("webhook_detail", pk=endpoint.pk)


@require_POST
@brand_member_required(write=True)
def webhook_redeliver(request, pk):
    delivery = selectors.delivery_get(pk)
    try:
        attempt = delivery_services.delivery_redeliver(delivery=delivery, actor=Actor.from_request(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _attempt_message(request, attempt)
    return redirect("webhook_detail", pk=delivery.endpoint_id)


@require_POST
@brand_member_required(write=True)
def webhook_rotate(request, pk):
    endpoint = services.endpoint_rotate_secret(endpoint=selectors.endpoint_get(pk), actor=Actor.from_request(request))
    messages.success(request, "New signing secret: the old one is refused from the next delivery on.")
    return _detail_page(request, endpoint, new_secret=endpoint.secret)


@require_POST
@brand_member_required(write=True)
def webhook_enable(request, pk):
    endpoint = selectors.endpoint_get(pk)
    active = request.POST.get("active") == "1"
    services.endpoint_update(endpoint=endpoint, is_active=active, actor=Actor.from_request(request))
    endpoint.refresh_from_db()
    messages.success(request, "Endpoint enabled." if endpoint.is_active else "Endpoint disabled.")
    return redirect("webhook_detail", pk=endpoint.pk)


@require_POST
@brand_member_required(write=True)
def webhook_delete(request, pk):
    endpoint = selectors.endpoint_get(pk)
    services.endpoint_delete(endpoint=endpoint, actor=Actor.from_request(request))
    messages.success(request, f"Deleted the endpoint {endpoint.url}.")
    return redirect("webhook_list")
