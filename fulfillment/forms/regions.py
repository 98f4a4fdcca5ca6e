from django import forms

from fulfillment.models import RegionLimit


def _number(label: str, *, low: int, help_text: str = "", initial: int | None = None) -> forms.CharField:
    """A number field whose value the service checks (range, whole number), so its
    message is the API's and comes with every other problem of the form."""
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        initial=initial,
        widget=forms.NumberInput(attrs={"min": low, "inputmode": "numeric"}),
    )


class RegionForm(forms.Form):
    """Region settings as people type them: ZIP lists are comma/space separated text.
    The fields only carry the text: the service validates every setting at once (names,
    prefixes, known ZIPs, numbers, at least one rule) and its errors are put back on
    these fields, so the page shows them all together and says what the API says."""

    name = forms.CharField(
        label="Name",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Austin metro", "maxlength": 80}),
    )
    zip_prefixes = forms.CharField(
        label="ZIP prefixes",
        required=False,
        help_text="ZIPs starting with these 3 to 5 digits, separated by commas or spaces, e.g. 787, 786. "
        "Three digits are about a metro area (787: Austin); shorter prefixes span several states, "
        "so they are not taken.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    zips = forms.CharField(
        label="ZIP codes",
        required=False,
        help_text="Single 5-digit US ZIP codes, separated by commas or spaces.",
        widget=forms.Textarea(attrs={"rows": 2, "inputmode": "numeric", "autocomplete": "off"}),
    )
    within_miles_of_hub = _number(
        "Within miles of an active hub",
        low=1,
        help_text="Any ZIP this close to one of Closo's active hubs. Leave empty to use ZIPs only.",
    )
    max_promise_days = _number(
        "Longest ship-by promise (days)",
        low=1,
        initial=30,
        help_text="Backorders here may promise to ship at most this many days from today.",
    )
    max_open_backorders_per_sku = _number(
        "Cap: open backorders per SKU",
        low=1,
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
