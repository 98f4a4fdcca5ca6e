from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from closo.fields import shared_fk


class Sku(models.Model):
    """A sellable variant in the brand's catalogue (lives in the brand's schema)."""

    code = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    attributes = models.JSONField(default=dict, blank=True, help_text='Variant attributes, e.g. {"colour": "Sage"}.')
    category = models.CharField(max_length=80, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    local_returns_enabled = models.BooleanField(default=True)
    available_qty = models.IntegerField(
        default=0, help_text="On hand at the brand's warehouse, as synced from its WMS."
    )
    stock_as_of = models.DateTimeField(
        null=True, blank=True, help_text="When the WMS counted `available_qty`: an older report never replaces it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["category"], name="sku_category")]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"


class RegionLimit(models.Model):
    """Where "available for backorder" may be offered. A ZIP is in the region when it
    starts with one of `zip_prefixes`, is one of `zips`, or lies within
    `within_miles_of_hub` of an active hub (any of them)."""

    name = models.CharField(max_length=80)
    zip_prefixes = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    zips = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    within_miles_of_hub = models.PositiveSmallIntegerField(null=True, blank=True)
    max_promise_days = models.PositiveSmallIntegerField(default=30)
    max_open_backorders_per_sku = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Open (waiting or allocated) backorders per SKU in this region; empty = no cap.",
    )
    requires_consent = models.BooleanField(
        default=False, help_text="Customers must agree to receive a Like-New returned unit."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(zip_prefixes=[]) | ~Q(zips=[]) | Q(within_miles_of_hub__isnull=False),
                name="regionlimit_has_a_rule",
            ),
            models.CheckConstraint(condition=Q(max_promise_days__gte=1), name="regionlimit_promise_days_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class BackorderStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    ALLOCATED = "allocated", "Allocated"
    HANDED_OFF = "handed_off", "Handed off"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


OPEN_BACKORDER_STATUSES = (BackorderStatus.WAITING, BackorderStatus.ALLOCATED)


class Channel(models.TextChoices):
    API = "api", "API"
    CSV = "csv", "CSV import"
    PORTAL = "portal", "Portal"
    WEBHOOK = "webhook", "Webhook"


class Backorder(models.Model):
    """A paid order line waiting on an out-of-stock SKU."""

    class FillSource(models.TextChoices):
        LOCAL_RETURN = "local_return", "Local return"
        RESTOCK = "restock", "Restock"

    order_ref = models.CharField(max_length=120, unique=True, help_text="e.g. Shopify order id + line.")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="backorders")
    qty = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    value = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    customer_name = models.CharField(max_length=120, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_zip = models.CharField(max_length=5)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    placed_at = models.DateTimeField()
    promised_ship_by = models.DateField(null=True, blank=True)
    priority = models.SmallIntegerField(default=0, help_text="Higher is served first among equal promises.")
    consent_local_return = models.BooleanField(default=False)
    region = models.ForeignKey(RegionLimit, null=True, blank=True, on_delete=models.SET_NULL, related_name="backorders")
    status = models.CharField(max_length=12, choices=BackorderStatus.choices, default=BackorderStatus.WAITING)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    fill_source = models.CharField(max_length=14, choices=FillSource.choices, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "sku"], name="backorder_status_sku"),
            models.Index(fields=["customer_zip"], name="backorder_zip"),
            models.Index(fields=["placed_at"], name="backorder_placed_at"),
            # Matching: the waiting backorders of one SKU in a latitude band (the box
            # around a hub), longitude checked in the index, only waiting rows indexed.
            models.Index(fields=["sku", "lat", "lon"], name="backorder_waiting_sku_geo", condition=Q(status="waiting")),
        ]

    def __str__(self) -> str:
        return self.order_ref

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_BACKORDER_STATUSES

    @property
    def current_allocation(self) -> "Allocation | None":
        """The active or handed-off allocation (at most one), from the `current_allocations`
        prefetch of fulfillment.selectors.backorders.backorder_detail when there is one."""
        found = getattr(self, "current_allocations", None)
        if found is None:
            found = list(self.allocations.filter(status__in=("active", "handed_off")).select_related("unit", "hub"))
        return found[0] if found else None


