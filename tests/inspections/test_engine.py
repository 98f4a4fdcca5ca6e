"""The grading engine, exhaustively: every pass/fail/unanswered combination of a standard
with an item of every cap, required and optional; every lowering/raising/unknown/reason
combination of final_grade; dispositions (default and custom) following the final grade;
photo checks. Pure functions: no database."""

from __future__ import annotations

import itertools

import pytest

from closo.exceptions import DomainError
from inspections import engine
from inspections.engine import ChecklistRule, PhotoSlot, StandardSnapshot
from inspections.models import DEFAULT_DISPOSITIONS, GRADE_ORDER, Disposition, Grade

GRADES = [str(g) for g in GRADE_ORDER]

# One required and one optional item for every cap (Like New included: a failure that
# caps at Like New is recorded but cannot lower the grade).
RULES = tuple(
    ChecklistRule(
        key=f"{cap}-{'req' if required else 'opt'}", prompt=f"Check {cap} {required}", required=required, fail_cap=cap
    )
    for cap in GRADES
    for required in (True, False)
)
SNAPSHOT = StandardSnapshot(version_id=7, checklist=RULES)
PASS, FAIL, UNANSWERED = True, False, None


def snapshot(*rules, dispositions=None, photos=()):
    return StandardSnapshot(version_id=1, checklist=rules, photo_slots=photos, dispositions=dispositions or {})


def rule(key, cap, required=True, prompt=None):
    return ChecklistRule(key=key, prompt=prompt or key.capitalize(), required=required, fail_cap=cap)


def expected_grade(answers: dict) -> str:
    """The specification, written independently of the engine: the worst cap among
    failed items by position in GRADE_ORDER, Like New when nothing failed."""
    failed_ranks = [GRADES.index(r.fail_cap) for r in RULES if answers.get(r.key) is False]
    return GRADES[max(failed_ranks)] if failed_ranks else str(Grade.LIKE_NEW)


def test_every_combination_of_pass_fail_unanswered_grades_to_the_worst_failed_cap():
    """3^8 = 6561 answer sets, each graded (or refused) exactly as specified."""
    graded = refused = 0
    for combo in itertools.product((PASS, FAIL, UNANSWERED), repeat=len(RULES)):
        answers = {r.key: value for r, value in zip(RULES, combo, strict=True)}
        missing = [r.key for r in RULES if r.required and answers[r.key] is None]
        if missing:
            with pytest.raises(DomainError) as error:
                engine.grade(SNAPSHOT, answers)
            assert error.value.code == "missing_answers"
            assert list(error.value.fields) == missing
            refused += 1
            continue
        result = engine.grade(SNAPSHOT, answers)
        failed = [r for r in RULES if answers[r.key] is False]
        assert result.computed_grade == expected_grade(answers), answers
        assert result.disposition == DEFAULT_DISPOSITIONS[result.computed_grade]
        assert result.failed == tuple(r.key for r in failed)
        assert len(result.reasons) == max(1, len(failed))
        graded += 1
    assert (graded, refused) == (2**4 * 3**4, 3**8 - 2**4 * 3**4)


def test_leaving_out_an_optional_item_is_the_same_as_not_answering_it():
    answers = {r.key: PASS for r in RULES if r.required}
    assert engine.grade(SNAPSHOT, answers).computed_grade == Grade.LIKE_NEW
    answers["unsellable-opt"] = None
    assert engine.grade(SNAPSHOT, answers).computed_grade == Grade.LIKE_NEW


def test_a_failed_optional_item_caps_the_grade_like_a_required_one():
    answers = {r.key: PASS for r in RULES if r.required} | {"fair-opt": FAIL}
    assert engine.grade(SNAPSHOT, answers).computed_grade == Grade.FAIR


def test_missing_required_answers_are_listed_in_checklist_order():
    snap = snapshot(rule("tags", Grade.GOOD), rule("odor", Grade.UNSELLABLE), rule("box", Grade.GOOD, required=False))
    with pytest.raises(DomainError) as error:
        engine.grade(snap, {"box": PASS})
    assert error.value.code == "missing_answers"
    assert error.value.fields == {"tags": ["This check is required."], "odor": ["This check is required."]}
    assert "tags, odor" in error.value.message


def test_an_answer_for_an_item_not_in_the_standard_is_refused_before_anything_else():
    snap = snapshot(rule("tags", Grade.GOOD))
    with pytest.raises(DomainError) as error:
        engine.grade(snap, {"zipper": PASS, "buttons": FAIL})
    assert error.value.code == "unknown_item"
    assert list(error.value.fields) == ["buttons", "zipper"]


