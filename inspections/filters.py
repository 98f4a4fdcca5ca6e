from __future__ import annotations

import django_filters

from closo import inputs
from fulfillment.models import StockUnit
from inspections.forms.review import AUDITED_CHOICES
from inspections.models import Audit, Grade, Inspection
from inspections.selectors import review as review_selectors


class InspectionFilterSet(inputs.FilterSet):
    """`hub` (id), `grade` (final grade), `audited` (pending | yes | no), `verdict`
    (agree | disagree), `sku` (code), `submitted_after`, `submitted_before`."""

    hub = django_filters.ModelChoiceFilter(
        queryset=lambda request: review_selectors.hubs_inspecting(), empty_label="Any hub"
    )
    grade = django_filters.ChoiceFilter(field_name="final_grade", choices=Grade.choices, empty_label="Any grade")
    audited = django_filters.ChoiceFilter(choices=AUDITED_CHOICES, method="filter_audited", empty_label="Any")
    verdict = django_filters.ChoiceFilter(
        field_name="audit__verdict", choices=Audit.Verdict.choices, empty_label="Any verdict"
    )
    sku = django_filters.CharFilter(field_name="return_item__sku__code", lookup_expr="iexact", label="SKU code")
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        model = Inspection
        fields = ["hub", "grade", "audited", "verdict", "sku", "submitted_after", "submitted_before"]

    def filter_audited(self, queryset, name, value):
        if value == "pending":
            return queryset.filter(audit__isnull=False, audit__verdict="")
        if value == "yes":
            return queryset.filter(audit__verdict__in=Audit.Verdict.values)
        return queryset.filter(audit__isnull=True)


class AuditFilterSet(inputs.FilterSet):
    """`status` (pending | decided), `verdict`, `hub` (id)."""

    status = django_filters.ChoiceFilter(
        choices=[("pending", "Waiting"), ("decided", "Decided")], method="filter_status", empty_label="Any"
    )
    verdict = django_filters.ChoiceFilter(choices=Audit.Verdict.choices, empty_label="Any verdict")
    hub = django_filters.NumberFilter(field_name="inspection__hub_id")

    class Meta:
        model = Audit
        fields = ["status", "verdict", "hub"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(verdict="") if value == "pending" else queryset.exclude(verdict="")


class UnitFilterSet(inputs.FilterSet):
    """`status`, `hub` (id), `sku` (code)."""

    status = django_filters.ChoiceFilter(choices=StockUnit.Status.choices, empty_label="Any status")
    hub = django_filters.NumberFilter(field_name="hub_id")
    sku = django_filters.CharFilter(field_name="sku__code", lookup_expr="iexact")

    class Meta:
        model = StockUnit
        fields = ["status", "hub", "sku"]
