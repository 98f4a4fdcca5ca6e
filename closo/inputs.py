"""The input layer: what a request must be before a view reads it, checked in one place.

- Text: no NUL (PostgreSQL text cannot hold it) and no lone surrogate (it cannot be encoded
  as UTF-8, so an error message echoing it could not be rendered). InputMiddleware checks
  the path, the query string and the headers; the parsers below check every parsed body.
  400 `invalid_characters`, naming where, never echoing the value.
- JSON bodies (JSONParser, DRF's default): at most MAX_BODY_BYTES (413 `request_too_large`),
  UTF-8, nested at most MAX_JSON_DEPTH deep (counted before parsing, without recursion),
  finite numbers, valid JSON (400 `invalid_json`), and an object at the top (400
  `expected_object`: every endpoint takes an object).
- Integers: bounded by the range of the column they are stored in — `Input` (the base of
  input serializers) and `FilterSet` (the base of filter sets) give every integer field the
  range of its model column (the plain integer column's range when it has none), within
  the bounds the field declares itself. 400 naming the field.
- Date-times in filters: an offset within ±14:00 and a value that stays in range in UTC
  (DateTimeField, used by every date-time filter through FilterSet). DRF's own
  DateTimeField already converts to UTC and refuses an overflow.
- Ids in URLs: the `id` path converter matches only what an id column can hold, so a
  290-digit id is a 404 before any view runs.

Under /api/, InputMiddleware also keeps DEBUG's HTML technical 404 away (the JSON 404 of
closo.views.not_found), and closo.api.exception_handler answers an oversized body with 413.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from rest_framework import parsers, serializers

from closo.exceptions import ExpectedObject, InvalidCharacters, InvalidJson, RequestTooLarge

MAX_JSON_DEPTH = 32
# The largest UTC offset in use anywhere (Kiribati, +14:00); PostgreSQL refuses some larger ones.
MAX_UTC_OFFSET = dt.timedelta(hours=14)

# --- text ---

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def max_body_bytes() -> int:
    """The largest request body read into memory (Django's DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def has_unstorable(text: str) -> bool:
    """Whether `text` holds a NUL or a lone surrogate."""
    return _UNSTORABLE.search(text) is not None


def _printable(text: str) -> str:
    """`text` safe to put in a message: unstorable characters escaped (\\x00, \\ud800)."""
    return _UNSTORABLE.sub(lambda m: ascii(m.group())[1:-1], text)


def _unstorable(where: str) -> InvalidCharacters:
    return InvalidCharacters(
        f"{where} contains a NUL character or a lone surrogate, which cannot be stored. Send valid UTF-8 text.",
        fields={where: ["Contains a NUL character or a lone surrogate."]},
    )


def _check_value(value, where: str) -> None:
    """Raise InvalidCharacters for the first unstorable string in a parsed value (keys
    included), naming its place (`tags[2]`, `attributes.colour`). Iterative: the depth
    was bounded, but a wide value must not cost a frame per item either."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if has_unstorable(item):
                raise _unstorable(path or "The body")
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{path}.{_printable(key)}" if path else _printable(key)
                if has_unstorable(key):
                    raise _unstorable(name)
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))


# --- JSON bodies ---

# A string token (escapes included) or a bracket: brackets inside strings do not count.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_depth_check(text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """InvalidJson when arrays/objects in `text` nest deeper than `limit`. Counted on the
    text, without recursion, before the (recursive) parser sees it."""
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        char = text[token.start()]
        if char in "[{":
            depth += 1
            if depth > limit:
                raise InvalidJson(f"The body nests arrays and objects more than {limit} levels deep.")
        elif char in "]}":
            depth -= 1


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is out of range")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def json_parse(raw: bytes, encoding: str = "utf-8") -> dict:
    """The JSON object in `raw`, or InvalidJson / ExpectedObject / InvalidCharacters."""
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise InvalidJson(f"The body is not valid {encoding} text.") from None
    json_depth_check(text)
    try:
        data = json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    except (ValueError, RecursionError) as exc:
        raise InvalidJson(f"The body is not valid JSON: {str(exc)[:120]}.") from None
    if not isinstance(data, dict):
        kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
        raise ExpectedObject(
            f"Expected a JSON object ({{…}}) as the body, not {kind.get(type(data), 'null')}.",
            fields={"non_field_errors": ["Expected an object."]},
        )
    _check_value(data, "")
    return data


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large() -> RequestTooLarge:
    limit = max_body_bytes()
    return RequestTooLarge(f"The request body is larger than {limit // (1024 * 1024)} MB ({limit} bytes).")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the checks of this module (see its docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        limit = max_body_bytes()
        if request is not None and _content_length(request) > limit:
            raise _too_large()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise _too_large()
        return json_parse(raw, parser_context.get("encoding", settings.DEFAULT_CHARSET))


def _check_form(data, files=None) -> None:
    for key, values in data.lists():
        if has_unstorable(key):
            raise _unstorable(_printable(key))
        for value in values:
            if isinstance(value, str) and has_unstorable(value):
                raise _unstorable(key)
    for key, upload in (files or {}).items():
        if has_unstorable(upload.name or ""):
            raise _unstorable(f"{_printable(key)} (file name)")


class FormParser(parsers.FormParser):
    """DRF's form parser; refuses unstorable characters in names and values."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser; refuses unstorable characters in field names, values and
    file names."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_form(result.data, result.files)
        return result


# --- integers: the range of the column they are stored in ---


def column_range(model_field: models.Field) -> tuple[int | None, int | None] | None:
    """(min, max) of an integer column on this database (of the referenced key for a
    foreign key); None for a column that is not an integer."""
    if model_field.is_relation:
        if not model_field.many_to_one and not model_field.one_to_one:
            return None
        model_field = model_field.target_field
    try:
        return connection.ops.integer_field_range(model_field.get_internal_type())
    except KeyError:
        return None


def default_range() -> tuple[int, int]:
    """For an integer with no column of its own: the plain integer column's range."""
    return connection.ops.integer_field_range("IntegerField")


def model_column(model: type[models.Model] | None, path: str) -> models.Field | None:
    """The model field at `path` (`hub`, `hub_id`, `inspection__hub_id`, `version.number`)
    of `model`, following relations; None when there is none."""
    if model is None:
        return None
    field = None
    for part in re.split(r"__|\.", path):
        if field is not None:
            if not field.is_relation or field.related_model is None:
                return None
            model = field.related_model
        try:
            field = model._meta.get_field(part)
        except Exception:  # FieldDoesNotExist, or a model without that attribute
            return None
    return field


def _narrowed(lo, hi, column: tuple[int | None, int | None]) -> tuple[int | None, int | None]:
    low, high = column
    if low is not None:
        lo = low if lo is None else max(lo, low)
    if high is not None:
        hi = high if hi is None else min(hi, high)
    return lo, hi


def bound_serializer_integer(field: serializers.IntegerField, column: tuple) -> None:
    """Give a DRF IntegerField the bounds of `column` (within its own)."""
    lo, hi = _narrowed(field.min_value, field.max_value, column)
    if lo != field.min_value:
        field.min_value = lo
        message = field.error_messages["min_value"].format(min_value=lo)
        field.validators.append(MinValueValidator(lo, message=message))
    if hi != field.max_value:
        field.max_value = hi
        message = field.error_messages["max_value"].format(max_value=hi)
        field.validators.append(MaxValueValidator(hi, message=message))


def _bound_fields(fields, model: type[models.Model] | None) -> None:
    """Bound every integer among `fields` (a serializer's fields, nested ones and list
    children included) by its column of `model`, or by the default range."""
    stack = [(name, field) for name, field in fields.items()]
    while stack:
        name, field = stack.pop()
        if field.read_only:
            continue
        if isinstance(field, serializers.IntegerField):
            source = field.source if field.source not in (None, "", "*") else name
            column = model_column(model, source)
            bound_serializer_integer(field, (column_range(column) if column is not None else None) or default_range())
        elif isinstance(field, serializers.ListField | serializers.DictField | serializers.ListSerializer):
            stack.append((name, field.child))
        elif isinstance(field, serializers.Serializer) and not isinstance(field, Input):
            nested = model_column(model, field.source if field.source not in (None, "", "*") else name)
            _bound_fields(field.fields, nested.related_model if nested is not None and nested.is_relation else None)


class Input(serializers.Serializer):
    """The base of every input serializer. `model`: the model whose columns the fields
    are stored in (by field name, or `source`: `hub` → ReturnItem.hub → the hub id column).
    Every integer field gets its column's range (within the bounds it declares), or the
    plain integer column's range when it has no column."""

    model: type[models.Model] | None = None

    def get_fields(self):
        fields = super().get_fields()
        _bound_fields(fields, self.model)
        return fields


# --- date-times ---


def datetime_check(value: dt.datetime | None) -> dt.datetime | None:
    """`value` in UTC, or a form ValidationError: its offset is beyond ±14:00, or it would
    fall outside the years a datetime holds once in UTC (0001-01-01T00:00+01:00)."""
    if value is None or value.tzinfo is None:
        return value
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise forms.ValidationError(_("Use a UTC offset between -14:00 and +14:00."), code="invalid")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise forms.ValidationError(_("This date-time is out of range."), code="invalid") from None


class IsoDateTimeField(filter_fields.IsoDateTimeField):
    """django-filter's ISO 8601 field with datetime_check."""

    def to_python(self, value):
        return datetime_check(super().to_python(value))


class DateTimeField(forms.DateTimeField):
    """Django's date-time form field with datetime_check."""

    def to_python(self, value):
        return datetime_check(super().to_python(value))


# --- filter sets ---

_INTEGER_FORM_FIELDS = (forms.IntegerField, forms.DecimalField)


class FilterSet(django_filters.FilterSet):
    """The base of every filter set: number filters bounded by their column's range (by
    `field_name` on Meta.model; the plain integer range when there is none), date-time
    filters through DateTimeField. Applied once, to the class's filters."""

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        for name, filter_ in filters.items():
            if isinstance(filter_, django_filters.DateTimeFilter):
                iso = issubclass(filter_.field_class, filter_fields.IsoDateTimeField)
                filter_.field_class = IsoDateTimeField if iso else DateTimeField
            elif issubclass(filter_.field_class, _INTEGER_FORM_FIELDS) and not isinstance(
                filter_, django_filters.ModelChoiceFilter
            ):
                column = None if filter_.method else model_column(model, filter_.field_name or name)
                bounds = default_range() if column is None else column_range(column)
                if bounds is None:  # a number filter on a decimal column: its digits bound it
                    continue
                lo, hi = _narrowed(filter_.extra.get("min_value"), filter_.extra.get("max_value"), bounds)
                filter_.extra.update(min_value=lo, max_value=hi)
        return filters


# --- ids in URLs ---


class IdConverter:
    """`<id:pk>`: digits that an id column (BigAutoField: 1 … 2**63 - 1) can hold; any
    other value matches no URL (404) instead of reaching a query."""

    regex = "[0-9]{1,19}"
    MAX = 2**63 - 1

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= self.MAX:
            raise ValueError(f"{value} is not an id")
        return number

    def to_url(self, value) -> str:
        return str(value)


# --- paths, query strings, headers ---


def request_text_problem(request) -> str | None:
    """Where the request's path, query string or headers hold an unstorable character
    (None if nowhere)."""
    if has_unstorable(request.path):
        return "The path"
    for key, values in request.GET.lists():
        if has_unstorable(key) or any(has_unstorable(v) for v in values):
            return f"The query parameter {_printable(key)}"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and has_unstorable(value):
            return f"The header {key[5:].replace('_', '-').title()}"
    return None


def api_error(code: str, message: str, status: int, fields: dict | None = None) -> JsonResponse:
    """The API's error shape, as a plain Django response (for middleware)."""
    return JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


class InputMiddleware:
    """Refuses a path, query string or header holding an unstorable character (400; the
    API's error shape under /api/), before the tenant lookup or any view. Under DEBUG,
    puts the API's JSON 404 in place of Django's HTML technical 404 under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        where = request_text_problem(request)
        if where is not None:
            error = _unstorable(where)
            if api:
                return api_error(error.code, error.message, error.status, error.fields)
            return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
        response = self.get_response(request)
        if api and response.status_code == 404 and settings.DEBUG and _technical_404(request, response):
            from closo.views import not_found

            return not_found(request)
        return response


def _technical_404(request, response) -> bool:
    """Django's DEBUG 404 page: HTML, for a request whose URL matched nothing in its host's
    URLconf (a brand or the public host; an unknown host's page stays)."""
    html = response.get("Content-Type", "").startswith("text/html")
    return html and getattr(request, "tenant", None) is not None and getattr(request, "resolver_match", None) is None
