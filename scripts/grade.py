"""Grade a cohort with nbgrader's own commands, in the order an instructor runs them.

    python scripts/grade.py                      # every assignment, every student in submitted/
    python scripts/grade.py 01_environment       # some assignments
    python scripts/grade.py --zip                # first collect LMS zips from downloaded/<assignment>/archive/
    python scripts/grade.py --no-sandbox         # trusted submissions only: no bubblewrap sandbox

Steps (each one an nbgrader command; this script only chains them):

1. ``python scripts/release.py``: regenerate notebooks/ and record the assignments in the gradebook;
2. ``nbgrader zip_collect <assignment>`` with ``--zip``: unpack LMS downloads into submitted/;
3. ``nbgrader db student add <id>`` for every folder of submitted/;
4. ``nbgrader autograde <assignment>``;
5. ``nbgrader generate_feedback <assignment>``: HTML in feedback/<student>/<assignment>/;
6. ``nbgrader export``: grades.csv.

Autograding runs every notebook's kernel in the bubblewrap sandbox of grading/sandbox.py (no
network, no view of the course, the gradebook or other students, limits on memory, processes,
file size and CPU time). Without bubblewrap the script refuses to autograde and says what to
install; ``--no-sandbox`` runs student code with your rights, for submissions you trust.
After the run, submissions whose code patched the course's test helpers are listed for review
(grading/tampering.py).

Nothing is lost: nbgrader never writes to submitted/, and the gradebook is
copied to gradebook.db.backup first and put back if a step that concerns
everyone fails (the release, adding students, the export). When only some
submissions cannot be autograded (an unreadable notebook, say), the others are
graded as usual, the script names the failures at the end and exits with 2.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release import assignment_parser, chosen_assignments, nbgrader_environment  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from grading import sandbox, tampering  # noqa: E402

NO_SANDBOX = "--ExecuteUntilTheKernelDies.sandbox=False"


class StepFailed(RuntimeError):
    pass


def nbgrader(root: Path, *args: str, partial: list | None = None) -> None:
    """Run one nbgrader command. A failure raises StepFailed, or, when `partial` is a list,
    is added to it (the command still did its work for the other submissions)."""
    env = nbgrader_environment()
    print(f"$ nbgrader {' '.join(args)}", flush=True)
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}"],
                            cwd=root, env=env, text=True, capture_output=True)
    sys.stdout.write(result.stdout)
    sys.stdout.write(result.stderr)
    if result.returncode != 0:
        message = f"`nbgrader {' '.join(args)}` failed with exit code {result.returncode}"
        if partial is None:
            raise StepFailed(message)
        failed = sorted(set(re.findall(r"error processing assignment '?([^' ]+)'? for student '([^']+)'", result.stdout
                                       + result.stderr)))
        partial.append(message + "".join(f"\n    {a} of {s}" for a, s in failed))


def students_of(root: Path) -> list[str]:
    submitted = root / "submitted"
    return sorted(p.name for p in submitted.iterdir() if p.is_dir()) if submitted.is_dir() else []


def grade(root: Path, names: list[str], collect_zips: bool, partial: list, sandboxed: bool = True) -> Path:
    """Run the steps; return the path of grades.csv. Submissions that could not be graded go into `partial`."""
    release = [sys.executable, str(root / "scripts" / "release.py"), *names]
    print(f"$ {' '.join(release[1:])}", flush=True)
    if subprocess.run(release, cwd=root).returncode != 0:
        raise StepFailed("scripts/release.py failed")
    if collect_zips:
        for name in names:
            if (root / "downloaded" / name / "archive").is_dir():
                nbgrader(root, "zip_collect", name, "--force")
    students = students_of(root)
    if not students:
        raise StepFailed(f"no submissions: put them in {root / 'submitted'}/<student>/<assignment>/")
    for student in students:
        nbgrader(root, "db", "student", "add", student)
    for name in names:
        nbgrader(root, "autograde", name, "--force", *([] if sandboxed else [NO_SANDBOX]), partial=partial)
        nbgrader(root, "generate_feedback", name, "--force", partial=partial)
    grades = root / "grades.csv"
    nbgrader(root, "export", f"--to={grades}")
    return grades


def main(argv=None) -> int:
    parser = assignment_parser(__doc__.splitlines()[0])
    parser.add_argument("--zip", action="store_true", help="collect downloaded/<assignment>/archive/*.zip first")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code outside the bubblewrap sandbox, with your rights (trusted code only)")
    args = parser.parse_args(argv)
    names = chosen_assignments(parser, args)
    if args.no_sandbox:
        print("WARNING: --no-sandbox: student code runs with your rights; it can read solutions/, change the "
              "gradebook and other students' files, and use the network. Only for submissions you trust.",
              file=sys.stderr)
    else:
        try:
            sandbox.require_bwrap()
        except sandbox.SandboxUnavailable as error:
            print(f"grading refused: {error}", file=sys.stderr)
            return 1

    gradebook = REPO / "gradebook.db"
    backup = REPO / "gradebook.db.backup"
    if gradebook.exists():
        shutil.copy2(gradebook, backup)
    partial = []
    try:
        grades = grade(REPO, names, args.zip, partial, sandboxed=not args.no_sandbox)
    except StepFailed as error:
        if backup.exists():
            shutil.copy2(backup, gradebook)
            print(f"gradebook.db restored from {backup.name}", file=sys.stderr)
        print(f"grading stopped: {error}", file=sys.stderr)
        return 1
    print(f"done: feedback in {REPO / 'feedback'}, grades in {grades}")
    review = tampering.submissions_to_review(REPO / "autograded", names)
    if review:
        print("submissions for review: their code changes the course's test helpers or runs code that cannot be read "
              "(grades unchanged; see grading/tampering.py):")
        for (student, notebook), found in review.items():
            print(f"  {student}: {notebook}: {'; '.join(found)}")
    if partial:
        print("some submissions could not be graded (see the log above; they score 0):", *partial, sep="\n  ",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
