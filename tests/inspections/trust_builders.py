"""Builders for the trust and review tests: submitted inspections (with photos, audits and
stock units) written straight with the ORM, graded by the real engine against a real
published standard. Call them inside the brand's schema."""

from __future__ import annotations

import datetime
import hashlib

from django.utils import timezone

from closo.actors import Actor
from fulfillment.models import ReturnItem, ReturnStatus, Sku, StockUnit
from inspections import engine
from inspections.models import Audit, Inspection, InspectionPhoto, StandardVersion
from inspections.selectors.standards import snapshot_of
from tests.inspections.conftest import make_standard

DISPOSED_AS = {
    "local_stock": ReturnItem.Disposition.IN_LOCAL_STOCK,
    "warehouse": ReturnItem.Disposition.TO_WAREHOUSE,
    "liquidation": ReturnItem.Disposition.LIQUIDATED,
    "recycle": ReturnItem.Disposition.RECYCLED,
}


def published_version(actor: Actor) -> StandardVersion:
    """The brand default's published v1 (6 checks, 4 required photos), made once."""
    version = StandardVersion.objects.filter(status=StandardVersion.Status.PUBLISHED).order_by("pk").first()
    if version is None:
        make_standard(actor, items=6, photos=4, publish=True)
        version = StandardVersion.objects.get(status=StandardVersion.Status.PUBLISHED)
    return StandardVersion.objects.prefetch_related("checklist", "photos").get(pk=version.pk)


def make_inspection(
    *,
    hub,
    inspector,
    rma: str,
    actor: Actor,
    failed: tuple[str, ...] = (),
    lower_to: str | None = None,
    lower_reason: str = "",
    audit: bool = False,
    unit_status: str | None = None,
    photos: bool = True,
    seconds: int = 30,
    submitted_at: datetime.datetime | None = None,
    sku_code: str = "WB-15",
) -> Inspection:
    """A return on the hub route, inspected at `hub`: checks in `failed` failed, the rest
    passed; lowered to `lower_to` with `lower_reason` if given. `audit`: sampled (pending).
    `unit_status`: a stock unit with that status (L-<id>). `photos`: one ready photo per slot."""
    version = published_version(actor)
    sku, _ = Sku.objects.get_or_create(code=sku_code, defaults={"title": "Weighted blanket", "price": 119})
    answers = {item.key: item.key not in failed for item in version.checklist.all()}
    result = engine.evaluate(snapshot_of(version), answers, requested_grade=lower_to, reason=lower_reason)
    item = ReturnItem.objects.create(
        rma_ref=rma,
        sku=sku,
        customer_zip="78702",
        status=ReturnStatus.DISPOSED,
        route=ReturnItem.Route.HUB,
        hub=hub,
        disposition=DISPOSED_AS[result.disposition],
    )
    submitted_at = submitted_at or timezone.now()
    inspection = Inspection.objects.create(
        return_item=item,
        hub=hub,
        inspector=inspector,
        version=version,
        started_at=submitted_at - datetime.timedelta(seconds=seconds),
        submitted_at=submitted_at,
        answers=answers,
        computed_grade=result.computed_grade,
        final_grade=result.final_grade,
        lower_reason=result.lowered_reason,
        reasons=list(result.reasons),
        disposition=result.disposition,
    )
    if photos:
        for slot in version.photos.all():
            InspectionPhoto.objects.create(
                return_item=item,
                inspection=inspection,
                slot=slot.slot,
                uploaded_by=inspector,
                hub=hub,
                original=f"brand_x/photos/{rma}-{slot.slot}.jpg",
                display=f"brand_x/photos/{rma}-{slot.slot}-d.jpg",
                thumbnail=f"brand_x/photos/{rma}-{slot.slot}-t.jpg",
                content_type="image/jpeg",
                bytes_uploaded=350_000,
                width=2048,
                height=1536,
                sha256=hashlib.sha256(f"{rma}{slot.slot}".encode()).hexdigest(),
                status=InspectionPhoto.Status.READY,
                processed_at=submitted_at,
            )
    if audit:
        Audit.objects.create(inspection=inspection)
    if unit_status:
        unit = StockUnit.objects.create(
            sku=sku,
            hub=hub,
            return_item=item,
            inspection_id=inspection.pk,
            label=f"L-{rma}",
            condition=result.final_grade,
            status=unit_status,
        )
        unit.label = f"L-{unit.pk:04d}"
        unit.save(update_fields=["label"])
    return inspection
