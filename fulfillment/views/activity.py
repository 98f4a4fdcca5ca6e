"""The brand's Activity page: who changed its configuration, and what."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from brands.decorators import brand_member_required
from closo.listing import query_without
from fulfillment.filters import ConfigChangeFilter
from fulfillment.models import ConfigChange
from fulfillment.selectors import config as config_selectors

PAGE_SIZE = 50


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _shown(value) -> str:
    """A recorded value in words: lists joined, empty as a dash, booleans as yes/no."""
    if _is_empty(value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    return str(value)


def change_lines(change: ConfigChange) -> list[str]:
    """`changes` as lines: "price: 120.00 → 110.00" for a change, "price: 120.00" for what
    was created, added, removed … (its empty fields left out)."""
    paired = change.action in ConfigChange.PAIRED_ACTIONS
    lines = []
    for field, value in change.changes.items():
        name = field.replace("_", " ")
        if paired and isinstance(value, list) and len(value) == 2:
            lines.append(f"{name}: {_shown(value[0])} → {_shown(value[1])}")
        elif not _is_empty(value):
            lines.append(f"{name}: {_shown(value)}")
    return lines


@brand_member_required
def activity_list(request):
    filterset = ConfigChangeFilter(
        request.GET or None, queryset=config_selectors.config_changes(), people=config_selectors.config_change_people()
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    changes = list(page.object_list)
    for change in changes:
        change.lines = change_lines(change)
    return render(
        request,
        "fulfillment/activity_list.html",
        {
            "filters": filterset.form,
            "filtered": any(request.GET.get(name) for name in filterset.filters),
            "page_obj": page,
            "changes": changes,
            "query": query_without(request.GET, "page"),
            "section": "activity",
        },
    )
