"""The split-ship card's form on a backorder's page: the order's value and its wait, to
ask again with what the brand knows about the order (read from the query string)."""

from django import forms


class SplitShipAdviceForm(forms.Form):
    order_value = forms.DecimalField(
        label="Order value ($)",
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="The whole order, in-stock lines included (by default this backorder's value).",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    expected_wait_days = forms.IntegerField(
        label="Expected wait (days)",
        min_value=0,
        max_value=365,
        required=False,
        help_text="By default the days until the promised ship-by date.",
        widget=forms.NumberInput(attrs={"min": "0", "max": "365", "inputmode": "numeric"}),
    )
