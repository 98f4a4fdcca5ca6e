from rest_framework import permissions

from brands.models import ApiKey, PublishableKey
from brands.selectors.brands import membership_for


def brand_principal(request):
    """What the request may do on this host's brand: ('key'|'publishable_key'|'member',
    can_write), or None.

    A key counts only on its own brand's host; a session only for members of this
    brand. Both are checked against request.tenant, never against input."""
    brand = getattr(request, "tenant", None)
    if brand is None or brand.is_public:
        return None
    if isinstance(request.auth, ApiKey):
        key = request.auth
        return ("key", key.can_write) if key.brand_id == brand.pk and key.is_active else None
    if isinstance(request.auth, PublishableKey):
        # Read-only; which views accept one at all is brands.authentication's decision.
        key = request.auth
        return ("publishable_key", False) if key.brand_id == brand.pk and key.is_active else None
    membership = membership_for(user=request.user, brand=brand)
    return ("member", membership.can_write) if membership else None


class IsBrandMember(permissions.BasePermission):
    """Members and keys of this host's brand; viewers and read-only keys may only read."""

    message = "You do not have access to this brand."

    def has_permission(self, request, view):
        principal = brand_principal(request)
        if principal is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if not principal[1]:
            self.message = "Your role can read but not change this brand's data."
            return False
        return True


class IsBrandAdmin(IsBrandMember):
    """Owners/admins and read-write keys, for every method."""

    def has_permission(self, request, view):
        principal = brand_principal(request)
        return bool(principal and principal[1])


class IsBrandReader(IsBrandMember):
    """Members and keys of this host's brand, read-only ones included, for every method: for
    POSTs that compute an answer and change nothing (split-ship advice, a batch of
    availability questions)."""

    def has_permission(self, request, view):
        return brand_principal(request) is not None
