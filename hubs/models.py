import re

from django.conf import settings
from django.db import models

from hubs.geo import bounding_box, distance_miles_expression

# No hub serves further than this: it bounds the box used to prefilter "serving" queries.
MAX_SERVICE_RADIUS_MILES = 50
# The closo.stamps scope of the reference data every brand reads (hubs: status, place,
# radius; ZIP centroids): renewed after any change to them, so answers computed from them
# (fulfillment's availability) are computed again.
REFERENCE_STAMP = "hubs:reference"


class PostalCode(models.Model):
    """A US ZIP code centroid (loaded from the `zipcodes` package)."""

    code = models.CharField(max_length=5, primary_key=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=2)
    lat = models.FloatField()
    lon = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["lat", "lon"], name="postalcode_lat_lon")]

    def __str__(self) -> str:
        return f"{self.code} {self.city}, {self.state}"


# What every form and API says about a ZIP code that is not a US ZIP code.
ZIP_INVALID_MESSAGE = "Enter a 5-digit US ZIP code, e.g. 78702."
EMAIL_INVALID_MESSAGE = "Enter an e-mail address, e.g. casey@example.com."


def street_only(address: str, *, city: str, state: str, zip_code: str) -> str:
    """`address` without trailing comma-separated parts that only repeat the ZIP's place
    ("1600 S Lamar Blvd, Austin, TX 78704" → "1600 S Lamar Blvd"): applicants type a
    whole address into "Street address", and the city, state and ZIP come from the ZIP."""
    parts = [part.strip() for part in address.split(",")]
    place = {state.lower(), zip_code, "us", "usa", "united states"}

    def repeats_place(part: str) -> bool:
        rest = part.lower()
        if city and rest.startswith(city.lower()):
            rest = rest[len(city) :]
        words = [w for w in re.split(r"[\s.]+", rest) if w]
        return all(w in place or re.fullmatch(rf"{zip_code}-\d{{4}}", w) for w in words)

    while len(parts) > 1 and repeats_place(parts[-1]):
        parts.pop()
    return ", ".join(parts)


class HubKind(models.TextChoices):
    NEIGHBOUR = "neighbour", "Neighbour"
    SMALL_BUSINESS = "small_business", "Small business"


class HubStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    VETTED = "vetted", "Vetted"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"


class HubQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=HubStatus.ACTIVE)

    def within_miles(self, lat: float, lon: float, miles: float):
        """Hubs within `miles` of a point, annotated with `distance_miles`, nearest first."""
        return (
            self.filter(**bounding_box(lat, lon, miles).as_filter())
            .annotate(distance_miles=distance_miles_expression(lat, lon))
            .filter(distance_miles__lte=miles)
            .order_by("distance_miles", "pk")
        )

    def serving(self, lat: float, lon: float):
        """Hubs whose own service radius covers the point, nearest first."""
        return (
            self.filter(**bounding_box(lat, lon, MAX_SERVICE_RADIUS_MILES).as_filter())
            .annotate(distance_miles=distance_miles_expression(lat, lon))
            .filter(distance_miles__lte=models.F("service_radius_miles"))
            .order_by("distance_miles", "pk")
        )


