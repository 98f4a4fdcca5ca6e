"""API conventions shared by every endpoint: one error shape, pagination."""

import abc

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from closo.actors import Actor
from closo.exceptions import DomainError, RequestTooLarge, TooManyAttempts
from closo.inputs import max_body_bytes


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _first_code(detail, default: str) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_code(value, default)
    if isinstance(detail, list) and detail:
        return _first_code(detail[0], default)
    return getattr(detail, "code", None) or default


def _messages(detail):
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, (dict, list)) else _messages(item) for item in detail]
    return str(detail)


def error_response(code: str, message: str, status_code: int, fields: dict | None = None, headers=None) -> Response:
    return Response(
        {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status_code, headers=headers
    )


_TOO_LARGE = {
    RequestDataTooBig: lambda: f"The request body is larger than {max_body_bytes()} bytes.",
    TooManyFieldsSent: lambda: f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields.",
    TooManyFilesSent: lambda: f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.",
}


def exception_handler(exc, context):
    """Render every error as {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django's limits on what a request may hold in memory: a body read whole (e.g. for
        # an Idempotency-Key fingerprint), too many form fields or files.
        exc = RequestTooLarge(_TOO_LARGE[type(exc)]())
    if isinstance(exc, DomainError):
        retry_after = exc.retry_after if isinstance(exc, TooManyAttempts) else None
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return error_response(exc.code, exc.message, exc.status, exc.fields, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "error": {
                "code": _first_code(detail, "invalid"),
                "message": "Some fields are invalid: " + ", ".join(detail) + ".",
                "fields": _messages(detail),
            }
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = _first_code(detail, "error")
    response.data = {"error": {"code": code, "message": str(detail), "fields": {}}}
    return response


class ObjectActionApi(APIView, metaclass=abc.ABCMeta):
    """POST /…/{pk}/<action>: one state change of one object. Validates `InputSerializer`
    (if any), calls `act` (which calls the one service for that change) and answers 200
    with `respond(obj)`. Concrete views implement the three hooks; an incomplete view
    cannot be instantiated (ABC), so it fails at its first request and in tests."""

    InputSerializer: type | None = None

    def post(self, request, pk: int):
        obj = self.get_target(pk)
        values = {}
        if self.InputSerializer is not None:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            values = serializer.validated_data
        self.act(obj, actor=Actor.from_request(request), **values)
        return Response(self.respond(obj))

    @abc.abstractmethod
    def get_target(self, pk: int):
        """The object addressed by the URL (404 when it isn't this brand's)."""

    @abc.abstractmethod
    def act(self, obj, *, actor: Actor, **values) -> None:
        """Call the service for this action."""

    @abc.abstractmethod
    def respond(self, obj) -> dict:
        """The response body after the change."""
