"""One state-machine primitive for every stateful model (STYLE.md, "State machines").

A model's moves are one table of `Move`s, checked when the `StateMachine` is built (at
import), so a bad table fails before any request:

    RETURNS = StateMachine(
        model=ReturnItem, field="status", noun="return", status_labels=ReturnStatus,
        events=event_record, tasks=HUB_TASKS,
        moves=(
            Move(S.ROUTED, S.DROPPED_OFF, Kind.DROPPED_OFF, by={Party.HUB}, when={"route": Route.HUB},
                 closes=(TaskKind.DROPOFF,), opens=(TaskKind.INSPECT,)),
            Move(S.ROUTED, S.CANCELLED, Kind.CANCELLED, by={Party.BRAND}, needs_reason=True,
                 cancels=(TaskKind.DROPOFF,)),
            ...
        ),
    )
    RETURNS.transition(item, S.DROPPED_OFF, actor=actor, at_hub=hub, task_args={"due_at": due})

`transition` is the only way a status changes: inside the caller's transaction, one
conditional `UPDATE … WHERE pk = … AND status = <what the caller read>` whose row count
settles races (of two concurrent moves from one state exactly one wins; the other gets
InvalidTransition, 409), then the hub tasks the move names and the event with its actor.

closo is the bottom layer: the app's event writer and the hub task index (which live
higher up) are injected, never imported.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from django.core.exceptions import FieldDoesNotExist
from django.db import models, router
from django.utils import timezone

from closo.actors import Actor, Party
from closo.exceptions import InvalidTransition, ReasonRequired, TransitionNotAllowed
from closo.locks import require_transaction

__all__ = [
    "EventWriter",
    "InvalidTransition",
    "Move",
    "Party",
    "ReasonRequired",
    "StateMachine",
    "TaskIndex",
    "TransitionNotAllowed",
]


# Who each party is in a sentence: "… can become vetted only by Closo staff."
_PARTY_WORDS = {Party.BRAND: "the brand", Party.HUB: "the hub", Party.STAFF: "Closo staff", Party.SYSTEM: "Closo"}

# `transition`'s own keywords: a field of the same name could not be passed as a change.
_TRANSITION_KEYWORDS = frozenset({"obj", "to", "actor", "detail", "event_data", "at_hub", "task_args"})


def _names(value: Iterable[str], what: str) -> frozenset[str]:
    if isinstance(value, str):
        raise TypeError(f"{what} is a set of names, not the string {value!r}.")
    return frozenset(value)


def _kinds(value: Iterable[str], what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        raise TypeError(f"{what} is a tuple of task kinds, not the string {value!r}.")
    return tuple(value)


@dataclass(frozen=True, eq=False)
class Move:
    """One allowed edge: `source` → `target`, recorded as `event` (a value of the app's
    event-kind choices), allowed to the parties in `by`.

    `when`: the move applies only while (or, for a field the caller passes, once) other
    fields have these values, e.g. `{"route": "hub"}`. `takes`: the fields the caller must
    pass. `sets`: fields the move itself sets; a callable (e.g. `timezone.now`) is called
    at each transition. `needs_reason`: the `detail` may not be blank. `opens`, `closes`,
    `cancels`: hub-task kinds the move opens, closes as done, closes as cancelled."""

    source: str
    target: str
    event: str
    by: frozenset[str]
    when: Mapping[str, Any] = field(default_factory=dict)
    takes: frozenset[str] = frozenset()
    sets: Mapping[str, Any] = field(default_factory=dict)
    needs_reason: bool = False
    opens: tuple[str, ...] = ()
    closes: tuple[str, ...] = ()
    cancels: tuple[str, ...] = ()

    def __post_init__(self):
        edge = f"Move {self.source} → {self.target}"
        by = _names(self.by, f"{edge}: by")
        if not by:
            raise ValueError(f"{edge}: `by` names no party; say who may make it.")
        if unknown := sorted(by - set(Party.values)):
            raise ValueError(f"{edge}: {unknown} are not parties ({', '.join(Party.values)}).")
        if self.source == self.target:
            raise ValueError(f"{edge}: a move changes the status.")
        if not self.event:
            raise ValueError(f"{edge}: name the event it records.")
        takes = _names(self.takes, f"{edge}: takes")
        if both := sorted(takes & set(self.sets)):
            raise ValueError(f"{edge}: {both} are both taken from the caller and set by the move.")
        if both := sorted(set(self.when) & set(self.sets)):
            raise ValueError(f"{edge}: {both} are both a condition and set by the move.")
        object.__setattr__(self, "by", by)
        object.__setattr__(self, "takes", takes)
        object.__setattr__(self, "when", MappingProxyType(dict(self.when)))
        object.__setattr__(self, "sets", MappingProxyType(dict(self.sets)))
        for name in ("opens", "closes", "cancels"):
            object.__setattr__(self, name, _kinds(getattr(self, name), f"{edge}: {name}"))
        if both := sorted(set(self.closes) & set(self.cancels)):
            raise ValueError(f"{edge}: {both} are both closed as done and cancelled.")


class TaskIndex(Protocol):
    """The hub work index (hubs.HubTask), injected by the app that owns the model. Called
    inside the transition's transaction: closes/cancels first, then opens. An index may
    have a `kinds` attribute (the valid task kinds); the table is then checked against it."""

    def open(self, obj: models.Model, kind: str, **task_args: Any) -> None: ...

    def close(self, obj: models.Model, kind: str, *, cancelled: bool) -> None: ...


class EventWriter(Protocol):
    """The app's event writer (e.g. fulfillment.services.events.event_record). Called with
    keywords only, `subject` included."""

    def __call__(
        self,
        *,
        subject: models.Model,
        kind: str,
        actor: Actor,
        from_status: str,
        to_status: str,
        detail: str,
        data: dict,
        hub: Any,
    ) -> Any: ...


def _jsonable(value: Any) -> Any:
    """A change as the event's JSON data shows it: a model instance as its pk."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether some row could meet both conditions (no field asked for two values)."""
    return all(a[name] == b[name] for name in a.keys() & b.keys())


