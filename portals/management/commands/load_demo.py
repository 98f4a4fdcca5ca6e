from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import ApiKey, Brand, BrandRole
from brands.services import brands as brand_services
from closo.actors import Actor, Party
from closo.models import User
from fulfillment.models import Backorder, Channel, InboundSupply, RegionLimit, ReturnItem, Sku
from fulfillment.services import backorders as backorder_services
from fulfillment.services import regions as region_services
from fulfillment.services import returns as return_services
from fulfillment.services import supply as supply_services
from hubs.models import Hub, HubKind, HubRole, HubStatus
from hubs.services import registry as hub_services
from inspections.models import Grade, GradingStandard
from inspections.services import standard_rows as row_services
from inspections.services import standards as standard_services

DEMO_PASSWORD = "closo-demo-2026"
DEMO_BRAND = {"name": "Northwind Blankets", "slug": "northwind", "admin_email": "admin@northwind.example"}
DEMO_VIEWER = "viewer@northwind.example"
DEMO_STAFF = "staff@closo.example"
DEMO_INSPECTOR = "inspector@closo.example"
DEMO_APPLICANT = "applicant@closo.example"
# A fixed key so docs/api.md's curl examples work as written against the demo. Local only.
DEMO_API_KEY_ID = "0000000de770"
DEMO_API_SECRET = "northwind-demo-key-for-local-development-only"
DEMO_API_KEY = f"{ApiKey.PREFIX}{DEMO_API_KEY_ID}.{DEMO_API_SECRET}"

HUBS = [
    # name, kind, address, zip, radius, capacity, hours, owner e-mail
    ("Eastside Porch", HubKind.NEIGHBOUR, "1100 E 6th St", "78702", 8, 25, "Mon–Sat 8–20", "eastside@closo.example"),
    (
        "Downtown Print & Ship",
        HubKind.SMALL_BUSINESS,
        "500 Congress Ave",
        "78701",
        10,
        60,
        "Mon–Fri 9–18",
        "downtown@closo.example",
    ),
    (
        "South Lamar Bikes",
        HubKind.SMALL_BUSINESS,
        "1600 S Lamar Blvd",
        "78704",
        12,
        40,
        "Tue–Sun 10–19",
        "southlamar@closo.example",
    ),
]
SKUS = [
    ("WB-15-SAGE", "Weighted blanket 15 lb", {"colour": "Sage", "weight": "15 lb"}, "Blankets", "120.00"),
    ("WB-20-SAGE", "Weighted blanket 20 lb", {"colour": "Sage", "weight": "20 lb"}, "Blankets", "140.00"),
    ("WB-15-NAVY", "Weighted blanket 15 lb", {"colour": "Navy", "weight": "15 lb"}, "Blankets", "120.00"),
    ("TH-KNIT-OAT", "Chunky knit throw", {"colour": "Oat"}, "Throws", "89.00"),
]


CHECKLIST = [
    # key, prompt, fail cap, required
    ("no_stains", "No stains or marks", Grade.FAIR, True),
    ("no_odor", "No odor (smoke, pets, perfume)", Grade.UNSELLABLE, True),
    ("seams_intact", "Seams and stitching intact", Grade.FAIR, True),
    ("beads_even", "Weight beads evenly spread", Grade.GOOD, True),
    ("tags_attached", "Care tags attached", Grade.GOOD, True),
    ("original_packaging", "Original packaging", Grade.GOOD, False),
    ("no_pilling", "No pilling on the cover", Grade.GOOD, True),
    ("zipper_works", "Cover zipper works", Grade.FAIR, True),
]
PHOTOS = [
    ("front", "Front, laid flat", True),
    ("back", "Back", True),
    ("care_label", "Care label", True),
    ("defect", "Defect close-up", False),
]


def _load_workspace(actor: Actor) -> None:
    """A published grading standard, a region, backorders, returns and restocks, so every
    portal page has something to show. Only what is missing is added."""
    if not GradingStandard.objects.filter(scope=GradingStandard.Scope.DEFAULT).exists():
        standard = standard_services.standard_create(name="Northwind standard", scope="default", actor=actor)
        draft = standard.versions.get()
        for key, prompt, cap, required in CHECKLIST:
            row_services.checklist_item_add(
                version=draft, key=key, prompt=prompt, fail_cap=cap, required=required, actor=actor
            )
        for slot, label, required in PHOTOS:
            row_services.photo_slot_add(version=draft, slot=slot, label=label, required=required, actor=actor)
        standard_services.version_publish(version=draft, actor=actor, notes="First standard")
    if not RegionLimit.objects.exists():
        region_services.region_create(
            name="Austin metro",
            zip_prefixes="786, 787",
            within_miles_of_hub=15,
            max_promise_days=30,
            max_open_backorders_per_sku=50,
            actor=actor,
        )
    now = timezone.now()
    for i, (code, zip_code, days_ago) in enumerate(DEMO_BACKORDERS, start=1):
        if not Backorder.objects.filter(order_ref=f"NW-{1000 + i}-1").exists():
            backorder_services.backorder_create(
                order_ref=f"NW-{1000 + i}-1",
                sku_code=code,
                customer_zip=zip_code,
                value=Decimal("120.00"),
                placed_at=now - timedelta(days=days_ago),
                customer_name=f"Customer {i}",
                channel=Channel.API,
                actor=actor,
            )
    eastside = Hub.objects.get(name="Eastside Porch")
    for i, (code, zip_code, reason, to_hub) in enumerate(DEMO_RETURNS, start=1):
        if not ReturnItem.objects.filter(rma_ref=f"RMA-{2000 + i}").exists():
            return_services.return_create(
                rma_ref=f"RMA-{2000 + i}",
                sku_code=code,
                customer_zip=zip_code,
                reason=reason,
                hub=eastside if to_hub else None,
                route="" if to_hub else "manual",
                actor=actor,
            )
    if not InboundSupply.objects.exists():
        today = timezone.localdate()
        for i, (code, qty, weeks) in enumerate(DEMO_SUPPLY, start=1):
            supply_services.supply_create(
                po_ref=f"PO-{3000 + i}",
                sku_code=code,
                qty=qty,
                expected_date=today + timedelta(weeks=weeks),
                actor=actor,
            )


