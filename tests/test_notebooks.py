"""nbgrader validate on every notebook: the solution passes its tests, the untouched release passes none.

(Autograding, full marks, zero marks and clean output are tested on a whole
cohort in test_grading_pipeline.py.)
"""

import pytest
from course import Course
from release import assignments

pytestmark = pytest.mark.notebooks

ASSIGNMENTS = assignments()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return Course(tmp_path_factory.mktemp("course"), ASSIGNMENTS)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_validates(course, assignment):
    result = course.nbgrader("validate", str(course.source_notebook(assignment)))
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_fails_its_tests(course, assignment):
    result = course.nbgrader("validate", "--invert", str(course.release_notebook(assignment)))
    assert "Success! The notebook does not pass any tests." in result.stdout, result.stdout + result.stderr

