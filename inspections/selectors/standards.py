"""Reads shared by the portal and the API: standard lists, versions, which standard
applies to a SKU, the engine's snapshot of a version, and what changed between versions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from fulfillment.models import Sku
from inspections.engine import ChecklistRule, PhotoSlot, StandardSnapshot
from inspections.models import GRADE_ORDER, ChecklistItem, GradingStandard, PhotoRequirement, StandardVersion

PUBLISHED = StandardVersion.Status.PUBLISHED
DRAFT = StandardVersion.Status.DRAFT


def standards_with_versions() -> QuerySet[GradingStandard]:
    """Standards annotated with `current_number` / `current_published_at` (latest
    published version) and `draft_number` — a constant number of queries per page."""
    published = StandardVersion.objects.filter(standard=OuterRef("pk"), status=PUBLISHED).order_by("-number")
    draft = StandardVersion.objects.filter(standard=OuterRef("pk"), status=DRAFT)
    return GradingStandard.objects.select_related("sku").annotate(
        current_number=Subquery(published.values("number")[:1]),
        current_published_at=Subquery(published.values("published_at")[:1]),
        draft_number=Subquery(draft.values("number")[:1]),
    )


def versions_of(standard: GradingStandard) -> QuerySet[StandardVersion]:
    """Newest first, with item and photo-slot counts and who created/published them."""
    return (
        standard.versions.select_related("created_by", "published_by")
        .annotate(
            item_count=Count("checklist", distinct=True),
            photo_count=Count("photos", distinct=True),
        )
        .order_by("-number")
    )


def version_get(*, standard_id: int, number: int) -> StandardVersion:
    """Version `number` of standard `standard_id` with its items and slots, or 404 (the
    lookup runs in this host's schema: another brand's standard is not there)."""
    version = (
        StandardVersion.objects.select_related("standard", "standard__sku", "created_by", "published_by")
        .prefetch_related("checklist", "photos")
        .filter(standard_id=standard_id, number=number)
        .first()
    )
    if version is None:
        raise Http404("No such standard version.")
    return version


def version_latest(standard: GradingStandard) -> StandardVersion | None:
    """The draft if there is one, else the latest published version."""
    return standard.versions.order_by(Case(When(status=DRAFT, then=Value(0)), default=Value(1)), "-number").first()


def published_before(version: StandardVersion) -> StandardVersion | None:
    """The latest published version of the same standard numbered below `version`."""
    return (
        StandardVersion.objects.prefetch_related("checklist", "photos")
        .filter(standard_id=version.standard_id, status=PUBLISHED, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def snapshot_of(version: StandardVersion) -> StandardSnapshot:
    """The engine's frozen view of `version` (uses prefetched items/slots if present)."""
    return StandardSnapshot(
        version_id=version.pk,
        checklist=tuple(
            ChecklistRule(key=i.key, prompt=i.prompt, required=i.required, fail_cap=i.fail_cap)
            for i in version.checklist.all()
        ),
        photo_slots=tuple(
            PhotoSlot(slot=p.slot, label=p.label, required=p.required, min_long_edge_px=p.min_long_edge_px)
            for p in version.photos.all()
        ),
        dispositions=version.dispositions,
    )


# --- which standard applies ---

