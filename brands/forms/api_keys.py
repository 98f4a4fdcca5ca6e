from django import forms

from brands.exceptions import InvalidOrigin, TooManyOrigins
from brands.models import ApiKey
from brands.storefront import origins_normalise


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "role"]
        labels = {"name": "What is this key for?", "role": "Access"}
        widgets = {"name": forms.TextInput(attrs={"placeholder": "e.g. Shopify storefront"})}


class StorefrontOriginsForm(forms.Form):
    origins = forms.CharField(
        label="Storefront origins",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "https://northwind.myshopify.com\nhttps://www.northwind.com"}
        ),
        help_text="One per line: https:// and the host of each site whose pages show availability, no path.",
    )

    def clean_origins(self) -> list[str]:
        try:
            return origins_normalise(self.cleaned_data["origins"].splitlines())
        except (InvalidOrigin, TooManyOrigins) as exc:
            raise forms.ValidationError(exc.fields["origins"]) from None
