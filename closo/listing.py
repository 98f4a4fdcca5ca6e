"""What the portal's list pages share: query strings for links that keep the filters, and
sorting by a column (`?sort=name`, `?sort=-name`) with the header links that change it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict


def query_without(params: QueryDict, *names: str) -> str:
    """`params` as a query string without `names` (e.g. "page"), for links that keep the
    other filters."""
    params = params.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def query_with(params: QueryDict, **values: str) -> str:
    """`params` with `values` set, as a query string for a link to the first page of another
    filter or sort (the page number is dropped)."""
    params = params.copy()
    params.pop("page", None)
    for name, value in values.items():
        params[name] = value
    return params.urlencode()


@dataclass(frozen=True)
class Sorting:
    """How a list is sorted: `current` is a column name, prefixed with "-" when descending.
    `headers` has, per sortable column, what its header shows: `label`, `url` (the link
    that sorts by it), `arrow` (↑/↓ on the current column) and `aria` (for aria-sort)."""

    current: str
    headers: dict[str, dict[str, str]]

    @property
    def column(self) -> str:
        return self.current.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.current.startswith("-")

    def order_by(self, fields: dict[str, str] | None = None) -> str:
        """The ORDER BY term: the column, or the model field `fields` maps it to."""
        field = (fields or {}).get(self.column, self.column)
        return f"-{field}" if self.descending else field


def sorting(
    params: QueryDict, columns: dict[str, str], *, default: str, param: str = "sort", descending_first: bool = False
) -> Sorting:
    """The sort asked for in `params[param]` among `columns` (name → header label), or
    `default` when it names no column. Each header link keeps the other parameters (not the
    page): the current column's link flips the direction; another column's sorts ascending,
    or descending with `descending_first` (for columns people read newest/largest first)."""
    current = params.get(param, default)
    if current.removeprefix("-") not in columns:
        current = default
    column, descending = current.removeprefix("-"), current.startswith("-")
    links = params.copy()
    links.pop("page", None)
    headers = {}
    for name, label in columns.items():
        active = name == column
        if active:
            links[param] = name if descending else f"-{name}"
        else:
            links[param] = f"-{name}" if descending_first else name
        headers[name] = {
            "label": label,
            "url": "?" + links.urlencode(),
            "arrow": ("↓" if descending else "↑") if active else "",
            "aria": ("descending" if descending else "ascending") if active else "none",
        }
    return Sorting(current=current, headers=headers)
