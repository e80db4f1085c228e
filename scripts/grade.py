"""Grade a cohort: nbgrader's own autograding, one job per (student, assignment), in parallel.

    python scripts/grade.py                      # every assignment, every student in submitted/
    python scripts/grade.py 01_environment       # some assignments
    python scripts/grade.py --workers 4          # four jobs at a time on this machine
    python scripts/grade.py --scheduler tcp://HOST:8786   # on an existing Dask cluster
    python scripts/grade.py --zip --lms canvas   # first collect LMS zips from downloaded/<assignment>/archive/
    python scripts/grade.py --no-sandbox         # trusted submissions only: no bubblewrap sandbox
    python scripts/grade.py --force              # grade again what was graded already (hand grading is kept)
    python scripts/grade.py --reset              # start grading afresh: the gradebook and the ledger go to backups/

Steps:

1. ``python scripts/release.py`` for each assignment whose solutions/ (or nbgrader_config.py) changed since
   its last release (``.release_stamp.json``): regenerate notebooks/ and record it in the gradebook;
2. with ``--zip``: every downloaded/<assignment>/archive/ is collected into submitted/ with the file-name
   pattern of ``--lms`` (grading/collect.py; the submitted folders it replaces are copied to backups/ first);
   a notebook the pattern does not match stops the run;
3. every folder of submitted/ becomes a student of the gradebook;
4. one job per (student, assignment) handed in and not graded yet (grading/jobs.py, on Dask):
   nbgrader's ``autograde`` and ``generate_feedback`` in a private copy (grading/autograde.py),
   each kernel in the bubblewrap sandbox of grading/sandbox.py; this process records each
   outcome as it comes (grading/gradebook.py), so the gradebook has one writer. "Graded" means
   in the ledger (graded_jobs.json), in the gradebook and in autograded/: a ledger entry the
   gradebook does not back is graded again. A folder whose single notebook an LMS renamed is
   graded under the release's name, with a warning;
5. ``nbgrader export``: grades.csv, of the assignments someone handed in (skipped when nothing changed since
   the last export);
6. the cohort report, report/index.html, with the agents' leaderboard (grading/report.py).

Without bubblewrap the script refuses to autograde and says what to install; ``--no-sandbox``
runs student code with your rights, for submissions you trust. After the run, submissions whose
code reaches into the grading are listed for review (grading/tampering.py).

Nothing is lost: submitted/ is written only by ``--zip`` (and what it replaces is kept in backups/);
hand grading (manual points, extra credit, comments) survives every regrade, and a hand-graded
answer that changed since is named for a look; a SQLite gradebook is copied to gradebook.db.backup
first and put back if a step that concerns everyone fails (the release, the collection, the
export). A step that collects, releases or exports nothing it should stops the run with exit 1
and one line that says why. A job that fails on every try (an unreadable notebook, say) is named
at the end and scores 0; the rest of the cohort is graded, and the script exits with 2. After a
Ctrl-C, or with more submissions, a rerun grades only what is missing.
"""

from __future__ import annotations

import csv
import hashlib
import json
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
from grading import collect, gradebook, sandbox, tampering  # noqa: E402
from grading.autograde import AutogradeJob, autograde, fingerprint, read_files  # noqa: E402
from grading.jobs import run_jobs  # noqa: E402

RELEASE_STAMP = ".release_stamp.json"  # what solutions/ looked like at the last release


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


def release_notebooks(root: Path, name: str) -> list[str]:
    return sorted(p.name for p in (root / "notebooks" / name).glob("*.ipynb"))


