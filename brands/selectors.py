from __future__ import annotations

from django.http import Http404

from brands.models import ApiKey, Brand, BrandMembership


def membership_for(*, user, brand: Brand) -> BrandMembership | None:
    """The user's membership of `brand`, cached on the user object for the request."""
    if not user.is_authenticated or brand.is_public:
        return None
    cache = user.__dict__.setdefault("_brand_memberships", {})
    if brand.pk not in cache:
        cache[brand.pk] = BrandMembership.objects.filter(user=user, brand=brand).first()
    return cache[brand.pk]


def api_key_for_brand(*, brand: Brand, pk) -> ApiKey:
    """A key of `brand` by id, or 404: another brand's key is indistinguishable from none."""
    try:
        return ApiKey.objects.get(brand=brand, pk=pk)
    except (ApiKey.DoesNotExist, ValueError, TypeError):
        raise Http404("No such API key.") from None
