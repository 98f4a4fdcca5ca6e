import copy

from django.core.exceptions import DisallowedHost
from django_tenants.middleware.main import TenantMainMiddleware

from closo.ttlcache import TtlCache
from closo.views import unknown_host

# Host name → its brand, per worker process: saves the domain query on every request.
# brands.apps connects `forget_hosts` to every save and delete of a Brand or a Domain, so
# the process that writes sees the change at once; other processes within HOST_TTL_SECONDS.
HOST_TTL_SECONDS = 10
_hosts: TtlCache = TtlCache(ttl=HOST_TTL_SECONDS, max_entries=10_000)


def forget_hosts(**_) -> None:
    """Drop every cached host → brand resolution (a signal receiver: a Brand or a Domain
    changed; they change rarely, so all of them, which cannot miss a renamed domain)."""
    _hosts.clear()


class BrandHostMiddleware(TenantMainMiddleware):
    """Resolve the brand from the host name (`<slug>.<BASE_DOMAIN>`) and point the
    connection at its schema. Unknown and disallowed hosts and deactivated brands all get
    the same 404 page (closo.views.unknown_host), so a host never reveals whether a brand
    exists. Active brands are cached in process for a few seconds (`_hosts`); unknown hosts
    and deactivated brands never are, so a new brand answers at once."""

    def process_request(self, request):
        try:
            request.get_host()
        except DisallowedHost:
            return unknown_host(request)
        return super().process_request(request)

    def get_tenant(self, domain_model, hostname):
        tenant = _hosts.get(hostname)
        if tenant is None:
            tenant = super().get_tenant(domain_model, hostname)
            if not tenant.is_active and not tenant.is_public:
                raise domain_model.DoesNotExist(hostname)
            _hosts.set(hostname, tenant)
        # Each request its own copy: the middleware sets `domain_url` on it, views may cache on it.
        return copy.copy(tenant)
