from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse

from brands.models import Brand
from fulfillment.models import Event, StockUnit
from fulfillment.selectors.units import hold_required
from hubs.models import Hub
from inspections.engine import GRADE_LABELS
from inspections.models import Audit, Inspection, InspectionPhoto

Verdict = Audit.Verdict
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
