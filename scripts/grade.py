"""Grade a cohort: nbgrader's own autograding, one job per (student, assignment), in parallel.

    python scripts/grade.py                      # every assignment, every student in submitted/
    python scripts/grade.py 01_environment       # some assignments
    python scripts/grade.py --workers 4          # four jobs at a time on this machine
    python scripts/grade.py --scheduler tcp://HOST:8786   # on an existing Dask cluster
    python scripts/grade.py --zip                # first collect LMS zips from downloaded/<assignment>/archive/
    python scripts/grade.py --no-sandbox         # trusted submissions only: no bubblewrap sandbox
    python scripts/grade.py --force              # grade again what was graded already

Steps:

1. ``python scripts/release.py``: regenerate notebooks/ and record the assignments in the gradebook;
2. ``nbgrader zip_collect <assignment>`` with ``--zip``: unpack LMS downloads into submitted/;
3. every folder of submitted/ becomes a student of the gradebook;
4. one job per (student, assignment) handed in and not graded yet (grading/jobs.py, on Dask):
   nbgrader's ``autograde`` and ``generate_feedback`` in a private copy (grading/autograde.py),
   each kernel in the bubblewrap sandbox of grading/sandbox.py; this process records each
   outcome as it comes (grading/gradebook.py), so the gradebook has one writer;
5. ``nbgrader export``: grades.csv;
6. the cohort report, report/index.html, with the agents' leaderboard (grading/report.py).

Without bubblewrap the script refuses to autograde and says what to install; ``--no-sandbox``
runs student code with your rights, for submissions you trust. After the run, submissions whose
code patched the course's test helpers are listed for review (grading/tampering.py).

Nothing is lost: nothing writes to submitted/; a SQLite gradebook is copied to
gradebook.db.backup first and put back if a step that concerns everyone fails (the
release, the export). A job that fails on every try (an unreadable notebook, say) is
named at the end and scores 0; the rest of the cohort is graded, and the script exits
with 2. After a Ctrl-C, or with more submissions, a rerun grades only what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release import assignment_parser, chosen_assignments, nbgrader_environment  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from grading import gradebook, sandbox, tampering  # noqa: E402
from grading.autograde import AutogradeJob, autograde, fingerprint, read_files  # noqa: E402
from grading.jobs import run_jobs  # noqa: E402


class StepFailed(RuntimeError):
    pass


def nbgrader(root: Path, *args: str) -> None:
    """Run one nbgrader command for the whole course; a failure raises StepFailed."""
    print(f"$ nbgrader {' '.join(args)}", flush=True)
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}"],
                            cwd=root, env=nbgrader_environment(), text=True, capture_output=True)
    sys.stdout.write(result.stdout)
    sys.stdout.write(result.stderr)
    if result.returncode != 0:
        raise StepFailed(f"`nbgrader {' '.join(args)}` failed with exit code {result.returncode}")


def students_of(root: Path) -> list[str]:
    submitted = root / "submitted"
    return sorted(p.name for p in submitted.iterdir() if p.is_dir()) if submitted.is_dir() else []


def jobs_to_run(root: Path, names: list[str], students: list[str], ledger: gradebook.Ledger, force: bool,
                sandboxed: bool) -> tuple[list[AutogradeJob], int]:
    """The jobs of submissions handed in and not recorded yet (all with `force`); and how many were skipped."""
    config = (root / "nbgrader_config.py").read_bytes()
    template = gradebook.template_gradebook(names, students)
    jobs, skipped = [], 0
    for student in students:
        files = None
        for name in names:
            folder = root / "submitted" / student / name
            if not folder.is_dir() or not any(folder.glob("*.ipynb")):
                continue  # not handed in: scores 0 in the export
            stamp = fingerprint(folder)
            if not force and ledger.done(student, name, stamp):
                skipped += 1
                continue
            files = files if files is not None else read_files(root / "submitted" / student)
            jobs.append(AutogradeJob(student=student, assignment=name, config=config, gradebook=template,
                                     files=files, sandbox=sandboxed, fingerprint=stamp))
    return jobs, skipped


def grade(root: Path, names: list[str], collect_zips: bool, failures: list, *, sandboxed: bool = True,
          workers: int = 1, scheduler: str | None = None, force: bool = False) -> Path:
    """Run the steps; return the path of grades.csv. Jobs that failed on every try go into `failures`."""
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
    db_url = gradebook.gradebook_url(root)
    gradebook.add_students(db_url, students)
    ledger = gradebook.Ledger(root)
    jobs, skipped = jobs_to_run(root, names, students, ledger, force, sandboxed)
    where = f"the Dask cluster at {scheduler}" if scheduler else f"{workers} local worker(s)"
    print(f"grading {len(jobs)} submission(s) on {where}; {skipped} already graded", flush=True)
    start = time.perf_counter()

    def recorded(result):
        if result.error is None:
            gradebook.record(root, db_url, result.value, ledger)
        else:
            failures.append(result)

    results = run_jobs(autograde, jobs, workers=workers, scheduler=scheduler, description="grading",
                       on_result=recorded)
    seconds = time.perf_counter() - start
    graded = sum(r.error is None for r in results)
    print(f"graded {graded}, failed {len(results) - graded}, skipped {skipped} (graded before) "
          f"in {seconds:.1f} s" + (f", {seconds / len(results):.1f} s per job" if results else ""), flush=True)
    grades = root / "grades.csv"
    nbgrader(root, "export", f"--to={grades}")
    return grades


def main(argv=None) -> int:
    parser = assignment_parser(__doc__.splitlines()[0])
    parser.add_argument("--zip", action="store_true", help="collect downloaded/<assignment>/archive/*.zip first")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code outside the bubblewrap sandbox, with your rights (trusted code only)")
    parser.add_argument("--workers", type=int, default=1, help="jobs at a time on this machine (default 1)")
    parser.add_argument("--scheduler", help="the address of an existing Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--force", action="store_true", help="grade again the submissions graded before")
    parser.add_argument("--no-report", action="store_true", help="skip the cohort report (report/index.html)")
    args = parser.parse_args(argv)
    names = chosen_assignments(parser, args)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
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

    database = REPO / "gradebook.db"
    backup = REPO / "gradebook.db.backup"
    sqlite = not os.environ.get(gradebook.URL_VARIABLE)
    if sqlite and database.exists():
        shutil.copy2(database, backup)
    failures = []
    try:
        grades = grade(REPO, names, args.zip, failures, sandboxed=not args.no_sandbox, workers=args.workers,
                       scheduler=args.scheduler, force=args.force)
    except StepFailed as error:
        if sqlite and backup.exists():
            shutil.copy2(backup, database)
            print(f"gradebook.db restored from {backup.name}", file=sys.stderr)
        print(f"grading stopped: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("grading interrupted: every outcome recorded so far is kept; run the same command again to grade "
              "the rest", file=sys.stderr)
        return 130
    print(f"done: feedback in {REPO / 'feedback'}, grades in {grades}")
    review = tampering.submissions_to_review(REPO / "autograded", names)
    if review:
        print("submissions for review: their code changes the course's test helpers or runs code that cannot be read "
              "(grades unchanged; see grading/tampering.py):")
        for (student, notebook), found in review.items():
            print(f"  {student}: {notebook}: {'; '.join(found)}")
    if not args.no_report:
        from grading.report import write_report

        page = write_report(REPO, gradebook.gradebook_url(REPO), REPO / "report", workers=args.workers,
                            scheduler=args.scheduler, sandbox=not args.no_sandbox, assignments=names,
                            failures=[{"student": f.item.student, "assignment": f.item.assignment, "error": f.error}
                                      for f in failures])
        print(f"cohort report: {page}")
    if failures:
        print("some submissions could not be graded (they score 0):",
              *[f"{f.item.assignment} of {f.item.student}: {f.error}" for f in failures], sep="\n  ", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
