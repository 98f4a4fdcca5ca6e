"""Inputs of the returns pages, and the filters shared by the returns page and API."""

from django import forms

from fulfillment.models import ReturnItem
from fulfillment.selectors import returns as return_selectors
from fulfillment.services.returns import CreateRoute
from hubs.models import Hub, PostalCode


class HubChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, hub: Hub) -> str:
        distance = getattr(hub, "distance_miles", None)
        where = f"{hub.city}, {hub.state} {hub.zip_code}"
        return f"{hub.name} — {where}" + (f" · {distance:.1f} mi" if distance is not None else "")


class DropoffHubField(HubChoiceField):
    """Lists the hubs that serve the customer's ZIP (the form sets the queryset) but takes
    any hub id: whether that hub can take the return is the service's call, and its
    message says why not (e.g. a hub picked before the ZIP was changed)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        hub = Hub.objects.filter(pk=value).first() if str(value).isdigit() else None
        if hub is None:
            raise forms.ValidationError("Choose one of the hubs listed.", code="invalid_choice")
        return hub


DROPOFF_PROMISE = "The customer gets a drop-off code (valid 14 days) to bring it there."


def dropoff_help(place: PostalCode | None, any_hub: bool) -> str:
    """What the drop-off hub list offers, for the ZIP typed so far."""
    if place is None:
        return "Enter the customer's ZIP code: the active hubs that serve it are listed here. " + DROPOFF_PROMISE
    where = f"{place.code} ({place.city}, {place.state})"
    if not any_hub:
        return f"No active hub serves {where} yet: the return goes to your warehouse."
    return f"Active hubs that serve {where}, nearest first. {DROPOFF_PROMISE} Leave it for the automatic choice."


class ReturnForm(forms.Form):
    """A new return. The fields only carry what was typed: `return_create` checks them all
    at once, in the words the API uses, and its errors land on these fields. The hub list
    holds the hubs that serve the ZIP typed (`hubs_serving_zip`)."""

    rma_ref = forms.CharField(
        label="RMA reference",
        max_length=120,
        required=False,
        help_text="Your returns app's reference; unique per return.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. RMA-10452", "autocomplete": "off"}),
    )
    sku = forms.CharField(
        label="SKU code", max_length=64, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    customer_zip = forms.CharField(
        label="Customer ZIP code",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    customer_name = forms.CharField(label="Customer name", max_length=120, required=False)
    customer_email = forms.CharField(
        label="Customer e-mail", max_length=254, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    reason = forms.CharField(
        label="Why is it coming back?",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Too warm"}),
    )
    route = forms.ChoiceField(
        label="Route",
        choices=[
            (CreateRoute.AUTO, "Automatic: best hub, else warehouse"),
            (CreateRoute.HUB, "The hub chosen below"),
            (CreateRoute.WAREHOUSE, "Your warehouse"),
            (CreateRoute.MANUAL, "Decide later (route it by hand)"),
        ],
        initial=CreateRoute.AUTO,
        required=False,
        help_text="Automatic picks the active hub near the customer where most customers wait for this SKU "
        "(then the nearest), or your warehouse when no hub can take it.",
    )
    hub = DropoffHubField(
        label="Drop-off hub", queryset=Hub.objects.none(), required=False, empty_label="No particular hub"
    )

    def clean(self):
        data = super().clean()
        # A hub picked with the route left on automatic means that hub.
        if data.get("hub") is not None and data.get("route") in ("", CreateRoute.AUTO):
            data["route"] = CreateRoute.HUB
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        typed = self.data.get("customer_zip") if self.is_bound else self.initial.get("customer_zip")
        place, hubs = return_selectors.hubs_serving_zip(typed)
        self.fields["hub"].queryset = hubs
        self.fields["hub"].help_text = dropoff_help(place, place is not None and hubs.exists())


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


class UnrouteForm(forms.Form):
    reason = forms.CharField(
        label="Why change the route?",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. The customer prefers to ship it"}),
    )


class RefundForm(forms.Form):
    refund_status = forms.ChoiceField(
        choices=[(ReturnItem.RefundStatus.REFUNDED, "Refunded"), (ReturnItem.RefundStatus.DENIED, "Denied")]
    )
