"""The storefront demo (issue 10): a product page in the brand portal that includes
static/closo-availability.js with the brand's publishable key, against the brand's own host
(always an allowed origin: brands/storefront.py), so the brand sees what shoppers will see."""

from django.shortcuts import render

from brands.decorators import brand_member_required
from fulfillment.models import Sku

MAX_DEMO_SKUS = 200


@brand_member_required
def storefront_demo(request):
    brand = request.tenant
    skus = list(Sku.objects.order_by("code").only("code", "title", "price")[:MAX_DEMO_SKUS])
    codes = {sku.code for sku in skus}
    asked = request.GET.get("sku", "")
    selected = next((sku for sku in skus if sku.code == asked), skus[0] if skus else None)
    return render(
        request,
        "fulfillment/storefront_demo.html",
        {
            "publishable_key": brand.publishable_keys.active().first(),
            "skus": skus,
            "selected": selected,
            "unknown_sku": asked if asked and asked not in codes else "",
            "api_host": f"{request.scheme}://{request.get_host()}",
            "section": "keys",
        },
    )