class Promise(models.Model):
    """One ship-by promise of a backorder, as made (fulfillment.services.promises): the
    model's (fulfillment/promise.py) with its confidence, source and inputs, or the date
    the brand's store gave. The newest row is the backorder's current promise; when the
    backorder is fulfilled that row gets the outcome (kept, slack), which the brand's
    promise accuracy (fulfillment.selectors.promises) is computed from."""

    class Source(models.TextChoices):
        LOCAL_UNIT = "local_unit", "A unit on a shelf nearby"
        LOCAL_RETURN = "local_return", "Like-New returns nearby"
        RESTOCK = "restock", "A restock"
        GIVEN = "given", "Given by the store"
        NONE = "none", "No date reaches the confidence"

    class Why(models.TextChoices):
        CREATED = "created", "Backorder created"
        SUPPLY_CHANGED = "supply_changed", "Supply changed"
        DAILY = "daily", "Daily re-evaluation"

    backorder = models.ForeignKey(Backorder, on_delete=models.CASCADE, related_name="promises")
    ship_by = models.DateField(null=True, blank=True, help_text="Empty: no day within the horizon is sure enough.")
    confidence = models.FloatField(null=True, blank=True, help_text="P(shipped by ship_by); empty for a given date.")
    source = models.CharField(max_length=14, choices=Source.choices)
    inputs = models.JSONField(
        default=dict,
        blank=True,
        help_text="The model's inputs: queue_ahead, local rate, units within reach, restock POs, lateness fit.",
    )
    why = models.CharField(max_length=16, choices=Why.choices)
    kept = models.BooleanField(null=True, blank=True, help_text="Set when the backorder is fulfilled.")
    slack_days = models.IntegerField(
        null=True, blank=True, help_text="ship_by − the day it was fulfilled: negative = days late."
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["backorder", "-created_at", "-id"], name="promise_backorder_newest"),
            models.Index(fields=["confidence"], name="promise_settled", condition=Q(kept__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.backorder_id}: {self.ship_by or 'no date'} ({self.source})"


class ReturnStatus(models.TextChoices):
    INITIATED = "initiated", "Initiated"
    ROUTED = "routed", "Routed"
    DROPPED_OFF = "dropped_off", "Dropped off"
    INSPECTED = "inspected", "Inspected"
    DISPOSED = "disposed", "Disposed"
    CANCELLED = "cancelled", "Cancelled"


class ReturnItem(models.Model):
    """A unit a customer is sending back (RMA)."""

    class Route(models.TextChoices):
        HUB = "hub", "Local hub"
        WAREHOUSE = "warehouse", "Warehouse"

    class Disposition(models.TextChoices):
        IN_LOCAL_STOCK = "in_local_stock", "In local stock"
        TO_WAREHOUSE = "to_warehouse", "To warehouse"
        LIQUIDATED = "liquidated", "Liquidated"
        RECYCLED = "recycled", "Recycled"

    class RefundStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready to refund"
        REFUNDED = "refunded", "Refunded"
        DENIED = "denied", "Denied"

    rma_ref = models.CharField(max_length=120, unique=True)
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="returns")
    customer_name = models.CharField(max_length=120, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_zip = models.CharField(max_length=5)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    refund_status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    status = models.CharField(max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.INITIATED)
    route = models.CharField(max_length=10, choices=Route.choices, blank=True)
    hub = shared_fk("hubs.Hub")
    dropoff_code = models.CharField(max_length=12, null=True, blank=True, unique=True)
    disposition = models.CharField(max_length=16, choices=Disposition.choices, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    # The routing decision (fulfillment.services.routing): why, and what each route costs
    # (the brand's settings when it was made), for the savings ledger.
    route_reason = models.CharField(max_length=300, blank=True)
    cost_local = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    cost_warehouse = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    dropped_off_at = models.DateTimeField(null=True, blank=True)
    refund_ready_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status"], name="return_status"),
            models.Index(fields=["refund_status"], name="return_refund_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(route="hub") | Q(hub__isnull=True), name="return_hub_only_on_hub_route"),
        ]

    def __str__(self) -> str:
        return self.rma_ref

    @property
    def route_saving(self) -> Decimal | None:
        """What the hub route saved against the warehouse route (the costs stored with the
        routing decision), or None: not on the hub route, or routed before costs were kept."""
        if self.route != self.Route.HUB or self.cost_local is None or self.cost_warehouse is None:
            return None
        return self.cost_warehouse - self.cost_local


class InboundSupply(models.Model):
    """A restock purchase order on its way to the brand's warehouse."""

    class Status(models.TextChoices):
        EXPECTED = "expected", "Expected"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    po_ref = models.CharField(max_length=120, unique=True)
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="inbound")
    qty = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    expected_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EXPECTED)
    received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["expected_date", "pk"]
        indexes = [models.Index(fields=["sku", "status", "expected_date"], name="supply_sku_status_date")]

    def __str__(self) -> str:
        return self.po_ref


