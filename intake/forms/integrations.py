from django import forms

from intake.models import IntegrationSecret
from intake.services.secrets import MAX_LENGTH


class SecretForm(forms.Form):
    kind = forms.ChoiceField(choices=IntegrationSecret.Kind.choices, widget=forms.HiddenInput)
    webhook_secret = forms.CharField(
        label="Signing secret",
        max_length=MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Paste it from the platform; after saving only its last 4 characters are shown.",
    )
