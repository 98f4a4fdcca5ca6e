from django import forms
from django.contrib.auth import password_validation

from closo.models import User
from hubs.models import MAX_SERVICE_RADIUS_MILES, HubKind, PostalCode


class HubApplicationForm(forms.Form):
    name = forms.CharField(
        label="Hub name", max_length=120, widget=forms.TextInput(attrs={"placeholder": "e.g. Eastside Porch"})
    )
    kind = forms.ChoiceField(label="You are a", choices=HubKind.choices, widget=forms.RadioSelect)
    address = forms.CharField(label="Street address", max_length=200)
    zip_code = forms.CharField(
        label="ZIP code",
        max_length=5,
        min_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    phone = forms.CharField(label="Phone", max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel"}))
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
        if not code.isdigit():
            raise forms.ValidationError("A ZIP code is five digits.", code="invalid_zip")
        if not PostalCode.objects.filter(code=code).exists():
            raise forms.ValidationError(f"{code} is not a US ZIP code we know.", code="unknown_zip")
        return code

    def clean_email(self):
        # Whether the address has an account is never said here (anyone can type any
        # address): hubs.services.registry.hub_apply_with_email e-mails its owner instead.
        return self.cleaned_data["email"].lower()

    def clean(self):
        cleaned = super().clean()
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