class StockUnit(models.Model):
    """A physical returned unit on a hub's shelf, released by a Like-New inspection."""

    class Status(models.TextChoices):
        HELD = "held", "Held for brand approval"
        AVAILABLE = "available", "Available"
        RESERVED = "reserved", "Reserved"
        HANDED_OFF = "handed_off", "Handed off"
        TO_WAREHOUSE = "to_warehouse", "To warehouse"
        MISSING = "missing", "Missing"

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="units")
    hub = shared_fk("hubs.Hub", null=False, blank=False)
    return_item = models.OneToOneField(ReturnItem, on_delete=models.PROTECT, related_name="unit")
    inspection_id = models.BigIntegerField(help_text="inspections.Inspection that released it.")
    label = models.CharField(
        max_length=20, unique=True, help_text="Shelf label, e.g. NOR2-0042: brand letters and id, then the unit id."
    )
    condition = models.CharField(max_length=12, help_text="Final grade of its inspection.")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.AVAILABLE)
    hold_until = models.DateTimeField(null=True, blank=True, help_text="Unmatched by then → warehouse.")
    verified_at = models.DateTimeField(null=True, blank=True, help_text="Last found by a shelf count.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sku", "status"], name="unit_sku_status")]

    def __str__(self) -> str:
        return self.label


