"""The state machines of the hubs app (closo.statemachine).

Hubs: applied ─→ vetted ─→ active ⇄ suspended (and vetted ─→ suspended), by Closo staff;
every move is a HubEvent. Hub tasks (the cross-brand work index): open ─→ done | cancelled,
moved only by the index itself as part of a brand-row move (hubs.services.tasks).
"""

from __future__ import annotations

from django.utils import timezone

from closo.actors import Party
from closo.statemachine import Move, StateMachine
from hubs.models import Hub, HubEvent, HubStatus, HubTask
from hubs.services.events import hub_event_record

H = HubStatus
Status = HubTask.Status
_STATUS_CHANGED = {"status_changed_at": timezone.now}


HUBS = StateMachine(
    model=Hub,
    noun="hub",
    status_labels=HubStatus,
    event_kinds=HubEvent.Kind,
    events=hub_event_record,
    moves=(
        Move(H.APPLIED, H.VETTED, HubEvent.Kind.STATUS, by={Party.STAFF}, sets=_STATUS_CHANGED),
        Move(H.VETTED, H.ACTIVE, HubEvent.Kind.STATUS, by={Party.STAFF}, sets=_STATUS_CHANGED),
        Move(H.VETTED, H.SUSPENDED, HubEvent.Kind.STATUS, by={Party.STAFF}, needs_reason=True, sets=_STATUS_CHANGED),
        Move(H.ACTIVE, H.SUSPENDED, HubEvent.Kind.STATUS, by={Party.STAFF}, needs_reason=True, sets=_STATUS_CHANGED),
        Move(H.SUSPENDED, H.ACTIVE, HubEvent.Kind.STATUS, by={Party.STAFF}, sets=_STATUS_CHANGED),
    ),
)


# Open → done when the work is done, → cancelled when it will never be (a cancelled
# return). Only the index moves tasks, as part of a brand-row move that has already
# checked who acted, so the index acts as Closo itself (SYSTEM).
HUB_TASKS = StateMachine(
    model=HubTask,
    noun="hub task",
    status_labels=HubTask.Status,
    events=None,  # recorded by the event of the brand-row move the task belongs to
    moves=(
        Move(Status.OPEN, Status.DONE, "done", by={Party.SYSTEM}, sets={"closed_at": timezone.now}),
        Move(Status.OPEN, Status.CANCELLED, "cancelled", by={Party.SYSTEM}, sets={"closed_at": timezone.now}),
    ),
)
