from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from closo.fields import shared_fk


class Grade(models.TextChoices):
    """Condition grades, best first. The order is the grading engine's."""

    LIKE_NEW = "like_new", "Like New"
    GOOD = "good", "Good"
    FAIR = "fair", "Fair"
    UNSELLABLE = "unsellable", "Unsellable"


GRADE_ORDER = [Grade.LIKE_NEW, Grade.GOOD, Grade.FAIR, Grade.UNSELLABLE]


class Disposition(models.TextChoices):
    LOCAL_STOCK = "local_stock", "Local stock"
    WAREHOUSE = "warehouse", "Warehouse"
    LIQUIDATION = "liquidation", "Liquidation"
    RECYCLE = "recycle", "Recycle"


DEFAULT_DISPOSITIONS = {
    Grade.LIKE_NEW: Disposition.LOCAL_STOCK,
    Grade.GOOD: Disposition.WAREHOUSE,
    Grade.FAIR: Disposition.LIQUIDATION,
    Grade.UNSELLABLE: Disposition.RECYCLE,
}


class GradingStandard(models.Model):
    """What a hub checks for a brand's items: the brand default, or an override for a
    category or one SKU. Its content lives in versions; the latest published one is
    what hubs use."""

    class Scope(models.TextChoices):
        DEFAULT = "default", "Brand default"
        CATEGORY = "category", "Category"
        SKU = "sku", "SKU"

    name = models.CharField(max_length=120)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.DEFAULT)
    category = models.CharField(max_length=80, blank=True)
    sku = models.ForeignKey("fulfillment.Sku", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scope", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["scope"], condition=Q(scope="default"), name="standard_one_default"),
            models.UniqueConstraint(
                fields=["category"], condition=Q(scope="category"), name="standard_one_per_category"
            ),
            models.UniqueConstraint(fields=["sku"], condition=Q(scope="sku"), name="standard_one_per_sku"),
            models.CheckConstraint(
                condition=(
                    Q(scope="default", category="", sku__isnull=True)
                    | (Q(scope="category", sku__isnull=True) & ~Q(category=""))
                    | Q(scope="sku", category="", sku__isnull=False)
                ),
                name="standard_scope_matches_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StandardVersion(models.Model):
    """One version of a standard. Drafts are edited; a published version never changes
    again (every inspection pins the version it used)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    standard = models.ForeignKey(GradingStandard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    dispositions = models.JSONField(default=dict, help_text="Grade → disposition.")
    notes = models.CharField(max_length=300, blank=True, help_text="What changed, in a sentence.")
    created_by = shared_fk(settings.AUTH_USER_MODEL)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = shared_fk(settings.AUTH_USER_MODEL)

    class Meta:
        ordering = ["standard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="version_number_unique"),
            models.UniqueConstraint(fields=["standard"], condition=Q(status="draft"), name="version_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.standard} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ImmutableWhenPublished(models.Model):
    """Rows of a published version cannot be saved or deleted (the service layer says so
    first, with a clear error; this is the backstop)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._guard()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)

    def _guard(self):
        if StandardVersion.objects.filter(pk=self.version_id, status=StandardVersion.Status.PUBLISHED).exists():
            raise ValidationError("A published version cannot be changed.", code="version_published")


class ChecklistItem(ImmutableWhenPublished):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="checklist")
    key = models.SlugField(max_length=40)
    prompt = models.CharField(max_length=200)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    fail_cap = models.CharField(max_length=12, choices=Grade.choices, help_text="Best grade possible if this fails.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="checklist_key_unique")]

    def __str__(self) -> str:
        return self.prompt


class PhotoRequirement(ImmutableWhenPublished):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="photos")
    slot = models.SlugField(max_length=40)
    label = models.CharField(max_length=80)
    required = models.BooleanField(default=True)
    min_long_edge_px = models.PositiveIntegerField(default=1200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "slot"], name="photo_slot_unique")]

    def __str__(self) -> str:
        return self.label


def photo_upload_to(instance, filename: str) -> str:
    """<schema>/photos/<random>.<ext>: private, unguessable, and never shared between brands."""
    import secrets

    from django.db import connection

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"{connection.schema_name}/photos/{secrets.token_urlsafe(24)}.{ext[:5]}"


class Inspection(models.Model):
    """One hub's inspection of one returned unit, against the published standard version it
    pinned. Immutable once submitted; one per return (a double submit stores one)."""

    return_item = models.OneToOneField("fulfillment.ReturnItem", on_delete=models.PROTECT, related_name="inspection")
    hub = shared_fk("hubs.Hub", null=False, blank=False)
    inspector = shared_fk(settings.AUTH_USER_MODEL, null=False, blank=False)
    version = models.ForeignKey(StandardVersion, on_delete=models.PROTECT, related_name="inspections")
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField()
    answers = models.JSONField(default=dict, help_text="Checklist key → true (pass), false (fail) or null.")
    computed_grade = models.CharField(max_length=12, choices=Grade.choices)
    final_grade = models.CharField(max_length=12, choices=Grade.choices)
    lower_reason = models.CharField(max_length=300, blank=True)
    reasons = models.JSONField(default=list, help_text="Why the engine computed this grade.")
    disposition = models.CharField(max_length=12, choices=Disposition.choices)

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"Inspection of {self.return_item_id}: {self.final_grade}"

    @property
    def duration_seconds(self) -> float:
        return (self.submitted_at - self.started_at).total_seconds()


class InspectionPhoto(models.Model):
    """A photo for one slot of a return's inspection. Uploaded while the inspection is in
    progress (linked to it on submit), then processed by a task: orientation applied, all
    metadata stripped (the original is rewritten), renditions made, SHA-256 recorded."""

    class Status(models.TextChoices):
        PENDING = "pending", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    # The stored files of a processed photo, smallest first.
    RENDITIONS = ("thumbnail", "display", "original")

    return_item = models.ForeignKey("fulfillment.ReturnItem", on_delete=models.PROTECT, related_name="photos")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    slot = models.SlugField(max_length=40)
    uploaded_by = shared_fk(settings.AUTH_USER_MODEL)
    hub = shared_fk("hubs.Hub")
    original = models.FileField(upload_to=photo_upload_to, max_length=200)
    display = models.FileField(upload_to=photo_upload_to, max_length=200, blank=True)
    thumbnail = models.FileField(upload_to=photo_upload_to, max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    bytes_uploaded = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the stored (cleaned) original.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["return_item", "slot"], name="photo_return_slot")]

    def __str__(self) -> str:
        return f"{self.slot} photo of return {self.return_item_id}"


class Audit(models.Model):
    """A brand's review of a sampled inspection: agree or disagree, with a reason. Hub
    reputation is computed from these."""

    class Verdict(models.TextChoices):
        AGREE = "agree", "Agree"
        DISAGREE = "disagree", "Disagree"

    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="audit")
    sampled_at = models.DateTimeField(auto_now_add=True)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    auditor = shared_fk(settings.AUTH_USER_MODEL)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sampled_at", "-pk"]

    def __str__(self) -> str:
        return f"Audit of inspection {self.inspection_id}: {self.verdict or 'pending'}"
