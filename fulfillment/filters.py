from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema_field,
)

from closo import inputs
from fulfillment.models import (
    Backorder,
    BackorderStatus,
    ConfigChange,
    InboundSupply,
    ReturnItem,
    ReturnStatus,
    Sku,
)
from fulfillment.selectors.skus import sku_search


class ReturnFilterSet(inputs.FilterSet):
    """`status`, `sku` (code), `route`, `refund_status`, `created_after`, `created_before`
    (ISO date or date-time)."""

    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices, empty_label="Any status")
    sku = django_filters.CharFilter(field_name="sku__code", lookup_expr="iexact", label="SKU code")
    route = django_filters.ChoiceFilter(choices=ReturnItem.Route.choices, empty_label="Any route")
    refund_status = django_filters.ChoiceFilter(choices=ReturnItem.RefundStatus.choices, empty_label="Any refund")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ReturnItem
        fields = ["status", "sku", "route", "refund_status", "created_after", "created_before"]


@extend_schema_field(OpenApiTypes.INT)
class _DaysFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


# A century: `now - days` must stay a date Python and PostgreSQL can hold.
MAX_AGE_DAYS = 100 * 365


class BackorderFilter(inputs.FilterSet):
    """The filters of the backorder list page and of GET /api/v1/backorders/.

    Age is whole days since `placed_at`: `min_age_days=8&max_age_days=14` is
    "placed 8 to 14 days ago"."""

    status = django_filters.MultipleChoiceFilter(
        choices=BackorderStatus.choices, widget=forms.CheckboxSelectMultiple, help_text="Repeat for several."
    )
    sku = django_filters.CharFilter(field_name="sku__code", lookup_expr="iexact", label="SKU")
    zip_prefix = django_filters.CharFilter(
        method="filter_zip_prefix",
        label="ZIP prefix",
        validators=[RegexValidator(r"^\d{1,5}$", "1 to 5 digits, e.g. 787.")],
    )
    placed_after = django_filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_before = django_filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="lt")
    min_age_days = _DaysFilter(
        method="filter_min_age", min_value=0, max_value=MAX_AGE_DAYS, label="Waiting at least (days)"
    )
    max_age_days = _DaysFilter(
        method="filter_max_age", min_value=0, max_value=MAX_AGE_DAYS, label="Waiting at most (days)"
    )

    class Meta:
        model = Backorder
        fields = ["status", "sku", "zip_prefix", "placed_after", "placed_before", "min_age_days", "max_age_days"]

    def filter_zip_prefix(self, queryset, name, value):
        return queryset.filter(customer_zip__startswith=value)

    def filter_min_age(self, queryset, name, value):
        return queryset.filter(placed_at__lte=timezone.now() - dt.timedelta(days=value))

    def filter_max_age(self, queryset, name, value):
        return queryset.filter(placed_at__gt=timezone.now() - dt.timedelta(days=value + 1))


class SupplyFilter(inputs.FilterSet):
    sku = django_filters.CharFilter(field_name="sku__code", label="SKU code")
    status = django_filters.ChoiceFilter(choices=InboundSupply.Status.choices)
    expected_after = django_filters.DateFilter(
        field_name="expected_date", lookup_expr="gte", label="Expected on or after"
    )
    expected_before = django_filters.DateFilter(
        field_name="expected_date", lookup_expr="lte", label="Expected on or before"
    )

    class Meta:
        model = InboundSupply
        fields = ["sku", "status", "expected_after", "expected_before"]


class SkuFilter(inputs.FilterSet):
    q = django_filters.CharFilter(method="search", label="Code or title contains")
    category = django_filters.CharFilter()
    local_returns_enabled = django_filters.BooleanFilter()

    class Meta:
        model = Sku
        fields = ["category", "local_returns_enabled"]

    def search(self, queryset, name, value):
        return sku_search(queryset, q=value)


class ConfigChangeFilter(inputs.FilterSet):
    """The filters of the Activity page and of GET /api/v1/activity/: `area`, `actor` (the
    e-mail of the person who made the change) and `since` (ISO date-time, inclusive).
    Given `people` (e-mails), the person filter is a menu of them."""

    area = django_filters.ChoiceFilter(choices=ConfigChange.Area.choices, empty_label="Any area")
    actor = django_filters.CharFilter(
        field_name="actor__email", lookup_expr="iexact", label="Person", help_text="E-mail of who made the change."
    )
    since = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Changes at or after this date-time."
    )

    class Meta:
        model = ConfigChange
        fields = ["area", "actor", "since"]

    def __init__(self, *args, people: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.filters["actor"].extra["widget"] = forms.Select(
                choices=[("", "Anyone"), *((email, email) for email in people)]
            )
