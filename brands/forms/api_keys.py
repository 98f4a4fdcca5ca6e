from django import forms

from brands.models import ApiKey


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "role"]
        labels = {"name": "What is this key for?", "role": "Access"}
        widgets = {"name": forms.TextInput(attrs={"placeholder": "e.g. Shopify storefront"})}
