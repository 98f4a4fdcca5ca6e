from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy

from closo import attempts


def unknown_host(request):
    """No brand answers at this host (or it was deactivated): a plain 404 page."""
    host = request.META.get("HTTP_HOST", "").rsplit(":", 1)[0][:253]
    return render(request, "unknown_host.html", {"host": host, "public_host": settings.BASE_DOMAIN}, status=404)


def too_many_attempts(request, refusal: attempts.Refusal, *, title: str = "Too many attempts"):
    """The page of a refused form (closo.attempts): 429, Retry-After, when to try again."""
    response = render(request, "429.html", {"title": title, "message": refusal.message}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


class SignInView(auth_views.LoginView):
    """Sign in on any host. Failures count per account and per client IP (closo.backends):
    the failure that reaches a limit, and every try while locked (the right password
    too), get the sign-in page again with 429 and when to try again."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        refusal = attempts.refusal_of(self.request)
        if refusal is None:
            return super().form_invalid(form)
        response = self.render_to_response(self.get_context_data(form=form, refusal=refusal), status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response

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


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, under the e-mail limits (closo.attempts.email_keys): every request
    counts against the address and the client IP whether or not the address has an
    account, so a refusal (429) says nothing about the account either."""

    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        keys = attempts.email_keys(self.request, form.cleaned_data["email"])
        refusal = attempts.check(*keys)
        if refusal is not None:
            return too_many_attempts(self.request, refusal, title="Reset your password")
        attempts.record_all(*keys)
        return super().form_valid(form)


def not_found(request, exception=None):
    """404 for every URL: the API's error shape under /api/, the 404 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "message": "There is no such endpoint or object.", "fields": {}}},
            status=404,
        )
    return render(request, "404.html", status=404)