def release_fingerprint(root: Path, name: str) -> str:
    """A SHA-256 of what an assignment's release is made from: solutions/<assignment>/ and nbgrader_config.py."""
    digest = hashlib.sha256((root / "nbgrader_config.py").read_bytes())
    for relative, content in read_files(root / "solutions" / name).items():
        digest.update(relative.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def stale_releases(root: Path, names: list[str], db_url: str) -> tuple[list[str], dict]:
    """The assignments whose release is not that of solutions/ any more (changed files, another gradebook,
    no notebook, not in the gradebook), and the stamp of the last releases."""
    try:
        stamp = json.loads((root / RELEASE_STAMP).read_text())
    except (OSError, ValueError):
        stamp = {}
    if stamp.get("db_url") != db_url or not isinstance(stamp.get("assignments"), dict):
        stamp = {"db_url": db_url, "assignments": {}}
    known = set()
    if not db_url.startswith("sqlite:///") or Path(db_url.removeprefix("sqlite:///")).is_file():
        from nbgrader.api import Gradebook

        with Gradebook(db_url) as book:
            known = {a.name for a in book.assignments}
    stale = [name for name in names if name not in known or not release_notebooks(root, name)
             or stamp["assignments"].get(name) != release_fingerprint(root, name)]
    return stale, stamp


def release(root: Path, names: list[str], db_url: str) -> bool:
    """Release the assignments whose solutions/ changed since their last release; whether any was."""
    stale, stamp = stale_releases(root, names, db_url)
    if not stale:
        print("release: solutions/ unchanged since the last release, skipped", flush=True)
        return False
    command = [sys.executable, str(root / "scripts" / "release.py"), *stale]
    print(f"$ {' '.join(command[1:])}", flush=True)
    if subprocess.run(command, cwd=root).returncode != 0:
        raise StepFailed("scripts/release.py failed: fix solutions/ (see above), then grade again")
    missing = [name for name in stale if not release_notebooks(root, name)]
    if missing:
        raise StepFailed(f"the release made no notebook for {', '.join(missing)}: is solutions/<assignment>/ there?")
    stamp["assignments"].update({name: release_fingerprint(root, name) for name in stale})
    (root / RELEASE_STAMP).write_text(json.dumps(stamp))
    return True


def collect_downloads(root: Path, names: list[str], lms: str | None) -> None:
    """Collect every downloaded/<assignment>/archive/ into submitted/, after copying aside what it replaces."""
    archives = [name for name in names if (root / "downloaded" / name / "archive").is_dir()]
    if not archives:
        raise StepFailed(f"--zip: no downloaded/<assignment>/archive/ folder for {', '.join(names)}")
    for name in archives:
        kept = collect.backup_submissions(root, name)
        if kept:
            print(f"copied the submitted folders of {name} to {kept.relative_to(root)} before collecting", flush=True)
        try:
            collected = collect.collect_zips(root, name, lms)
        except collect.CollectFailed as error:
            raise StepFailed(str(error)) from None
        print(f"collected {collected.notebooks} notebook(s) of {name} from downloaded/{name}/archive/", flush=True)


def jobs_to_run(root: Path, names: list[str], students: list[str], ledger: gradebook.Ledger, force: bool,
                sandboxed: bool, db_url: str, notes: list[dict]) -> tuple[list[AutogradeJob], int, int]:
    """The jobs of submissions handed in and not graded yet (all with `force`); how many were skipped; and
    how many the ledger called graded without the gradebook and autograded/ to back it (graded again)."""
    recorded = gradebook.graded_submissions(db_url)
    wanted, skipped, unbacked = [], 0, 0
    for student in students:
        files = None
        for name in names:
            folder = root / "submitted" / student / name
            if not folder.is_dir() or not any(folder.glob("*.ipynb")):
                continue  # not handed in: scores 0 in the export
            stamp = fingerprint(folder)
            if not force and ledger.done(student, name, stamp):
                if (student, name) in recorded and (root / "autograded" / student / name).is_dir() \
                        and (root / "feedback" / student / name).is_dir():
                    skipped += 1
                    continue
                unbacked += 1
            files = files if files is not None else read_files(root / "submitted" / student)
            job_files = files
            names_of, warning = collect.notebook_names(folder, release_notebooks(root, name))
            if warning:
                notes.append({"student": student, "assignment": name, "problem": "graded under the release's name",
                              "detail": warning})
                job_files = {(f"{name}/{names_of[path.split('/', 1)[1]]}"
                              if path.startswith(f"{name}/") and path.count("/") == 1
                              and path.split("/", 1)[1] in names_of else path): content
                             for path, content in files.items()}
            wanted.append((student, name, stamp, job_files))
    if not wanted:
        return [], skipped, unbacked
    config = (root / "nbgrader_config.py").read_bytes()
    template = gradebook.template_gradebook(names, students)  # a few seconds: only when there is work
    jobs = [AutogradeJob(student=student, assignment=name, config=config, gradebook=template, files=job_files,
                         sandbox=sandboxed, fingerprint=stamp) for student, name, stamp, job_files in wanted]
    return jobs, skipped, unbacked


def regenerate_feedback(root: Path, student: str, assignment: str) -> None:
    """The feedback page again, here, from the gradebook: it then shows the instructor's manual points and comments."""
    from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp

    from grading.apps import AppFailed, run_app
    from grading.feedback import polish_pages

    try:
        run_app(GenerateFeedbackApp, [assignment, "--student", student, "--force", f"--CourseDirectory.root={root}",
                                      "--log-level=ERROR"], cwd=root)
    except AppFailed as error:
        raise StepFailed(f"the feedback of {student}'s {assignment} with your hand grading failed: {error}") from None
    folder = root / "feedback" / student / assignment
    for relative, content in polish_pages(read_files(folder), read_files(root / "autograded" / student / assignment)
                                          ).items():
        (folder / relative).write_bytes(content)


def export(root: Path, names: list[str], students: list[str], changed: bool) -> Path:
    """grades.csv, unless nothing changed since it was written; every submission handed in must be in it."""
    grades = root / "grades.csv"
    database = root / "gradebook.db"
    current = (not changed and grades.is_file() and not os.environ.get(gradebook.URL_VARIABLE)
               and database.is_file() and grades.stat().st_mtime >= database.stat().st_mtime)
    if current:
        print("export: nothing changed since grades.csv was written, skipped", flush=True)
    else:
        db_url = gradebook.gradebook_url(root)
        released = gradebook.assignment_names(db_url)
        handed_in = sorted({assignment for _, assignment in gradebook.graded_submissions(db_url)}
                           | {name for name in released if any((root / "submitted").glob(f"*/{name}/*.ipynb"))})
        waiting = sorted(released - set(handed_in))
        if waiting:  # released, nobody handed it in yet: zeros for the whole class would look like grades
            print(f"export: {', '.join(waiting)} left out of grades.csv: nobody has handed in yet", flush=True)
        nbgrader(root, "export", f"--to={grades}", *([f"--assignment={handed_in!r}"] if handed_in else []))
    with open(grades, newline="") as f:
        rows = {(row["student_id"], row["assignment"]) for row in csv.DictReader(f)}
    missing = [f"{name} of {student}" for student in students for name in names
               if any((root / "submitted" / student / name).glob("*.ipynb")) and (student, name) not in rows]
    if missing:
        raise StepFailed(f"grades.csv has no grade for {', '.join(missing[:5])}: the export is incomplete")
    return grades


def grade(root: Path, names: list[str], collect_zips: bool, failures: list, notes: list, *, lms: str | None = None,
          sandboxed: bool = True, workers: int = 1, scheduler: str | None = None, force: bool = False) -> Path:
    """Run the steps; return the path of grades.csv. Jobs that failed on every try go into `failures`;
    what the instructor should look at (renamed notebooks, hand grading to check again) into `notes`."""
    db_url = gradebook.gradebook_url(root)
    released = release(root, names, db_url)
    if collect_zips:
        collect_downloads(root, names, lms)
    students = students_of(root)
    if not students:
        raise StepFailed(f"no submissions: put them in {root / 'submitted'}/<student>/<assignment>/")
    gradebook.add_students(db_url, students)
    ledger = gradebook.Ledger(root)
    jobs, skipped, unbacked = jobs_to_run(root, names, students, ledger, force, sandboxed, db_url, notes)
    where = f"the Dask cluster at {scheduler}" if scheduler else f"{workers} local worker(s)"
    print(f"grading {len(jobs)} submission(s) on {where}; {skipped} already graded"
          + (f"; {unbacked} the ledger called graded but the gradebook or autograded/ did not have, graded again"
             if unbacked else ""), flush=True)
    start = time.perf_counter()
    hand_graded, named = [], set()
    from grading.report import run_problems

    def recorded(result):
        if result.error is not None:
            failures.append(result)
            return
        outcome = gradebook.record(root, db_url, result.value, ledger)
        if outcome.hand_graded:
            hand_graded.append((result.value.student, result.value.assignment))
        for cell in outcome.to_look_at:
            named.add((result.value.student, result.value.assignment, cell))
            notes.append({"student": result.value.student, "assignment": result.value.assignment,
                          "problem": "hand grading to check",
                          "detail": f"{cell} changed since you graded it by hand: its grade is kept and marked "
                                    "as needing a manual grade"})
        for relative, content in result.value.autograded.items():  # a timeout or a dead kernel: named here too
            if relative.endswith(".ipynb") and "/" not in relative:
                for problem in run_problems(result.value.student, result.value.assignment, json.loads(content)):
                    notes.append({"student": problem.student, "assignment": problem.assignment,
                                  "problem": problem.problem, "detail": problem.detail})

    results = run_jobs(autograde, jobs, workers=workers, scheduler=scheduler, description="grading",
                       on_result=recorded)
    # Every run names what still waits for a hand grade, whether or not it graded that submission now.
    for student, assignment, cell in gradebook.hand_grading_to_check(db_url, names):
        if (student, assignment, cell) not in named:
            notes.append({"student": student, "assignment": assignment, "problem": "hand grading to check",
                          "detail": f"{cell} changed since you graded it by hand and is not graded again yet: "
                                    "its old grade is kept and still marked as needing a manual grade"})
    for student, assignment in hand_graded:
        regenerate_feedback(root, student, assignment)
    seconds = time.perf_counter() - start
    graded = sum(r.error is None for r in results)
    print(f"graded {graded}, failed {len(results) - graded}, skipped {skipped} (graded before) "
          f"in {seconds:.1f} s" + (f", {seconds / len(results):.1f} s per job" if results else "")
          + (f"; kept the hand grading of {len(hand_graded)}" if hand_graded else ""), flush=True)
    return export(root, names, students, changed=bool(results) or released)


def reset(root: Path) -> int:
    """Start grading afresh: the gradebook, the ledger and grades.csv go to backups/<time>/; what can be
    rebuilt (autograded/, feedback/, report/) is removed; submitted/ and downloaded/ are not touched."""
    if os.environ.get(gradebook.URL_VARIABLE):
        print(f"--reset resets the SQLite gradebook; with {gradebook.URL_VARIABLE} set, back up and recreate that "
              "database yourself (pg_dump, then dropdb and createdb), then delete graded_jobs.json", file=sys.stderr)
        return 1
    backup = root / "backups" / time.strftime("%Y%m%d-%H%M%S")
    kept = []
    for name in ("gradebook.db", gradebook.LEDGER, gradebook.ANSWERS, "grades.csv", RELEASE_STAMP):
        if (root / name).is_file():
            backup.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, backup / name)
            (root / name).unlink()
            kept.append(name)
    for folder in ("autograded", "feedback", "report"):
        shutil.rmtree(root / folder, ignore_errors=True)
    print(f"reset: {', '.join(kept) or 'nothing'} copied to {backup.relative_to(root)} and cleared; autograded/, "
          "feedback/ and report/ removed; submitted/ and downloaded/ untouched")
    return 0


