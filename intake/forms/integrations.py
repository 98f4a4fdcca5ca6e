from django import forms

from intake.services.secrets import MAX_LENGTH


class SecretForm(forms.Form):
    webhook_secret = forms.CharField(
        label="Signing secret",
        max_length=MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Paste it from the platform; after saving only its last 4 characters are shown.",
    )
