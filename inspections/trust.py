"""Trust: brands audit a random sample of their inspections, hub reputation follows from
those audits, and a hub below a brand's threshold has its Like-New units held for the
brand's approval (DESIGN.md §5.7).

Reputation is `hubs.models.Hub.reputation`: the share of audits agreed with, shrunk
towards a Beta(9, 1) prior, so a new hub starts at 0.9, one disagreement leaves it at
0.82 and it takes a run of them to fall below the default threshold of 0.8. Audits
update the hub's counters on the public `Hub` row in the same transaction as the audit
in the brand's schema (both are on the connection's search path)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from brands.models import Brand
from closo.actors import Actor
from closo.exceptions import Conflict, DomainError
from fulfillment.models import Event, StockUnit
from fulfillment.services.events import event_record
from hubs.models import Hub, HubTask
from hubs.queue import hub_task_close
from inspections.engine import GRADE_LABELS
from inspections.models import Audit, Inspection, InspectionPhoto

Verdict = Audit.Verdict
REASON_MAX = 300  # Audit.reason


class InvalidVerdict(DomainError):
    code = "invalid_verdict"


class ReasonRequired(DomainError):
    code = "reason_required"


class AuditDecided(Conflict):
    """An audit is decided once: the first decision counts, later ones are refused."""

    code = "audit_decided"


class UnitNotHeld(Conflict):
    code = "unit_not_held"


class InvalidTrustSettings(DomainError):
    code = "invalid_settings"


def hold_required(hub: Hub, brand: Brand) -> bool:
    """Whether a Like-New unit inspected at `hub` waits for `brand`'s approval: the hub's
    reputation is below the brand's threshold (equal is good standing). Pass a hub read
    in the releasing transaction, so an audit decided a moment ago counts."""
    return hub.reputation < brand.reputation_threshold


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
        raise ReasonRequired(
            f"Keep the reason under {REASON_MAX} characters.",
            code="reason_too_long",
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
        kind="audited",
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


def _claim_held(unit: StockUnit, to_status: str) -> None:
    updated = StockUnit.objects.filter(pk=unit.pk, status=StockUnit.Status.HELD).update(
        status=to_status, updated_at=timezone.now()
    )
    if updated != 1:
        current = StockUnit.objects.filter(pk=unit.pk).values_list("status", flat=True).first() or unit.status
        raise UnitNotHeld(
            f"Unit {unit.label} is not held any more: it is {StockUnit.Status(current).label.lower()}. "
            "Reload to see what changed.",
            fields={"status": current},
        )


@transaction.atomic
def unit_approve(*, unit: StockUnit, actor: Actor) -> StockUnit:
    """held → available: the brand accepts the hub's Like-New grade, so the unit joins
    local stock. Conditional on `held` (two approvals, or an approval racing a rejection,
    change it once; the other gets UnitNotHeld, 409)."""
    _claim_held(unit, StockUnit.Status.AVAILABLE)
    previous, unit.status = unit.status, StockUnit.Status.AVAILABLE
    event_record(
        subject=unit,
        kind="approved",
        actor=actor,
        from_status=previous,
        to_status=unit.status,
        detail=f"Approved by the brand: {unit.label} is local stock.",
        data={"inspection": unit.inspection_id},
    )
    return unit


@transaction.atomic
def unit_reject(*, unit: StockUnit, reason: str, actor: Actor) -> StockUnit:
    """held → to_warehouse, with the reason: the brand does not accept the hub's grade, so
    the unit leaves the hub's shelf for the warehouse (its shelf task is closed)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            "Say why the unit goes to the warehouse instead of local stock.",
            fields={"reason": ["A reason is required to reject."]},
        )
    # Imported here so that fulfillment.services.units can import hold_required without a cycle.
    from brands.selectors import brand_of_connection

    _claim_held(unit, StockUnit.Status.TO_WAREHOUSE)
    previous, unit.status = unit.status, StockUnit.Status.TO_WAREHOUSE
    hub_task_close(brand=brand_of_connection(), return_item_id=unit.return_item_id, kind=HubTask.Kind.SHELF)
    event_record(
        subject=unit,
        kind="rejected",
        actor=actor,
        from_status=previous,
        to_status=unit.status,
        detail=f"Rejected by the brand — {reason}",
        data={"inspection": unit.inspection_id},
    )
    return unit


