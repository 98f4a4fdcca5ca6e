from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse


def unknown_host(request):
    """No brand answers at this host (or it was deactivated): a plain 404 page."""
    host = request.META.get("HTTP_HOST", "").rsplit(":", 1)[0][:253]
    return render(request, "unknown_host.html", {"host": host, "public_host": settings.BASE_DOMAIN}, status=404)


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Send people where their work is: brand hosts to the brand portal; on the public
        host, hub members to /hub/ and staff to the hub vetting pages."""
        tenant = getattr(self.request, "tenant", None)
        if tenant is not None and not tenant.is_public:
            return reverse("brand_home")
        user = self.request.user
        if user.hub_memberships.exists():
            return reverse("hub_home")
        if user.is_staff:
            return reverse("staff_hub_list")
        return reverse("landing")


def not_found(request, exception=None):
    """404 for every URL: the API's error shape under /api/, the 404 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "message": "There is no such endpoint or object.", "fields": {}}},
            status=404,
        )
    return render(request, "404.html", status=404)
