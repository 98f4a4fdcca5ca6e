"""What a brand's customers get from Closo besides the goods: the signed link to their status
page that every customer e-mail carries, and the brand's colours as e-mails and the page use
them.

A status link names one backorder or one return of one brand: `signing.dumps` (HMAC with
SECRET_KEY, a salt of its own, a timestamp) of {brand slug, kind, schema-local id}. It is
refused when tampered with, when older than STATUS_LINK_DAYS, or on another brand's host
(ids repeat across schemas; the slug inside the signature is what tells them apart)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "closo.fulfillment.customer-status"
BACKORDER, RETURN = "b", "r"


class LinkInvalid(Exception):
    """Tampered with, malformed, or another brand's."""


class LinkExpired(LinkInvalid):
    """Signed by us for this brand, but older than STATUS_LINK_DAYS."""


@dataclass(frozen=True)
class StatusLink:
    kind: str  # BACKORDER or RETURN
    pk: int


def status_token(*, brand, backorder_id: int | None = None, return_id: int | None = None) -> str:
    """The signed token of one backorder's (or one return's) status page on `brand`'s host."""
    if (backorder_id is None) == (return_id is None):
        raise ValueError("A status link names one backorder or one return.")
    kind, pk = (BACKORDER, backorder_id) if backorder_id is not None else (RETURN, return_id)
    return signing.dumps({"b": brand.slug, "k": kind, "id": pk}, salt=SALT)


def status_url(*, brand, backorder_id: int | None = None, return_id: int | None = None) -> str:
    """The absolute address of the status page, on the brand's host (LINK_SCHEME, LINK_PORT)."""
    token = status_token(brand=brand, backorder_id=backorder_id, return_id=return_id)
    path = reverse("customer_status", args=[token], urlconf="closo.urls_tenant")
    port = f":{settings.LINK_PORT}" if settings.LINK_PORT else ""
    return f"{settings.LINK_SCHEME}://{brand.host}{port}{path}"


def status_token_read(token: str, *, brand) -> StatusLink:
    """What `token` names, if it is ours, unexpired and `brand`'s; else LinkExpired or
    LinkInvalid (an expired token of another brand says "expired": it tells nothing more)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=dt.timedelta(days=settings.STATUS_LINK_DAYS))
    except signing.SignatureExpired:
        raise LinkExpired(token) from None
    except signing.BadSignature:
        raise LinkInvalid(token) from None
    if not isinstance(data, dict) or data.get("b") != brand.slug or data.get("k") not in (BACKORDER, RETURN):
        raise LinkInvalid(token)
    if not isinstance(data.get("id"), int):
        raise LinkInvalid(token)
    return StatusLink(kind=data["k"], pk=data["id"])


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour` (#RRGGBB; WCAG relative luminance)."""
    try:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    except (TypeError, ValueError):
        return "#ffffff"
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Contrast with white (1.05 / (L + 0.05)) against contrast with black ((L + 0.05) / 0.05).
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#111111"


def branding(brand) -> dict[str, str]:
    """Template context of the brand's look: name, logo, colour and the text colour on it."""
    colour = brand.brand_colour or "#1F4E79"
    return {"brand_name": brand.name, "brand_logo": brand.logo, "brand_colour": colour, "brand_text": text_on(colour)}
