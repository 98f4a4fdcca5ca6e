"""Forms for restock purchase orders: create, cancel, and the list filters."""

from __future__ import annotations

from django import forms

from fulfillment.models import InboundSupply
from fulfillment.selectors.supply import supply_earliest_date

MAX_QTY = 1_000_000


class DateInput(forms.DateInput):
    input_type = "date"


class SupplyForm(forms.Form):
    po_ref = forms.CharField(
        label="Purchase order reference",
        max_length=120,
        help_text="As your factory or ERP knows it, e.g. PO-2031. Each reference is recorded once.",
    )
    sku = forms.CharField(
        label="SKU code",
        max_length=64,
        widget=forms.TextInput(attrs={"list": "sku-codes", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    qty = forms.IntegerField(label="Units", min_value=1, max_value=MAX_QTY)
    expected_date = forms.DateField(label="Expected at your warehouse", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_date"].widget.attrs["min"] = supply_earliest_date().isoformat()


class SupplyCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is it cancelled?",
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Factory cancelled the run"}),
    )


class SupplyFilterForm(forms.Form):
    """The list's filters (GET). Invalid values are ignored rather than shown as errors."""

    sku = forms.CharField(required=False, label="SKU code")
    status = forms.ChoiceField(required=False, choices=[("", "All"), *InboundSupply.Status.choices])
    expected_after = forms.DateField(required=False, label="Expected from", widget=DateInput())
    expected_before = forms.DateField(required=False, label="Expected until", widget=DateInput())
