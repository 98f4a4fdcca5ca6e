"""How the OpenAPI schemas (drf-spectacular) describe Closo's API, errors included.

Every error the API answers has one shape, the `Error` component:
`{"error": {"code": "...", "message": "...", "fields": {...}}}` (closo.api.exception_handler).
Each operation documents every 4xx it can answer with that schema and a description that
lists the codes; where the generator knows every code a status can carry (404, 409, 410,
413, 415, 429), the schema also restricts `error.code` to them (an enum).

The error responses are derived, never listed by hand per view, from two sources:

1. Rules on what the operation is (`_rule_statuses`): a request body or filters → 400
   (validation, malformed JSON) and 415 (a body type it does not read); authentication
   classes → 401; a permission some caller fails (anything but AllowAny: outsiders,
   read-only keys and viewers on writes, non-members of a hub), or a session-authenticated
   write (CSRF) → 403; a path parameter, a paginated list (`?page=` past the end) or a
   `?format=` choice (one no renderer has) → 404; an upload (a multipart-only body) → 413;
   `throttle_classes` → 429 with `Retry-After`.

2. The code the operation runs (`raised_errors`): a walk of the operation's handler
   (`get`, `post`… and DRF's `create`, `list`… they lead to, `get_queryset`; for writes
   also `initial`, where the idempotency and upload-size checks run) and, transitively,
   every project function it calls. A callee is resolved statically — a module-level
   name, `module.attr`, `self.attr` through the concrete view class, `super().attr`
   through its MRO, a method of a module-level object (a state machine). Every
   `DomainError` subclass the walked code names (raised, passed as an argument, or kept
   in a module-level table) counts with its `status` and `code`; so do DRF exceptions
   (with a literal `code=`), Django's `Http404`/`get_object_or_404`, `is_valid(
   raise_exception=True)` and `closo.api.error_response("code", …, status)` with literals.
   The walk over-approximates (a branch the view never takes still counts), which errs
   towards documenting a status, never towards leaving one out. What it cannot see —
   an error raised by a method of a local object — a view adds with
   `errors = (SomeError, …)`; `extend_schema(responses={status: …})` on a view wins over
   the generated response for that status.

Why derive rather than declare (`errors = (…)` on every view): a hand-kept list is a second
copy of what the services already say, and it goes stale the day a service learns a new
refusal; the fuzz over the schemas (schemathesis) would then fail on an undocumented status.
The walk reads the one copy, and the declaration stays for the rare case it cannot see.

tests/closo/test_openapi.py checks the walk on a synthetic view, that every operation
documents its errors in the one shape, and that real error responses of the main
endpoints are documented statuses whose bodies match their schema (codes included)."""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import textwrap
from types import FunctionType, MethodType, ModuleType

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_list_or_404, get_object_or_404
from django_filters.utils import translate_validation
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication

from closo.exceptions import DomainError

# --- the one error shape -------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. `not_found`, `backorder_exists`.")
    message = serializers.CharField(help_text="For people: what went wrong and what to do.")
    fields = serializers.DictField(
        help_text='Field → messages for invalid input (e.g. `{"sku": ["Unknown SKU."]}`); else `{}`.'
    )

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API."""

    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


# --- what the code an operation runs can raise ---------------------------------------------

# Third-party callables that raise on their own: (status, code).
RAISING_CALLS = {
    get_object_or_404: (404, "not_found"),
    get_list_or_404: (404, "not_found"),
    translate_validation: (400, "invalid"),
}
# DRF's answer to these (closo.api.exception_handler turns Django's into DRF's).
DJANGO_EXCEPTIONS = {Http404: (404, "not_found"), DjangoPermissionDenied: (403, "permission_denied")}
# The handlers DRF's generic views call for each method, and what every operation runs.
ROOTS = {
    "GET": ("get", "list", "retrieve", "get_queryset", "filter_queryset", "get_object"),
    "POST": ("post", "create", "perform_create", "initial"),
    "PUT": ("put", "update", "perform_update", "get_object", "initial"),
    "PATCH": ("patch", "partial_update", "update", "perform_update", "get_object", "initial"),
    "DELETE": ("delete", "destroy", "perform_destroy", "get_object", "initial"),
}


def _is_ours(obj) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in _project_packages()


@functools.cache
def _project_packages() -> frozenset[str]:
    """The installed apps that are this project's (not installed from a package index)."""
    packages = {app.split(".")[0] for app in settings.INSTALLED_APPS}
    return frozenset(p for p in packages if "site-packages" not in (importlib.util.find_spec(p).origin or ""))


def _function(obj):
    """The plain function behind a function, method or wrapped view method, with the
    class `self` is in it (for bound methods), else None."""
    owner = None
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    if isinstance(obj, MethodType):
        owner = obj.__self__ if isinstance(obj.__self__, type) else type(obj.__self__)
        obj = obj.__func__
    obj = inspect.unwrap(obj) if callable(obj) else obj
    return (obj, owner) if isinstance(obj, FunctionType) and _is_ours(obj) else (None, None)


@functools.cache
def _tree(func) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None