@pytest.mark.parametrize("value", ["yes", 1, 0, "false", [], {}])
def test_an_answer_that_is_not_true_false_or_null_is_refused(value):
    with pytest.raises(DomainError) as error:
        engine.grade(snapshot(rule("tags", Grade.GOOD)), {"tags": value})
    assert error.value.code == "invalid_answer"
    assert error.value.fields == {"tags": ["Must be true, false or null."]}


def test_reasons_name_each_failed_check_and_its_cap_in_checklist_order():
    snap = snapshot(
        rule("tags", Grade.GOOD, prompt="Tags attached"),
        rule("odor", Grade.UNSELLABLE, prompt="No odor"),
        rule("stains", Grade.FAIR, prompt="No stains"),
    )
    result = engine.grade(snap, {"tags": FAIL, "odor": PASS, "stains": FAIL})
    assert result.computed_grade == Grade.FAIR
    assert result.reasons == ("Tags attached: failed → at most Good", "No stains: failed → at most Fair")


def test_nothing_failed_is_like_new_with_one_reason():
    result = engine.grade(snapshot(rule("tags", Grade.GOOD)), {"tags": PASS})
    assert result.computed_grade == Grade.LIKE_NEW
    assert result.reasons == ("No check failed → Like New",)
    assert result.failed == ()


def test_a_standard_with_no_checklist_grades_like_new():
    assert engine.grade(snapshot(), {}).computed_grade == Grade.LIKE_NEW


# --- final_grade: every computed × requested × reason combination ---

REQUESTS = [None, "", *GRADES, "excellent", "LIKE_NEW"]
REASONS = ["", "   ", "Stain on the hem"]


def _expected_final(computed, requested, reason):
    if requested in (None, ""):
        return ("ok", computed)
    if requested not in GRADES:
        return ("error", "unknown_grade")
    if GRADES.index(requested) < GRADES.index(computed):
        return ("error", "cannot_raise_grade")
    if GRADES.index(requested) > GRADES.index(computed) and not reason.strip():
        return ("error", "reason_required")
    return ("ok", requested)


@pytest.mark.parametrize(("computed", "requested", "reason"), list(itertools.product(GRADES, REQUESTS, REASONS)))
def test_final_grade_may_lower_with_a_reason_and_never_raise(computed, requested, reason):
    outcome, value = _expected_final(computed, requested, reason)
    if outcome == "error":
        with pytest.raises(DomainError) as error:
            engine.final_grade(computed, requested, reason)
        assert error.value.code == value
    else:
        assert engine.final_grade(computed, requested, reason) == (value, reason.strip())


@pytest.mark.parametrize("computed", ["excellent", "", None, "Good"])
def test_final_grade_refuses_an_unknown_computed_grade(computed):
    with pytest.raises(DomainError) as error:
        engine.final_grade(computed, Grade.FAIR, "why")
    assert error.value.code == "unknown_grade"


def test_raising_says_the_best_grade_possible():
    with pytest.raises(DomainError) as error:
        engine.final_grade(Grade.FAIR, Grade.LIKE_NEW, "looks fine to me")
    assert error.value.message == "The checks give at most Fair; a grade can be lowered, never raised."
    assert error.value.fields == {"grade": ["At most Fair."]}


def test_lowering_without_a_reason_asks_for_one():
    with pytest.raises(DomainError) as error:
        engine.final_grade(Grade.GOOD, Grade.UNSELLABLE)
    assert error.value.fields == {"reason": ["A reason is required to lower the grade."]}


# --- dispositions follow the final grade ---


@pytest.mark.parametrize("grade", GRADES)
def test_default_dispositions(grade):
    expected = {
        "like_new": Disposition.LOCAL_STOCK,
        "good": Disposition.WAREHOUSE,
        "fair": Disposition.LIQUIDATION,
        "unsellable": Disposition.RECYCLE,
    }[grade]
    assert engine.disposition_for(snapshot(), grade) == expected


def test_a_custom_map_overrides_only_the_grades_it_names():
    snap = snapshot(dispositions={"good": "local_stock", "fair": "recycle"})
    assert snap.dispositions == {
        "like_new": "local_stock",
        "good": "local_stock",
        "fair": "recycle",
        "unsellable": "recycle",
    }


def test_disposition_of_an_unknown_grade_is_refused():
    with pytest.raises(DomainError) as error:
        engine.disposition_for(snapshot(), "mint")
    assert error.value.code == "unknown_grade"


