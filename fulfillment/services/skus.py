"""SKUs: the brand's catalogue. Writes (create, update, stock sync from the WMS, one CSV
row) and the reads shared by the portal and the API (lookup by code, filtering, CSV export).

The code is a SKU's identity — the storefront, the WMS and CSV files name SKUs by it —
so it is fixed once created; everything else can change."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from closo.actors import Actor
from closo.exceptions import Invalid
from closo.locks import lock_one
from fulfillment.exceptions import Immutable, MinValue, RowError, SkuExists
from fulfillment.forms.skus import SkuImportRowForm
from fulfillment.models import ConfigChange, Sku
from fulfillment.selectors.skus import FORMULA_STARTS, TEXT_COLUMNS
from fulfillment.services.config import config_change_record, config_diff
from fulfillment.services.inventory import InventoryItem, inventory_sync

UPDATABLE_FIELDS = (
    "title",
    "category",
    "attributes",
    "price",
    "weight_grams",
    "local_returns_enabled",
    "available_qty",
)
# CSV cells that cannot be empty in the model: an empty cell keeps the current value
# (a new SKU gets the default) instead of being an error.
KEEP_WHEN_EMPTY = frozenset({"local_returns_enabled", "available_qty"})
CENT = Decimal("0.01")  # prices are stored, and shown in the activity, in cents: 49 → 49.00


def _check(*, price=None, weight_grams=None, available_qty=None) -> None:
    """Rules the database alone would enforce late or not at all."""
    if price is not None and Decimal(price) < 0:
        raise MinValue("A price cannot be negative.", fields={"price": ["Enter 0 or more."]})
    if available_qty is not None and available_qty < 0:
        raise MinValue("Available quantity cannot be negative.", fields={"available_qty": ["Enter 0 or more."]})
    if weight_grams is not None and weight_grams < 0:
        raise MinValue("Weight cannot be negative.", fields={"weight_grams": ["Enter 0 or more."]})


@transaction.atomic
def sku_create(
    *,
    code: str,
    title: str,
    price: Decimal,
    actor: Actor,
    category: str = "",
    attributes: dict | None = None,
    weight_grams: int | None = None,
    local_returns_enabled: bool = True,
    available_qty: int = 0,
) -> Sku:
    """Add a SKU, recorded in the brand's activity. A taken code is SkuExists (409), also
    when two creates race: the unique index decides and the loser's savepoint is rolled
    back."""
    _check(price=price, weight_grams=weight_grams, available_qty=available_qty)
    price = Decimal(price).quantize(CENT)
    if Sku.objects.filter(code=code).exists():
        raise _exists(code)
    try:
        with transaction.atomic():
            sku = Sku.objects.create(
                code=code,
                title=title,
                price=price,
                category=category,
                attributes=attributes or {},
                weight_grams=weight_grams,
                local_returns_enabled=local_returns_enabled,
                available_qty=available_qty,
            )
    except IntegrityError:
        raise _exists(code) from None
    values = {name: getattr(sku, name) for name in UPDATABLE_FIELDS}
    config_change_record(
        area=ConfigChange.Area.SKU,
        action=ConfigChange.Action.CREATED,
        subject=sku.code,
        subject_id=sku.pk,
        changes={name: value for name, value in values.items() if value not in (None, "", {})},
        actor=actor,
    )
    return sku


def _exists(code: str) -> SkuExists:
    return SkuExists(f"A SKU with code “{code}” already exists.", fields={"code": ["This code is already used."]})


@transaction.atomic
def sku_update(*, sku: Sku, actor: Actor, **changes) -> Sku:
    """Change any of UPDATABLE_FIELDS (never the code). Locks the SKU row and compares with
    its stored values (a ModelForm may already have changed `sku` in memory): saves, and
    records in the brand's activity, only the fields that differ; a change to nothing
    writes nothing. Returns the SKU as stored."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        fields = {name: ["This field cannot be changed."] for name in sorted(unknown)}
        if "code" in unknown:
            raise Immutable("The code cannot be changed.", fields=fields)
        raise Invalid(f"Unknown fields: {', '.join(sorted(unknown))}.", fields=fields)
    _check(
        price=changes.get("price"), weight_grams=changes.get("weight_grams"), available_qty=changes.get("available_qty")
    )
    if changes.get("price") is not None:
        changes["price"] = Decimal(changes["price"]).quantize(CENT)
    sku = lock_one(Sku, pk=sku.pk)
    before = {name: getattr(sku, name) for name in changes}
    for name, value in changes.items():
        setattr(sku, name, {} if name == "attributes" and value is None else value)
    diff = config_diff(before, {name: getattr(sku, name) for name in changes})
    if not diff:
        return sku
    sku.save(update_fields=[*diff, "updated_at"])
    config_change_record(
        area=ConfigChange.Area.SKU,
        action=ConfigChange.Action.UPDATED,
        subject=sku.code,
        subject_id=sku.pk,
        changes=diff,
        actor=actor,
    )
    return sku


@transaction.atomic
def sku_set_stock(*, sku: Sku, available_qty: int, actor: Actor, as_of: datetime.datetime | None = None) -> Sku:
    """The brand's WMS reports what it holds of one SKU: an absolute quantity, so a retried
    push changes nothing, counted at `as_of` (default: now) — the one-item form of
    inventory.inventory_sync, with its rules: a report older than the count held is
    ignored, the activity records a changed quantity, stock that rises while customers wait
    ships to them. Locks the SKU row."""
    _check(available_qty=available_qty)
    inventory_sync(
        items=[InventoryItem(sku=sku.code, available_qty=available_qty, as_of=as_of or timezone.now())], actor=actor
    )
    sku.refresh_from_db(fields=["available_qty", "stock_as_of", "updated_at"])
    return sku


def sku_import_row(values: dict[str, str], *, actor: Actor) -> str:
    """One CSV line: a new code is created, a known code with other values is updated,
    the same values are skipped. Columns absent from the file are left as they are; empty
    cells clear category, attributes and weight, and keep available_qty and
    local_returns_enabled. A code repeated later in the same file updates the SKU again
    (the last line wins) or, with the same values, is skipped."""
    form = SkuImportRowForm({name: _unquote(name, value) for name, value in values.items()})
    if not form.is_valid():
        raise RowError(
            "This row has problems.", fields={field: list(messages) for field, messages in form.errors.items()}
        )
    data = form.cleaned_data
    given = {
        name: data[name]
        for name in UPDATABLE_FIELDS
        if name in values and not (name in KEEP_WHEN_EMPTY and data[name] is None)
    }
    sku = lock_one(Sku, code=data["code"])
    if sku is None:
        sku_create(code=data["code"], actor=actor, **given)
        return "created"
    changed = {name: value for name, value in given.items() if getattr(sku, name) != value}
    if not changed:
        return "skipped"
    sku_update(sku=sku, actor=actor, **changed)
    return "updated"


def _unquote(column: str, value: str) -> str:
    if column in TEXT_COLUMNS and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


# --- reads ---
