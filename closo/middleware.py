from django_tenants.middleware.main import TenantMainMiddleware


class BrandHostMiddleware(TenantMainMiddleware):
    """Resolve the brand from the host name (`<slug>.<BASE_DOMAIN>`) and point the
    connection at its schema. Unknown hosts and deactivated brands get the same 404
    page (closo.views.unknown_host), so a host never reveals whether a brand exists."""

    def get_tenant(self, domain_model, hostname):
        tenant = super().get_tenant(domain_model, hostname)
        if not tenant.is_active:
            raise domain_model.DoesNotExist(hostname)
        return tenant
