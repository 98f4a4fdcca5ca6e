from django import forms

from fulfillment.services.backorders import SMALLINT_MAX


class BackorderForm(forms.Form):
    """A backorder typed in the portal. Field names are the service's error keys, so
    its errors land on the right field."""

    order_ref = forms.CharField(
        label="Order reference",
        max_length=120,
        help_text="Your order id and line, e.g. #1042-1. One backorder per reference.",
    )
    sku = forms.CharField(label="SKU code", max_length=64, widget=forms.TextInput(attrs={"list": "sku-codes"}))
    customer_zip = forms.CharField(
        label="Customer ZIP code", max_length=10, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    value = forms.DecimalField(label="Order line value ($)", max_digits=10, decimal_places=2, min_value=0)
    qty = forms.IntegerField(label="Quantity", initial=1, min_value=1, max_value=SMALLINT_MAX)
    customer_name = forms.CharField(label="Customer name", max_length=120, required=False)
    customer_email = forms.EmailField(label="Customer e-mail", required=False)
    placed_at = forms.DateTimeField(
        label="Placed at",
        required=False,
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    promised_ship_by = forms.DateField(
        label="Promised ship-by date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    priority = forms.IntegerField(
        label="Priority",
        initial=0,
        min_value=-SMALLINT_MAX,
        max_value=SMALLINT_MAX,
        help_text="Higher is served first among equal promises.",
    )
    consent_local_return = forms.BooleanField(
        label="The customer agreed to receive a Like-New returned unit", required=False
    )


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
