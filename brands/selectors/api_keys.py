from __future__ import annotations

from django.http import Http404

from brands.models import ApiKey, Brand, PublishableKey
from closo import stamps
from closo.ttlcache import TtlCache


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


# --- the authentication's lookups (brands.authentication), on every API request ---------
#
# Keys found are kept per worker process under the token of the KEYS_SCOPE stamp
# (closo.stamps), renewed after the commit of any change to a key or a brand: issuing,
# revoking, rotating, a brand's origins or status. Other processes see a revocation within
# closo.stamps.POLL_SECONDS (one second); this process at once. Keys not found are never
# kept (a guess must always reach the database and count as an attempt).

KEYS_SCOPE = "keys"
KEY_TTL_SECONDS = 300
_api_keys: TtlCache[ApiKey] = TtlCache(ttl=KEY_TTL_SECONDS, max_entries=10_000)
_publishable_keys: TtlCache[PublishableKey] = TtlCache(ttl=KEY_TTL_SECONDS, max_entries=10_000)


def api_key_by_id(key_id: str) -> ApiKey | None:
    """The secret key with this public id (its brand joined), revoked ones included."""
    return _kept(_api_keys, key_id, lambda: ApiKey.objects.select_related("brand").filter(key_id=key_id).first())


def publishable_key_by_value(raw: str) -> PublishableKey | None:
    """The publishable key `raw` (its brand joined), revoked ones included."""
    return _kept(_publishable_keys, raw, lambda: PublishableKey.objects.select_related("brand").filter(key=raw).first())


def _kept(kept: TtlCache, name: str, lookup):
    if stamps.pending(KEYS_SCOPE):  # keys changed in this very transaction: read them
        return lookup()
    held = (name, stamps.current(KEYS_SCOPE))
    key = kept.get(held)
    if key is None:
        key = lookup()
        if key is not None:
            kept.set(held, key)
    return key


def keys_changed(sender=None, **kwargs) -> None:
    """A key or a brand changed (a signal receiver, and called by the services that update
    keys by queryset): the lookups above read the database again after the commit."""
    stamps.renew_on_commit(KEYS_SCOPE)
