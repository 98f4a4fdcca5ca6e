"""Webhook intake on the brand host: Shopify orders, our generic returns webhook, Loop.
No session, no API key: the HMAC of the raw body under the brand's secret is the
authentication, so CSRF does not apply. Answers: 200 applied / duplicate / ignored,
401 bad or missing signature (nothing stored), 400 a body of the wrong shape, in the
API's error shape; never a 5xx for anything a sender can put in a request."""

from __future__ import annotations

import hashlib

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from closo.exceptions import DomainError, RequestTooLarge
from closo.inputs import api_error, has_unstorable, json_parse, max_body_bytes
from intake import returns as returns_mapping
from intake import shopify as shopify_mapping
from intake.exceptions import BadSignature, InvalidPayload
from intake.models import IntegrationSecret, Source
from intake.services import returns as returns_services
from intake.services import shopify as shopify_services
from intake.services.deliveries import delivery_seen
from intake.signatures import signature_valid


def _error(exc: DomainError) -> JsonResponse:
    return api_error(exc.code, exc.message, exc.status, exc.fields)


def _ok(status: str, **extra) -> JsonResponse:
    return JsonResponse({"status": status, **extra})


def _raw_body(request) -> bytes | None:
    """The body, or None when it is larger than the limit (read no further)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body_bytes():
        return None
    body = request.read(max_body_bytes() + 1)
    return None if len(body) > max_body_bytes() else body


def _verified(request, *, kind: str, header: str, encoding: str) -> bytes:
    """The raw body if its signature is valid under the brand's `kind` secret (BadSignature
    otherwise). The secret is read from this host's brand schema only."""
    body = _raw_body(request)
    if body is None:
        raise RequestTooLarge(f"The body is larger than {max_body_bytes()} bytes.")
    secret = IntegrationSecret.objects.filter(kind=kind).values_list("secret", flat=True).first()
    if not signature_valid(secret=secret, body=body, header=request.headers.get(header), encoding=encoding):
        raise BadSignature(
            f"Missing or invalid {header}: sign the raw body with this brand's {kind} webhook secret."
            if secret
            else f"No {kind} webhook secret is set for this brand yet: set it on the Integrations page."
        )
    return body


def _parsed(body: bytes) -> dict:
    try:
        return json_parse(body)
    except DomainError as exc:
        raise InvalidPayload(exc.message, fields=exc.fields) from None


def _header(request, name: str, limit: int = 120) -> str:
    value = (request.headers.get(name) or "").strip()
    if not value:
        raise InvalidPayload(f"The {name} header is required.", fields={name: ["Required."]})
    if len(value) > limit or has_unstorable(value):
        raise InvalidPayload(f"The {name} header is not a valid id.", fields={name: ["Invalid."]})
    return value


def _shape(exc: shopify_mapping.ShapeError) -> InvalidPayload:
    return InvalidPayload(exc.message, fields={exc.field: [exc.message]})


def _summary(delivery) -> JsonResponse:
    return _ok(delivery.outcome, summary=delivery.summary, lines=delivery.lines)


@csrf_exempt
@require_POST
def shopify_webhook(request):
    topic = (request.headers.get("X-Shopify-Topic") or "").strip()[:64]
    try:
        body = _verified(
            request, kind=IntegrationSecret.Kind.SHOPIFY, header="X-Shopify-Hmac-Sha256", encoding="base64"
        )
        webhook_id = _header(request, "X-Shopify-Webhook-Id")
        if delivery_seen(source=Source.SHOPIFY, delivery_id=webhook_id):
            return _ok("duplicate")
        data = _parsed(body)
        if topic not in shopify_mapping.ORDER_TOPICS:
            delivery = shopify_services.shopify_delivery_ignore(webhook_id=webhook_id, topic=topic)
            return _ok("ignored") if delivery else _ok("duplicate")
        try:
            order = shopify_mapping.order_parse(data)
        except shopify_mapping.ShapeError as exc:
            raise _shape(exc) from None
        delivery = shopify_services.shopify_delivery_apply(webhook_id=webhook_id, topic=topic, order=order)
    except DomainError as exc:
        return _error(exc)
    return _summary(delivery) if delivery else _ok("duplicate")


@csrf_exempt
@require_POST
def returns_webhook(request):
    try:
        body = _verified(request, kind=IntegrationSecret.Kind.RETURNS, header="Closo-Returns-Signature", encoding="hex")
        delivery_id = _header(request, "Closo-Returns-Delivery")
        if delivery_seen(source=Source.RETURNS, delivery_id=delivery_id):
            return _ok("duplicate")
        try:
            item = returns_mapping.generic_parse(_parsed(body))
        except shopify_mapping.ShapeError as exc:
            raise _shape(exc) from None
        delivery = returns_services.returns_delivery_apply(
            source=Source.RETURNS, delivery_id=delivery_id, topic="return", items=[item], strict=True
        )
    except DomainError as exc:
        return _error(exc)
    return _summary(delivery) if delivery else _ok("duplicate")


@csrf_exempt
@require_POST
def loop_webhook(request):
    try:
        body = _verified(request, kind=IntegrationSecret.Kind.RETURNS, header="X-Loop-Signature", encoding="base64")
        # Loop documents no delivery id: an identical body is the same delivery.
        delivery_id = hashlib.sha256(body).hexdigest()
        if delivery_seen(source=Source.LOOP, delivery_id=delivery_id):
            return _ok("duplicate")
        data = _parsed(body)
        try:
            trigger = returns_mapping.loop_trigger(data)
            if trigger not in returns_mapping.LOOP_CREATE_TRIGGERS:
                delivery = returns_services.returns_delivery_ignore(
                    source=Source.LOOP, delivery_id=delivery_id, topic=trigger or "(no trigger)"
                )
                return _ok("ignored") if delivery else _ok("duplicate")
            items = returns_mapping.loop_parse(data)
        except shopify_mapping.ShapeError as exc:
            raise _shape(exc) from None
        delivery = returns_services.returns_delivery_apply(
            source=Source.LOOP, delivery_id=delivery_id, topic=trigger, items=items, strict=False
        )
    except DomainError as exc:
        return _error(exc)
    return _summary(delivery) if delivery else _ok("duplicate")
