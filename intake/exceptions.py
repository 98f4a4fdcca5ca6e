"""Errors of the intake app (webhook bodies and signatures, secrets)."""

from closo.exceptions import DomainError


class BadSignature(DomainError):
    """The webhook's HMAC header is missing or does not match the brand's secret."""

    code = "bad_signature"
    status = 401


class InvalidPayload(DomainError):
    """The webhook body is not JSON of the documented shape."""

    code = "invalid_payload"