DEMO_BACKORDERS = [
    ("WB-15-SAGE", "78702", 21),
    ("WB-15-SAGE", "78704", 12),
    ("WB-15-SAGE", "78745", 5),
    ("WB-20-SAGE", "78701", 9),
    ("WB-15-NAVY", "78723", 2),
    ("WB-15-SAGE", "78751", 1),
]
# sku, customer ZIP, reason, routed to Eastside Porch (so the demo inspector's queue has
# drop-offs to receive; automatic routing would pick Downtown Print & Ship for 78703, which
# serves more of the waiting customers), else left for the brand to route by hand.
DEMO_RETURNS = [
    ("WB-15-SAGE", "78703", "Too warm", True),
    ("WB-15-SAGE", "78741", "Changed my mind", True),
    ("WB-20-SAGE", "78722", "Too heavy", False),
]
DEMO_SUPPLY = [("WB-15-SAGE", 200, 3), ("WB-20-SAGE", 120, 5), ("WB-15-NAVY", 80, 6)]


def _user(email: str, *, staff: bool = False, name: str = "") -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, is_staff=staff, full_name=name)
    return user


class Command(BaseCommand):
    help = (
        "Load the demo: brand Northwind Blankets (northwind.<BASE_DOMAIN>) with an owner, a "
        "viewer, SKUs, a published grading standard, a region, backorders, returns, restocks and "
        "an API key; three active hubs in Austin, TX and one applicant; a hub inspector; a staff "
        "user. Safe to run again: it only adds what is missing. "
        f"Every demo password is {DEMO_PASSWORD}."
    )

    def handle(self, *args, **options):
        brand_services.public_tenant_ensure()
        staff = _user(DEMO_STAFF, staff=True, name="Sam Staff")
        if not staff.is_superuser:
            staff.is_superuser = True
            staff.save(update_fields=["is_superuser"])
        staff_actor = Actor.for_user(staff, party=Party.STAFF)

        brand = Brand.objects.filter(slug=DEMO_BRAND["slug"]).first()
        if brand is None:
            _user(DEMO_BRAND["admin_email"], name="Nora Northwind")
            brand = brand_services.brand_create(**DEMO_BRAND)
        brand_services.membership_set(brand=brand, user=_user(DEMO_VIEWER, name="Vic Viewer"), role=BrandRole.VIEWER)
        with transaction.atomic():
            if not ApiKey.objects.filter(key_id=DEMO_API_KEY_ID).exists():
                ApiKey.objects.create(
                    brand=brand,
                    name="Demo storefront",
                    role=BrandRole.ADMIN,
                    key_id=DEMO_API_KEY_ID,
                    digest=ApiKey.hash_secret(DEMO_API_SECRET),
                )
        with schema_context(brand.schema_name):
            for code, title, attributes, category, price in SKUS:
                Sku.objects.get_or_create(
                    code=code,
                    defaults={
                        "title": title,
                        "attributes": attributes,
                        "category": category,
                        "price": Decimal(price),
                    },
                )

        for name, kind, address, zip_code, radius, capacity, hours, owner_email in HUBS:
            if Hub.objects.filter(name=name).exists():
                continue
            hub = hub_services.hub_apply(
                applicant=_user(owner_email),
                name=name,
                kind=kind,
                address=address,
                zip_code=zip_code,
                service_radius_miles=radius,
                daily_capacity=capacity,
                opening_hours=hours,
            )
            for check in hub_services.VETTING_CHECKS:
                hub_services.hub_record_check(hub=hub, check=check, actor=staff_actor)
            hub_services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=staff_actor)
            hub_services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=staff_actor)
        eastside = Hub.objects.get(name="Eastside Porch")
        hub_services.hub_member_add(
            hub=eastside, user=_user(DEMO_INSPECTOR, name="Ines Inspector"), role=HubRole.INSPECTOR
        )
        if not Hub.objects.filter(name="Mueller Corner Store").exists():
            hub_services.hub_apply(
                applicant=_user(DEMO_APPLICANT),
                name="Mueller Corner Store",
                kind=HubKind.SMALL_BUSINESS,
                address="1801 Aldrich St",
                zip_code="78723",
                daily_capacity=15,
                opening_hours="Daily 7–22",
            )
        with schema_context(brand.schema_name):
            # The loader is Closo's automation acting for the brand (SYSTEM), on its owner's behalf.
            owner = User.objects.get(email=DEMO_BRAND["admin_email"])
            _load_workspace(Actor(user=owner, label=f"demo loader ({owner.email})", party=Party.SYSTEM))
        self.stdout.write(self.style.SUCCESS("Demo data ready."))


def demo_dropoff_codes() -> list[tuple[str, str]]:
    """(RMA, code) of the demo drop-offs still waiting at Eastside Porch, for the banner."""
    from hubs.models import HubTask

    tasks = HubTask.objects.filter(hub__name="Eastside Porch", kind=HubTask.Kind.DROPOFF, status=HubTask.Status.OPEN)
    return [(task.reference, f"{task.code[:4]}-{task.code[4:]}") for task in tasks.order_by("reference")]
