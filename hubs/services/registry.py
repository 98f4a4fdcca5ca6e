"""Hub applications, vetting and status changes. Each writes a HubEvent.

    applied ─→ vetted ─→ active ⇄ suspended
                  └──────────────────↗

Status moves are one `StateMachine` table (`HUBS`); only Closo staff make them, and
"vetted" needs every vetting check (checked here, before the move)."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from closo.actors import Actor, Party
from closo.exceptions import NotAllowed
from closo.locks import lock_one
from closo.models import User
from hubs.exceptions import UnknownCheck, UnknownZip, VettingIncomplete
from hubs.machines import HUBS
from hubs.models import Hub, HubEvent, HubMember, HubRole, HubStatus, PostalCode
from hubs.signals import hub_suspended

VETTING_CHECKS = {
    "id_verified": "ID verified",
    "agreement_signed": "Agreement signed",
    "training_completed": "Training completed",
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
def hub_apply_with_email(*, email: str, password: str, sign_in_url: str, name: str, **details) -> Hub | None:
    """Someone not signed in applies with an e-mail and a password. The answer must not
    tell whether the address has an account, so both cases end the same for the caller
    (no sign-in; "check your e-mail") and differ only in the e-mail, sent after commit:
    - a new address gets its account, the application (it owns the hub) and an e-mail
      saying to sign in at `sign_in_url` to follow it;
    - an address with an account gets nothing created (a stranger cannot attach a hub to
      someone's account) and an e-mail asking its holder to sign in and apply from there.
    Both hash the password, so the time taken does not tell either. Returns the new hub,
    or None."""
    try:
        with transaction.atomic():
            applicant = User.objects.create_user(email, password)  # hashes first
    except IntegrityError:  # the address has an account (e-mails are unique in any case)
        applicant = None
    hub = hub_apply(applicant=applicant, name=name, **details) if applicant is not None else None
    template = "hubs/emails/application_received.txt" if hub else "hubs/emails/application_existing_account.txt"
    body = render_to_string(template, {"hub_name": name.strip(), "email": email, "sign_in_url": sign_in_url})
    subject = "Your Closo hub application" if hub else "Apply to be a Closo hub from your account"
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return hub


def _locked(hub: Hub) -> Hub:
    """The hub row as it is now, locked until the end of the transaction."""
    locked = lock_one(Hub, pk=hub.pk)
    if locked is None:
        raise Hub.DoesNotExist(f"Hub {hub.pk} does not exist.")
    return locked


@transaction.atomic
def hub_record_check(*, hub: Hub, check: str, actor: Actor) -> Hub:
    """Staff confirm one vetting check (ID, agreement, training): who and when. Locks the
    hub row, so a check recorded twice at once keeps the first record."""
    if actor.party != Party.STAFF:
        raise NotAllowed("Only Closo staff record vetting checks.")
    if check not in VETTING_CHECKS:
        raise UnknownCheck(f"Unknown vetting check “{check}”.")
    hub = _locked(hub)
    if getattr(hub, f"{check}_at") is None:
        setattr(hub, f"{check}_at", timezone.now())
        setattr(hub, f"{check}_by", actor.user)
        hub.save(update_fields=[f"{check}_at", f"{check}_by"])
        HubEvent.objects.create(hub=hub, kind=HubEvent.Kind.CHECK, actor=actor.user, detail=VETTING_CHECKS[check])
    return hub


@transaction.atomic
def hub_set_status(*, hub: Hub, status: str, actor: Actor, reason: str = "") -> Hub:
    """Move a hub along applied → vetted → active ⇄ suspended (`HUBS`), by Closo staff.
    Locks the hub row first (LOCK_ORDER: Hub before its tasks), so of two staff clicking
    at once the second sees the first's move and is refused (InvalidTransition, 409)."""
    hub = _locked(hub)
    HUBS.move_for(hub, status)  # a move the table lacks is refused before anything else
    if status == HubStatus.VETTED and not hub.vetting_complete:
        missing = [label for key, label in VETTING_CHECKS.items() if getattr(hub, f"{key}_at") is None]
        raise VettingIncomplete("Still to confirm: " + ", ".join(missing) + ".", fields={"missing": missing})
    hub = HUBS.transition(hub, status, actor=actor, detail=reason)
    if status == HubStatus.SUSPENDED:
        # The returns on their way to it are re-routed by fulfillment, after commit (a
        # suspension rolled back re-routes nothing), each brand in its schema.
        hub_id = hub.pk
        transaction.on_commit(lambda: hub_suspended.send(sender=Hub, hub_id=hub_id, actor=actor), robust=True)
    return hub


@transaction.atomic
def hub_member_add(*, hub: Hub, user: User, role: str = HubRole.INSPECTOR) -> HubMember:
    member, _ = HubMember.objects.update_or_create(hub=hub, user=user, defaults={"role": role})
    return member
