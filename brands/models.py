import hashlib
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class RefundReadyAt(models.TextChoices):
    DROPOFF = "dropoff", "When the hub receives it"
    INSPECTION = "inspection", "When it has been inspected"
    WAREHOUSE = "warehouse", "When the warehouse has it"


class Brand(TenantMixin):
    """A DTC brand. Its operational data lives in its own PostgreSQL schema."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=40, unique=True, help_text="Host name: <slug>.<BASE_DOMAIN>.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Trust settings (issue 4): a hub whose reputation is below the threshold has its
    # Like-New releases held for the brand's approval; this share of inspections is audited.
    reputation_threshold = models.FloatField(
        default=0.8,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Hubs below this reputation (0–1) have Like-New units held for your approval.",
    )
    audit_sample_rate = models.FloatField(
        default=0.1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of submitted inspections picked at random for your audit (0–1).",
    )

    # The local loop (issue 9): what each route costs, how long a hand-off and a shelf
    # wait, when a return is refund-ready, and how often a hub must count its shelf.
    cost_warehouse_shipping = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("15.00"),
        validators=[MinValueValidator(0)],
        help_text="Shipping a return to your warehouse ($).",
    )
    cost_warehouse_touch = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("7.00"),
        validators=[MinValueValidator(0)],
        help_text="Receiving it at the warehouse ($).",
    )
    cost_warehouse_processing = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(0)],
        help_text="Processing it there ($).",
    )
    cost_hub_fee = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(0)],
        help_text="A hub's fee per return ($); local returns ship nothing.",
    )
    handoff_due_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Days a hub has to hand an allocated unit to its customer before the allocation expires.",
    )
    shelf_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days an unmatched unit waits on a hub's shelf before it goes to your warehouse.",
    )
    refund_ready_at = models.CharField(
        max_length=12,
        choices=RefundReadyAt.choices,
        default=RefundReadyAt.INSPECTION,
        help_text="When a return becomes ready for its refund.",
    )
    count_verify_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="A unit no shelf count has confirmed for this many days is flagged unverified.",
    )

    # The split-ship advisor (issue 10): ship an order's in-stock lines now in a second
    # parcel, or wait and ship once? A second label against the money a cancellation
    # during the wait would lose (fulfillment/advice.py).
    split_label_cost = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("14.00"),
        validators=[MinValueValidator(0)],
        help_text="The second parcel's label when an order ships in two ($).",
    )
    cancel_hazard_per_day = models.FloatField(
        default=0.02,
        validators=[MinValueValidator(0), MaxValueValidator(0.5)],
        help_text="Chance a waiting customer cancels, per day of waiting (0–0.5; 0.02 = 2 %/day).",
    )
    gross_margin = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of an order's value that is margin, lost when it is cancelled (0–1).",
    )
    support_cost = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("15.00"),
        validators=[MinValueValidator(0)],
        help_text="Customer support spent on a cancelled order ($).",
    )
    acquisition_cost = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(0)],
        help_text="Acquisition cost a cancelled order wastes ($).",
    )

    # Storefront access (issue 10): the origins (scheme://host[:port]) whose pages may call
    # the availability API with the brand's publishable key (brands/storefront.py).
    storefront_origins = ArrayField(
        models.CharField(max_length=255),
        default=list,
        blank=True,
        help_text="Origins of your storefront pages allowed to use your publishable key.",
    )
    storefront_origins_changed_at = models.DateTimeField(null=True, blank=True)
    storefront_origins_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Promises (issue 10): the chance a promised ship-by date is kept that the promise
    # model (fulfillment/promise.py, DEFAULT_CONFIDENCE) must reach before it names a date.
    promise_confidence = models.FloatField(
        default=0.95,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
        help_text="The chance a promised ship-by date is kept (0.5–0.999; 0.95 = 95 %).",
    )

    # Customer e-mails and the customer status page (issue 12): the brand's logo (an https
    # image URL the brand hosts: no upload, nothing for Closo to serve or scan) and colour.
    logo = models.URLField(
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https"], message="An https:// address of an image, e.g. your logo.")],
        help_text="An https:// address of your logo (PNG, JPEG or SVG, about 240×80), shown in customer e-mails.",
    )
    brand_colour = models.CharField(
        max_length=7,
        default="#1F4E79",
        validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}\Z", message="A colour as #RRGGBB, e.g. #1F4E79.")],
        help_text="Your colour as #RRGGBB: the header and buttons of customer e-mails and the status page.",
    )

    auto_create_schema = True
    auto_drop_schema = False  # a schema is dropped only on purpose (delete(force_drop=True))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def cost_warehouse_route(self) -> Decimal:
        """What a return costs on the warehouse route: shipping + touch + processing."""
        return self.cost_warehouse_shipping + self.cost_warehouse_touch + self.cost_warehouse_processing

    @property
    def cost_local_route(self) -> Decimal:
        """What a return costs at a hub: the hub's fee (nothing ships)."""
        return self.cost_hub_fee

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Brands are cloned from the template schema in one SQL call (brands/schema.py);
        the library's migrate-everything path is the fallback when there is no template."""
        from brands import schema

        if self.is_public or not sync_schema or not schema.template_ready():
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        schema.schema_clone_from_template(self.schema_name)
        return True

    @property
    def is_public(self) -> bool:
        return self.schema_name == settings.PUBLIC_SCHEMA_NAME

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.BASE_DOMAIN}"