class Hub(models.Model):
    """A vetted local drop-off and inspection point (a neighbour or small business)."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=HubKind.choices)
    contact_email = models.EmailField()
    phone = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=200)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=2)
    zip_code = models.CharField(max_length=5)
    lat = models.FloatField()
    lon = models.FloatField()
    service_radius_miles = models.PositiveSmallIntegerField(default=10)
    daily_capacity = models.PositiveSmallIntegerField(default=20, help_text="Items the hub can take in per day.")
    opening_hours = models.CharField(max_length=200, blank=True, help_text="e.g. Mon–Fri 9–18, Sat 10–14")
    status = models.CharField(max_length=10, choices=HubStatus.choices, default=HubStatus.APPLIED)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    # Vetting record: each check says who confirmed it and when.
    id_verified_at = models.DateTimeField(null=True, blank=True)
    id_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreement_signed_at = models.DateTimeField(null=True, blank=True)
    agreement_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    training_completed_at = models.DateTimeField(null=True, blank=True)
    training_completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Reputation from brand audits (agree / disagree); computed in the trust issue.
    audits_agreed = models.PositiveIntegerField(default=0)
    audits_total = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)

    objects = HubQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["lat", "lon"], name="hub_lat_lon"),
            models.Index(fields=["status"], name="hub_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service_radius_miles__gte=1, service_radius_miles__lte=MAX_SERVICE_RADIUS_MILES),
                name="hub_service_radius_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_address(self) -> str:
        """“1100 E 6th St, Austin, TX 78702”: the street, then the ZIP's place, once (rows
        stored before the application form kept the street alone are shown right too)."""
        street = street_only(self.address, city=self.city, state=self.state, zip_code=self.zip_code)
        place = f"{self.city}, {self.state} {self.zip_code}"
        return f"{street}, {place}" if street else place

    @property
    def vetting_complete(self) -> bool:
        return all([self.id_verified_at, self.agreement_signed_at, self.training_completed_at])

    @property
    def reputation(self) -> float:
        """Share of audits agreed with, shrunk towards a prior of 9 agreements in 10
        (Beta(9, 1)), so one audit is never a verdict."""
        prior_agree, prior_total = 9, 10
        return (self.audits_agreed + prior_agree) / (self.audits_total + prior_total)


class HubRole(models.TextChoices):
    OWNER = "owner", "Owner"
    INSPECTOR = "inspector", "Inspector"


class HubMember(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_memberships")
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(max_length=10, choices=HubRole.choices, default=HubRole.INSPECTOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "hub"], name="hubmember_user_hub_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.hub} ({self.role})"


class HubEvent(models.Model):
    """The hub's vetting and status history: who did what, when, and why."""

    class Kind(models.TextChoices):
        APPLIED = "applied", "Applied"
        CHECK = "check", "Vetting check recorded"
        STATUS = "status", "Status changed"

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.hub}: {self.get_kind_display()} {self.detail}"


class HubTask(models.Model):
    """The cross-brand work index a hub's queue is read from. Public tables cannot point
    into a brand schema, so a task names its brand and the id of the brand row it indexes;
    it is written in the same transaction as that row, so the index never drifts."""

    class Kind(models.TextChoices):
        DROPOFF = "dropoff", "Drop-off expected"
        INSPECT = "inspect", "Awaiting inspection"
        SHELF = "shelf", "On the shelf"
        HANDOFF = "handoff", "Hand-off due"
        PACK = "pack", "Pack for the warehouse"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="tasks")
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    return_item_id = models.BigIntegerField(help_text="fulfillment.ReturnItem id in the brand's schema.")
    stock_unit_id = models.BigIntegerField(null=True, blank=True, help_text="fulfillment.StockUnit id, if any.")
    code = models.CharField(
        max_length=12,
        blank=True,
        help_text="The return's drop-off code (drop-off tasks): how a hub finds the brand and return.",
    )
    title = models.CharField(max_length=200, help_text="What the item is (SKU code and title), for the queue.")
    reference = models.CharField(max_length=120, help_text="The brand's reference (RMA), for the queue.")
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["hub", "status", "due_at"], name="hubtask_hub_status_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "return_item_id", "kind"],
                condition=models.Q(status="open"),
                name="hubtask_one_open_per_stage",
            ),
            # A code names one task across every brand: the database says so, not a
            # check-then-insert (two brands drawing the same code at once both pass a check).
            # Also the index receiving looks codes up by.
            models.UniqueConstraint(fields=["code"], condition=~models.Q(code=""), name="hubtask_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"


class ShelfCount(models.Model):
    """One cycle count of a hub's shelf, across brands: what should have been there, what
    was found, what was not. Written by hubs' shelf-count service (portals); each unit's
    result also moves the unit in its brand's schema (found → verified, not found → missing)."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="counts")
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expected = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    found_again = models.PositiveIntegerField(
        default=0, help_text="Units reported missing before, found in this count."
    )
    lines = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"brand": id, "label": "NOR2-0042", "result": "found|missing|found_again"}]',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["hub", "-created_at"], name="shelfcount_hub_created")]

    def __str__(self) -> str:
        return f"{self.hub} count {self.created_at:%Y-%m-%d}: {self.found}/{self.expected}"
