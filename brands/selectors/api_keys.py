from __future__ import annotations

from django.http import Http404

from brands.models import ApiKey, Brand, PublishableKey


def api_key_for_brand(*, brand: Brand, pk) -> ApiKey:
    """A key of `brand` by id, or 404: another brand's key is indistinguishable from none."""
    try:
        return ApiKey.objects.get(brand=brand, pk=pk)
    except (ApiKey.DoesNotExist, ValueError, TypeError):
        raise Http404("No such API key.") from None


def publishable_key_for_brand(*, brand: Brand, pk) -> PublishableKey:
    """A publishable key of `brand` by id, or 404."""
    try:
        return PublishableKey.objects.get(brand=brand, pk=pk)
    except (PublishableKey.DoesNotExist, ValueError, TypeError):
        raise Http404("No such publishable key.") from None
