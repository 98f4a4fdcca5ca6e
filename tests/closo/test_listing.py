"""What list pages share (closo.listing): query strings that keep the filters, and sorting
by a column with the header links that change it."""

import pytest
from django.http import QueryDict

from closo.listing import query_with, query_without, sorting

COLUMNS = {"code": "Code", "price": "Price"}


def test_query_without_drops_only_the_names_given():
    assert query_without(QueryDict("q=kn&sort=price&page=3"), "page") == "q=kn&sort=price"
    assert query_without(QueryDict("page=3&sort=price"), "page", "sort") == ""


def test_query_with_sets_the_values_and_goes_back_to_the_first_page():
    assert query_with(QueryDict("scope=sku&page=2&q=x"), scope="category") == "scope=category&q=x"
    assert query_with(QueryDict(""), sort="name") == "sort=name"


def test_sorting_applies_a_known_column_either_way():
    sort = sorting(QueryDict("sort=-price"), COLUMNS, default="code")
    assert (sort.current, sort.column, sort.descending, sort.order_by()) == ("-price", "price", True, "-price")
    assert sort.order_by({"price": "unit_price"}) == "-unit_price"
    assert sorting(QueryDict("sort=code"), COLUMNS, default="-price").order_by() == "code"


@pytest.mark.parametrize("asked", ["nope", "--price", "-", ""])
def test_sorting_falls_back_to_the_default_for_anything_else(asked):
    assert sorting(QueryDict(f"sort={asked}"), COLUMNS, default="-code").current == "-code"


def test_header_links_flip_the_current_column_and_keep_the_filters_but_not_the_page():
    headers = sorting(QueryDict("q=kn&sort=price&page=2"), COLUMNS, default="code").headers
    assert headers["price"] == {"label": "Price", "url": "?q=kn&sort=-price", "arrow": "↑", "aria": "ascending"}
    assert headers["code"] == {"label": "Code", "url": "?q=kn&sort=code", "arrow": "", "aria": "none"}
    descending = sorting(QueryDict("sort=-price"), COLUMNS, default="code").headers["price"]
    assert (descending["url"], descending["arrow"], descending["aria"]) == ("?sort=price", "↓", "descending")


def test_other_columns_can_start_descending_under_another_parameter_name():
    headers = sorting(
        QueryDict("ordering=-price"), COLUMNS, default="-price", param="ordering", descending_first=True
    ).headers
    assert headers["price"]["url"] == "?ordering=price"
    assert headers["code"]["url"] == "?ordering=-code"
