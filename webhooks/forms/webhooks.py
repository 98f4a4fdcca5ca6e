from django import forms

from webhooks.models import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint URL",
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/closo/webhooks", "inputmode": "url"}),
        help_text="https:// only. Closo POSTs each event here as JSON, signed with Closo-Signature.",
    )
    description = forms.CharField(max_length=200, required=False, help_text="e.g. “Order service, production”.")
    event_types = forms.MultipleChoiceField(
        label="Events to send",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
