from django.conf import settings

from brands.selectors.brands import membership_for


def portal(request):
    tenant = getattr(request, "tenant", None)
    brand = tenant if tenant is not None and not tenant.is_public else None
    user = getattr(request, "user", None)
    return {
        "brand": brand,
        "membership": membership_for(user=user, brand=brand) if brand and user is not None else None,
        "base_domain": settings.BASE_DOMAIN,
    }
