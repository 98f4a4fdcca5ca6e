"""Inputs of the brand's inspection review pages, and the filters shared by those pages
and the API."""

import django_filters
from django import forms

from fulfillment.models import StockUnit
from inspections import trust
from inspections.models import Audit, Grade

AUDITED_CHOICES = [("pending", "Waiting for a verdict"), ("yes", "Audited"), ("no", "Not in the sample")]


class InspectionFilterSet(django_filters.FilterSet):
    """`hub` (id), `grade` (final grade), `audited` (pending | yes | no), `verdict`
    (agree | disagree), `sku` (code), `submitted_after`, `submitted_before`."""

    hub = django_filters.ModelChoiceFilter(queryset=lambda request: trust.hubs_inspecting(), empty_label="Any hub")
    grade = django_filters.ChoiceFilter(field_name="final_grade", choices=Grade.choices, empty_label="Any grade")
    audited = django_filters.ChoiceFilter(choices=AUDITED_CHOICES, method="filter_audited", empty_label="Any")
    verdict = django_filters.ChoiceFilter(
        field_name="audit__verdict", choices=Audit.Verdict.choices, empty_label="Any verdict"
    )
    sku = django_filters.CharFilter(field_name="return_item__sku__code", lookup_expr="iexact", label="SKU code")
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        fields = ["hub", "grade", "audited", "verdict", "sku", "submitted_after", "submitted_before"]

    def filter_audited(self, queryset, name, value):
        if value == "pending":
            return queryset.filter(audit__isnull=False, audit__verdict="")
        if value == "yes":
            return queryset.filter(audit__verdict__in=Audit.Verdict.values)
        return queryset.filter(audit__isnull=True)


class AuditFilterSet(django_filters.FilterSet):
    """`status` (pending | decided), `verdict`, `hub` (id)."""

    status = django_filters.ChoiceFilter(
        choices=[("pending", "Waiting"), ("decided", "Decided")], method="filter_status", empty_label="Any"
    )
    verdict = django_filters.ChoiceFilter(choices=Audit.Verdict.choices, empty_label="Any verdict")
    hub = django_filters.NumberFilter(field_name="inspection__hub_id")

    class Meta:
        fields = ["status", "verdict", "hub"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(verdict="") if value == "pending" else queryset.exclude(verdict="")


class UnitFilterSet(django_filters.FilterSet):
    """`status`, `hub` (id), `sku` (code)."""

    status = django_filters.ChoiceFilter(choices=StockUnit.Status.choices, empty_label="Any status")
    hub = django_filters.NumberFilter(field_name="hub_id")
    sku = django_filters.CharFilter(field_name="sku__code", lookup_expr="iexact")

    class Meta:
        fields = ["status", "hub", "sku"]


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
