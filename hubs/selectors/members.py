from __future__ import annotations

from django.http import Http404

from hubs.models import Hub, HubMember


def hub_memberships(*, user) -> list[HubMember]:
    return list(HubMember.objects.filter(user=user).select_related("hub").order_by("hub__name"))


def hub_for_member(*, user, hub_id=None) -> tuple[Hub, HubMember]:
    """The hub `user` works at (a chosen one if they have several), or 404."""
    members = hub_memberships(user=user)
    if not members:
        raise Http404("Not a member of any hub.")
    if hub_id is None:
        return members[0].hub, members[0]
    for member in members:
        if str(member.hub_id) == str(hub_id):
            return member.hub, member
    raise Http404("Not a member of that hub.")
