from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.db.models import Q, QuerySet

from fulfillment.exceptions import UnknownSku
from fulfillment.forms.skus import attributes_format
from fulfillment.models import ImportJob, Sku
from fulfillment.services.imports import SPECS


def _quote(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def sku_by_code(code: str) -> Sku:
    """The SKU with that code in this brand, or UnknownSku (400, field `sku`)."""
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        raise UnknownSku(f"No SKU with code “{code}”.", fields={"sku": [f"No SKU with code “{code}”."]})
    return sku


def sku_search(queryset: QuerySet[Sku] | None = None, *, q: str = "", category: str = "", local_returns=None):
    """The filters shared by the list page, the export and the API."""
    queryset = Sku.objects.all() if queryset is None else queryset
    if q:
        queryset = queryset.filter(Q(code__icontains=q) | Q(title__icontains=q))
    if category:
        queryset = queryset.filter(category=category)
    if local_returns is not None:
        queryset = queryset.filter(local_returns_enabled=local_returns)
    return queryset


def sku_categories() -> list[str]:
    return list(Sku.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct())


def sku_export_row(sku: Sku) -> list[str]:
    cells = {
        "code": sku.code,
        "title": sku.title,
        "price": f"{sku.price:.2f}",
        "category": sku.category,
        "attributes": attributes_format(sku.attributes),
        "weight_grams": "" if sku.weight_grams is None else str(sku.weight_grams),
        "local_returns_enabled": "yes" if sku.local_returns_enabled else "no",
        "available_qty": str(sku.available_qty),
    }
    return [_quote(cells[c]) if c in TEXT_COLUMNS else cells[c] for c in EXPORT_COLUMNS]


def sku_export_lines(skus: Iterable[Sku], *, bom: bool = False) -> Iterator[str]:
    """CSV text, line by line, in the import's columns: exporting and importing the file
    again changes nothing (every row is skipped). `bom` helps Excel read UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_COLUMNS)
    yield ("\ufeff" if bom else "") + flush()
    for sku in skus:
        writer.writerow(sku_export_row(sku))
        yield flush()


EXPORT_COLUMNS = SPECS[ImportJob.Kind.SKUS].columns  # the import's columns, in order


# A spreadsheet runs a cell starting with one of these as a formula ("CSV injection"):
# the export quotes such text cells with a leading apostrophe, the import removes it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


TEXT_COLUMNS = frozenset({"code", "title", "category", "attributes"})
