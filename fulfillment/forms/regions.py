from django import forms

from fulfillment.models import RegionLimit


class RegionForm(forms.Form):
    """Region settings as people type them: ZIP lists are comma/space separated text.
    The service validates the rules (known ZIPs, at least one rule); its errors are put
    back on these fields, so the page and the API say the same."""

    name = forms.CharField(
        label="Name", max_length=80, widget=forms.TextInput(attrs={"placeholder": "e.g. Austin metro"})
    )
    zip_prefixes = forms.CharField(
        label="ZIP prefixes",
        required=False,
        help_text="ZIPs starting with these digits, separated by commas or spaces, e.g. 787, 786.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    zips = forms.CharField(
        label="ZIP codes",
        required=False,
        help_text="Single 5-digit ZIP codes, separated by commas or spaces.",
        widget=forms.Textarea(attrs={"rows": 2, "inputmode": "numeric", "autocomplete": "off"}),
    )
    within_miles_of_hub = forms.IntegerField(
        label="Within miles of an active hub",
        required=False,
        min_value=1,
        help_text="Any ZIP this close to one of Closo's active hubs. Leave empty to use ZIPs only.",
    )
    max_promise_days = forms.IntegerField(
        label="Longest ship-by promise (days)",
        initial=30,
        min_value=1,
        help_text="Backorders here may promise to ship at most this many days from today.",
    )
    max_open_backorders_per_sku = forms.IntegerField(
        label="Cap: open backorders per SKU",
        required=False,
        min_value=1,
        help_text="Waiting or allocated backorders of one SKU in this region. Leave empty for no cap.",
    )
    requires_consent = forms.BooleanField(
        label="Customers must agree to receive a Like-New returned unit", required=False
    )
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True, help_text="Inactive regions are kept but not used."
    )

    @classmethod
    def for_region(cls, region: RegionLimit, data=None) -> "RegionForm":
        initial = {
            "name": region.name,
            "zip_prefixes": ", ".join(region.zip_prefixes),
            "zips": ", ".join(region.zips),
            "within_miles_of_hub": region.within_miles_of_hub,
            "max_promise_days": region.max_promise_days,
            "max_open_backorders_per_sku": region.max_open_backorders_per_sku,
            "requires_consent": region.requires_consent,
            "is_active": region.is_active,
        }
        return cls(data, initial=initial)
