"""The brand hosts' URLs plus a bare Django JSON view, for bench/availability.py only.

Selected by `CLOSO_BENCH_URLS=1` in the environment (closo/settings.py); production never
sets it, so `/bench/bare` exists only on a benchmark's server. The bare view goes through
the same middleware (host → brand, sessions, CSRF…) as every brand-host request, and does
nothing else: the ceiling the availability endpoint is measured against."""

from django.http import JsonResponse
from django.urls import path

from closo.urls_tenant import handler404
from closo.urls_tenant import urlpatterns as tenant_urlpatterns

__all__ = ["handler404", "urlpatterns"]


def bare(request):
    return JsonResponse({"ok": True, "brand": request.tenant.slug})


urlpatterns = [path("bench/bare", bare), *tenant_urlpatterns]
