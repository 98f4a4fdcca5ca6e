from django.core.exceptions import DisallowedHost
from django_tenants.middleware.main import TenantMainMiddleware

from closo.views import unknown_host


class BrandHostMiddleware(TenantMainMiddleware):
    """Resolve the brand from the host name (`<slug>.<BASE_DOMAIN>`) and point the
    connection at its schema. Unknown and disallowed hosts and deactivated brands all get
    the same 404 page (closo.views.unknown_host), so a host never reveals whether a brand
    exists."""

    def process_request(self, request):
        try:
            request.get_host()
        except DisallowedHost:
            return unknown_host(request)
        return super().process_request(request)

    def get_tenant(self, domain_model, hostname):
        tenant = super().get_tenant(domain_model, hostname)
        if not tenant.is_active and not tenant.is_public:
            raise domain_model.DoesNotExist(hostname)
        return tenant
