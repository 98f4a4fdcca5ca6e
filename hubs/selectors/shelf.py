"""What should be on a hub's shelf, across brands, read from the hub's work index: every
open SHELF and HANDOFF task with a stock unit (a unit waiting for a customer, or held for
one). The cycle count (portals.services.shelf_counts) checks this list against the shelf.

The shelf label is the start of the task's title ("ACM1-0042 — WB-15 · Weighted blanket",
hubs.services.tasks.hub_task_open): HubTask keeps no label column of its own, and the
count re-reads every unit in its brand's schema before changing it, so the title is only
what the page shows and what typed labels are compared with."""

from __future__ import annotations

from dataclasses import dataclass

from hubs.models import Hub, HubTask

# A unit task's title is "<shelf label> — <SKU · title>" (hubs.services.tasks writes it).
LABEL_SEPARATOR = " — "


@dataclass(frozen=True)
class ShelfLine:
    brand_id: int
    brand_name: str
    brand_slug: str
    unit_id: int
    label: str
    what: str  # "WB-15 · Weighted blanket"
    reserved: bool  # matched to a customer: its hand-off is due

    @property
    def key(self) -> str:
        """How the count form names the unit: brand id and unit id (unit ids count per brand)."""
        return f"{self.brand_id}:{self.unit_id}"


def hub_shelf(hub: Hub) -> list[ShelfLine]:
    """The units that should be on `hub`'s shelf, by label. One query."""
    tasks = (
        HubTask.objects.filter(
            hub=hub,
            status=HubTask.Status.OPEN,
            kind__in=(HubTask.Kind.SHELF, HubTask.Kind.HANDOFF),
            stock_unit_id__isnull=False,
            brand__is_active=True,
        )
        .select_related("brand")
        .order_by("title", "pk")
    )
    lines = []
    for task in tasks:
        label, _, what = task.title.partition(LABEL_SEPARATOR)
        lines.append(
            ShelfLine(
                brand_id=task.brand_id,
                brand_name=task.brand.name,
                brand_slug=task.brand.slug,
                unit_id=task.stock_unit_id,
                label=label.strip(),
                what=what.strip(),
                reserved=task.kind == HubTask.Kind.HANDOFF,
            )
        )
    return lines


def hub_unit_brands(hub: Hub) -> list[int]:
    """Ids of the active brands that have ever had a unit on `hub`'s shelf: where a unit the
    hub reported missing may be found again."""
    return list(
        HubTask.objects.filter(hub=hub, stock_unit_id__isnull=False, brand__is_active=True)
        .values_list("brand_id", flat=True)
        .distinct()
        .order_by("brand_id")
    )
