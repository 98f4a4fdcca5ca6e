from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from brands import services as brand_services
from brands.models import ApiKey, Brand, BrandRole
from closo.models import User
from fulfillment.models import Sku
from hubs import services as hub_services
from hubs.models import Hub, HubKind, HubRole, HubStatus

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


def _user(email: str, *, staff: bool = False, name: str = "") -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, is_staff=staff, full_name=name)
    return user


class Command(BaseCommand):
    help = (
        "Load the demo: brand Northwind Blankets (northwind.<BASE_DOMAIN>) with an owner, a "
        "viewer, SKUs and an API key; three active hubs in Austin, TX and one applicant; a hub "
        "inspector; a staff user. Safe to run again: it only adds what is missing. "
        f"Every demo password is {DEMO_PASSWORD}."
    )

    def handle(self, *args, **options):
        brand_services.public_tenant_ensure()
        staff = _user(DEMO_STAFF, staff=True, name="Sam Staff")
        if not staff.is_superuser:
            staff.is_superuser = True
            staff.save(update_fields=["is_superuser"])

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
                hub_services.hub_record_check(hub=hub, check=check, actor=staff)
            hub_services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=staff)
            hub_services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=staff)
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
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
