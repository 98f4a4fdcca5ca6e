"""Portal forms for grading standards. They shape the input; the rules live in
`inspections.services`, whose errors the views put back on these forms."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify

from fulfillment.models import Sku
from inspections.models import GRADE_ORDER, Disposition, Grade, GradingStandard

Scope = GradingStandard.Scope
GRADE_LABELS = dict(Grade.choices)


def _key_from(text: str) -> str:
    return slugify(text)[:40].strip("-_") or "item"


class StandardForm(forms.Form):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"placeholder": "e.g. Blankets"}))
    scope = forms.ChoiceField(
        label="Applies to",
        choices=[
            (Scope.DEFAULT, "Every SKU (brand default)"),
            (Scope.CATEGORY, "One category"),
            (Scope.SKU, "One SKU"),
        ],
        initial=Scope.DEFAULT,
        widget=forms.RadioSelect,
    )
    category = forms.CharField(
        max_length=80,
        required=False,
        help_text="For a category standard: exactly as your SKUs spell it.",
        widget=forms.TextInput(attrs={"list": "sku-categories"}),
    )
    sku = forms.CharField(label="SKU code", max_length=64, required=False, help_text="For a SKU standard.", strip=True)

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope != Scope.CATEGORY:
            data["category"] = ""
        elif not data.get("category"):
            self.add_error("category", "Name the category this standard is for.")
        code = data.pop("sku", "")
        data["sku"] = None
        if scope == Scope.SKU:
            if not code:
                self.add_error("sku", "Give the code of the SKU this standard is for.")
            else:
                data["sku"] = Sku.objects.filter(code=code).first()
                if data["sku"] is None:
                    self.add_error("sku", f"No SKU with the code “{code}”.")
        return data


class ChecklistItemForm(forms.Form):
    prompt = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"placeholder": "e.g. Tags attached"}), label="Check"
    )
    help_text = forms.CharField(
        label="Help for the inspector", max_length=300, required=False, widget=forms.TextInput()
    )
    fail_cap = forms.ChoiceField(
        label="If it fails, the grade is at most",
        choices=[(str(g), GRADE_LABELS[g]) for g in GRADE_ORDER],
        initial=Grade.GOOD,
    )
    required = forms.BooleanField(label="Required", required=False, initial=True)
    key = forms.CharField(
        label="Key",
        max_length=40,
        required=False,
        help_text="Names the check in the API; made from the check if left empty.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("key") and data.get("prompt"):
            data["key"] = _key_from(data["prompt"])
        return data


class PhotoSlotForm(forms.Form):
    label = forms.CharField(max_length=80, widget=forms.TextInput(attrs={"placeholder": "e.g. Care label"}))
    min_long_edge_px = forms.IntegerField(label="Minimum long edge (px)", min_value=100, max_value=10_000, initial=1200)
    required = forms.BooleanField(label="Required", required=False, initial=True)
    slot = forms.CharField(
        label="Slot key",
        max_length=40,
        required=False,
        help_text="Names the photo in the API; made from the label if left empty.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("slot") and data.get("label"):
            data["slot"] = _key_from(data["label"])
        return data


class DispositionsForm(forms.Form):
    """One select per grade: where an item of that grade goes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for grade in GRADE_ORDER:
            self.fields[str(grade)] = forms.ChoiceField(label=GRADE_LABELS[grade], choices=Disposition.choices)


class PublishForm(forms.Form):
    notes = forms.CharField(
        label="What changed (optional)",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Stains now cap at Fair"}),
    )
