"""The instructor's pipeline end to end, on a throw-away copy of the course and a cohort of real submissions.

`scripts/grade.py` runs nbgrader's own commands (release, add students, autograde,
feedback, export) on students who did everything right, nothing, one thing wrong
per notebook, broke their notebook in the usual ways, or forgot a notebook.
"""

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from release import assignments, copy_course, nbgrader_environment
from solution_code import finished_notebook

pytestmark = pytest.mark.notebooks

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = assignments()

# One function wrong per notebook: (solution cell, old, new, cells that must fail, cells that must pass)
ONE_WRONG = {
    "01_environment": ("run_episode", "if terminated or truncated:", "if terminated:",
                       {"test_run_episode_limits"}, {"test_run_episode_basics", "test_heuristic_lands"}),
    "02_epsilon_greedy": ("decay_epsilon", "return float(max(epsilon_min, epsilon * decay))",
                          "return float(epsilon * decay)",
                          {"test_decay_epsilon", "test_decay_epsilon_edge_cases"},
                          {"test_greedy_action", "test_epsilon_greedy_statistics", "test_linear_epsilon"}),
    "03_targets": ("compute_td_targets", "rewards + gamma * (1.0 - terminated) * best_next",
                   "rewards + gamma * best_next",
                   {"test_td_targets", "test_td_targets_edge_cases", "test_compute_targets"},
                   {"test_q_values_for_actions", "test_double_dqn_targets"}),
    "04_training": ("soft_update", "tau * online_weight + (1.0 - tau) * target_weight",
                    "(1.0 - tau) * online_weight + tau * target_weight",
                    {"test_soft_update", "test_train_step"}, {"test_build_q_network", "test_should_learn"}),
    "05_evaluation": ("is_solved", "returns[-window:].mean() >= threshold", "returns[-window:].mean() > threshold",
                      {"test_is_solved"}, {"test_greedy_policy", "test_evaluate_policy", "test_rolling_mean"}),
}


def read(path):
    return json.loads(Path(path).read_text())


def cell_of(notebook: dict, grade_id: str) -> dict:
    return next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def replace_in(notebook: dict, grade_id: str, old: str, new: str) -> dict:
    cell = cell_of(notebook, grade_id)
    source = "".join(cell["source"])
    assert old in source, f"{old!r} not in {grade_id}"
    cell["source"] = source.replace(old, new)
    return notebook


