from __future__ import annotations

from brands.models import Brand, BrandMembership


def brand_of_connection() -> Brand:
    """The brand whose schema the connection is on (a brand host, or schema_context)."""
    from django.db import connection

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Brand):
        return tenant
    return Brand.objects.get(schema_name=connection.schema_name)


def membership_for(*, user, brand: Brand) -> BrandMembership | None:
    """The user's membership of `brand`, cached on the user object for the request."""
    if not user.is_authenticated or brand.is_public:
        return None
    cache = user.__dict__.setdefault("_brand_memberships", {})
    if brand.pk not in cache:
        cache[brand.pk] = BrandMembership.objects.filter(user=user, brand=brand).first()
    return cache[brand.pk]
