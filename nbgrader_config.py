"""nbgrader's configuration: the course root is this folder.

solutions/<assignment>/ holds the instructor notebooks (nbgrader's "source"),
notebooks/<assignment>/ the student notebooks (its "release"), made by
`python scripts/release.py` (nbgrader generate_assignment) and never edited by hand.
"""

import os

#: The five assignments, in the order students take them (see README.md).
ASSIGNMENTS = [
    "01_environment",
    "02_epsilon_greedy",
    "03_targets",
    "04_training",
    "05_evaluation",
]

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)

_root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "dqn-lunar-lander"
c.CourseDirectory.root = _root
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_root, "gradebook.db")
# Videos and figures a notebook writes while it runs stay out of releases and submissions.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "videos", "*.mp4"]

# Every cell must finish within this many seconds; a student's infinite loop is
# interrupted, the cell scores 0, and grading goes on.
c.Execute.timeout = 60

# A test cell a student deleted is put back from the gradebook and graded.
c.OverwriteCells.add_missing_cells = True

# What a student sees in place of the solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