class StateMachine:
    """The moves of `model.<field>`, built once per model at import time.

    `events`: the app's event writer, or None (explicitly) when the caller's own event
    records these moves (the hub task index: its moves are always part of a brand-row
    move). `tasks`: the hub task index, needed if any move opens or closes tasks.
    `status_labels`: the TextChoices of the field (default: the field's choices).
    `event_kinds`: the TextChoices of the event kinds, if the app has them: each move's
    event must be one."""

    def __init__(
        self,
        *,
        model: type[models.Model],
        moves: Iterable[Move],
        events: EventWriter | Callable[..., Any] | None,
        field: str = "status",
        noun: str | None = None,
        tasks: TaskIndex | None = None,
        status_labels: type[models.TextChoices] | None = None,
        event_kinds: type[models.TextChoices] | None = None,
    ):
        self.model = model
        self.moves: tuple[Move, ...] = tuple(moves)
        self.field = field
        self.noun = noun or model._meta.verbose_name
        self.events = events
        self.tasks = tasks
        self._status_field = self._concrete_field(field, "The status field")
        choices = dict(self._status_field.flatchoices)
        if not choices:
            raise ValueError(f"{model._meta.label}.{field} has no choices: a status field needs them.")
        if status_labels is not None:
            labels = dict(status_labels.choices)
            if set(labels) != set(choices):
                raise ValueError(f"{status_labels.__name__} does not list the choices of {model._meta.label}.{field}.")
            choices = labels
        self._labels: dict[str, str] = {key: str(label) for key, label in choices.items()}
        self._has_updated_at = any(f.name == "updated_at" for f in model._meta.concrete_fields)
        self._validate(event_kinds)
        self._by_edge: dict[tuple[str, str], list[Move]] = {}
        for move in self.moves:
            self._by_edge.setdefault((move.source, move.target), []).append(move)

    # --- the table ---

    def _concrete_field(self, name: str, what: str) -> models.Field:
        try:
            found = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            raise ValueError(f"{what} “{name}” is not a field of {self.model._meta.label}.") from None
        if not found.concrete:
            raise ValueError(f"{what} “{name}” is not a column of {self.model._meta.label}.")
        return found

    def _check_choice(self, name: str, value: Any, what: str) -> None:
        """A value a table names must be a choice of its field (or its empty value: a
        condition may be "not routed yet", `{"route": ""}`)."""
        found = self.model._meta.get_field(name)
        empty = (value is None and found.null) or (value == "" and found.blank)
        if found.flatchoices and not empty and value not in {key for key, _ in found.flatchoices}:
            raise ValueError(f"{what}: {value!r} is not a valid {name} of {self.model._meta.label}.")

    def _validate(self, event_kinds: type[models.TextChoices] | None) -> None:
        if not self.moves:
            raise ValueError(f"The {self.noun} state machine has no moves.")
        task_kinds = getattr(self.tasks, "kinds", None)
        for move in self.moves:
            edge = f"{self.model._meta.label}: move {move.source} → {move.target}"
            if not isinstance(move, Move):
                raise TypeError(f"{edge} is not a Move.")
            for status in (move.source, move.target):
                if status not in self._labels:
                    raise ValueError(f"{edge}: “{status}” is not a {self.field} of {self.model._meta.label}.")
            if event_kinds is not None and move.event not in event_kinds.values:
                raise ValueError(f"{edge}: event “{move.event}” is not one of {event_kinds.__name__}.")
            for name in (*move.when, *move.takes, *move.sets):
                found = self._concrete_field(name, f"{edge}: field")
                if found.name == self.field or found.attname == self.field:
                    raise ValueError(f"{edge}: the status itself changes only by the move's target.")
            for name, value in move.when.items():
                if self.model._meta.get_field(name).is_relation:
                    raise ValueError(f"{edge}: `when` compares plain fields; “{name}” is a relation.")
                self._check_choice(name, value, edge)
            for name, value in move.sets.items():
                if not callable(value):
                    self._check_choice(name, value, edge)
            if clash := sorted(move.takes & _TRANSITION_KEYWORDS):
                raise ValueError(f"{edge}: {clash} cannot be passed to transition(); rename the keyword.")
            if move.needs_reason and self.events is None:
                raise ValueError(f"{edge} needs a reason, but this machine writes no events to keep it in.")
            kinds = (*move.opens, *move.closes, *move.cancels)
            if kinds and self.tasks is None:
                raise ValueError(f"{edge} opens or closes hub tasks; give the machine `tasks=`.")
            if task_kinds is not None and (unknown := sorted(set(kinds) - set(task_kinds))):
                raise ValueError(f"{edge}: {unknown} are not task kinds of the index.")
        for i, move in enumerate(self.moves):
            for other in self.moves[i + 1 :]:
                if (move.source, move.target) == (other.source, other.target) and _overlap(move.when, other.when):
                    raise ValueError(
                        f"{self.model._meta.label}: two moves {move.source} → {move.target} can apply to one row "
                        f"(when {dict(move.when)} and when {dict(other.when)}); make their conditions exclusive."
                    )

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self._labels)

    @property
    def terminal(self) -> frozenset[str]:
        """The statuses no move leaves."""
        return frozenset(self._labels) - {move.source for move in self.moves}

    def label(self, status: str | None) -> str:
        """A status as a sentence shows it: "dropped off"."""
        return self._labels.get(status, str(status)).lower()

    def graph(self) -> list[dict[str, Any]]:
        """The table as rows, for documentation pages and tests."""
        return [
            {
                "from": move.source,
                "to": move.target,
                "event": move.event,
                "by": sorted(move.by),
                "when": dict(move.when),
                "takes": sorted(move.takes),
                "sets": sorted(move.sets),
                "needs_reason": move.needs_reason,
                "opens": list(move.opens),
                "closes": list(move.closes),
                "cancels": list(move.cancels),
            }
            for move in self.moves
        ]

    # --- reads ---

    def _value(self, obj: models.Model, name: str, changes: Mapping[str, Any]) -> Any:
        return changes[name] if name in changes else getattr(obj, name)

    def move_for(self, obj: models.Model, to: str, changes: Mapping[str, Any] | None = None) -> Move:
        """The move from `obj`'s status to `to` whose `when` holds (a value in `changes`
        counts as the field's value), or InvalidTransition naming both states."""
        changes = changes or {}
        source = getattr(obj, self.field)
        edges = self._by_edge.get((source, to), [])
        for move in edges:
            if all(self._value(obj, name, changes) == value for name, value in move.when.items()):
                return move
        fields = {"from_status": source, "to_status": to}
        if to not in self._labels:
            raise InvalidTransition(
                f"A {self.noun} cannot become “{to}”: it is not a {self.noun} status.", fields=fields
            )
        sentence = f"A {self.noun} that is {self.label(source)} cannot become {self.label(to)}"
        if edges:
            name = next(n for n, v in edges[0].when.items() if self._value(obj, n, changes) != v)
            sentence += self._condition(name, self._value(obj, name, changes))
        raise InvalidTransition(sentence + ".", fields=fields)

    def _condition(self, name: str, value: Any) -> str:
        found = self.model._meta.get_field(name)
        if value in (None, ""):
            return f" without a {found.verbose_name}"
        shown = dict(found.flatchoices).get(value, value)
        return f" while its {found.verbose_name} is {str(shown).lower()}"

    def moves_from(self, obj: models.Model) -> list[Move]:
        """The moves the table allows from where `obj` is now (what a page offers next).
        A move whose condition is on a field the caller passes is listed whatever the
        field holds now."""
        source = getattr(obj, self.field)
        return [
            move
            for move in self.moves
            if move.source == source
            and all(name in move.takes or getattr(obj, name) == value for name, value in move.when.items())
        ]

    # --- the write ---

    def _check_changes(self, move: Move, changes: Mapping[str, Any]) -> None:
        """The caller passes exactly what the move takes, with valid choices: a mismatch is
        a bug in the calling service, not bad input."""
        missing = sorted(name for name in move.takes if changes.get(name) in (None, ""))
        unexpected = sorted(set(changes) - move.takes)
        if missing or unexpected:
            raise TypeError(
                f"{self.noun} {move.source} → {move.target} takes {sorted(move.takes)}; "
                f"missing {missing}, unexpected {unexpected}."
            )
        for name, value in changes.items():
            choices = self.model._meta.get_field(name).flatchoices
            if choices and value not in {key for key, _ in choices}:
                raise ValueError(f"{value!r} is not a valid {name} of a {self.noun}.")

    def transition(
        self,
        obj: models.Model,
        to: str,
        *,
        actor: Actor,
        detail: str = "",
        event_data: Mapping[str, Any] | None = None,
        at_hub: Any = None,
        task_args: Mapping[str, Any] | None = None,
        **changes: Any,
    ) -> models.Model:
        """Move `obj` from the status it was read with to `to`, setting `changes` (exactly
        the move's `takes`) and the move's `sets`; close/cancel/open the hub tasks the move
        names (`task_args` go to `tasks.open`); record the event (kind = the move's event,
        `detail` = the why, data = the changes and sets plus `event_data`, at `at_hub`).
        `obj` is updated in place and returned.

        Runs inside the caller's transaction.atomic (RuntimeError otherwise). Refusals:
        InvalidTransition (409) for a move the table lacks or a row that moved meanwhile;
        TransitionNotAllowed (403) for a party the move does not allow; ReasonRequired
        (400) for a blank reason; TypeError / ValueError for a caller's bug."""
        if not isinstance(obj, self.model):
            raise TypeError(f"This machine moves {self.model._meta.label} rows, not {type(obj).__name__}.")
        require_transaction(f"A {self.noun} transition", router.db_for_write(self.model))
        source = getattr(obj, self.field)
        move = self.move_for(obj, to, changes)
        if actor.party not in move.by:
            who = " or ".join(_PARTY_WORDS[p] for p in Party.values if p in move.by)
            raise TransitionNotAllowed(
                f"A {self.noun} that is {self.label(source)} can become {self.label(to)} only by {who}.",
                fields={"from_status": source, "to_status": to},
            )
        detail = (detail or "").strip()
        # A blank reason is the person's mistake (400), checked before the caller's bugs: a
        # move may also store the reason in a field it takes (a backorder's cancel_reason).
        if move.needs_reason and not detail:
            raise ReasonRequired(
                f"Say why the {self.noun} is {self.label(to)}.", fields={"reason": ["This field is required."]}
            )
        self._check_changes(move, changes)
        if self.events is None and (detail or event_data or at_hub is not None):
            raise TypeError(f"The {self.noun} machine writes no events: pass no detail, event_data or at_hub.")
        if task_args and not move.opens:
            raise TypeError(f"{self.noun} {move.source} → {move.target} opens no task: pass no task_args.")

        sets = {name: value() if callable(value) else value for name, value in move.sets.items()}
        values = {**changes, **sets, self.field: to}
        if self._has_updated_at:
            values.setdefault("updated_at", timezone.now())
        updated = self.model._base_manager.filter(pk=obj.pk, **{self.field: source}).update(**values)
        if updated != 1:
            raise self._lost_race(obj, source, to)
        for name, value in values.items():
            setattr(obj, name, value)

        # Closing first: a kind may be closed and opened again (one open task per stage).
        for kind in move.closes:
            self.tasks.close(obj, kind, cancelled=False)
        for kind in move.cancels:
            self.tasks.close(obj, kind, cancelled=True)
        for kind in move.opens:
            self.tasks.open(obj, kind, **(task_args or {}))
        if self.events is not None:
            data = {name: _jsonable(value) for name, value in {**changes, **sets}.items()}
            self.events(
                subject=obj,
                kind=move.event,
                actor=actor,
                from_status=source,
                to_status=to,
                detail=detail,
                data={**data, **(event_data or {})},
                hub=at_hub,
            )
        return obj

    def _lost_race(self, obj: models.Model, source: str, to: str) -> InvalidTransition:
        """The row was not in `source` any more: say what it is now."""
        current = self.model._base_manager.filter(pk=obj.pk).values_list(self.field, flat=True).first()
        if current is None:
            return InvalidTransition(
                f"This {self.noun} no longer exists (it was {self.label(source)}).",
                fields={"from_status": None, "to_status": to},
            )
        return InvalidTransition(
            f"This {self.noun} is {self.label(current)} now (it was {self.label(source)}): "
            f"it cannot become {self.label(to)}. Reload to see what changed.",
            fields={"from_status": current, "to_status": to},
        )
