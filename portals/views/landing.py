from __future__ import annotations

from django.shortcuts import render

from hubs.models import HubStatus


def landing(request):
    """Public host: what Closo is, for brands and for would-be hubs."""
    return render(request, "landing.html", {"hub_statuses": HubStatus})
