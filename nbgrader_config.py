"""nbgrader's configuration: the course root is this folder.

solutions/<assignment>/ holds the instructor notebooks (nbgrader's "source"),
notebooks/<assignment>/ the student notebooks (its "release"), made by
`python scripts/release.py` (nbgrader generate_assignment) and never edited by hand.
"""

import os
import sys

from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, OverwriteCells
from traitlets import Bool

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
if _root not in sys.path:  # the course's own package (grading/), wherever nbgrader runs from
    sys.path.insert(0, _root)
c.CourseDirectory.course_id = "dqn-lunar-lander"
c.CourseDirectory.root = _root
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# The gradebook: SQLite in this folder (one instructor, one machine), or PostgreSQL for shared and
# multi-machine setups, e.g. DQN_GRADEBOOK_URL=postgresql+psycopg://grader@db-host:5432/dqn (grading/gradebook.py).
c.CourseDirectory.db_url = os.environ.get("DQN_GRADEBOOK_URL") or "sqlite:///" + os.path.join(_root, "gradebook.db")
# nbgrader's exchange (release, fetch, submit, collect): on a hub, the shared folder its set-up names
# (DQN_EXCHANGE_ROOT); on one machine without a hub, a folder of the course, so that Formgrader's
# Manage Assignments works without warning of a missing exchange.
_exchange = os.environ.get("DQN_EXCHANGE_ROOT") or os.path.join(_root, "exchange")
c.Exchange.root = _exchange
if not os.environ.get("DQN_EXCHANGE_ROOT"):
    try:
        os.makedirs(_exchange, exist_ok=True)
    except OSError:  # a read-only copy of the course: Formgrader says what is missing
        pass
# Videos and figures a notebook writes while it runs stay out of releases and submissions.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "videos", "*.mp4"]

# Every cell must finish within this many seconds; a student's infinite loop is
# interrupted, the cell scores 0, and grading goes on.
c.Execute.timeout = 60
# Once the last cell has run, the kernel is killed rather than asked to exit: its outputs are all in,
# and a TensorFlow kernel takes about a second to shut down cleanly, five times per submission.
c.Execute.shutdown_kernel = "immediate"


class ExecuteUntilTheKernelDies(Execute):
    """nbgrader's Execute as autograding runs it: in a sandbox (grading/sandbox.py), in a clean kernel
    (grading/kernel.py: each test cell runs as the course wrote it, nothing handed in beside the notebook
    is imported), each test cell with a receipt (grading/receipts.py: it scores only if it ran to its end),
    and a kernel that dies (os._exit, a crash, a limit of the sandbox) does not stop the grading
    of the submission: the cell it died in and every cell after it get an error output, so their
    tests score 0 and the tests that ran keep their marks."""

    sandbox = Bool(True, help="Run every kernel in the bubblewrap sandbox of grading/sandbox.py. Only "
                              "`scripts/grade.py --no-sandbox` turns it off, for trusted submissions.").tag(config=True)
    receipts = Bool(True, help="Give every test cell its receipt. Only tests/test_cheats.py turns it off, in a "
                               "throw-away course, to show that each cheat it stops would score without it."
                    ).tag(config=True)
    clean_kernel = Bool(True, help="Run each test cell in a clean kernel (grading/kernel.py). Only "
                                   "tests/test_cheats.py turns it off, in a throw-away course, to show that each "
                                   "cheat it stops would score without it.").tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from grading.kernel import KERNEL_ARGUMENTS, CleanKernelManager

        manager = CleanKernelManager
        if self.sandbox:
            from grading.sandbox import SandboxedKernelManager

            manager = SandboxedKernelManager
        if self.clean_kernel:
            self.extra_arguments = [*self.extra_arguments, *KERNEL_ARGUMENTS]
        else:
            manager = type(f"Unclean{manager.__name__}", (manager,), {"clean": False})
        self.kernel_manager_class = manager

    def preprocess_cell(self, cell, resources, index):
        from grading import receipts
        from grading.kernel import TEST_CELL

        self._running = cell  # the cell to blame should the kernel die now
        if not receipts.is_test_cell(cell) or not (self.receipts or self.clean_kernel):
            return super().preprocess_cell(cell, resources, index)
        source, receipt = cell.source, receipts.new_receipt()
        cell.source = receipts.with_receipt(source, receipt) if self.receipts else source
        if self.clean_kernel:
            cell.source = TEST_CELL + cell.source  # the kernel puts itself back as it started, then runs the cell
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        finally:
            cell.source = source
        if self.receipts:
            receipts.settle(cell, receipt)
        return cell, resources

    def preprocess(self, nb, resources=None, km=None):
        try:
            return super().preprocess(nb, resources, km=km)
        except DeadKernelError as error:
            self.log.warning("the kernel died: the cells from there on score 0 (%s)", error)
            dying = getattr(self, "_running", None)
            for cell in nb.cells:
                if cell.cell_type == "code" and (cell.get("execution_count") is None or cell is dying):
                    cell.outputs.append(new_output(
                        "error", ename="DeadKernelError", evalue="the kernel died before this cell finished",
                        traceback=["DeadKernelError: the kernel died (for example os._exit or a crash) "
                                   "before this cell finished"]))
            return nb, resources


_defaults = Autograde.class_traits()["autograde_preprocessors"].default()
c.Autograde.autograde_preprocessors = [ExecuteUntilTheKernelDies if p is Execute else p for p in _defaults]


class OverwriteCellsOfTheRelease(OverwriteCells):
    """nbgrader's OverwriteCells, except that a cell whose nbgrader metadata names no cell of the release
    (a student added the metadata) loses that metadata and is graded as a cell the student wrote. nbgrader's
    own takes out only its grade_id, then fails on the cell and grades nothing of the notebook."""

    def preprocess_cell(self, cell, resources, index):
        if "nbgrader" in cell.metadata and cell.metadata.nbgrader.get("grade_id") is not None:
            cell, resources = super().preprocess_cell(cell, resources, index)
        if "nbgrader" in cell.metadata and cell.metadata.nbgrader.get("grade_id") is None:
            del cell.metadata["nbgrader"]  # the review lists the edit (grading/tampering.py)
        return cell, resources


_sanitize = Autograde.class_traits()["sanitize_preprocessors"].default()
c.Autograde.sanitize_preprocessors = [OverwriteCellsOfTheRelease if p is OverwriteCells else p for p in _sanitize]

# The feedback page shows each test's outcome, points and message, never the hidden tests' code
# (grading/feedback.py); the autograded notebooks, for the instructor only, keep everything.
# Its equations are MathML, so they show offline (grading/feedback.py).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from grading.feedback import HideHiddenTests, OfflineMath  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, OfflineMath, CSSHTMLHeaderPreprocessor]

# A test cell a student deleted is put back from the gradebook and graded.
c.OverwriteCells.add_missing_cells = True

# What a student sees in place of the solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
