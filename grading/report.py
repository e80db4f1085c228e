"""The instructor's view of a cohort: what the class got wrong, whose agent lands best, what to review.

    write_report(root, gradebook_url(root), root / "report")        # report/index.html and its CSV files

Read after grading, from the gradebook (scores, the tests of every assignment) and the
autograded notebooks in ``autograded/<student>/<assignment>/`` (the messages students saw):

* per assignment: how many handed in and were graded, mean, median, a histogram of the scores,
  and the written answers still to grade by hand (Formgrader);
* per graded test cell: the share of graded submissions that passed it, worst first;
* per test: the failure messages, counted once per student, with the numbers left out
  (:func:`message_pattern`), so that the same mistake with other values counts once;
* submissions to look at: not graded (a failed job), a cell that timed out, a kernel that
  died, and submissions flagged for review (``grading/tampering.py``);
* the leaderboard of the agents handed in with notebook 04 (``grading/leaderboard.py``).

``report/index.html`` is one page that opens from disk (plots embedded as PNG, no scripts),
rendered with Jinja2 from ``grading/templates/report.html.j2``; the same tables are written
beside it as CSV (assignments, tests, failures, problems, leaderboard).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path

__all__ = ["AssignmentSummary", "TestSummary", "FailureGroup", "Problem", "Cohort", "run_problems", "message_pattern",
           "read_cohort", "write_report"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The error names that say a cell did not finish: nbgrader's timeout, and a kernel that died.
TIMED_OUT, KERNEL_DIED = "CellTimeoutError", "DeadKernelError"
#: What a test says of an exercise not done yet (utils/exercises.py): not a mistake to teach about.
UNFINISHED = "NotImplementedError"
NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
NUMBERS = re.compile(r"#(?:[\s,;]*#)+")


@dataclass
class AssignmentSummary:
    assignment: str
    max_score: float
    students: int  # in the gradebook
    handed_in: int  # a folder in submitted/ (graded or not)
    graded: int  # a submission with scores in the gradebook
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    to_grade_by_hand: int  # written answers of graded submissions that still need a person
    scores: list[float] = field(default_factory=list, repr=False)  # of the graded submissions


@dataclass
class TestSummary:
    assignment: str
    test: str  # the grade_id of the test cell
    points: float
    graded: int
    passed: int  # full marks
    pass_rate: float | None  # of the students who attempted the exercise
    attempted: int = 0  # graded and not "not implemented yet"
    untouched: int = 0  # the exercise left as it was released


@dataclass
class FailureGroup:
    assignment: str
    test: str
    pattern: str  # the message with its numbers replaced by "#"
    students: int
    example: str  # one full message, as a student saw it
    who: str  # the students, comma-separated
    unfinished: bool = False  # "... is not implemented yet": not a mistake, an exercise not done


@dataclass
class Problem:
    student: str
    assignment: str
    problem: str  # "not graded", "timed out", "kernel died", "flagged for review"
    detail: str


@dataclass
class Cohort:
    assignments: list[AssignmentSummary]
    tests: list[TestSummary]
    failures: list[FailureGroup]
    problems: list[Problem]
    leaderboard: list = field(default_factory=list)  # grading.leaderboard.AgentScore rows


def message_pattern(ename: str, evalue: str) -> str:
    """What a failure says without its values: the first line, numbers as ``#``, and the hint.

    ``AssertionError: td_targets[2] is 1.5, expected 0.5 ... hint: is `terminated` used?`` and the same
    mistake on other numbers give one pattern; the ``expected:``/``actual:`` lines are left out.
    """
    lines = [line.strip() for line in str(evalue).strip().splitlines() if line.strip()]
    first = NUMBERS.sub("#", NUMBER.sub("#", lines[0])) if lines else ""
    text = " ".join([first, *(line for line in lines[1:] if line.startswith("hint:"))]).strip()  # hints are fixed text
    return f"{ename}: {text}" if text else ename


def _graded_cells(notebook: dict) -> dict[str, dict]:
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in notebook.get("cells", [])
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def _errors(cell: dict) -> list[dict]:
    """A cell's errors; for a cell that timed out, not the KeyboardInterrupt that stopped it (one failure, not two)."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if any(e.get("ename") == TIMED_OUT for e in errors):
        errors = [e for e in errors if e.get("ename") != "KeyboardInterrupt"]
    return errors


