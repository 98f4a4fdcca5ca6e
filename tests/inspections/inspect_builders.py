"""Builders for the hub inspection tests: a published standard with 8 checks and 4 photo
slots, a return assigned to a hub and received there through the real services, photos
as the upload pipeline leaves them, and a second active hub with its own inspector."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django_tenants.utils import schema_context

from closo.actors import Actor
from closo.models import User
from fulfillment.models import ReturnItem, Sku
from fulfillment.services import returns as return_services
from hubs.models import Hub, HubRole, HubStatus
from hubs.services import registry as hub_services
from inspections.models import Grade, InspectionPhoto, StandardVersion
from inspections.services import standard_rows as row_services
from inspections.services import standards as standard_services
from tests.factories import HUB, PASSWORD, SYSTEM, applied_hub, as_staff

SKU_CODE = "WB-INSPECT"

CHECKS = [
    ("tags", "Tags attached", Grade.GOOD),
    ("odor", "No odor", Grade.UNSELLABLE),
    ("stains", "No stains", Grade.FAIR),
    ("seams", "Seams intact", Grade.FAIR),
    ("packaging", "Original packaging", Grade.GOOD),
    ("pilling", "No pilling", Grade.GOOD),
    ("fill", "Fill evenly spread", Grade.FAIR),
    ("label", "Care label readable", Grade.GOOD),
]
EVIDENCE_TRIGGERS = [
    ("inspections_inspection", "inspections_inspection_sealed"),
    ("inspections_inspectionphoto", "inspections_photo_sealed"),
]

SLOTS = [("front", "Front"), ("back", "Back"), ("care-label", "Care label"), ("defect", "Defect close-up")]
ALL_PASS = {key: True for key, _, _ in CHECKS}


def publish_standard(
    actor: Actor,
    *,
    optional_checks: tuple[str, ...] = (),
    optional_slots: tuple[str, ...] = (),
    min_edge: int = 1200,
    dispositions: dict | None = None,
) -> StandardVersion:
    """The brand default, v1 published: the 8 CHECKS (those in `optional_checks` not
    required), the 4 SLOTS (those in `optional_slots` not required), and the default dispositions updated with
    `dispositions`. Call inside the brand's schema."""
    standard = standard_services.standard_create(name="Brand default", scope="default", actor=actor)
    version = standard.versions.get()
    for key, prompt, cap in CHECKS:
        row_services.checklist_item_add(
            version=version, key=key, prompt=prompt, fail_cap=cap, required=key not in optional_checks, actor=actor
        )
    for slot, label in SLOTS:
        row_services.photo_slot_add(
            version=version,
            slot=slot,
            label=label,
            required=slot not in optional_slots,
            min_long_edge_px=min_edge,
            actor=actor,
        )
    if dispositions:
        standard_services.version_dispositions_set(
            version=version, dispositions={**version.dispositions, **dispositions}, actor=actor
        )
    return standard_services.version_publish(version=version, actor=actor)


def received_return(brand, hub: Hub, *, rma: str = "RMA-INSPECT-1", sku_code: str = SKU_CODE) -> ReturnItem:
    """A return of `brand` assigned to `hub` and received there by its drop-off code (status
    dropped_off, the hub's INSPECT task open), through the real services."""
    with schema_context(brand.schema_name):
        Sku.objects.get_or_create(code=sku_code, defaults={"title": "Weighted blanket", "price": 119})
        item = return_services.return_create(
            rma_ref=rma, sku_code=sku_code, customer_zip="78702", hub=hub, actor=SYSTEM
        )
    _, item = return_services.return_receive_dropoff(code=item.dropoff_code, hub=hub, actor=HUB)
    return item


def assigned_return(brand, hub: Hub, *, rma: str = "RMA-ROUTED-1", sku_code: str = SKU_CODE) -> ReturnItem:
    """A return assigned to `hub` but not brought in yet (status routed)."""
    with schema_context(brand.schema_name):
        Sku.objects.get_or_create(code=sku_code, defaults={"title": "Weighted blanket", "price": 119})
        return return_services.return_create(
            rma_ref=rma, sku_code=sku_code, customer_zip="78702", hub=hub, actor=SYSTEM
        )


def add_photos(
    item: ReturnItem,
    hub: Hub,
    *,
    slots=None,
    status: str = InspectionPhoto.Status.READY,
    size: tuple[int, int] | None = (2048, 1536),
) -> list[InspectionPhoto]:
    """Photos of `item` for `slots` (default: all four) as the upload pipeline stores them
    (no files: the inspection only reads the rows). Call inside the brand's schema."""
    width, height = size or (None, None)
    return [
        InspectionPhoto.objects.create(
            return_item=item,
            slot=slot,
            hub=hub,
            original=f"tests/photos/{item.pk}-{slot}.jpg",
            content_type="image/jpeg",
            bytes_uploaded=400_000,
            width=width,
            height=height,
            status=status,
            sha256=f"{i:02d}" * 32 if status == InspectionPhoto.Status.READY else "",
        )
        for i, slot in enumerate(slots if slots is not None else [s for s, _ in SLOTS])
    ]


def other_active_hub(staff: User, *, name: str = "Westside Stoop", email: str = "oscar@hub.test") -> tuple[Hub, User]:
    """A second active hub serving the same ZIPs (78703), with its own inspector."""
    hub = applied_hub(name, zip_code="78703")
    for check in hub_services.VETTING_CHECKS:
        hub_services.hub_record_check(hub=hub, check=check, actor=as_staff(staff))
    hub_services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=as_staff(staff))
    hub_services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=as_staff(staff))
    inspector = User.objects.create_user(email, PASSWORD)
    hub_services.hub_member_add(hub=hub, user=inspector, role=HubRole.INSPECTOR)
    return hub, inspector


@contextmanager
def evidence_unsealed() -> Iterator[None]:
    """For tests' set-up and clean-up only: the triggers that seal submitted inspections and
    their photos (migration inspections.0003) are off inside one transaction and on again
    before it ends, so no other connection ever sees them off. Call it in a brand schema."""
    with transaction.atomic(), connection.cursor() as cursor:
        # ALTER TABLE waits for no deferred foreign-key check of the transaction: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in EVIDENCE_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        yield
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in EVIDENCE_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
