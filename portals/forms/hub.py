from __future__ import annotations

from django import forms


class ReceiveForm(forms.Form):
    """The drop-off code a customer brings: typed (spaces and dashes are ignored) or scanned."""

    code = forms.CharField(
        label="Drop-off code",
        max_length=20,
        help_text="8 letters and digits from the customer's drop-off instructions.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "autofocus": True,
                "enterkeyhint": "go",
                "placeholder": "e.g. 7KQ4-M2XD",
                "class": "code-input",
            }
        ),
    )
