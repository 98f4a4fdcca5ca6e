"""Webhook signatures: HMAC-SHA256 of the raw body with the brand's secret, compared in
constant time. Shopify and Loop send it base64-encoded, our generic returns webhook hex."""

from __future__ import annotations

import base64
import hashlib
import hmac


def _digest(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def sign_base64(secret: str, body: bytes) -> str:
    return base64.b64encode(_digest(secret, body)).decode()


def sign_hex(secret: str, body: bytes) -> str:
    return _digest(secret, body).hex()


def signature_valid(*, secret: str | None, body: bytes, header: str | None, encoding: str) -> bool:
    """Whether `header` is the HMAC of `body` under `secret` (`encoding`: base64 or hex).
    False without a secret or a header."""
    if not secret or not header:
        return False
    expected = sign_base64(secret, body) if encoding == "base64" else sign_hex(secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))