def _error_statuses(value) -> set[tuple[int, str]]:
    """(status, code) of an exception class, or of each one in a table of them."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return {found for item in value for found in _error_statuses(item)}
    if isinstance(value, type) and issubclass(value, DomainError) and value.code:
        return {(value.status, value.code)}
    if isinstance(value, type) and issubclass(value, exceptions.APIException):
        return {(value.status_code, value.default_code)}
    if isinstance(value, type):
        return {found for cls, found in DJANGO_EXCEPTIONS.items() if issubclass(value, cls)}
    return set()


class _Walk:
    """raised_errors(): one walk, remembering the functions it has been through."""

    def __init__(self):
        self.seen: set[tuple] = set()
        self.found: set[tuple[int, str]] = set()

    def function(self, func, owner: type | None) -> None:
        if (func, owner) in self.seen:
            return
        self.seen.add((func, owner))
        tree = _tree(func)
        if tree is None:
            return
        builtins = func.__globals__.get("__builtins__", {})
        scope = {**(builtins if isinstance(builtins, dict) else vars(builtins)), **func.__globals__}
        if func.__closure__:
            scope.update(inspect.getclosurevars(func).nonlocals)
        # `except SomeError:` catches an error, it does not raise one.
        caught = {
            id(n) for h in ast.walk(tree) if isinstance(h, ast.ExceptHandler) and h.type for n in ast.walk(h.type)
        }
        for node in ast.walk(tree):
            if id(node) in caught:
                continue
            if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                self.found |= _error_statuses(self._resolve(node, scope, func, owner)[0])
            if isinstance(node, ast.Call):
                self.call(node, scope, func, owner)

    def call(self, node: ast.Call, scope: dict, func, owner) -> None:
        target, target_owner = self._resolve(node.func, scope, func, owner)
        literal = [a.value for a in node.args if isinstance(a, ast.Constant)]
        keywords = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
        if isinstance(target, type) and issubclass(target, exceptions.APIException) and "code" in keywords:
            self.found.add((target.status_code, keywords["code"]))
        if isinstance(node.func, ast.Attribute) and node.func.attr == "is_valid" and keywords.get("raise_exception"):
            self.found.add((400, "invalid"))
        if getattr(target, "__name__", None) == "error_response" and _is_ours(target):
            codes = [v for v in literal if isinstance(v, str)][:1]
            statuses = [v for v in literal if isinstance(v, int)][:1]
            if codes and statuses:
                self.found.add((statuses[0], codes[0]))
        if isinstance(target, FunctionType) and target in RAISING_CALLS:
            self.found.add(RAISING_CALLS[target])
        callee, bound_owner = _function(target)
        if callee is not None:
            self.function(callee, bound_owner or target_owner)

    def _resolve(self, expr, scope: dict, func, owner) -> tuple[object, type | None]:
        """What `expr` names, and the class `self` is in it when it is a method."""
        if isinstance(expr, ast.Name):
            return (owner, None) if expr.id in {"self", "cls"} else (scope.get(expr.id), None)
        if not isinstance(expr, ast.Attribute):
            return None, None
        if isinstance(expr.value, ast.Call) and getattr(expr.value.func, "id", None) == "super":
            return _super_attribute(owner, func, expr.attr), owner
        base, _ = self._resolve(expr.value, scope, func, owner)
        if isinstance(base, ModuleType):
            return getattr(base, expr.attr, None), None
        if base is None or (not isinstance(base, type) and not _is_ours(type(base))):
            return None, None
        cls = base if isinstance(base, type) else type(base)
        # Static lookup: no property of a live object runs while the schema is generated.
        return inspect.getattr_static(base, expr.attr, None), cls


def _super_attribute(owner: type | None, func, name: str):
    """What `super().name` means inside `func` when `self` is an `owner`."""
    if owner is None:
        return None
    defining = func.__qualname__.rpartition(".")[0]
    mro = owner.__mro__
    for i, cls in enumerate(mro):
        if cls.__qualname__ == defining and cls.__module__ == func.__module__:
            for later in mro[i + 1 :]:
                if name in vars(later):
                    return vars(later)[name]
    return None


def raised_errors(view_class: type, method: str) -> set[tuple[int, str]]:
    """(status, code) of every error the code behind `method` on `view_class` names (see
    the module docstring), with the view's `errors`."""
    walk = _Walk()
    for name in ROOTS.get(method.upper(), (method.lower(),)):
        attr = inspect.getattr_static(view_class, name, None)
        func, _ = _function(attr)
        if func is not None:
            walk.function(func, view_class)
    walk.found |= _error_statuses(tuple(getattr(view_class, "errors", ())))
    return walk.found


# --- the responses --------------------------------------------------------------------------

DESCRIPTIONS = {
    400: "The request is invalid: a field (see `fields`), a filter, or the JSON itself.",
    401: "No credentials, or credentials that are not valid.",
    403: "The credentials are valid but may not do this.",
    404: "Not found, or not yours to see (the same answer).",
    409: "It conflicts with the current state; repeat the read, then decide.",
    410: "It has expired.",
    413: "The upload is too large.",
    415: "The body's type is not one this operation reads, or the file is not an image it takes.",
    429: "Too many requests: wait `Retry-After` seconds.",
}
# Statuses whose every code the generator knows: their `error.code` is an enum.
CLOSED = {404, 409, 410, 413, 415, 429}
PAGINATION = {"page", "page_size", "ordering"}


