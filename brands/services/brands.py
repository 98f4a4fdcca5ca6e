"""Every write to brands, memberships and API keys goes through these functions."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_exists

from brands.exceptions import InvalidSlug, SchemaExists, SlugTaken
from brands.models import Brand, BrandMembership, BrandRole, Domain
from closo.models import User

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset({"www", "api", "admin", "hub", "hubs", "staff", "static", "media", "public", "mail"})


def schema_name_for(slug: str) -> str:
    return "brand_" + slug.replace("-", "_")


def public_tenant_ensure() -> Brand:
    """The row that maps the public host (BASE_DOMAIN) to the public schema. Idempotent."""
    public, _ = Brand.objects.get_or_create(
        schema_name=settings.PUBLIC_SCHEMA_NAME, defaults={"name": "Closo", "slug": "public"}
    )
    Domain.objects.get_or_create(domain=settings.BASE_DOMAIN, defaults={"tenant": public, "is_primary": True})
    return public


# The advisory lock key that serialises brand onboarding (any constant, unique in the project).
ONBOARDING_LOCK = 7_201_001


@transaction.atomic
def brand_create(*, name: str, slug: str, admin_email: str, admin_password: str | None = None) -> Brand:
    """Onboard a brand: schema (cloned from the template schema), host name, and its first
    owner (an existing user is reused). All or nothing: the schema DDL runs in the same
    transaction, so a failure leaves no brand row, domain or schema behind."""
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise InvalidSlug(
            "A brand slug is 3–40 lowercase letters, digits or hyphens, starting with a letter "
            "(and not a reserved word).",
            fields={"slug": slug},
        )
    # One onboarding at a time: a schema clone locks the template's catalog rows, and two
    # clones next to other writes were seen to deadlock (the simulator's two runs).
    # Onboarding is rare; waiting a second for another is cheap. Held until commit.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ONBOARDING_LOCK])
    if Brand.objects.filter(slug=slug).exists():
        raise SlugTaken(f"The slug “{slug}” is already in use.", fields={"slug": slug})
    if schema_exists(schema_name_for(slug)):
        # A deleted brand's schema is kept; a new brand must never inherit its rows.
        raise SchemaExists(
            f"The slug “{slug}” belonged to a brand whose data is still kept; choose another slug.",
            fields={"slug": slug},
        )
    brand = Brand(name=name.strip(), slug=slug, schema_name=schema_name_for(slug))
    try:
        with transaction.atomic():
            brand.save(verbosity=0)
    except IntegrityError as exc:  # lost a race for the same slug
        raise SlugTaken(f"The slug “{slug}” is already in use.", fields={"slug": slug}) from exc
    Domain.objects.create(domain=brand.host, tenant=brand, is_primary=True)
    owner = User.objects.filter(email__iexact=admin_email).first()
    if owner is None:
        owner = User.objects.create_user(admin_email, admin_password)
    BrandMembership.objects.create(user=owner, brand=brand, role=BrandRole.OWNER)
    return brand


@transaction.atomic
def membership_set(*, brand: Brand, user: User, role: str) -> BrandMembership:
    membership, _ = BrandMembership.objects.update_or_create(user=user, brand=brand, defaults={"role": role})
    return membership
