from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from brands.models import ApiKey, Brand, BrandRole
from brands.selectors.api_keys import keys_changed
from closo.models import User


@transaction.atomic
def api_key_create(*, brand: Brand, name: str, role: str = BrandRole.ADMIN, actor: User | None) -> tuple[ApiKey, str]:
    """Issue a key bound to `brand`. Returns the row and the full key, which is never
    stored and cannot be shown again."""
    full_key, key_id, digest = ApiKey.generate()
    key = ApiKey.objects.create(
        brand=brand, name=name.strip() or "API key", role=role, key_id=key_id, digest=digest, created_by=actor
    )
    return key, full_key


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User | None) -> ApiKey:
    """Revoke a key; revoking twice is a no-op (the first revocation time stands)."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=actor)
    keys_changed()
    key.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return key