def _allows_anyone(view) -> bool:
    return all(issubclass(p, permissions.AllowAny) for p in view.permission_classes)


def _authentication_failures(classes) -> set[str]:
    """The 401 codes of bad credentials: ours walked, DRF's own `authentication_failed`
    (the session's only failure is CSRF, a 403)."""
    codes = set()
    for cls in classes:
        if _is_ours(cls):
            codes |= {code for status, code in raised_errors(cls, "authenticate") if status == 401}
        if issubclass(cls, BasicAuthentication) or not (_is_ours(cls) or issubclass(cls, SessionAuthentication)):
            codes.add("authentication_failed")  # DRF's, also raised by our subclasses of its Basic
    return codes


def _rule_statuses(view, operation: dict, method: str) -> dict[int, set[str]]:
    """Statuses the operation can answer because of what it is (module docstring, 1)."""
    # closo.inputs refuses a NUL or a lone surrogate in any path, query or header, whatever
    # the operation: every operation can answer 400 `invalid_characters`.
    statuses: dict[int, set[str]] = {400: {"invalid_characters"}}
    parameters = operation.get("parameters", [])
    query = {p["name"] for p in parameters if p["in"] == "query"}
    body_types = set(operation.get("requestBody", {}).get("content", {}))
    has_filters = bool(getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None))
    if body_types:
        statuses[400].add("parse_error")
        statuses[415] = {"unsupported_media_type"}
    if has_filters and method == "GET":
        statuses.setdefault(400, set()).add("invalid")
    auth = view.authentication_classes
    if auth:
        statuses[401] = {"not_authenticated", *_authentication_failures(auth)}
    if auth and not _allows_anyone(view):
        statuses[403] = {"permission_denied"}
        if _is_ours(inspect.getattr_static(type(view), "get_authenticate_header")):
            statuses[403].add("not_authenticated")  # no challenge to send (hubs.apis.base)
    if method not in permissions.SAFE_METHODS and any(issubclass(a, SessionAuthentication) for a in auth):
        statuses.setdefault(403, set()).add("permission_denied")  # CSRF
    # DRF answers 404 to `?page=` past the end and to a `?format=` no renderer has.
    if any(p["in"] == "path" for p in parameters) or query & {"page", "format"}:
        statuses[404] = {"not_found"}
    if body_types == {"multipart/form-data"}:  # an upload
        statuses[413] = set()
    if view.throttle_classes:
        statuses[429] = {"throttled"}
    return statuses


class AutoSchema(SpectacularAutoSchema):
    """Closo's schema generator: names nested serializers after their views, and documents
    every operation's error responses (module docstring)."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        """Name nested serializers after the classes they are nested in:
        SkuListApi.OutputSerializer → SkuListOutput, HubQueueApi.OutputSerializer.LaneSerializer
        → HubQueueOutputLane. Every API view nests its own Input/Output serializers, so plain
        class names collide."""
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer.child.__class__ if hasattr(serializer, "child") else serializer.__class__
        if "." in cls.__qualname__ and not getattr(getattr(cls, "Meta", None), "ref_name", None):
            parts = [part.removesuffix("Api").removesuffix("Serializer") for part in cls.__qualname__.split(".")]
            return "".join(parts) + ("Request" if direction == "request" and name.endswith("Request") else "")
        return name

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            self._add_error_responses(operation)
        return operation

    def error_statuses(self, operation: dict) -> dict[int, set[str]]:
        """Status → the codes this operation can answer with it."""
        statuses = _rule_statuses(self.view, operation, self.method)
        for status, code in raised_errors(type(self.view), self.method):
            statuses.setdefault(status, set()).add(code)
        return statuses

    def _add_error_responses(self, operation: dict) -> None:
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for status, codes in sorted(self.error_statuses(operation).items()):
            if str(status) in responses:
                continue  # the view's own extend_schema(responses=…) says more
            schema = error
            if status in CLOSED and codes:
                code_enum = {"type": "string", "enum": sorted(codes)}
                schema = {
                    "allOf": [
                        error,
                        {
                            "type": "object",
                            "properties": {"error": {"type": "object", "properties": {"code": code_enum}}},
                        },
                    ]
                }
            described = DESCRIPTIONS.get(status, "An error.")
            if codes:
                described += " Codes: " + ", ".join(f"`{c}`" for c in sorted(codes)) + "."
            response = {"description": described, "content": {"application/json": {"schema": schema}}}
            if status == 429:
                response["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
                }
            responses[str(status)] = response


def described_by(**operations: type):
    """Class decorator for a view that serves several operations on one URL, each written as
    its own view class (e.g. `get=RegionListApi, post=RegionCreateApi`): every method's
    OpenAPI description is the docstring of its operation's class."""
    return extend_schema_view(
        **{method: extend_schema(description=inspect.getdoc(view)) for method, view in operations.items()}
    )