def main(argv=None) -> int:
    parser = assignment_parser(__doc__.splitlines()[0])
    parser.add_argument("--zip", action="store_true", help="collect downloaded/<assignment>/archive/*.zip first")
    parser.add_argument("--lms", choices=sorted(collect.LMS_PATTERNS),
                        help="the layout of the LMS's download for --zip (implies --zip)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code outside the bubblewrap sandbox, with your rights (trusted code only)")
    parser.add_argument("--workers", type=int, default=1, help="jobs at a time on this machine (default 1)")
    parser.add_argument("--scheduler", help="the address of an existing Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--force", action="store_true",
                        help="grade again the submissions graded before (manual grades and comments are kept)")
    parser.add_argument("--reset", action="store_true",
                        help="copy the gradebook and the ledger to backups/ and start grading afresh (grades nothing)")
    parser.add_argument("--no-report", action="store_true", help="skip the cohort report (report/index.html)")
    args = parser.parse_args(argv)
    if args.reset:
        return reset(REPO)
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
    failures, notes = [], []
    try:
        grades = grade(REPO, names, args.zip or args.lms is not None, failures, notes, lms=args.lms,
                       sandboxed=not args.no_sandbox, workers=args.workers, scheduler=args.scheduler, force=args.force)
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
    if notes:
        print("to look at (grades recorded):")
        for note in notes:
            print(f"  {note['student']}: {note['assignment']}: {note['problem']}: {note['detail']}")
    review = tampering.submissions_to_review(REPO, names)
    if review:
        print("submissions for review (grades unchanged; grading/tampering.py): 'tampers' is code that changes what "
              "the grading relies on, 'metadata' a cell whose nbgrader flags were edited, 'unreadable' code whose "
              "target cannot be read, 'extra file' a file handed in that the course did not ask for:")
        for (student, notebook), found in review.items():
            print(f"  {student}: {notebook}: {'; '.join(found)}")
    if not args.no_report:
        from grading.report import write_report

        page = write_report(REPO, gradebook.gradebook_url(REPO), REPO / "report", workers=args.workers,
                            scheduler=args.scheduler, sandbox=not args.no_sandbox, assignments=names,
                            failures=[{"student": f.item.student, "assignment": f.item.assignment, "error": f.error}
                                      for f in failures], notes=notes)
        print(f"cohort report: {page}")
    if failures:
        print("some submissions could not be graded (they score 0):",
              *[f"{f.item.assignment} of {f.item.student}: {f.error}" for f in failures], sep="\n  ", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