CUSTOM = {"like_new": "local_stock", "good": "local_stock", "fair": "warehouse", "unsellable": "liquidation"}


@pytest.mark.parametrize(
    ("answers", "requested", "reason", "final", "disposition"),
    [
        ({"tags": PASS, "odor": PASS}, None, "", "like_new", "local_stock"),
        ({"tags": FAIL, "odor": PASS}, None, "", "good", "local_stock"),
        ({"tags": FAIL, "odor": PASS}, "fair", "Pilling", "fair", "warehouse"),
        ({"tags": PASS, "odor": PASS}, "unsellable", "Torn seam", "unsellable", "liquidation"),
        ({"tags": PASS, "odor": FAIL}, "unsellable", "", "unsellable", "liquidation"),
    ],
)
def test_evaluate_routes_by_the_final_grade_with_a_custom_map(answers, requested, reason, final, disposition):
    snap = snapshot(rule("tags", Grade.GOOD), rule("odor", Grade.UNSELLABLE), dispositions=CUSTOM)
    outcome = engine.evaluate(snap, answers, requested_grade=requested, reason=reason)
    assert (outcome.final_grade, outcome.disposition) == (final, disposition)


def test_evaluate_records_the_lowering_and_its_reason():
    snap = snapshot(rule("tags", Grade.GOOD, prompt="Tags attached"))
    outcome = engine.evaluate(snap, {"tags": FAIL}, requested_grade="fair", reason="  Pilling on the front ")
    assert outcome.computed_grade == "good"
    assert outcome.final_grade == "fair"
    assert outcome.disposition == "liquidation"
    assert outcome.lowered_reason == "Pilling on the front"
    assert outcome.reasons == (
        "Tags attached: failed → at most Good",
        "Lowered by the inspector from Good to Fair: Pilling on the front",
    )


def test_evaluate_keeps_no_lowering_reason_when_the_grade_is_confirmed():
    outcome = engine.evaluate(snapshot(rule("tags", Grade.GOOD)), {"tags": FAIL}, requested_grade="good", reason="ok")
    assert outcome.lowered_reason == ""
    assert outcome.reasons == ("Tags: failed → at most Good",)


def test_evaluate_refuses_raising_above_the_computed_grade():
    with pytest.raises(DomainError) as error:
        engine.evaluate(snapshot(rule("odor", Grade.UNSELLABLE)), {"odor": FAIL}, requested_grade="fair", reason="x")
    assert error.value.code == "cannot_raise_grade"


def test_snapshots_are_frozen():
    with pytest.raises(AttributeError):
        SNAPSHOT.version_id = 8
    with pytest.raises(AttributeError):
        RULES[0].fail_cap = "good"


# --- photos ---

FRONT = PhotoSlot(slot="front", label="Front", required=True, min_long_edge_px=1200)
LABEL_SLOT = PhotoSlot(slot="care-label", label="Care label", required=True, min_long_edge_px=800)
DEFECT = PhotoSlot(slot="defect", label="Defect close-up", required=False, min_long_edge_px=1600)
PHOTO_SNAPSHOT = snapshot(photos=(FRONT, LABEL_SLOT, DEFECT))


def test_photos_meeting_every_requirement_pass():
    assert engine.check_photos(PHOTO_SNAPSHOT, {"front": (1600, 1200), "care-label": (600, 800)}) is None


def test_a_missing_required_photo_is_named():
    with pytest.raises(DomainError) as error:
        engine.check_photos(PHOTO_SNAPSHOT, {"front": (1600, 1200), "defect": (1600, 900)})
    assert error.value.code == "missing_photos"
    assert error.value.fields == {"care-label": ["This photo is required."]}
    assert "Care label" in error.value.message


def test_the_long_edge_counts_whatever_the_orientation():
    engine.check_photos(PHOTO_SNAPSHOT, {"front": (900, 1200), "care-label": (800, 10)})
    with pytest.raises(DomainError) as error:
        engine.check_photos(PHOTO_SNAPSHOT, {"front": (1199, 1000), "care-label": (800, 800), "defect": (1500, 1500)})
    assert error.value.code == "photo_too_small"
    assert error.value.fields == {
        "front": ["1199 px on the long edge; at least 1200 px needed."],
        "defect": ["1500 px on the long edge; at least 1600 px needed."],
    }


def test_a_photo_for_an_unknown_slot_is_refused():
    with pytest.raises(DomainError) as error:
        engine.check_photos(PHOTO_SNAPSHOT, {"front": (2000, 2000), "care-label": (900, 900), "back": (2000, 2000)})
    assert error.value.code == "unknown_slot"
