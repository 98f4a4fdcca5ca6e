"""The brand's customer e-mails in the portal: the log of what was sent (`/emails/`) and a
preview of every e-mail with sample data in the brand's branding (`/emails/preview/`)."""

import base64

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from brands.decorators import brand_member_required
from closo.listing import query_without
from fulfillment.email_samples import sample_messages
from fulfillment.models import EmailLog
from fulfillment.services import notify

PAGE_SIZE = 50
PREVIEW_LINK = "#status-page-link"  # a sample has no status page; the link goes nowhere


@brand_member_required
def email_log(request):
    """Newest first, 50 a page, filtered by kind and outcome; three queries whatever the page."""
    emails = EmailLog.objects.select_related("backorder", "return_item").only(
        "kind", "to", "subject", "outcome", "error", "sent_at", "backorder__order_ref", "return_item__rma_ref"
    )
    kind, outcome = request.GET.get("kind", ""), request.GET.get("outcome", "")
    if kind in EmailLog.Kind.values:
        emails = emails.filter(kind=kind)
    if outcome in EmailLog.Outcome.values:
        emails = emails.filter(outcome=outcome)
    page = Paginator(emails, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "fulfillment/email_log.html",
        {
            "page_obj": page,
            "emails": list(page.object_list),
            "kinds": EmailLog.Kind.choices,
            "outcomes": EmailLog.Outcome.choices,
            "kind": kind,
            "outcome": outcome,
            "filtered": bool(kind or outcome),
            "query": query_without(request.GET, "page"),
            "section": "emails",
        },
    )


@brand_member_required
def email_preview_list(request):
    samples = sample_messages()
    previews = [
        {
            "kind": kind,
            "label": EmailLog.Kind(kind).label,
            "subject": notify.render(message, brand=request.tenant, link=PREVIEW_LINK).subject,
        }
        for kind, message in samples.items()
    ]
    return render(request, "fulfillment/email_preview_list.html", {"previews": previews, "section": "emails"})


@brand_member_required
def email_preview(request, kind: str):
    samples = sample_messages()
    if kind not in samples:
        raise Http404("No such e-mail.")
    message = samples[kind]
    rendered = notify.render(message, brand=request.tenant, link=PREVIEW_LINK)
    images = [
        {"name": name, "src": f"data:{mimetype};base64,{base64.b64encode(content).decode()}"}
        for name, content, mimetype in message.attachments
        if mimetype.startswith("image/")
    ]
    return render(
        request,
        "fulfillment/email_preview.html",
        {
            "kind": kind,
            "label": EmailLog.Kind(kind).label,
            "rendered": rendered,
            "to": message.to,
            "attachments": images,
            "section": "emails",
        },
    )
