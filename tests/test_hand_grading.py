"""Hand grading across regrades, recorded outcome by outcome (grading/gradebook.py), on a real gradebook.

Each test writes outcomes as grade.py's jobs return them into a SQLite gradebook of
notebook 01, and grades by hand as Formgrader does, so the rules are checked without
running a kernel: a hand-given 0 is a grade; a changed answer stays marked until it is
graded again; an unchanged answer raises no alarm, even after ``make clean``.
"""

import json
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from solution_code import finished_notebook

from grading import gradebook
from grading.autograde import AutogradeOutcome

ASSIGNMENT = "01_environment"
ANSWER = "reward_answer"  # the written answer, graded by hand


@pytest.fixture(scope="module")
def template() -> bytes:
    return gradebook.template_gradebook([ASSIGNMENT], ["alice"])


@pytest.fixture
def root(tmp_path, template) -> Path:
    (tmp_path / "gradebook.db").write_bytes(template)
    return tmp_path


def url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def outcome(answer: str, fingerprint: str) -> AutogradeOutcome:
    """An outcome as a job returns it: the answer cell waits for a hand grade."""
    notebook = finished_notebook(ASSIGNMENT)
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == ANSWER)
    cell["source"] = answer
    grades = {ANSWER: {"auto_score": None, "manual_score": None, "extra_credit": None, "needs_manual_grade": True}}
    comments = {ANSWER: {"auto_comment": None, "manual_comment": None}}
    return AutogradeOutcome(student="alice", assignment=ASSIGNMENT, fingerprint=fingerprint, timestamp=None,
                            notebooks={ASSIGNMENT: {"grades": grades, "comments": comments, "flagged": False}},
                            autograded={f"{ASSIGNMENT}.ipynb": json.dumps(notebook).encode()},
                            feedback={f"{ASSIGNMENT}.html": b"<html></html>"})


def record(root: Path, answer: str, fingerprint: str = "first") -> gradebook.Recorded:
    return gradebook.record(root, url(root), outcome(answer, fingerprint), gradebook.Ledger(root))


def to_check(root: Path) -> list[tuple[str, str, str]]:
    """What grade.py names at every run as still waiting for a hand grade."""
    return gradebook.hand_grading_to_check(url(root), [ASSIGNMENT])


def grade_by_hand(root: Path, points: float, comment: str = "Seen.") -> None:
    """What Formgrader writes: the points (extra credit 0 beside them), the comment, the mark cleared."""
    with Gradebook(url(root)) as book:
        grade = book.find_grade(ANSWER, ASSIGNMENT, ASSIGNMENT, "alice")
        grade.manual_score, grade.extra_credit, grade.needs_manual_grade = points, 0.0, False
        book.find_comment(ANSWER, ASSIGNMENT, ASSIGNMENT, "alice").manual_comment = comment
        book.db.commit()


def answer_grade(root: Path) -> tuple:
    with Gradebook(url(root)) as book:
        grade = book.find_grade(ANSWER, ASSIGNMENT, ASSIGNMENT, "alice")
        return grade.manual_score, grade.needs_manual_grade, grade.score


def test_a_hand_given_zero_survives_a_regrade(root):
    record(root, "The reward is nice.")
    grade_by_hand(root, 0.0, "This does not say which terms of the reward do what.")
    found = record(root, "The reward is nice.", "again")
    assert answer_grade(root) == (0.0, False, 0.0)
    assert found.hand_graded and not found.to_look_at and not to_check(root)


def test_a_changed_answer_stays_marked_at_every_regrade_until_it_is_graded_again(root):
    record(root, "First thoughts.")
    grade_by_hand(root, 0.0)
    changed = record(root, "Second thoughts: the shaping term pays for getting closer.", "resubmitted")
    assert changed.to_look_at == [f"{ASSIGNMENT}: {ANSWER}"]
    assert answer_grade(root)[:2] == (0.0, True), "the hand 0 is kept, marked"

    forced = record(root, "Second thoughts: the shaping term pays for getting closer.", "resubmitted")
    assert not forced.to_look_at, "named once as changed, then as still to check"
    assert to_check(root) == [("alice", ASSIGNMENT, f"{ASSIGNMENT}: {ANSWER}")], "every run names it"
    assert gradebook.hand_grading_to_check(url(root), ["02_epsilon_greedy"]) == [], "only the assignments asked"
    assert answer_grade(root)[:2] == (0.0, True), "a --force regrade does not clear the mark"

    grade_by_hand(root, 2.0)
    assert to_check(root) == [], "graded again: no longer named"
    after = record(root, "Second thoughts: the shaping term pays for getting closer.", "resubmitted")
    assert not after.to_look_at and not to_check(root)
    assert answer_grade(root) == (2.0, False, 2.0)


def test_extra_credit_survives_a_regrade_and_a_resubmission(root):
    record(root, "The shaping term pays for getting closer.")
    grade_by_hand(root, 2.0)
    with Gradebook(url(root)) as book:
        book.find_grade(ANSWER, ASSIGNMENT, ASSIGNMENT, "alice").extra_credit = 1.0
        book.db.commit()
    record(root, "The shaping term pays for getting closer.", "again")
    assert answer_grade(root) == (2.0, False, 3.0), "2 points and 1 extra"
    record(root, "The shaping term pays for getting closer, and legs down pay.", "resubmitted")
    assert answer_grade(root) == (2.0, True, 3.0), "kept, and marked for a look"


def test_make_clean_raises_no_false_alarm_and_a_real_change_is_still_seen(root):
    record(root, "Close to the pad and slow pays.")
    grade_by_hand(root, 1.5)
    shutil.rmtree(root / "autograded")  # make clean
    unchanged = record(root, "Close to the pad and slow pays.")
    assert not unchanged.to_look_at and not to_check(root)
    assert answer_grade(root)[:2] == (1.5, False)
    shutil.rmtree(root / "autograded")
    changed = record(root, "Close to the pad, slow and upright pays.", "resubmitted")
    assert changed.to_look_at == [f"{ASSIGNMENT}: {ANSWER}"]


def test_a_course_graded_before_answers_were_recorded_compares_with_autograded(root):
    record(root, "Close to the pad and slow pays.")
    grade_by_hand(root, 1.0)
    (root / gradebook.ANSWERS).unlink()
    assert not record(root, "Close to the pad and slow pays.").to_look_at
    (root / gradebook.ANSWERS).unlink()
    assert record(root, "Something else.", "resubmitted").to_look_at == [f"{ASSIGNMENT}: {ANSWER}"]


def test_an_extra_credit_of_zero_alone_is_not_a_hand_grade(root):
    record(root, "An answer.")
    with Gradebook(url(root)) as book:
        book.find_grade(ANSWER, ASSIGNMENT, ASSIGNMENT, "alice").extra_credit = 0.0
        book.db.commit()
    found = record(root, "Another answer.", "resubmitted")
    assert not found.hand_graded and not found.to_look_at
    assert answer_grade(root)[:2] == (None, True)
