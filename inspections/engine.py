"""The grading engine: a standard version's rules + an inspector's answers → grade,
disposition and the reasons. Pure functions on frozen values: no database, no clock,
so every rule is tested exhaustively and an inspection can be re-graded at any time
from the version it pinned (`inspections.selectors.snapshot_of`).

Grades are ordered best → worst by `GRADE_ORDER`. The computed grade is the worst
`fail_cap` among failed checklist items (Like New when nothing failed). An inspector may
lower the grade with a reason, never raise it. The disposition follows the final grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from closo.exceptions import ReasonRequired
from inspections.exceptions import (
    CannotRaiseGrade,
    InvalidAnswer,
    MissingAnswers,
    MissingPhotos,
    PhotoTooSmall,
    UnknownGrade,
    UnknownItem,
    UnknownSlot,
)
from inspections.models import DEFAULT_DISPOSITIONS, GRADE_ORDER, Disposition, Grade

GRADE_RANK: dict[str, int] = {str(grade): rank for rank, grade in enumerate(GRADE_ORDER)}
GRADE_LABELS: dict[str, str] = {str(value): label for value, label in Grade.choices}
DISPOSITION_LABELS: dict[str, str] = {str(value): label for value, label in Disposition.choices}


@dataclass(frozen=True)
class ChecklistRule:
    key: str
    prompt: str
    required: bool
    fail_cap: str


@dataclass(frozen=True)
class PhotoSlot:
    slot: str
    label: str
    required: bool
    min_long_edge_px: int


@dataclass(frozen=True)
class StandardSnapshot:
    """Everything the engine needs from one standard version. Grades missing from
    `dispositions` take the default disposition."""

    version_id: int | None
    checklist: tuple[ChecklistRule, ...]
    photo_slots: tuple[PhotoSlot, ...] = ()
    dispositions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        merged = {str(g): str(d) for g, d in DEFAULT_DISPOSITIONS.items()}
        merged.update({str(g): str(d) for g, d in self.dispositions.items()})
        object.__setattr__(self, "dispositions", merged)
        object.__setattr__(self, "checklist", tuple(self.checklist))
        object.__setattr__(self, "photo_slots", tuple(self.photo_slots))


@dataclass(frozen=True)
class GradeResult:
    computed_grade: str
    disposition: str
    reasons: tuple[str, ...]
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """The whole outcome of an inspection: what the rules said, what the inspector
    decided, and where the item goes."""

    computed_grade: str
    final_grade: str
    disposition: str
    reasons: tuple[str, ...]
    lowered_reason: str = ""


def is_known_grade(value) -> bool:
    return isinstance(value, str) and value in GRADE_RANK


def worst(grades: Iterable[str]) -> str:
    """The worst of `grades` (Like New for none)."""
    return max(grades, key=GRADE_RANK.__getitem__, default=str(Grade.LIKE_NEW))


def is_worse(grade: str, than: str) -> bool:
    return GRADE_RANK[grade] > GRADE_RANK[than]


def _require_grade(value, field_name: str) -> str:
    if not is_known_grade(value):
        raise UnknownGrade(
            f"“{value}” is not a grade. Use one of: {', '.join(GRADE_RANK)}.",
            fields={field_name: [f"Unknown grade “{value}”."]},
        )
    return value


def disposition_for(snapshot: StandardSnapshot, grade_value: str) -> str:
    return snapshot.dispositions[_require_grade(grade_value, "grade")]


def grade(snapshot: StandardSnapshot, answers: Mapping[str, bool | None]) -> GradeResult:
    """Grade `answers` ({item key: True = passed, False = failed, None = not answered})
    against `snapshot`. Every required item needs an answer; an unanswered optional item
    has no effect. Raises UnknownItem, InvalidAnswer, MissingAnswers."""
    rules = {rule.key: rule for rule in snapshot.checklist}
    unknown = sorted(key for key in answers if key not in rules)
    if unknown:
        raise UnknownItem(
            f"Not in this standard: {', '.join(unknown)}.",
            fields={key: ["Not a checklist item of this standard version."] for key in unknown},
        )
    invalid = [key for key, value in answers.items() if value is not None and not isinstance(value, bool)]
    if invalid:
        raise InvalidAnswer(
            "Answer each check with passed (true), failed (false) or not answered (null).",
            fields={key: ["Must be true, false or null."] for key in invalid},
        )
    missing = [rule.key for rule in snapshot.checklist if rule.required and answers.get(rule.key) is None]
    if missing:
        raise MissingAnswers(
            f"Answer every required check: {', '.join(missing)}.",
            fields={key: ["This check is required."] for key in missing},
        )
    failed = [rule for rule in snapshot.checklist if answers.get(rule.key) is False]
    computed = worst(rule.fail_cap for rule in failed)
    if failed:
        reasons = tuple(f"{rule.prompt}: failed → at most {GRADE_LABELS[rule.fail_cap]}" for rule in failed)
    else:
        reasons = (f"No check failed → {GRADE_LABELS[computed]}",)
    return GradeResult(
        computed_grade=computed,
        disposition=snapshot.dispositions[computed],
        reasons=reasons,
        failed=tuple(rule.key for rule in failed),
    )


def final_grade(computed: str, requested: str | None = None, reason: str = "") -> tuple[str, str]:
    """The grade that counts: `computed`, or `requested` when it is the same or worse.
    Lowering needs a reason; raising is refused. Returns (grade, stripped reason).
    Raises UnknownGrade, ReasonRequired, CannotRaiseGrade."""
    _require_grade(computed, "computed_grade")
    reason = (reason or "").strip()
    if requested is None or requested == "":
        return computed, reason
    _require_grade(requested, "grade")
    if is_worse(computed, requested):
        raise CannotRaiseGrade(
            f"The checks give at most {GRADE_LABELS[computed]}; a grade can be lowered, never raised.",
            fields={"grade": [f"At most {GRADE_LABELS[computed]}."]},
        )
    if is_worse(requested, computed) and not reason:
        raise ReasonRequired(
            f"Say why the grade is lowered from {GRADE_LABELS[computed]} to {GRADE_LABELS[requested]}.",
            fields={"reason": ["A reason is required to lower the grade."]},
        )
    return requested, reason


def evaluate(
    snapshot: StandardSnapshot,
    answers: Mapping[str, bool | None],
    *,
    requested_grade: str | None = None,
    reason: str = "",
) -> Evaluation:
    """`grade` then `final_grade`; the disposition follows the final grade."""
    result = grade(snapshot, answers)
    final, why = final_grade(result.computed_grade, requested_grade, reason)
    reasons = result.reasons
    lowered = is_worse(final, result.computed_grade)
    if lowered:
        reasons += (
            f"Lowered by the inspector from {GRADE_LABELS[result.computed_grade]} to {GRADE_LABELS[final]}: {why}",
        )
    return Evaluation(
        computed_grade=result.computed_grade,
        final_grade=final,
        disposition=snapshot.dispositions[final],
        reasons=reasons,
        lowered_reason=why if lowered else "",
    )


def check_photos(snapshot: StandardSnapshot, photos: Mapping[str, tuple[int, int]]) -> None:
    """Check the photos taken ({slot: (width, height)} in px) against the slots: every
    required slot filled, no unknown slot, every photo's long edge at least the slot's
    minimum. Raises UnknownSlot, MissingPhotos, PhotoTooSmall."""
    slots = {slot.slot: slot for slot in snapshot.photo_slots}
    unknown = sorted(key for key in photos if key not in slots)
    if unknown:
        raise UnknownSlot(
            f"Not a photo slot of this standard: {', '.join(unknown)}.",
            fields={key: ["Not a photo slot of this standard version."] for key in unknown},
        )
    missing = [slot.slot for slot in snapshot.photo_slots if slot.required and slot.slot not in photos]
    if missing:
        raise MissingPhotos(
            f"Take every required photo: {', '.join(slots[key].label for key in missing)}.",
            fields={key: ["This photo is required."] for key in missing},
        )
    small = {
        key: [f"{max(size)} px on the long edge; at least {slots[key].min_long_edge_px} px needed."]
        for key, size in photos.items()
        if max(size) < slots[key].min_long_edge_px
    }
    if small:
        raise PhotoTooSmall(
            "Some photos are too small: retake them closer or at a higher resolution.",
            fields=small,
        )
