from __future__ import annotations

from django import forms

from fulfillment.models import Allocation
from portals.forms.hub import ReceiveForm


class PickupForm(ReceiveForm):
    """The pickup code the customer shows: typed (spaces and dashes are ignored) or scanned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Pickup code"
        self.fields["code"].help_text = "8 letters and digits from the customer's “ready near you” e-mail."


class RecordForm(forms.Form):
    """A courier took the unit, or the hub shipped it: how, and the tracking number. The
    service checks both (so the page and the API say the same); the form only carries them."""

    method = forms.ChoiceField(
        label="How it left",
        choices=[(Allocation.Method.COURIER, "Local courier"), (Allocation.Method.SHIP, "Shipped by us")],
        widget=forms.RadioSelect,
        initial=Allocation.Method.SHIP,
    )
    tracking = forms.CharField(
        label="Tracking number",
        required=False,
        max_length=200,
        help_text="The courier's job number or the carrier's tracking number: the customer follows it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
