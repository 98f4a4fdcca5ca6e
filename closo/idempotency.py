"""`Idempotency-Key` for API POSTs: the same key and body return the stored response
and create nothing new; the same key with another body is a 409.

The record is inserted in the same transaction as the view's own writes, *before* the
view runs. A concurrent retry blocks on the unique index until the first request commits,
then replays its response; if the first request fails (4xx/5xx), everything — record
included — rolls back, so a retry simply runs again. Authentication and permissions run
first, as for any request: a replay is never shown to someone who could not make the call."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from rest_framework.response import Response

from closo.api import error_response
from closo.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255


class _Rollback(Exception):
    def __init__(self, response):
        self.response = response


def request_fingerprint(request) -> str:
    """SHA-256 of method, path and body. A multipart body is hashed by its parsed fields and
    file contents: its boundary is random, so the same upload sent again differs in bytes.
    So is a body whose stream was already parsed (a form read for its CSRF token)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.content_type == "multipart/form-data":
        _update_with_form(digest, request)
        return digest.hexdigest()
    try:
        digest.update(request.body)
    except RawPostDataException:
        _update_with_form(digest, request)
    return digest.hexdigest()


def _update_with_form(digest, request) -> None:
    for name, value in sorted(request.POST.lists()):
        digest.update(f"{name}={value}\n".encode())
    for name, upload in sorted(request.FILES.items()):
        digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)


class IdempotentPostMixin:
    """For DRF views. After authentication, permissions and throttling pass (initial()),
    a POST carrying the header is run through the protocol, whatever the view's post()
    does."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.META.get(HEADER, "").strip()
        if request.method == "POST" and key:
            handler = self.post
            self.post = lambda req, *a, **kw: self._idempotent(req, key, handler, *a, **kw)

    def _idempotent(self, request, key: str, handler, *args, **kwargs) -> Response:
        if len(key) > MAX_KEY_LENGTH:
            return error_response(
                "invalid_idempotency_key", f"Idempotency-Key is at most {MAX_KEY_LENGTH} characters.", 400
            )
        fingerprint = request_fingerprint(request._request)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            brand=request.tenant,
                            key=key,
                            method=request.method,
                            path=request.path,
                            request_hash=fingerprint,
                            response_status=0,
                        )
                except IntegrityError:
                    return self._replay(request, key, fingerprint)
                response = handler(request, *args, **kwargs)
                if response.status_code >= 400:
                    raise _Rollback(response)
                record.response_status = response.status_code
                record.response_body = response.data
                record.response_location = response.get("Location", "")
                record.save(update_fields=["response_status", "response_body", "response_location"])
                return response
        except _Rollback as rollback:
            return rollback.response

    @staticmethod
    def _replay(request, key: str, fingerprint: str) -> Response:
        record = IdempotencyRecord.objects.get(brand=request.tenant, key=key)
        if record.request_hash != fingerprint:
            return error_response(
                "idempotency_key_reused",
                "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
                409,
            )
        headers = {"Idempotent-Replayed": "true"}
        if record.response_location:
            headers["Location"] = record.response_location
        return Response(record.response_body, status=record.response_status, headers=headers)
