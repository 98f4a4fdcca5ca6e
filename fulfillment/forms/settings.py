"""The local loop settings page's form: the Brand fields, with their own checks."""

from django import forms

from brands.models import Brand
from fulfillment.services.settings import LOOP_SETTINGS

MONEY = {"step": "0.01", "min": "0", "inputmode": "decimal"}
DAYS = {"inputmode": "numeric"}


LABELS = {
    "cost_warehouse_shipping": "Warehouse route: shipping ($)",
    "cost_warehouse_touch": "Warehouse route: receiving ($)",
    "cost_warehouse_processing": "Warehouse route: processing ($)",
    "cost_hub_fee": "Local route: hub fee ($)",
    "refund_ready_at": "Refund ready",
    "handoff_due_days": "Hand-off due within (days)",
    "shelf_days": "Shelf time before the warehouse (days)",
    "count_verify_days": "Unverified after (days without a count)",
    "split_label_cost": "Split shipping: second label ($)",
    "cancel_hazard_per_day": "Split shipping: cancellations per day of waiting (0.02 = 2 %)",
    "gross_margin": "Split shipping: gross margin (0.5 = 50 % of the order's value)",
    "support_cost": "Split shipping: support per cancelled order ($)",
    "acquisition_cost": "Split shipping: acquisition cost per order ($)",
    "promise_confidence": "Promises: confidence a ship-by date is kept (0.95 = 95 %)",
    "logo": "Customer e-mails: logo address (https://…)",
    "brand_colour": "Customer e-mails: colour",
}
MONEY_FIELDS = ("cost_", "split_label_cost", "support_cost", "acquisition_cost")
SHARES = {"step": "0.001", "min": "0", "inputmode": "decimal"}


def _formfield(field, **kwargs):
    if field.name == "logo":
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class LoopSettingsForm(forms.Form):
    """Brand's loop fields as form fields (their types, ranges, choices and help texts);
    the service checks them again, for the API."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Brand,
                fields=LOOP_SETTINGS,
                labels=LABELS,
                formfield_callback=_formfield,
                widgets={
                    **{name: forms.NumberInput(attrs=MONEY) for name in LOOP_SETTINGS if name.startswith(MONEY_FIELDS)},
                    "cancel_hazard_per_day": forms.NumberInput(attrs={**SHARES, "max": "0.5"}),
                    "gross_margin": forms.NumberInput(attrs={**SHARES, "max": "1"}),
                    "promise_confidence": forms.NumberInput(attrs={**SHARES, "min": "0.5", "max": "0.999"}),
                    **{name: forms.NumberInput(attrs=DAYS) for name in LOOP_SETTINGS if name.endswith("_days")},
                    "brand_colour": forms.TextInput(attrs={"type": "color"}),
                },
            )
        )
        # A form posted without the colour (an older page, a script) keeps the stored one.
        self.fields["brand_colour"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("brand_colour"):
            cleaned.pop("brand_colour", None)
        return cleaned