def _untouched(cell: dict) -> bool:
    """A test whose only failure is an exercise not done yet ("... is not implemented yet")."""
    errors = _errors(cell)
    return bool(errors) and all(e.get("ename") == UNFINISHED and "not implemented yet" in str(e.get("evalue", ""))
                                for e in errors)


def _read_notebook(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def read_cohort(root: Path, db_url: str, *, flagged: dict[str, list[str]] | None = None,
                failures: list[dict] | None = None, assignments: list[str] | None = None) -> Cohort:
    """Everything the report shows but the leaderboard. ``flagged``: ``"student/assignment" -> reasons``
    (scripts/grade.py's review list; found again with grading/tampering.py when None). ``failures``:
    jobs that failed to grade, ``{"student", "assignment", "error"}`` (when None, a submission handed in
    and not in the gradebook is listed as not graded). ``assignments``: only these (default: all)."""
    from nbgrader.api import Gradebook

    root = Path(root)
    summaries, tests, groups, problems = [], [], [], []
    with Gradebook(db_url) as gradebook:
        students = sorted(s.id for s in gradebook.students)
        assignments = sorted(a.name for a in gradebook.assignments if assignments is None or a.name in assignments)
        for name in assignments:
            assignment = gradebook.find_assignment(name)
            submissions = {s.student_id: s for s in gradebook.assignment_submissions(name)}
            handed_in = sorted(s for s in students if (root / "submitted" / s / name).is_dir()) or sorted(submissions)
            if not handed_in and not submissions:
                continue  # nobody handed it in: nothing to show
            scores = [float(submissions[s].score) for s in sorted(submissions)]
            manual = sum(1 for s in submissions.values() for nb in s.notebooks for g in nb.grades
                         if g.needs_manual_grade)
            summaries.append(AssignmentSummary(
                name, float(assignment.max_score), len(students), len(set(handed_in) | set(submissions)),
                len(submissions), _stat(statistics.fmean, scores), _stat(statistics.median, scores),
                _stat(min, scores), _stat(max, scores), manual, scores))
            for notebook in assignment.notebooks:
                cells = [c for c in notebook.grade_cells if c.cell_type == "code"]
                outputs = {s: _read_notebook(root / "autograded" / s / name / f"{notebook.name}.ipynb")
                           for s in sorted(submissions)}
                for cell in cells:
                    grades = {s: gradebook.find_grade(cell.name, notebook.name, name, s) for s in sorted(submissions)}
                    passed = sum(1 for g in grades.values() if g.score is not None and g.score >= g.max_score)
                    untouched = sum(1 for s in grades if _untouched(_graded_cells(outputs[s] or {}).get(cell.name, {})))
                    attempted = len(grades) - untouched
                    tests.append(TestSummary(name, cell.name, float(cell.max_score), len(grades), passed,
                                             round(passed / attempted, 3) if attempted else None, attempted, untouched))
                    seen = defaultdict(list)  # pattern -> [(student, full message)]
                    for student, grade in grades.items():
                        if grade.score is not None and grade.score >= grade.max_score:
                            continue
                        cell_out = _graded_cells(outputs[student] or {}).get(cell.name, {})
                        for pattern, message in {message_pattern(e.get("ename", ""), e.get("evalue", "")):
                                                 f"{e.get('ename', '')}: {e.get('evalue', '')}".strip()
                                                 for e in _errors(cell_out)}.items():
                            seen[pattern].append((student, message))
                    for pattern, who in seen.items():
                        groups.append(FailureGroup(name, cell.name, pattern, len(who), who[0][1],
                                                   ", ".join(s for s, _ in who), pattern.startswith(UNFINISHED)))
            for student in sorted(submissions):
                for notebook in assignment.notebooks:
                    problems += run_problems(student, name, _read_notebook(
                        root / "autograded" / student / name / f"{notebook.name}.ipynb"))
                    if gradebook.find_submission_notebook(notebook.name, name, student).flagged:
                        problems.append(Problem(student, name, "flagged for review", "flagged in the gradebook"))
            if failures is None:
                problems += [Problem(s, name, "not graded", "handed in, but no grades in the gradebook")
                             for s in handed_in if s not in submissions]
    problems += [Problem(f["student"], f["assignment"], "not graded", str(f.get("error") or ""))
                 for f in failures or [] if f["assignment"] in assignments]
    if flagged is None:
        from .tampering import submissions_to_review

        flagged = {}  # keyed by the notebook's path under autograded/: <student>/<assignment>/<notebook>.ipynb
        for (student, notebook), found in submissions_to_review(root, assignments).items():
            flagged.setdefault(f"{student}/{Path(notebook).parent.name}", []).extend(found)
    for key, reasons in sorted(flagged.items()):
        student, _, assignment = key.partition("/")
        if assignment in assignments:
            problems.append(Problem(student, assignment, "flagged for review", "; ".join(reasons)))
    tests.sort(key=lambda t: (t.pass_rate if t.pass_rate is not None else 2, t.assignment, t.test))
    groups.sort(key=lambda g: (-g.students, g.assignment, g.test, g.pattern))
    problems.sort(key=lambda p: (p.assignment, p.student, p.problem))
    return Cohort(summaries, tests, groups, problems)


def _stat(function, values):
    return round(float(function(values)), 2) if values else None


def run_problems(student: str, assignment: str, notebook: dict | None) -> list[Problem]:
    """A cell that timed out, or the kernel that died, in an autograded notebook."""
    if notebook is None:
        return []
    found = []
    for index, cell in enumerate(notebook.get("cells", [])):
        where = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"
        for error in _errors(cell):
            if error.get("ename") == TIMED_OUT:
                found.append(Problem(student, assignment, "timed out", f"{where} did not finish in time"))
            elif error.get("ename") == KERNEL_DIED:
                found.append(Problem(student, assignment, "kernel died", f"from {where} on, nothing ran"))
                return found  # every later cell says the same
    return found


def histogram_png(summary: AssignmentSummary) -> bytes:
    """The scores of one assignment's graded submissions."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.2, 2.6))
    ax = figure.subplots()
    bins = min(20, max(5, int(summary.max_score) + 1))
    ax.hist(summary.scores, bins=bins, range=(0, summary.max_score or 1), color="#4477aa", edgecolor="white")
    ax.set_xlim(0, summary.max_score or 1)
    ax.set_xlabel(f"score (out of {summary.max_score:g})")
    ax.set_ylabel("submissions")
    ax.set_title(summary.assignment)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def leaderboard_png(rows) -> bytes:
    """Mean return and its spread of every agent that could be played."""
    from matplotlib.figure import Figure

    played = [r for r in rows if r.error is None]
    figure = Figure(figsize=(6.5, 0.45 * len(played) + 1.2))
    ax = figure.subplots()
    colors = {"student": "#4477aa", "pretrained": "#228833", "random": "#bbbbbb"}
    names = [r.agent for r in played][::-1]
    ax.barh(names, [r.mean for r in played][::-1], xerr=[r.std for r in played][::-1],
            color=[colors.get(r.kind, "#4477aa") for r in played][::-1], capsize=3)
    ax.axvline(200, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("mean return (± std), greedy, held-out seeds")
    return _png(figure)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _write_csv(path: Path, rows: list, kind) -> None:
    names = [f.name for f in fields(kind) if f.name != "scores"]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)


def render(cohort: Cohort, title: str = "Cohort report") -> str:
    """The HTML page of a cohort (Jinja2, autoescaped)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                              trim_blocks=True, lstrip_blocks=True)
    histograms = {s.assignment: _data_uri(histogram_png(s)) for s in cohort.assignments if s.scores}
    played = [r for r in cohort.leaderboard if r.error is None]
    return environment.get_template("report.html.j2").render(
        title=title, created=datetime.now().strftime("%Y-%m-%d %H:%M"), cohort=cohort, histograms=histograms,
        leaderboard_plot=_data_uri(leaderboard_png(cohort.leaderboard)) if played else None,
        failures_by_test=_by_test([g for g in cohort.failures if not g.unfinished]),
        unfinished=[g for g in cohort.failures if g.unfinished])