def broken_notebook(assignment: str) -> dict:
    """Each assignment broken in a different, common way."""
    notebook = finished_notebook(assignment)
    if assignment == "01_environment":  # raises at the top: run_episode is never defined
        cell = cell_of(notebook, "run_episode")
        cell["source"] = 'raise RuntimeError("I gave up here")\n' + "".join(cell["source"])
    elif assignment == "02_epsilon_greedy":  # an infinite loop: the execution timeout ends it
        cell = cell_of(notebook, "greedy_action")
        cell["source"] = "while True:\n    pass\n" + "".join(cell["source"])
    elif assignment == "03_targets":  # the kernel dies
        cell = cell_of(notebook, "compute_double_dqn_targets")
        cell["source"] = "import os\nos._exit(1)\n" + "".join(cell["source"])
    elif assignment == "04_training":  # a wrong function, and its visible test edited to pass
        replace_in(notebook, "build_q_network", 'activation="relu"', 'activation="tanh"')
        cell_of(notebook, "test_build_q_network")["source"] = 'print("passed: looks fine to me")\n'
    elif assignment == "05_evaluation":  # a wrong function, and its test cell deleted
        replace_in(notebook, "rolling_mean", "ends - window", "ends - window - 1")
        notebook["cells"] = [c for c in notebook["cells"]
                             if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_rolling_mean"]
    return notebook


def tree_digest(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A copy of the course with a cohort in submitted/, graded by scripts/grade.py."""
    root = copy_course(tmp_path_factory.mktemp("course") / "course")
    cohort = {
        "full": {a: finished_notebook(a) for a in ASSIGNMENTS},
        "untouched": {a: read(next((REPO / "notebooks" / a).glob("*.ipynb"))) for a in ASSIGNMENTS},
        "one_wrong": {a: replace_in(finished_notebook(a), *ONE_WRONG[a][:3]) for a in ASSIGNMENTS},
        "broken": {a: broken_notebook(a) for a in ASSIGNMENTS},
        "missing": {a: finished_notebook(a) for a in ASSIGNMENTS[1:]},  # forgot notebook 01
    }
    garbled = root / "submitted" / "garbled" / ASSIGNMENTS[0]  # a file that is not a notebook at all
    garbled.mkdir(parents=True)
    (garbled / f"{ASSIGNMENTS[0]}.ipynb").write_text('{"cells": [ not json')
    for student, notebooks in cohort.items():
        for assignment in ASSIGNMENTS:
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
            if assignment in notebooks:
                (folder / f"{assignment}.ipynb").write_text(json.dumps(notebooks[assignment], indent=1))
    before = tree_digest(root / "submitted")
    # A shorter cell timeout than the course's 60 s keeps the infinite loop cheap; the mechanism is the same.
    (root / "nbgrader_config.py").write_text((root / "nbgrader_config.py").read_text().replace(
        "c.Execute.timeout = 60", "c.Execute.timeout = 30"))
    result = subprocess.run([sys.executable, str(root / "scripts" / "grade.py"), "--workers", "2", "--no-report"],
                            cwd=root,
                            env=nbgrader_environment(),
                            capture_output=True, text=True, timeout=3000)
    return {"root": root, "result": result, "before": before}


def scores(root: Path, assignment: str, student: str) -> dict:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        try:
            submission = gradebook.find_submission_notebook(assignment, assignment, student)
        except MissingEntry:
            return {}
        return {g.name: (g.score, g.max_score) for g in submission.grades if g.cell.cell_type == "code"}


def test_the_pipeline_runs_to_the_end_and_names_what_it_could_not_grade(graded):
    result = graded["result"]
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    assert "some submissions could not be graded" in result.stderr
    assert "01_environment of garbled" in result.stderr, result.stderr
    for student in ("full", "untouched", "one_wrong", "broken", "missing"):
        assert f" of {student}" not in result.stderr, f"{student} could not be graded:\n{result.stderr}"
    assert (graded["root"] / "grades.csv").is_file()


def test_an_unreadable_notebook_scores_zero(graded):
    with open(graded["root"] / "grades.csv") as f:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}
    assert float(rows[("01_environment", "garbled")]["score"]) == 0.0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_full_marks_for_the_solution(graded, assignment):
    short = {k: v for k, v in scores(graded["root"], assignment, "full").items() if v[0] != v[1]}
    assert scores(graded["root"], assignment, "full") and not short, f"lost points: {short}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_zero_for_the_untouched_release(graded, assignment):
    earned = {k: v for k, v in scores(graded["root"], assignment, "untouched").items() if v[0] != 0}
    assert not earned, f"the untouched release earned {earned}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_one_wrong_function_loses_the_right_cells(graded, assignment):
    _, _, _, must_fail, must_pass = ONE_WRONG[assignment]
    got = scores(graded["root"], assignment, "one_wrong")
    failed = {k for k, (score, _) in got.items() if score == 0}
    assert must_fail <= failed, f"expected {must_fail} to fail, failed: {failed}"
    assert not (must_pass & failed), f"{must_pass & failed} failed but the mistake is elsewhere"
    assert 0 < sum(s for s, _ in got.values()) < sum(m for _, m in got.values()), "not partial credit"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_broken_notebook_is_graded_without_full_marks(graded, assignment):
    got = scores(graded["root"], assignment, "broken")
    assert got, f"the broken {assignment} was not graded"
    assert sum(s or 0 for s, _ in got.values()) < sum(m for _, m in got.values())


def test_restored_tests_grade_what_the_code_earns(graded):
    edited = scores(graded["root"], "04_training", "broken")
    assert edited["test_build_q_network"][0] == 0, "the edited test must be restored and fail on tanh layers"
    assert edited["test_should_learn"][0] == edited["test_should_learn"][1]
    deleted = scores(graded["root"], "05_evaluation", "broken")
    assert deleted["test_rolling_mean"][0] == 0, "the deleted test must be put back and fail"
    assert deleted["test_is_solved"][0] == deleted["test_is_solved"][1]


def test_a_missing_notebook_scores_zero_and_the_rest_is_graded(graded):
    with open(graded["root"] / "grades.csv") as f:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}
    assert float(rows[("01_environment", "missing")]["score"]) == 0.0
    assert float(rows[("02_epsilon_greedy", "missing")]["score"]) == float(rows[("02_epsilon_greedy", "full")]["score"])


def test_submissions_are_untouched(graded):
    assert tree_digest(graded["root"] / "submitted") == graded["before"]


def test_feedback_shows_the_hint_of_a_failing_test(graded):
    feedback = graded["root"] / "feedback" / "one_wrong" / "03_targets" / "03_targets.html"
    assert feedback.is_file(), "no feedback HTML"
    assert "is `terminated` used?" in feedback.read_text().replace("&#96;", "`")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_runs_with_no_stderr(graded, assignment):
    notebook = read(graded["root"] / "autograded" / "full" / assignment / f"{assignment}.ipynb")
    problems = [f"{c.get('id')}: {o.get('ename') or o.get('text', '')[:200]}" for c in notebook["cells"]
                for o in c.get("outputs", []) if o["output_type"] == "error" or o.get("name") == "stderr"]
    assert not problems, problems


def test_a_failed_run_restores_the_gradebook(tmp_path, monkeypatch):
    root = copy_course(tmp_path / "course", "data", "figures", "tests")
    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", nbgrader_environment()["PATH"])  # creating a gradebook runs alembic
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.add_student("earlier", first_name="Grades", last_name="Already Here")
    before = (root / "gradebook.db").read_bytes()
    result = subprocess.run([sys.executable, str(root / "scripts" / "grade.py"), "01_environment", "--no-report"],
                            cwd=root, env=nbgrader_environment(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert "no submissions" in result.stderr and "gradebook.db restored" in result.stderr
    assert (root / "gradebook.db").read_bytes() == before
    assert not (root / "submitted").exists()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_untouched_test_cell_says_not_implemented_yet_and_nothing_more(graded, assignment):
    notebook = read(graded["root"] / "autograded" / "untouched" / assignment / f"{assignment}.ipynb")
    tests = [c for c in notebook["cells"]
             if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("grade")]
    assert tests, f"{assignment} has no graded test cells"
    for cell in tests:
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        shown = "".join(o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream")
        assert len(errors) == 1, f"{grade_id}: expected one error, got outputs {cell.get('outputs')}"
        error = errors[0]
        assert error["ename"] == "NotImplementedError", f"{grade_id}: {error['ename']}: {error['evalue']}"
        assert " is not implemented yet" in error["evalue"], f"{grade_id}: {error['evalue']!r}"
        assert "hint" not in error["evalue"] + shown, f"{grade_id} hints at a mistake not made: {error['evalue']}"
        assert "passed:" not in shown, f"{grade_id} printed a pass: {shown}"


def page_text(path: Path) -> str:
    """What a feedback page says, without its markup: tags out, entities decoded, spaces folded."""
    import html
    import re

    text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))
    return re.sub(r"\s+", " ", text)


def hidden_lines(assignment: str) -> set[str]:
    """Every line of the hidden tests of `assignment` that its release does not show anyway."""
    from solution_code import graded_cells

    release = read(next((REPO / "notebooks" / assignment).glob("*.ipynb")))
    shown = {" ".join(line.split()) for c in release["cells"] for line in "".join(c["source"]).splitlines()}
    hidden = set()
    for cell in graded_cells(assignment):
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) > 12 and " ".join(line.split()) not in shown:
                hidden.add(" ".join(line.split()))
    return hidden


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_feedback_page_shows_a_line_of_the_hidden_tests(graded, assignment):
    lines = hidden_lines(assignment)
    assert lines, f"{assignment} has no hidden tests to look for"
    pages = sorted((graded["root"] / "feedback").glob(f"*/{assignment}/*.html"))
    assert len(pages) >= 3, pages
    for page in pages:
        text = page_text(page)
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{page.relative_to(graded['root'])} shows hidden test lines: {leaked[:3]}"
        assert "hidden tests ran here when graded" in text, page
    autograded = json.dumps(read(graded["root"] / "autograded" / "full" / assignment / f"{assignment}.ipynb"))
    assert "BEGIN HIDDEN TESTS" in autograded, "the instructor's autograded notebook keeps the hidden tests"


def test_feedback_tracebacks_stop_at_the_students_code_and_the_message(graded):
    text = page_text(graded["root"] / "feedback" / "one_wrong" / "02_epsilon_greedy" / "02_epsilon_greedy.html")
    assert "the floor epsilon_min is ignored" in text, text[:2000]
    for instructor_path in (str(REPO), "site-packages", "utils/checks.py", str(graded["root"])):
        assert instructor_path not in text, f"the feedback names {instructor_path}"


def test_a_dead_kernel_keeps_the_marks_of_the_tests_before_it_and_fails_those_after(graded):
    """Broken 03 calls os._exit in the compute_double_dqn_targets cell: the tests before it ran."""
    notebook = read(graded["root"] / "autograded" / "broken" / "03_targets" / "03_targets.ipynb")
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in notebook["cells"]]
    died_at = ids.index("compute_double_dqn_targets")
    got = scores(graded["root"], "03_targets", "broken")
    before = [g for g in ids[:died_at] if g and g.startswith("test_")]
    after = [g for g in ids[died_at:] if g and g.startswith("test_")]
    assert before and after
    assert all(got[g][0] == got[g][1] for g in before), {g: got[g] for g in before}
    assert all(got[g][0] == 0 for g in after), {g: got[g] for g in after}
    for cell in notebook["cells"][died_at:]:
        if cell["cell_type"] == "code":
            assert any(o.get("ename") == "DeadKernelError" for o in cell.get("outputs", [])), cell["metadata"]


def test_the_summary_names_a_timeout_and_a_dead_kernel_as_the_report_does(graded):
    """Broken 02 loops forever in greedy_action, broken 03 kills its kernel: the printed summary says both."""
    out = graded["result"].stdout
    assert "broken: 02_epsilon_greedy: timed out: greedy_action did not finish in time" in out, out[-3000:]
    assert "broken: 03_targets: kernel died: from compute_double_dqn_targets on, nothing ran" in out, out[-3000:]


def test_a_timed_out_cell_tells_the_student_in_words(graded):
    text = page_text(graded["root"] / "feedback" / "broken" / "02_epsilon_greedy" / "02_epsilon_greedy.html")
    assert "did not finish within the grader's time limit" in text and "a loop that never ends" in text, text[:3000]
    assert "No reply from kernel" not in text
