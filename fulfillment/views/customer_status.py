"""The customer status page, `/status/<token>/` on the brand's host: no login, the link in
every customer e-mail (fulfillment/customer.py) is the key. A tampered link or another
brand's is a 404 and an expired one a 410, each a page that says what to do; neither tells
whether the order exists."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from fulfillment.customer import BACKORDER, LinkExpired, LinkInvalid, branding, status_token_read
from fulfillment.qr import dropoff_qr_svg
from fulfillment.selectors.customer_status import backorder_status_view, return_status_view


@never_cache
def customer_status(request, token: str):
    brand = request.tenant
    context = {"brand": brand, **branding(brand)}
    try:
        link = status_token_read(token, brand=brand)
    except LinkExpired:
        return render(request, "fulfillment/customer_status_refused.html", {**context, "expired": True}, status=410)
    except LinkInvalid:
        return render(request, "fulfillment/customer_status_refused.html", context, status=404)
    if link.kind == BACKORDER:
        view = backorder_status_view(backorder_id=link.pk)
        template = "fulfillment/customer_status_backorder.html"
    else:
        view = return_status_view(return_id=link.pk)
        template = "fulfillment/customer_status_return.html"
    if view is None:  # deleted since the e-mail was sent
        return render(request, "fulfillment/customer_status_refused.html", context, status=404)
    if link.kind != BACKORDER and view.awaiting_dropoff:
        context["dropoff_qr"] = dropoff_qr_svg(view.item.dropoff_code, scale=6)  # big enough to scan off a phone
    return render(request, template, {**context, "view": view})