class Domain(DomainMixin):
    pass


class BrandRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    VIEWER = "viewer", "Viewer"


WRITE_ROLES = frozenset({BrandRole.OWNER, BrandRole.ADMIN})


class BrandMembership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand_memberships")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=BrandRole.choices, default=BrandRole.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "brand"], name="membership_user_brand_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.brand} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A brand-bound API key. Only a SHA-256 digest of the secret is stored: keys are
    256-bit random strings, so a fast hash is as strong as a slow one and keeps the
    storefront's hot path fast."""

    PREFIX = "closo_"

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    role = models.CharField(
        max_length=10,
        choices=[(BrandRole.ADMIN, "Read and write"), (BrandRole.VIEWER, "Read only")],
        default=BrandRole.ADMIN,
    )
    key_id = models.CharField(max_length=16, unique=True, help_text="Public part of the key, shown in lists.")
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}{self.key_id}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """A new (full key, key_id, digest). The full key is `closo_<key_id>.<secret>`."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        return f"{cls.PREFIX}{key_id}.{secret}", key_id, cls.hash_secret(secret)

    @classmethod
    def parse(cls, raw: str) -> tuple[str, str] | None:
        """Split a presented key into (key_id, secret), or None if it is malformed."""
        if not raw.startswith(cls.PREFIX):
            return None
        key_id, sep, secret = raw[len(cls.PREFIX) :].partition(".")
        if not sep or len(key_id) != 12 or not secret:
            return None
        return key_id, secret


class PublishableKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class PublishableKey(models.Model):
    """A brand's storefront key: not a secret (it is put in a theme's JavaScript), so it is
    stored and shown in full. It reads availability and nothing else, only from the brand's
    storefront origins, throttled per client IP (brands/storefront.py). One is active per
    brand at a time; rotating revokes the one in use."""

    PREFIX = "closo_pk_"

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="publishable_keys")
    key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = PublishableKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand"],
                condition=models.Q(revoked_at__isnull=True),
                name="publishable_key_one_active_per_brand",
            )
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def generate(cls) -> str:
        """A new key: `closo_pk_` and 24 random hex digits (no dot, so it never parses as a
        secret key)."""
        return f"{cls.PREFIX}{secrets.token_hex(12)}"

    @classmethod
    def looks_like(cls, raw: str) -> bool:
        return raw.startswith(cls.PREFIX) and len(raw) == len(cls.PREFIX) + 24
