from django import forms

from fulfillment.services.backorders import SMALLINT_MAX


class WholeNumberField(forms.IntegerField):
    """A whole number as typed: the service checks its range (in the API's words); text
    that is no number is passed on as it is, so the service reports it with the rest."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            return value


class BackorderForm(forms.Form):
    """A backorder typed in the portal. The fields only carry what was typed:
    `backorder_create` checks everything at once, in the words the API and CSV import
    use, and its errors land on these fields (named as the service's error keys)."""

    order_ref = forms.CharField(
        label="Order reference",
        max_length=120,
        required=False,
        help_text="Your order id and line, e.g. #1042-1. One backorder per reference.",
    )
    sku = forms.CharField(
        label="SKU code", max_length=64, required=False, widget=forms.TextInput(attrs={"list": "sku-codes"})
    )
    customer_zip = forms.CharField(
        label="Customer ZIP code", max_length=10, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    value = forms.CharField(
        label="Order line value ($)",
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}),
    )
    qty = WholeNumberField(
        label="Quantity", initial=1, required=False, widget=forms.NumberInput(attrs={"min": 1, "max": SMALLINT_MAX})
    )
    customer_name = forms.CharField(label="Customer name", max_length=120, required=False)
    customer_email = forms.CharField(label="Customer e-mail", max_length=254, required=False, widget=forms.EmailInput())
    placed_at = forms.DateTimeField(
        label="Placed at",
        required=False,
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    promised_ship_by = forms.DateField(
        label="Promised ship-by date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    priority = WholeNumberField(
        label="Priority",
        initial=0,
        required=False,
        help_text="Higher is served first among equal promises.",
        widget=forms.NumberInput(attrs={"min": -SMALLINT_MAX, "max": SMALLINT_MAX}),
    )
    consent_local_return = forms.BooleanField(
        label="The customer agreed to receive a Like-New returned unit", required=False
    )

    def clean_priority(self):
        priority = self.cleaned_data["priority"]
        return 0 if priority is None else priority


class BackorderImportForm(forms.Form):
    file = forms.FileField(label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))


class BackorderCancelForm(forms.Form):
    # Blank is the service's call (reason_required), so the page and the API say the same.
    reason = forms.CharField(
        label="Why cancel?",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Customer asked for a refund"}),
    )
