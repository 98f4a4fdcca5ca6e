"""The hub's work index (HubTask, in the public schema) and the reads built on it: the
queue a hub member sees across every brand, and the one way a hub page or API reaches a
brand's return (`hub_return`).

A task names its brand and the id of the brand row it indexes (public tables cannot point
into a brand schema). Every write here must run in the same transaction as the brand-row
change it indexes, so the queue never drifts from the returns: the state-machine tables
(fulfillment.machines) name the tasks each move of a return or a unit opens and closes, and
hubs.services.tasks writes them in the move's transaction (it refuses to run outside one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from hubs.models import Hub, HubTask

Kind = HubTask.Kind
Status = HubTask.Status

# The queue shows at most this many tasks per lane (the most urgent first); the lane's
# count is always the full number.
LANE_LIMIT = 50

LANES = (
    (
        Kind.DROPOFF,
        "Expected drop-offs",
        "No drop-offs expected. When a customer nearby starts a return for a brand you serve, "
        "it appears here until they bring it in with their drop-off code.",
    ),
    (
        Kind.INSPECT,
        "Awaiting inspection",
        "Nothing to inspect. Items you receive wait here for their 30-second inspection.",
    ),
    (
        Kind.SHELF,
        "On the shelf",
        "Your shelf is empty. Like-New items you inspect wait here, with their shelf label, "
        "until a local customer is matched.",
    ),
    (
        Kind.HANDOFF,
        "Hand-offs due",
        "No hand-offs due. When a shelf item is matched to a customer nearby, the hand-off appears here.",
    ),
    (
        Kind.PACK,
        "Pack for the warehouse",
        "Nothing to pack. A shelf item no local customer claimed before its shelf time ends appears here: "
        "pack it, send it to the brand's warehouse and mark it sent.",
    ),
)


# --- writes (call inside the transaction that changes the brand row) ---


# --- reads ---


@dataclass(frozen=True)
class QueueItem:
    task: HubTask
    brand_name: str
    url: str
    due_at: datetime | None
    overdue: bool
    due_text: str  # "overdue 2 days", "due in 5 hours", "expected within 1 week", "" without a due time


@dataclass(frozen=True)
class Lane:
    kind: str
    label: str
    count: int
    items: list[QueueItem]
    empty_text: str

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.items if item.overdue)

    @property
    def more(self) -> int:
        """Open tasks in this lane beyond the ones shown."""
        return self.count - len(self.items)


@dataclass(frozen=True)
class Queue:
    hub: Hub
    lanes: list[Lane]

    @property
    def total(self) -> int:
        return sum(lane.count for lane in self.lanes)

    @property
    def overdue_count(self) -> int:
        return sum(lane.overdue_count for lane in self.lanes)


def _due(kind: str, due_at: datetime | None, now: datetime) -> tuple[bool, str]:
    if due_at is None:
        return False, ""
    if due_at < now:
        return True, f"overdue {timesince(due_at, now, depth=1)}"
    ahead = timeuntil(due_at, now, depth=1)
    # A drop-off's due time is when its code expires: the customer may come any time before.
    return False, f"expected within {ahead}" if kind == Kind.DROPOFF else f"due in {ahead}"


def hub_return_url(*, brand_slug: str, return_item_id: int) -> str:
    """A return's page in the hub portal (public host, whatever host is asking)."""
    return reverse(
        "hub_return_detail",
        kwargs={"brand_slug": brand_slug, "pk": return_item_id},
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )


def _task_url(task: HubTask) -> str:
    """Where a queue item leads: a hand-off to its hand-off page, anything else to its return."""
    if task.kind == Kind.HANDOFF and task.code:
        return reverse("hub_handoff_detail", kwargs={"pk": task.pk}, urlconf=settings.PUBLIC_SCHEMA_URLCONF)
    return hub_return_url(brand_slug=task.brand.slug, return_item_id=task.return_item_id)


def hub_queue(hub: Hub, *, now: datetime | None = None) -> Queue:
    """`hub`'s open work across every active brand, in lanes (drop-offs expected,
    awaiting inspection, on the shelf, hand-offs due, pack for the warehouse), most urgent first: earliest due
    time first, so overdue work leads. One query, however many tasks: window functions
    count each lane and keep its first LANE_LIMIT rows."""
    now = now or timezone.now()
    by_due = [F("due_at").asc(nulls_last=True), F("pk").asc()]
    rows = (
        HubTask.objects.filter(hub=hub, status=Status.OPEN, brand__is_active=True)
        .select_related("brand")
        .annotate(
            lane_count=Window(Count("pk"), partition_by=[F("kind")]),
            lane_row=Window(RowNumber(), partition_by=[F("kind")], order_by=by_due),
        )
        .filter(lane_row__lte=LANE_LIMIT)
        .order_by("kind", *by_due)
    )
    items: dict[str, list[QueueItem]] = {kind: [] for kind, _, _ in LANES}
    counts: dict[str, int] = {}
    for task in rows:
        overdue, due_text = _due(task.kind, task.due_at, now)
        counts[task.kind] = task.lane_count
        items[task.kind].append(
            QueueItem(
                task=task,
                brand_name=task.brand.name,
                url=_task_url(task),
                due_at=task.due_at,
                overdue=overdue,
                due_text=due_text,
            )
        )
    lanes = [
        Lane(kind=kind, label=label, count=counts.get(kind, 0), items=items[kind], empty_text=empty)
        for kind, label, empty in LANES
    ]
    return Queue(hub=hub, lanes=lanes)
