"""Hub applications, vetting and status changes. Each writes a HubEvent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from closo.exceptions import InvalidTransition, ReasonRequired
from closo.models import User
from hubs.exceptions import UnknownCheck, UnknownZip, VettingIncomplete
from hubs.models import Hub, HubEvent, HubMember, HubRole, HubStatus, PostalCode

VETTING_CHECKS = {
    "id_verified": "ID verified",
    "agreement_signed": "Agreement signed",
    "training_completed": "Training completed",
}

# Allowed status moves. "vetted" needs every vetting check (see hub_set_status).
TRANSITIONS = {
    HubStatus.APPLIED: {HubStatus.VETTED},
    HubStatus.VETTED: {HubStatus.ACTIVE, HubStatus.SUSPENDED},
    HubStatus.ACTIVE: {HubStatus.SUSPENDED},
    HubStatus.SUSPENDED: {HubStatus.ACTIVE},
}


def postal_code_get(zip_code: str) -> PostalCode:
    zip_code = (zip_code or "").strip()[:5]
    try:
        return PostalCode.objects.get(code=zip_code)
    except PostalCode.DoesNotExist:
        raise UnknownZip(f"“{zip_code}” is not a US ZIP code we know.", fields={"zip_code": zip_code}) from None


@transaction.atomic
def hub_apply(
    *,
    applicant: User,
    name: str,
    kind: str,
    address: str,
    zip_code: str,
    phone: str = "",
    service_radius_miles: int = 10,
    daily_capacity: int = 20,
    opening_hours: str = "",
) -> Hub:
    """A would-be hub applies; the applicant becomes its owner and can sign in to follow
    the application. Location comes from the ZIP centroid."""
    place = postal_code_get(zip_code)
    hub = Hub.objects.create(
        name=name.strip(),
        kind=kind,
        contact_email=applicant.email,
        phone=phone,
        address=address.strip(),
        city=place.city,
        state=place.state,
        zip_code=place.code,
        lat=place.lat,
        lon=place.lon,
        service_radius_miles=service_radius_miles,
        daily_capacity=daily_capacity,
        opening_hours=opening_hours,
    )
    HubMember.objects.create(user=applicant, hub=hub, role=HubRole.OWNER)
    HubEvent.objects.create(
        hub=hub, kind=HubEvent.Kind.APPLIED, actor=applicant, to_status=HubStatus.APPLIED, detail="Application received"
    )
    return hub


@transaction.atomic
def hub_record_check(*, hub: Hub, check: str, actor: User) -> Hub:
    """Staff confirm one vetting check (ID, agreement, training): who and when."""
    if check not in VETTING_CHECKS:
        raise UnknownCheck(f"Unknown vetting check “{check}”.")
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    if getattr(hub, f"{check}_at") is None:
        setattr(hub, f"{check}_at", timezone.now())
        setattr(hub, f"{check}_by", actor)
        hub.save(update_fields=[f"{check}_at", f"{check}_by"])
        HubEvent.objects.create(hub=hub, kind=HubEvent.Kind.CHECK, actor=actor, detail=VETTING_CHECKS[check])
    return hub


@transaction.atomic
def hub_set_status(*, hub: Hub, status: str, actor: User, reason: str = "") -> Hub:
    """Move a hub along applied → vetted → active ⇄ suspended. Locks the hub row so two
    staff clicking at once cannot both apply a move from the same state."""
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    if status not in TRANSITIONS.get(hub.status, set()):
        raise InvalidTransition(
            f"A hub that is {hub.get_status_display().lower()} cannot become {HubStatus(status).label.lower()}.",
            fields={"status": status},
        )
    if status == HubStatus.VETTED and not hub.vetting_complete:
        missing = [label for key, label in VETTING_CHECKS.items() if getattr(hub, f"{key}_at") is None]
        raise VettingIncomplete("Still to confirm: " + ", ".join(missing) + ".", fields={"missing": missing})
    if status == HubStatus.SUSPENDED and not reason.strip():
        raise ReasonRequired("Say why the hub is suspended.")
    previous = hub.status
    hub.status = status
    hub.status_changed_at = timezone.now()
    hub.save(update_fields=["status", "status_changed_at"])
    HubEvent.objects.create(
        hub=hub, kind=HubEvent.Kind.STATUS, actor=actor, from_status=previous, to_status=status, detail=reason.strip()
    )
    return hub


@transaction.atomic
def hub_member_add(*, hub: Hub, user: User, role: str = HubRole.INSPECTOR) -> HubMember:
    member, _ = HubMember.objects.update_or_create(hub=hub, user=user, defaults={"role": role})
    return member
