"""`Idempotency-Key` for API POSTs: the same key and body return the stored response
and create nothing new; the same key with another body is a 409.

The record is inserted in the same transaction as the view's own writes, *before* the
view runs. A concurrent retry blocks on the unique index until the first request commits,
then replays its response; if the first request fails (4xx/5xx), everything — record
included — rolls back, so a retry simply runs again."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from closo.api import error_response
from closo.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255


class _Rollback(Exception):
    def __init__(self, response):
        self.response = response


class IdempotentPostMixin:
    """For DRF views: wrap POST in the idempotency protocol when the header is present."""

    def post(self, request, *args, **kwargs):
        key = request.META.get(HEADER, "").strip()
        if not key:
            return super().post(request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return error_response(
                "invalid_idempotency_key", f"Idempotency-Key is at most {MAX_KEY_LENGTH} characters.", 400
            )
        digest = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            brand=request.tenant,
                            key=key,
                            method=request.method,
                            path=request.path,
                            request_hash=digest,
                            response_status=0,
                        )
                except IntegrityError:
                    return self._replay(request, key, digest)
                response = super().post(request, *args, **kwargs)
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
    def _replay(request, key: str, digest: str) -> Response:
        record = IdempotencyRecord.objects.get(brand=request.tenant, key=key)
        if record.request_hash != digest:
            return error_response(
                "idempotency_key_reused",
                "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
                409,
            )
        headers = {"Idempotent-Replayed": "true"}
        if record.response_location:
            headers["Location"] = record.response_location
        return Response(record.response_body, status=record.response_status, headers=headers)