SCOPE_PRECEDENCE = Case(
    When(standard__scope=GradingStandard.Scope.SKU, then=Value(0)),
    When(standard__scope=GradingStandard.Scope.CATEGORY, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class Resolution:
    sku: Sku
    version: StandardVersion | None
    reason: str

    @property
    def standard(self) -> GradingStandard | None:
        return self.version.standard if self.version else None


def standard_resolve(sku: Sku) -> Resolution:
    """The published version hubs use for `sku`, and why: the SKU's own override, else
    its category's, else the brand default. A standard with no published version yet is
    skipped (it is not in force). One query."""
    target = Q(standard__scope=GradingStandard.Scope.DEFAULT) | Q(
        standard__scope=GradingStandard.Scope.SKU, standard__sku=sku
    )
    if sku.category:
        target |= Q(standard__scope=GradingStandard.Scope.CATEGORY, standard__category=sku.category)
    version = (
        StandardVersion.objects.select_related("standard", "published_by")
        .prefetch_related("checklist", "photos")
        .filter(target, status=PUBLISHED)
        .order_by(SCOPE_PRECEDENCE, "-number")
        .first()
    )
    if version is None:
        return Resolution(sku, None, "No published standard applies: publish a brand default or an override.")
    standard = version.standard
    if standard.scope == GradingStandard.Scope.SKU:
        reason = f"{sku.code} has its own standard “{standard.name}”."
    elif standard.scope == GradingStandard.Scope.CATEGORY:
        reason = f"{sku.code} is in category “{sku.category}”, which has the standard “{standard.name}”."
    else:
        reason = (
            f"No SKU or category standard is published for {sku.code}: the brand default “{standard.name}” applies."
        )
    return Resolution(sku, version, reason + f" Version {version.number} is the latest published.")


def standard_for_sku(sku: Sku) -> StandardVersion | None:
    """The latest published version that applies to `sku` (SKU → category → default)."""
    return standard_resolve(sku).version


# --- what changed between versions ---


@dataclass(frozen=True)
class Change:
    """One item or slot present in both versions, with the fields that differ."""

    key: str
    label: str
    fields: tuple[tuple[str, object, object], ...]  # (field, old, new)


@dataclass(frozen=True)
class VersionDiff:
    items_added: tuple[ChecklistItem, ...] = ()
    items_removed: tuple[ChecklistItem, ...] = ()
    items_changed: tuple[Change, ...] = ()
    items_reordered: bool = False
    photos_added: tuple[PhotoRequirement, ...] = ()
    photos_removed: tuple[PhotoRequirement, ...] = ()
    photos_changed: tuple[Change, ...] = ()
    photos_reordered: bool = False
    dispositions_changed: tuple[tuple[str, str, str], ...] = ()  # (grade, old, new)
    first: bool = False
    base_number: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (
            self.items_added
            or self.items_removed
            or self.items_changed
            or self.items_reordered
            or self.photos_added
            or self.photos_removed
            or self.photos_changed
            or self.photos_reordered
            or self.dispositions_changed
        )


ITEM_FIELDS = ("prompt", "help_text", "required", "fail_cap")
PHOTO_FIELDS = ("label", "required", "min_long_edge_px")


def _compare(old_rows, new_rows, key_attr: str, fields: tuple[str, ...], label_attr: str):
    old = {getattr(row, key_attr): row for row in old_rows}
    new = {getattr(row, key_attr): row for row in new_rows}
    added = tuple(row for key, row in new.items() if key not in old)
    removed = tuple(row for key, row in old.items() if key not in new)
    changed = []
    for key, row in new.items():
        if key in old:
            diffs = tuple(
                (name, getattr(old[key], name), getattr(row, name))
                for name in fields
                if getattr(old[key], name) != getattr(row, name)
            )
            if diffs:
                changed.append(Change(key=key, label=getattr(row, label_attr), fields=diffs))
    common_old = [key for key in old if key in new]
    common_new = [key for key in new if key in old]
    return added, removed, tuple(changed), common_old != common_new


def version_diff(old: StandardVersion | None, new: StandardVersion) -> VersionDiff:
    """What `new` changes compared with `old` (None: `new` is the first version). Items
    and slots are matched by key/slot; dispositions by grade."""
    if old is None:
        return VersionDiff(items_added=tuple(new.checklist.all()), photos_added=tuple(new.photos.all()), first=True)
    items = _compare(old.checklist.all(), new.checklist.all(), "key", ITEM_FIELDS, "prompt")
    photos = _compare(old.photos.all(), new.photos.all(), "slot", PHOTO_FIELDS, "label")
    dispositions = tuple(
        (str(grade), old.dispositions.get(grade, ""), new.dispositions.get(grade, ""))
        for grade in GRADE_ORDER
        if old.dispositions.get(grade, "") != new.dispositions.get(grade, "")
    )
    return VersionDiff(
        items_added=items[0],
        items_removed=items[1],
        items_changed=items[2],
        items_reordered=items[3],
        photos_added=photos[0],
        photos_removed=photos[1],
        photos_changed=photos[2],
        photos_reordered=photos[3],
        dispositions_changed=dispositions,
        base_number=old.number,
    )


def version_history(standard: GradingStandard) -> list[tuple[StandardVersion, VersionDiff]]:
    """Every version, newest first, each with its diff against the published version
    before it. Three queries whatever the number of versions."""
    versions = list(
        standard.versions.select_related("created_by", "published_by")
        .prefetch_related("checklist", "photos")
        .order_by("number")
    )
    history, base = [], None
    for version in versions:
        history.append((version, version_diff(base, version)))
        if version.status == PUBLISHED:
            base = version
    history.reverse()
    return history
