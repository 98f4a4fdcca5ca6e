"""Forms for SKUs: the portal's add/edit form, the CSV row form the import validates each
line with, and the list filters. The text formats (attributes as `key=value; key=value`
or JSON, yes/no words) are shared by the portal form, the CSV import and the CSV export."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from fulfillment.models import Sku

RESERVED_CODES = frozenset({"import", "export"})  # /api/v1/skus/import and /export are routes
TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})
ATTRIBUTES_HELP = "Colour, size…: key=value pairs separated by “;” (colour=Sage; size=Queen), or a JSON object."

code_validator = RegexValidator(
    r"^[^\s/]+$", "A code has no spaces or slashes (it is used in URLs).", code="invalid_code"
)


def validate_code_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_CODES:
        raise ValidationError(
            "“%(code)s” is reserved; choose another code.", code="reserved_code", params={"code": value}
        )


def attributes_format(attributes: dict) -> str:
    """Attributes as text that `attributes_parse` reads back to the same dict:
    `key=value; key=value` when that is lossless, else JSON. Keys are sorted, as the
    database (jsonb) does not keep the order they were entered in."""
    if not attributes:
        return ""
    plain = all(
        isinstance(value, str)
        and key
        and key == key.strip()
        and value == value.strip()
        and not key.startswith("{")
        and not any(c in key for c in "=;")
        and ";" not in value
        for key, value in attributes.items()
    )
    if plain:
        return "; ".join(f"{key}={value}" for key, value in sorted(attributes.items()))
    return json.dumps(attributes, ensure_ascii=False, sort_keys=True)


def attributes_parse(text: str) -> dict:
    """`{"colour": "Sage"}` or `colour=Sage; size=Queen` → dict. Raises ValidationError."""
    text = (text or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise ValidationError("This is not valid JSON.", code="invalid_attributes") from None
        if not isinstance(data, dict) or any(isinstance(v, (dict, list)) for v in data.values()):
            raise ValidationError('Use a flat JSON object, e.g. {"colour": "Sage"}.', code="invalid_attributes")
        return data
    pairs: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                "“%(part)s” is not key=value. Separate pairs with “;”, e.g. colour=Sage; size=Queen.",
                code="invalid_attributes",
                params={"part": part},
            )
        pairs[key.strip()] = value.strip()
    return pairs


class AttributesField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", ATTRIBUTES_HELP)
        super().__init__(**kwargs)

    def to_python(self, value) -> dict:
        if isinstance(value, dict):
            return value
        return attributes_parse(super().to_python(value))

    def prepare_value(self, value):
        return attributes_format(value) if isinstance(value, dict) else value

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != (initial or {})
        except ValidationError:
            return True


class YesNoField(forms.Field):
    """A CSV cell that says yes or no. Empty → None (the caller decides the default)."""

    def to_python(self, value) -> bool | None:
        text = (value or "").strip().lower()
        if not text:
            return None
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValidationError("Enter yes or no (true/false, y/n and 1/0 work too).", code="invalid_boolean")


class SkuForm(forms.ModelForm):
    """Add or edit a SKU in the portal. The code is fixed once the SKU exists."""

    attributes = AttributesField(label="Variant attributes")

    class Meta:
        model = Sku
        fields = [
            "code",
            "title",
            "category",
            "attributes",
            "price",
            "weight_grams",
            "available_qty",
            "local_returns_enabled",
        ]
        labels = {
            "weight_grams": "Weight (grams)",
            "available_qty": "Available at your warehouse",
            "local_returns_enabled": "Local returns: customers may drop returns of this SKU at a hub",
        }
        help_texts = {
            "code": "Your SKU code, as your storefront and WMS know it. It cannot be changed later.",
            "available_qty": "Usually pushed by your WMS (POST /api/v1/skus/{code}/stock).",
        }
        widgets = {"code": forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].validators += [code_validator, validate_code_not_reserved]
        self.fields["available_qty"].min_value = 0
        self.fields["available_qty"].widget.attrs["min"] = 0
        self.fields["price"].widget.attrs.update(min=0, step="0.01", inputmode="decimal")
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "The code cannot be changed: create a new SKU for a new code."

    def validate_unique(self):
        """Uniqueness of the code is the service's job (409 `sku_exists`, race-safe)."""


class SkuImportRowForm(forms.Form):
    """One line of a SKU CSV (the columns of fulfillment.services.imports.SPECS["skus"])."""

    code = forms.CharField(max_length=64, validators=[code_validator, validate_code_not_reserved])
    title = forms.CharField(max_length=200)
    price = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2)
    category = forms.CharField(max_length=80, required=False)
    attributes = AttributesField()
    weight_grams = forms.IntegerField(min_value=0, required=False)
    local_returns_enabled = YesNoField(required=False)
    available_qty = forms.IntegerField(min_value=0, required=False)


class SkuImportForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # the import says "The file is empty." itself
        label="CSV file",
        help_text="UTF-8 text (in Excel: Save as “CSV UTF-8”), at most 5 MB and 20,000 rows.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class SkuFilterForm(forms.Form):
    """The list's filters (GET). Invalid values are ignored rather than shown as errors."""

    q = forms.CharField(
        required=False, label="Search", widget=forms.SearchInput(attrs={"placeholder": "Code or title"})
    )
    category = forms.ChoiceField(required=False, label="Category")
    local_returns = forms.ChoiceField(
        required=False,
        label="Local returns",
        choices=[("", "Any"), ("yes", "Enabled"), ("no", "Disabled")],
    )

    def __init__(self, *args, categories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All"), *((c, c) for c in categories)]