def _by_test(groups: list[FailureGroup]) -> list[tuple[str, str, list[FailureGroup]]]:
    by_test = defaultdict(list)
    for group in groups:
        by_test[(group.assignment, group.test)].append(group)
    total = Counter({key: sum(g.students for g in found) for key, found in by_test.items()})
    return [(assignment, test, by_test[(assignment, test)]) for (assignment, test), _ in total.most_common()]


def course_id(root: Path) -> str:
    """The course's id, as nbgrader_config.py sets it (the folder's name when it says none)."""
    from .apps import course_config

    config = course_config(root)
    return str(config.CourseDirectory.get("course_id") or Path(root).name) if config else Path(root).name


def write_report(root: Path, db_url: str, out_dir: Path, *, workers: int = 1, scheduler: str | None = None,
                 leaderboard: bool = True, flagged: dict[str, list[str]] | None = None,
                 failures: list[dict] | None = None, episodes: int | None = None, sandbox: bool = True,
                 assignments: list[str] | None = None, notes: list[dict] | None = None) -> Path:
    """Write ``out_dir/index.html`` and the CSV files beside it; return the page's path.

    The leaderboard (``leaderboard=False`` leaves it out) evaluates every handed-in agent on
    ``episodes`` episodes (default 100), ``workers`` at a time or on the Dask cluster at ``scheduler``;
    agents played before are not played again (``out_dir/leaderboard_cache.json``). ``notes``: what
    grade.py's summary asks the instructor to look at (``{"student", "assignment", "problem", "detail"}``).
    """
    from . import leaderboard as agents

    root, out_dir = Path(root), Path(out_dir)
    cohort = read_cohort(root, db_url, flagged=flagged, failures=failures, assignments=assignments)
    for note in notes or []:  # what grade.py's summary named; a timeout or a dead kernel it found is here already
        problem = Problem(note["student"], note["assignment"], note["problem"], note["detail"])
        if problem not in cohort.problems:
            cohort.problems.append(problem)
    cohort.problems.sort(key=lambda p: (p.assignment, p.student, p.problem))
    out_dir.mkdir(parents=True, exist_ok=True)
    if leaderboard:
        cohort.leaderboard = agents.leaderboard(root / "submitted", episodes=episodes or agents.LEADERBOARD_EPISODES,
                                                workers=workers, scheduler=scheduler, sandbox=sandbox,
                                                cache=out_dir / "leaderboard_cache.json")
        agents.write_csv(cohort.leaderboard, out_dir / "leaderboard.csv")
    _write_csv(out_dir / "assignments.csv", cohort.assignments, AssignmentSummary)
    _write_csv(out_dir / "tests.csv", cohort.tests, TestSummary)
    _write_csv(out_dir / "failures.csv", cohort.failures, FailureGroup)
    _write_csv(out_dir / "problems.csv", cohort.problems, Problem)
    page = out_dir / "index.html"
    page.write_text(render(cohort, f"Cohort report: {course_id(root)}"))
    return page
