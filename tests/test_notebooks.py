"""nbgrader validate on every untouched release: it passes none of its tests.

(A release filled in by a student validates cleanly: test_student_side.py. Autograding,
full marks with the hidden tests, zero marks and clean output are tested on a whole
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
def test_release_fails_its_tests(course, assignment):
    result = course.nbgrader("validate", "--invert", str(course.release_notebook(assignment)))
    assert "Success! The notebook does not pass any tests." in result.stdout, result.stdout + result.stderr

