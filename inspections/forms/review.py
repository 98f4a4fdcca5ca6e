"""Inputs of the brand's inspection review pages, and the filters shared by those pages
and the API."""

from django import forms

from inspections.models import Audit
from inspections.services import trust

AUDITED_CHOICES = [("pending", "Waiting for a verdict"), ("yes", "Audited"), ("no", "Not in the sample")]


class AuditDecisionForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=Audit.Verdict.choices, error_messages={"required": "Choose agree or disagree."}
    )  # sent by the button pressed
    # Blank is the service's call (reason_required for disagree), so page and API agree.
    reason = forms.CharField(
        label="Reason",
        max_length=trust.REASON_MAX,
        required=False,
        help_text="Required to disagree: what the photos or answers show that the hub missed.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Stain visible on the back photo"}),
    )


class UnitRejectForm(forms.Form):
    reason = forms.CharField(
        label="Why not local stock?",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Pilling on the front photo"}),
    )


class TrustSettingsForm(forms.Form):
    reputation_threshold = forms.FloatField(
        label="Reputation threshold",
        min_value=0,
        max_value=1,
        help_text="0–1. A hub below it has its Like-New units held until you approve each one. "
        "New hubs start at 0.90; one disagreement takes them to 0.82, two to 0.75.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    audit_sample_rate = forms.FloatField(
        label="Audit sample rate",
        min_value=0,
        max_value=1,
        help_text="0–1. The share of inspections picked at random for your audit: 0.10 audits one in ten.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
