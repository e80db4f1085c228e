"""Every notebook through nbgrader: the solution gets full marks and runs cleanly,
the untouched release scores 0 on every autograded cell, validate agrees.

The solutions run under nbgrader, so on the small budget of utils.fast_mode().
"""

import json
import time

import pytest
from course import Course
from release import assignments

from utils.fixtures import data_dir

pytestmark = pytest.mark.notebooks

PRESENT = [name for name in assignments() if (data_dir().parent / "solutions" / name).is_dir()]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("course"), PRESENT)
    for student in ("solution", "untouched"):
        course.add_student(student)
    course.seconds = {}
    for name in PRESENT:
        course.submit("solution", name, course.source_notebook(name))
        course.submit("untouched", name, course.release_notebook(name))
        start = time.perf_counter()
        course.autograde(name)
        course.seconds[name] = time.perf_counter() - start
    return course


@pytest.mark.parametrize("assignment", PRESENT)
def test_solution_gets_full_marks(course, assignment):
    grades = [g for g in course.grades(assignment, "solution") if not g.manual]
    assert grades, "no autograded cells found"
    short = {g.name: (g.score, g.max_score) for g in grades if g.score != g.max_score}
    assert not short, f"the solution of {assignment} lost points: {short}"


@pytest.mark.parametrize("assignment", PRESENT)
def test_untouched_release_scores_zero(course, assignment):
    grades = [g for g in course.grades(assignment, "untouched") if not g.manual]
    scored = {g.name: g.score for g in grades if g.score != 0}
    assert not scored, f"the untouched release of {assignment} earned points: {scored}"


@pytest.mark.parametrize("assignment", PRESENT)
def test_solution_runs_cleanly_with_no_stderr(course, assignment):
    notebook = json.loads(course.autograded_notebook(assignment, "solution").read_text())
    problems = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                problems.append(f"{cell.get('id')}: {output['ename']}: {output['evalue']}")
            elif output["output_type"] == "stream" and output["name"] == "stderr":
                problems.append(f"{cell.get('id')}: stderr {output['text'][:300]!r}")
    assert not problems, "\n".join(problems)
    print(f"{assignment}: autograded 2 submissions in {course.seconds[assignment]:.1f} s")


@pytest.mark.parametrize("assignment", PRESENT)
def test_solution_validates(course, assignment):
    result = course.nbgrader("validate", str(course.source_notebook(assignment)))
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("assignment", PRESENT)
def test_release_fails_its_tests(course, assignment):
    result = course.nbgrader("validate", "--invert", str(course.release_notebook(assignment)))
    assert "Success! The notebook does not pass any tests." in result.stdout, result.stdout + result.stderr
