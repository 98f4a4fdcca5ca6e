"""The hub side of hand-offs: a hub's open hand-offs across brands, and the one way a hub
page or API reaches one allocation (`hub_handoff`).

A hand-off is named on the hub side by its HubTask id (public, and scoped to the hub: the
task's hub must be one of the member's), never by a brand's allocation id; the task's
code is the allocation's pickup code, which finds the allocation in the task's brand.
The code itself is the customer's proof and is never shown to the hub."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from fulfillment.models import Allocation
from hubs.models import Hub, HubMember, HubTask
from hubs.selectors.queue import _due
from portals.selectors.hub_access import _memberships


def hub_handoff_url(task_id: int) -> str:
    """A hand-off's page in the hub portal (public host, whatever host is asking)."""
    return reverse("hub_handoff_detail", kwargs={"pk": task_id}, urlconf=settings.PUBLIC_SCHEMA_URLCONF)


def first_name(full_name: str) -> str:
    """What the hub calls the customer: the first word of their name ("" without one)."""
    parts = (full_name or "").split()
    return parts[0] if parts else ""


@dataclass(frozen=True)
class HandoffRow:
    task: HubTask
    brand: Brand
    allocation: Allocation | None  # None only if the brand row is gone (never, by design)
    label: str
    sku_code: str
    sku_title: str
    customer_first_name: str
    method: str
    method_label: str
    due_at: datetime | None
    overdue: bool
    due_text: str
    url: str


def handoff_rows(tasks: list[HubTask], *, now: datetime | None = None) -> list[HandoffRow]:
    """Rows for hand-off tasks (with their brand): one query per brand among them, for the
    allocations, their units, SKUs and customers."""
    now = now or timezone.now()
    by_brand: dict[int, list[HubTask]] = defaultdict(list)
    for task in tasks:
        if task.code:  # every hand-off task carries its pickup code
            by_brand[task.brand_id].append(task)
    allocations: dict[tuple[int, str], Allocation] = {}
    for brand_tasks in by_brand.values():
        with schema_context(brand_tasks[0].brand.schema_name):
            for allocation in Allocation.objects.select_related("unit__sku", "backorder").filter(
                pickup_code__in=[t.code for t in brand_tasks]
            ):
                allocations[(brand_tasks[0].brand_id, allocation.pickup_code)] = allocation
    rows = []
    for task in tasks:
        allocation = allocations.get((task.brand_id, task.code))
        overdue, due_text = _due(task.kind, task.due_at, now)
        rows.append(
            HandoffRow(
                task=task,
                brand=task.brand,
                allocation=allocation,
                label=allocation.unit.label if allocation else task.title.split(" — ")[0],
                sku_code=allocation.unit.sku.code if allocation else "",
                sku_title=allocation.unit.sku.title if allocation else task.title,
                customer_first_name=first_name(allocation.backorder.customer_name) if allocation else "",
                method=allocation.method if allocation else "",
                method_label=allocation.get_method_display() if allocation else "",
                due_at=task.due_at,
                overdue=overdue and task.status == HubTask.Status.OPEN,
                due_text=due_text if task.status == HubTask.Status.OPEN else "",
                url=hub_handoff_url(task.pk),
            )
        )
    return rows


def hub_handoffs(hub: Hub, *, now: datetime | None = None) -> list[HandoffRow]:
    """`hub`'s open hand-offs across its active brands, earliest due first. One query for
    the tasks and one per brand that has any, however many hand-offs there are."""
    tasks = list(
        HubTask.objects.filter(hub=hub, kind=HubTask.Kind.HANDOFF, status=HubTask.Status.OPEN, brand__is_active=True)
        .select_related("brand")
        .order_by("due_at", "pk")
    )
    return handoff_rows(tasks, now=now)


@dataclass(frozen=True)
class HubHandoff:
    brand: Brand
    hub: Hub
    member: HubMember
    task: HubTask
    allocation: Allocation
    row: HandoffRow


@contextmanager
def hub_handoff(*, user, pk: int, hub_id=None) -> Iterator[HubHandoff]:
    """Open the hand-off whose task is `pk` for a member of its hub, inside its brand's
    schema (evaluate every QuerySet inside the block). `hub_id` narrows it to that one of
    the member's hubs. The same 404 for no such task, another hub's, another kind of task,
    an inactive brand's, or an allocation of another hub."""
    members = _memberships(user, hub_id)
    task = (
        HubTask.objects.select_related("brand", "hub")
        .filter(pk=pk, kind=HubTask.Kind.HANDOFF, hub_id__in=list(members), brand__is_active=True)
        .exclude(code="")
        .first()
        if members
        else None
    )
    if task is None:
        raise Http404("No such hand-off at your hub.")
    with schema_context(task.brand.schema_name):
        allocation = (
            Allocation.objects.select_related("unit__sku", "backorder")
            .filter(pickup_code=task.code, hub_id=task.hub_id)
            .first()
        )
        if allocation is None:
            raise Http404("No such hand-off at your hub.")
        row = handoff_rows([task])[0]
        yield HubHandoff(
            brand=task.brand, hub=task.hub, member=members[task.hub_id], task=task, allocation=allocation, row=row
        )
