"""A test-only import kind whose rows create SKUs, so the import framework is tested on
its own (the real SKU and backorder row functions have their own tests)."""

from decimal import Decimal, InvalidOperation

from fulfillment.exceptions import RowError
from fulfillment.models import Sku


def probe_row(values, *, actor):
    if values.get("code") == "boom":
        raise RuntimeError("a bug, not bad input")
    try:
        price = Decimal(values["price"])
    except InvalidOperation:
        raise RowError("Bad price.", fields={"price": ["Enter a number."]}) from None
    _sku, created = Sku.objects.get_or_create(code=values["code"], defaults={"title": values["title"], "price": price})
    return "created" if created else "skipped"
