"""Packing for the warehouse: a unit no local customer claimed before its shelf time ended
(the engine sweep moved it to `to_warehouse`, which opened a PACK task at its hub) is
packed and sent by the hub, who then closes the task."""

from __future__ import annotations

from django.db import transaction

from closo.actors import Actor
from closo.locks import lock_one
from hubs.exceptions import TaskNotFound
from hubs.machines import HUB_TASKS
from hubs.models import Hub, HubTask


@transaction.atomic
def pack_task_done(*, task_id: int, hub: Hub, actor: Actor) -> HubTask:
    """Close the open PACK task `task_id` of `hub` as done ("packed and sent"). Locks the
    task row; a task of another hub, of another kind, already closed or unknown is the
    same 404 (task_not_found), so a guessed id reveals nothing and changes nothing."""
    task = lock_one(HubTask.objects.filter(hub=hub, kind=HubTask.Kind.PACK, status=HubTask.Status.OPEN), pk=task_id)
    if task is None:
        raise TaskNotFound("No such item to pack at your hub: it was marked sent already, or it is not yours.")
    # Task moves are the index's own (SYSTEM); the member who packed it is named with it.
    return HUB_TASKS.transition(task, HubTask.Status.DONE, actor=Actor.system(f"hub task index, for {actor.label}"))
