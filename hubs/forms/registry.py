import re

from django import forms
from django.contrib.auth import password_validation

from closo.models import User
from hubs.models import MAX_SERVICE_RADIUS_MILES, ZIP_INVALID_MESSAGE, HubKind, PostalCode, street_only

PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().-]+$")
PHONE_MESSAGE = "Enter a phone number: 7 to 15 digits, with spaces, +, - or ( ) if you like, e.g. (512) 555-0142."


def phone_clean(value: str) -> str:
    """A phone number as people write it: digits with spaces, dots, dashes, parentheses
    and a leading +; 7 (a local number) to 15 (E.164's maximum) digits."""
    value = value.strip()
    digits = re.sub(r"\D", "", value)
    if value and not (PHONE_CHARACTERS.match(value) and 7 <= len(digits) <= 15):
        raise forms.ValidationError(PHONE_MESSAGE, code="invalid_phone")
    return value


class HubApplicationForm(forms.Form):
    name = forms.CharField(
        label="Hub name", max_length=120, widget=forms.TextInput(attrs={"placeholder": "e.g. Eastside Porch"})
    )
    kind = forms.ChoiceField(label="You are a", choices=HubKind.choices, widget=forms.RadioSelect)
    address = forms.CharField(
        label="Street address",
        max_length=200,
        help_text="Street and number, e.g. 1100 E 6th St. The city and state come from the ZIP code.",
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    zip_code = forms.CharField(
        label="ZIP code",
        max_length=10,
        error_messages={"required": ZIP_INVALID_MESSAGE},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    phone = forms.CharField(
        label="Phone",
        max_length=30,
        required=False,
        help_text="So we can call about your application, e.g. (512) 555-0142.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    opening_hours = forms.CharField(
        label="Opening hours",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Mon–Fri 9–18, Sat 10–14"}),
    )
    daily_capacity = forms.IntegerField(label="Items you can take in per day", min_value=1, max_value=500, initial=20)
    service_radius_miles = forms.IntegerField(
        label="Service radius (miles)", min_value=1, max_value=MAX_SERVICE_RADIUS_MILES, initial=10
    )
    email = forms.EmailField(label="Your e-mail")
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput,
        strip=False,
        help_text="You will sign in with it to follow your application.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if self.user:
            del self.fields["email"]
            del self.fields["password"]

    def clean_zip_code(self):
        code = self.cleaned_data["zip_code"].strip()
        self.place = PostalCode.objects.filter(code=code).first() if re.fullmatch(r"\d{5}", code) else None
        if self.place is None:
            raise forms.ValidationError(ZIP_INVALID_MESSAGE, code="invalid_zip")
        return code

    def clean_phone(self):
        return phone_clean(self.cleaned_data["phone"])

    def clean_email(self):
        # Whether the address has an account is never said here (anyone can type any
        # address): hubs.services.registry.hub_apply_with_email e-mails its owner instead.
        return self.cleaned_data["email"].lower()

    def clean(self):
        cleaned = super().clean()
        place = getattr(self, "place", None)
        if place is not None and cleaned.get("address"):
            # Only the street is stored: pages show it followed by the ZIP's city and state.
            street = street_only(cleaned["address"], city=place.city, state=place.state, zip_code=place.code)
            cleaned["address"] = street
        password = cleaned.get("password")
        if password and "email" in cleaned:
            try:
                password_validation.validate_password(password, User(email=cleaned["email"]))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=300, widget=forms.TextInput(attrs={"placeholder": "Why is this hub suspended?"})
    )