class Allocation(models.Model):
    """One stock unit promised to one backorder: where, how it is handed over, by when.
    A unit and a backorder have at most one active allocation each (the database says so)."""

    class Method(models.TextChoices):
        PICKUP = "pickup", "Customer pickup at the hub"
        COURIER = "courier", "Local courier"
        SHIP = "ship", "Hub ships it"

    class Status(models.TextChoices):
        ACTIVE = "active", "Awaiting hand-off"
        HANDED_OFF = "handed_off", "Handed off"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    unit = models.ForeignKey(StockUnit, on_delete=models.PROTECT, related_name="allocations")
    backorder = models.ForeignKey(Backorder, on_delete=models.PROTECT, related_name="allocations")
    hub = shared_fk("hubs.Hub", null=False, blank=False)
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.PICKUP)
    pickup_code = models.CharField(max_length=12, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    distance_miles = models.FloatField(help_text="From the hub to the customer's ZIP.")
    due_at = models.DateTimeField(help_text="Not handed off by then → expires, both sides matched again.")
    tracking = models.CharField(max_length=120, blank=True, help_text="Courier or carrier tracking number.")
    handed_off_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it expired or was cancelled.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="allocation_status_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="active"), name="allocation_one_active_per_unit"
            ),
            models.UniqueConstraint(
                fields=["backorder"], condition=Q(status="active"), name="allocation_one_active_per_backorder"
            ),
            models.UniqueConstraint(
                fields=["backorder"], condition=Q(status="handed_off"), name="allocation_one_handoff_per_backorder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.backorder_id} ({self.status})"


class EventKind(models.TextChoices):
    """What happened, as a timeline shows it. Every move of a fulfillment state machine
    names one (fulfillment.machines), so a typo fails at import."""

    CREATED = "created", "Created"
    ROUTED = "routed", "Routed"
    CANCELLED = "cancelled", "Cancelled"
    DROPPED_OFF = "dropped_off", "Received at the hub"
    RECEIVED = "received", "Received"
    INSPECTED = "inspected", "Inspected"
    DISPOSED = "disposed", "Disposed"
    REFUND = "refund", "Refund decided"
    AUDITED = "audited", "Audited"
    PHOTO_UPLOADED = "photo_uploaded", "Photo taken"
    PHOTO_PROCESSED = "photo_processed", "Photo processed"
    PHOTO_FAILED = "photo_failed", "Photo could not be processed"
    # Stock units
    RELEASED = "released", "Shelved"
    APPROVED = "approved", "Approved by the brand"
    REJECTED = "rejected", "Rejected by the brand"
    RESERVED = "reserved", "Reserved for a backorder"
    UNRESERVED = "unreserved", "Back on the shelf"
    EXPIRED = "expired", "Hold expired"
    MISSING = "missing", "Reported missing"
    FOUND = "found", "Found in a shelf count"
    HANDED_OFF = "handed_off", "Handed off"
    # Returns
    UNROUTED = "unrouted", "Route withdrawn"
    REFUND_READY = "refund_ready", "Ready to refund"
    # Backorders
    ALLOCATED = "allocated", "Allocated"
    ALLOCATION_ENDED = "allocation_ended", "Allocation ended"
    FULFILLED = "fulfilled", "Fulfilled"
    REFUNDED = "refunded", "Refunded"
    PROMISE_CHANGED = "promise_changed", "Ship-by date moved"


class Event(models.Model):
    """One state change: who, when, from → to, why. The chain of custody shown on
    timelines in both portals and in the API."""

    backorder = models.ForeignKey(Backorder, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    return_item = models.ForeignKey(ReturnItem, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    supply = models.ForeignKey(InboundSupply, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    unit = models.ForeignKey(StockUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    hub = shared_fk("hubs.Hub", help_text="Where it happened, for custody steps at a hub.")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = shared_fk(settings.AUTH_USER_MODEL)
    actor_label = models.CharField(
        max_length=120, blank=True, help_text="Who acted, as shown: e-mail, API key, system."
    )
    detail = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(backorder__isnull=False, return_item__isnull=True, supply__isnull=True, unit__isnull=True)
                    | Q(backorder__isnull=True, return_item__isnull=False, supply__isnull=True, unit__isnull=True)
                    | Q(backorder__isnull=True, return_item__isnull=True, supply__isnull=False, unit__isnull=True)
                    | Q(backorder__isnull=True, return_item__isnull=True, supply__isnull=True, unit__isnull=False)
                ),
                name="event_has_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_status}→{self.to_status}"

    def _status_label(self, value: str) -> str:
        if self.backorder_id:
            labels = BackorderStatus
        elif self.return_item_id:
            # A refund's moves (pending → ready → refunded) are on the return's timeline too.
            labels = ReturnItem.RefundStatus if value in ReturnItem.RefundStatus.values else ReturnStatus
        elif self.supply_id:
            labels = InboundSupply.Status
        else:
            labels = StockUnit.Status
        return labels(value).label if value in labels.values else value

    @property
    def from_status_label(self) -> str:
        """The status it moved from, as its subject's pages name it ("Dropped off")."""
        return self._status_label(self.from_status)

    @property
    def to_status_label(self) -> str:
        return self._status_label(self.to_status)


class ImportJob(models.Model):
    """A CSV import, processed in chunks (by the page that shows its progress, or by the
    worker if the page is closed). Good rows are kept; bad rows are reported by line."""

    class Kind(models.TextChoices):
        SKUS = "skus", "SKUs"
        BACKORDERS = "backorders", "Backorders"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    filename = models.CharField(max_length=200)
    rows = models.JSONField(default=list, help_text="[[line_number, {column: value}], …] as uploaded.")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text='[{"line": 7, "errors": {"field": ["message"]}}, …]')
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_by = shared_fk(settings.AUTH_USER_MODEL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.filename}"

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else int(100 * self.processed_rows / self.total_rows)


class ConfigChange(models.Model):
    """One change to the brand's configuration (catalogue, stock, regions, grading
    standards, trust settings): who changed what, from what to what. The brand's
    Activity page and `GET /api/v1/activity/` show them, newest first."""

    class Area(models.TextChoices):
        SKU = "sku", "SKU"
        STOCK = "stock", "Stock"
        REGION = "region", "Region"
        STANDARD = "standard", "Grading standard"
        TRUST_SETTINGS = "trust_settings", "Trust settings"
        LOOP_SETTINGS = "loop_settings", "Local loop settings"
        INTEGRATIONS = "integrations", "Integrations"

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Changed"
        DELETED = "deleted", "Deleted"
        ADDED = "added", "Added"
        REMOVED = "removed", "Removed"
        REORDERED = "reordered", "Reordered"
        PUBLISHED = "published", "Published"
        DISCARDED = "discarded", "Discarded"

    # Actions whose `changes` are {field: [old, new]}; the others hold {field: value}
    # (what was created, added, published, or what was deleted, removed, discarded).
    PAIRED_ACTIONS = frozenset({Action.UPDATED, Action.REORDERED})

    area = models.CharField(max_length=16, choices=Area.choices)
    action = models.CharField(max_length=12, choices=Action.choices)
    subject = models.CharField(max_length=300, help_text="What changed, as shown: a SKU code, a region's name, …")
    subject_id = models.BigIntegerField(
        null=True, blank=True, help_text="The SKU's, region's or standard's id; none for trust settings."
    )
    changes = models.JSONField(
        default=dict, blank=True, help_text="{field: [old, new]} for changes; {field: value} otherwise."
    )
    actor = shared_fk(settings.AUTH_USER_MODEL, db_index=False)  # configchange_actor_newest
    actor_label = models.CharField(
        max_length=120, blank=True, help_text="Who acted, as shown: e-mail, API key, system."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="configchange_newest"),
            models.Index(fields=["area", "-created_at", "-id"], name="configchange_area_newest"),
            models.Index(fields=["actor", "-created_at", "-id"], name="configchange_actor_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_area_display()} {self.get_action_display().lower()}: {self.subject}"


class LedgerEntry(models.Model):
    """One economic fact, written by the service that makes it happen, in the same
    transaction (fulfillment.services.ledger): a return routed (its cost on the route
    taken, the other route's, the saving), a refund ready (days since the return was
    created), a backorder filled (days waited; for a local fill, the restock wait it was
    spared and the revenue kept) or cancelled (the loss). At most one row per kind and
    subject (the database says so), so a retried call never counts twice; the dashboards
    and GET /api/v1/metrics aggregate these rows (fulfillment.selectors.metrics)."""

    class Kind(models.TextChoices):
        RETURN_ROUTED = "return_routed", "Return routed"
        REFUND_READY = "refund_ready", "Refund ready"
        BACKORDER_FILLED = "backorder_filled", "Backorder filled"
        BACKORDER_CANCELLED = "backorder_cancelled", "Backorder cancelled"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    return_item = models.ForeignKey(
        ReturnItem, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entries"
    )
    backorder = models.ForeignKey(
        Backorder, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_entries"
    )
    at = models.DateTimeField(help_text="When it happened (the week it counts in).")
    source = models.CharField(
        max_length=14,
        blank=True,
        help_text="Route of a return (hub, warehouse); source of a fill (local_return, restock).",
    )
    cost_actual = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    cost_other = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    savings = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Against the warehouse route."
    )
    days = models.FloatField(
        null=True,
        blank=True,
        help_text="Refund: created → ready. Fill: placed → fulfilled. Cancellation: placed → cancelled.",
    )
    restock_days = models.FloatField(
        null=True, blank=True, help_text="Local fill: placed → the restock date it would otherwise have waited for."
    )
    days_saved = models.FloatField(null=True, blank=True)
    value = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    cancellation_cost = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Value + support + acquisition cost."
    )
    revenue_kept = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["kind", "at"], name="ledger_kind_at")]
        constraints = [
            # Not partial (NULLs are distinct), so ON CONFLICT can name the columns.
            models.UniqueConstraint(fields=["kind", "return_item"], name="ledger_once_per_return"),
            models.UniqueConstraint(fields=["kind", "backorder"], name="ledger_once_per_backorder"),
            models.CheckConstraint(
                condition=Q(return_item__isnull=False, backorder__isnull=True)
                | Q(return_item__isnull=True, backorder__isnull=False),
                name="ledger_has_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.return_item_id or self.backorder_id}"


class EmailLog(models.Model):
    """One customer e-mail Closo sent (or failed to send) for this brand
    (fulfillment.services.notify): to whom, which message, about which backorder or return.
    The brand browses them at /emails/."""

    class Kind(models.TextChoices):
        BACKORDER_CONFIRMED = "backorder_confirmed", "Backorder confirmed"
        PROMISE_CHANGED = "promise_changed", "Ship-by date moved"
        UNIT_FOUND = "unit_found", "Local unit found"
        HANDED_OFF = "handed_off", "Handed off"
        ALLOCATION_EXPIRED = "allocation_expired", "Pickup window passed"
        DROPOFF_INSTRUCTIONS = "dropoff_instructions", "Drop-off instructions"
        DROPOFF_WITHDRAWN = "dropoff_withdrawn", "Drop-off withdrawn"
        REFUND_READY = "refund_ready", "Refund ready"

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    backorder = models.ForeignKey(Backorder, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails")
    return_item = models.ForeignKey(ReturnItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails")
    # Written once, when the mail server answered: an outcome, not a state that moves.
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    error = models.CharField(max_length=500, blank=True, help_text="Why the mail server refused it.")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["kind", "-sent_at"], name="emaillog_kind_sent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}"
