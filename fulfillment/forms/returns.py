"""Inputs of the returns pages, and the filters shared by the returns page and API."""

from django import forms

from fulfillment.models import ReturnItem
from hubs.models import Hub


class HubChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, hub: Hub) -> str:
        distance = getattr(hub, "distance_miles", None)
        where = f"{hub.city}, {hub.state} {hub.zip_code}"
        return f"{hub.name} — {where}" + (f" · {distance:.1f} mi" if distance is not None else "")


class ReturnForm(forms.Form):
    rma_ref = forms.CharField(
        label="RMA reference",
        max_length=120,
        help_text="Your returns app's reference; unique per return.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. RMA-10452", "autocomplete": "off"}),
    )
    sku = forms.CharField(label="SKU code", max_length=64, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    customer_zip = forms.CharField(
        label="Customer ZIP code",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    customer_name = forms.CharField(label="Customer name", max_length=120, required=False)
    customer_email = forms.EmailField(label="Customer e-mail", required=False)
    reason = forms.CharField(
        label="Why is it coming back?",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Too warm"}),
    )
    hub = HubChoiceField(
        label="Drop-off hub",
        queryset=Hub.objects.active(),
        required=False,
        empty_label="Decide later",
        help_text="An active hub that serves the customer's ZIP: the customer gets a drop-off code "
        "(valid 14 days) to bring it there. Leave it to route the return later.",
    )


class RouteHubForm(forms.Form):
    """Route a return to one of the hubs that serve its customer (the view sets the choices)."""

    hub = HubChoiceField(label="Local hub", queryset=Hub.objects.none(), empty_label=None)

    def __init__(self, *args, hubs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if hubs is not None:
            self.fields["hub"].queryset = hubs


class CancelForm(forms.Form):
    # Blank is the service's call (reason_required), so the page and the API say the same.
    reason = forms.CharField(
        label="Why cancel?",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Customer kept it"}),
    )


class RefundForm(forms.Form):
    refund_status = forms.ChoiceField(
        choices=[(ReturnItem.RefundStatus.REFUNDED, "Refunded"), (ReturnItem.RefundStatus.DENIED, "Denied")]
    )
