"""The base of every hub API endpoint (public host: /api/v1/hub/, and the photo endpoints
the hub portal's pages call).

Authentication: the portal's session first, then HTTP Basic with a hub member's e-mail
and password (scanner apps). Session first, so a signed-in browser is never held to
stray Basic credentials. Refusals use the API's error shape: 401 with a Basic challenge
for a client that sent Basic credentials or is not a browser; a browser that sent none
gets 403 `not_authenticated` without a challenge, so it never pops a password dialog.
Basic is under the sign-in limits (closo.attempts): 429 `too_many_attempts` with
Retry-After once the account or the client IP has failed too often.
Permission: a member of a hub (403 `permission_denied` otherwise)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import authentication, permissions
from rest_framework.views import APIView

from closo.authentication import BasicAuthentication
from hubs.models import HubMember
from hubs.selectors.members import hub_for_member


class IsHubMember(permissions.BasePermission):
    message = "You are not a member of any hub."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and HubMember.objects.filter(user=user).exists())


def _from_a_browser(request) -> bool:
    """Browsers send fetch metadata (`Sec-Fetch-Mode`) with every request, and a signed-in
    (or signed-out) portal user carries the session cookie; scanner apps do neither."""
    return "Sec-Fetch-Mode" in request.headers or settings.SESSION_COOKIE_NAME in request.COOKIES


class HubApi(APIView):
    authentication_classes = [authentication.SessionAuthentication, BasicAuthentication]
    permission_classes = [IsHubMember]

    def get_authenticate_header(self, request) -> str | None:
        """The challenge of a 401; None makes it a 403 (DRF)."""
        sent_basic = request.headers.get("Authorization", "").lower().startswith("basic ")
        if sent_basic or not _from_a_browser(request):
            return authentication.BasicAuthentication().authenticate_header(request)
        return None

    def chosen_hub_id(self, request) -> str | None:
        """Which of the caller's hubs acts: the `X-Hub` header or `?hub=` (a hub id)."""
        return request.headers.get("X-Hub") or request.query_params.get("hub") or None

    def chosen_member(self, request) -> HubMember:
        """The caller's membership of the chosen hub (default: their first), or 404."""
        _, member = hub_for_member(user=request.user, hub_id=self.chosen_hub_id(request))
        return member