@transaction.atomic
def trust_settings_update(
    *, brand: Brand, reputation_threshold: float, audit_sample_rate: float, actor: Actor
) -> Brand:
    """Set the brand's reputation threshold and audit sample rate (each 0–1). They apply
    to inspections submitted from now on; units already held stay held."""
    problems = {
        name: ["Enter a number from 0 to 1."]
        for name, value in (("reputation_threshold", reputation_threshold), ("audit_sample_rate", audit_sample_rate))
        if value is None or not 0 <= value <= 1
    }
    if problems:
        raise InvalidTrustSettings("Both settings are numbers from 0 to 1.", fields=problems)
    brand.reputation_threshold = reputation_threshold
    brand.audit_sample_rate = audit_sample_rate
    brand.save(update_fields=["reputation_threshold", "audit_sample_rate"])
    return brand


# --- reads ---

DURATION = models.ExpressionWrapper(F("submitted_at") - F("started_at"), output_field=models.DurationField())


class Median(models.Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.FloatField()


def _seconds(expression) -> models.Func:
    return models.Func(expression, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=models.FloatField())


def inspections_all() -> models.QuerySet[Inspection]:
    """Inspections with what lists show (return, SKU, unit, hub, inspector, standard
    version, audit) in the same query, annotated with `duration`."""
    return Inspection.objects.select_related(
        "return_item__sku", "return_item__unit", "hub", "inspector", "version__standard", "audit__auditor"
    ).annotate(duration=DURATION)


def inspection_get(*, pk: int) -> Inspection:
    """One inspection of this brand (the connection is on its schema) with its pinned
    version's checklist and photo slots and its photos, or 404."""
    queryset = inspections_all().prefetch_related(
        "version__checklist", "version__photos", Prefetch("photos", queryset=InspectionPhoto.objects.order_by("pk"))
    )
    return get_object_or_404(queryset, pk=pk)


def inspection_stats(*, queryset: models.QuerySet[Inspection]) -> dict:
    """Count, Like-New count and median duration (seconds) of `queryset`, in one query."""
    return queryset.order_by().aggregate(
        total=Count("pk"),
        like_new=Count("pk", filter=Q(final_grade="like_new")),
        median_seconds=Median(_seconds(DURATION)),
    )


def trust_counts() -> dict:
    """Audits waiting for a verdict and units held for approval, in one query."""
    return Inspection.objects.aggregate(
        audits_pending=Count("audit", filter=Q(audit__verdict="")),
        units_held=Count("return_item__unit", filter=Q(return_item__unit__status=StockUnit.Status.HELD)),
    )


def hubs_inspecting() -> models.QuerySet[Hub]:
    """The hubs that have inspected this brand's returns."""
    return Hub.objects.filter(pk__in=Inspection.objects.values("hub_id")).order_by("name")


def hub_trust_rows(*, brand: Brand) -> list[dict]:
    """Per hub that inspected for `brand`: its inspections here, audits and reputation,
    and whether its Like-New units are held. Two queries."""
    counts = {
        row["hub_id"]: row
        for row in Inspection.objects.order_by()
        .values("hub_id")
        .annotate(
            inspections=Count("pk"),
            audited=Count("audit", filter=~Q(audit__verdict="")),
            disagreed=Count("audit", filter=Q(audit__verdict=Verdict.DISAGREE)),
        )
    }
    return [
        {
            "hub": hub,
            "inspections": counts[hub.pk]["inspections"],
            "audited": counts[hub.pk]["audited"],
            "disagreed": counts[hub.pk]["disagreed"],
            "held": hold_required(hub, brand),
        }
        for hub in Hub.objects.filter(pk__in=counts).order_by("name")
    ]


def audits_all() -> models.QuerySet[Audit]:
    """Audits with their inspection, return, SKU, hub and auditor in the same query."""
    return Audit.objects.select_related(
        "inspection__return_item__sku", "inspection__hub", "inspection__inspector", "auditor"
    )


def audits_pending() -> models.QuerySet[Audit]:
    """The audit queue: undecided audits, oldest sample first."""
    return audits_all().filter(verdict="").order_by("sampled_at", "pk")


def audit_get(*, pk: int) -> Audit:
    return get_object_or_404(audits_all(), pk=pk)


def units_all() -> models.QuerySet[StockUnit]:
    """Stock units with their SKU, hub and return in the same query."""
    return StockUnit.objects.select_related("sku", "hub", "return_item")


def units_held() -> models.QuerySet[StockUnit]:
    """Units waiting for the brand's approval, oldest first."""
    return units_all().filter(status=StockUnit.Status.HELD).order_by("created_at", "pk")


def unit_get(*, pk: int) -> StockUnit:
    return get_object_or_404(units_all(), pk=pk)


def inspection_events(*, inspection: Inspection) -> models.QuerySet[Event]:
    """The return's chain of custody and its stock unit's, oldest first."""
    item = inspection.return_item
    return (
        Event.objects.select_related("hub")
        .filter(Q(return_item=item) | Q(unit__return_item=item))
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class Answer:
    """One checklist item of the pinned version with the inspector's answer."""

    key: str
    prompt: str
    help_text: str
    required: bool
    fail_cap: str
    answer: str  # "pass", "fail" or "skipped"

    @property
    def fail_cap_label(self) -> str:
        return GRADE_LABELS[self.fail_cap]


def inspection_answers(inspection: Inspection) -> list[Answer]:
    """Every item of the version the inspection pinned, in its order, with the answer."""
    values = {True: "pass", False: "fail"}
    return [
        Answer(
            key=item.key,
            prompt=item.prompt,
            help_text=item.help_text,
            required=item.required,
            fail_cap=item.fail_cap,
            answer=values.get(inspection.answers.get(item.key), "skipped"),
        )
        for item in inspection.version.checklist.all()
    ]


RENDITIONS = ("thumbnail", "display", "original")


def photo_path(photo_id: int, rendition: str) -> str:
    """The brand host's authorizing URL of a photo rendition (inspections.photo_urls)."""
    return reverse("brand_photo", args=[photo_id, rendition])


@dataclass(frozen=True)
class GalleryPhoto:
    slot: str
    label: str
    required: bool
    photo: InspectionPhoto | None  # None: no photo was taken for this slot

    @property
    def ready(self) -> bool:
        return self.photo is not None and self.photo.status == InspectionPhoto.Status.READY

    @property
    def thumbnail_url(self) -> str:
        return photo_path(self.photo.pk, "thumbnail") if self.photo else ""

    @property
    def display_url(self) -> str:
        return photo_path(self.photo.pk, "display") if self.photo else ""


def inspection_gallery(inspection: Inspection) -> list[GalleryPhoto]:
    """The inspection's photos in the order of the version's slots (the latest photo of
    each slot); a slot without a photo is listed with `photo=None`, and a photo whose slot
    is not in the version comes last."""
    photos = {photo.slot: photo for photo in inspection.photos.all()}  # by pk: the last one wins
    gallery = [
        GalleryPhoto(slot=slot.slot, label=slot.label, required=slot.required, photo=photos.pop(slot.slot, None))
        for slot in inspection.version.photos.all()
    ]
    gallery += [GalleryPhoto(slot=slot, label=slot, required=False, photo=photo) for slot, photo in photos.items()]
    return gallery
