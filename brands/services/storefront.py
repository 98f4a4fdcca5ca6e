"""The brand's storefront access: its publishable key and its storefront origins
(brands/storefront.py says what they allow)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from brands.models import Brand, PublishableKey
from brands.selectors.api_keys import keys_changed
from brands.storefront import origins_normalise
from closo.locks import lock_one
from closo.models import User


@transaction.atomic
def publishable_key_rotate(*, brand: Brand, actor: User | None) -> PublishableKey:
    """Issue the brand's publishable key, revoking the one in use (if any): pages that still
    send the old one are refused from now on. Locks the brand row, so two rotations never
    leave two active keys (a partial unique index backs it)."""
    lock_one(Brand, pk=brand.pk)
    PublishableKey.objects.active().filter(brand=brand).update(revoked_at=timezone.now(), revoked_by=actor)
    keys_changed()
    return PublishableKey.objects.create(brand=brand, key=PublishableKey.generate(), created_by=actor)


@transaction.atomic
def publishable_key_revoke(*, key: PublishableKey, actor: User | None) -> PublishableKey:
    """Revoke the key; revoking twice is a no-op (the first revocation stands)."""
    live = PublishableKey.objects.filter(pk=key.pk, revoked_at__isnull=True)
    live.update(revoked_at=timezone.now(), revoked_by=actor)
    keys_changed()
    key.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return key


@transaction.atomic
def storefront_origins_update(*, brand: Brand, origins: list[str], actor: User | None) -> Brand:
    """Set the origins whose pages may use the publishable key (normalised, duplicates once;
    InvalidOrigin / TooManyOrigins, 400, and nothing written when one is not an origin).
    Locks the brand row; records who changed them and when."""
    cleaned = origins_normalise(origins)
    lock_one(Brand, pk=brand.pk)
    brand.storefront_origins = cleaned
    brand.storefront_origins_changed_at = timezone.now()
    brand.storefront_origins_changed_by = actor
    brand.save(update_fields=["storefront_origins", "storefront_origins_changed_at", "storefront_origins_changed_by"])
    return brand
