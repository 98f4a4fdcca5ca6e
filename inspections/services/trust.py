"""Trust: brands audit a random sample of their inspections, hub reputation follows from
those audits, and a hub below a brand's threshold has its Like-New units held for the
brand's approval (DESIGN.md §5.7).

Reputation is `hubs.models.Hub.reputation`: the share of audits agreed with, shrunk
towards a Beta(9, 1) prior, so a new hub starts at 0.9, one disagreement leaves it at
0.82 and it takes a run of them to fall below the default threshold of 0.8. Audits
update the hub's counters on the public `Hub` row in the same transaction as the audit
in the brand's schema (both are on the connection's search path)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import ReasonRequired
from closo.locks import lock_one
from fulfillment.models import ConfigChange, EventKind
from fulfillment.services.config import config_change_record, config_diff
from fulfillment.services.events import event_record
from hubs.models import Hub
from inspections.exceptions import AuditDecided, InvalidTrustSettings, InvalidVerdict, ReasonTooLong
from inspections.models import Audit, Inspection

Verdict = Audit.Verdict
REASON_MAX = 300  # Audit.reason


# --- writes ---


@transaction.atomic
def audit_decide(*, audit: Audit, verdict: str, reason: str, actor: Actor) -> Audit:
    """Record the brand's verdict on a sampled inspection and count it in the hub's
    reputation. A disagreement needs a reason. The audit row is claimed with a conditional
    UPDATE (`WHERE verdict = ''`), so of two auditors deciding at once exactly one
    decision is stored and the hub's counters move once (with F(), on the public row, in
    the same transaction); the other gets AuditDecided (409)."""
    if verdict not in Verdict.values:
        raise InvalidVerdict(
            f"“{verdict}” is not a verdict: agree or disagree.", fields={"verdict": ["Choose agree or disagree."]}
        )
    reason = (reason or "").strip()
    if verdict == Verdict.DISAGREE and not reason:
        raise ReasonRequired(
            "Say what the hub got wrong: what the photos or answers show that it missed.",
            fields={"reason": ["A reason is required to disagree."]},
        )
    if len(reason) > REASON_MAX:
        raise ReasonTooLong(
            f"Keep the reason under {REASON_MAX} characters.",
            fields={"reason": [f"At most {REASON_MAX} characters."]},
        )
    now = timezone.now()
    claimed = Audit.objects.filter(pk=audit.pk, verdict="").update(
        verdict=verdict, reason=reason, auditor=actor.user, decided_at=now
    )
    if claimed != 1:
        current = Audit.objects.select_related("auditor").filter(pk=audit.pk).first()
        who = current.auditor.email if current and current.auditor else "someone else"
        said = Verdict(current.verdict).label.lower() if current and current.verdict else "decided"
        raise AuditDecided(
            f"This audit is already decided: {who} said “{said}”. Reload to see it.",
            fields={"verdict": current.verdict if current else ""},
        )
    inspection = Inspection.objects.select_related("return_item").get(pk=audit.inspection_id)
    agreed = verdict == Verdict.AGREE
    Hub.objects.filter(pk=inspection.hub_id).update(
        audits_total=F("audits_total") + 1, audits_agreed=F("audits_agreed") + (1 if agreed else 0)
    )
    hub = Hub.objects.only("name", "audits_agreed", "audits_total").get(pk=inspection.hub_id)
    audit.verdict, audit.reason, audit.auditor, audit.decided_at = verdict, reason, actor.user, now
    event_record(
        subject=inspection.return_item,
        kind=EventKind.AUDITED,
        actor=actor,
        detail=(
            "Audit: agreed with the inspection." + (f" {reason}" if reason else "")
            if agreed
            else f"Audit: disagreed with the inspection — {reason}"
        ),
        data={
            "audit": audit.pk,
            "inspection": inspection.pk,
            "verdict": verdict,
            "hub": hub.pk,
            "hub_reputation": round(hub.reputation, 4),
        },
    )
    return audit


@transaction.atomic
def trust_settings_update(
    *, brand: Brand, reputation_threshold: float, audit_sample_rate: float, actor: Actor
) -> Brand:
    """Set the brand's reputation threshold and audit sample rate (each 0–1). They apply
    to inspections submitted from now on; units already held stay held. The change is
    recorded in the brand's activity (in its schema, whichever schema the caller is in);
    setting the values they already have writes nothing."""
    problems = {
        name: ["Enter a number from 0 to 1."]
        for name, value in (("reputation_threshold", reputation_threshold), ("audit_sample_rate", audit_sample_rate))
        if value is None or not 0 <= value <= 1
    }
    if problems:
        raise InvalidTrustSettings("Both settings are numbers from 0 to 1.", fields=problems)
    # The stored row, locked: the old values recorded are the ones replaced.
    stored = lock_one(Brand.objects.only("reputation_threshold", "audit_sample_rate"), pk=brand.pk)
    diff = config_diff(
        {"reputation_threshold": stored.reputation_threshold, "audit_sample_rate": stored.audit_sample_rate},
        {"reputation_threshold": reputation_threshold, "audit_sample_rate": audit_sample_rate},
    )
    brand.reputation_threshold = reputation_threshold
    brand.audit_sample_rate = audit_sample_rate
    if not diff:
        return brand
    brand.save(update_fields=["reputation_threshold", "audit_sample_rate"])
    with schema_context(brand.schema_name):
        config_change_record(
            area=ConfigChange.Area.TRUST_SETTINGS,
            action=ConfigChange.Action.UPDATED,
            subject="Trust settings",
            changes=diff,
            actor=actor,
        )
    return brand
