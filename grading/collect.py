"""Submissions from an LMS's zip downloads into submitted/, loudly.

``scripts/grade.py --zip --lms NAME`` runs nbgrader's ``zip_collect`` on every
``downloaded/<assignment>/archive/`` with the file-name pattern of that LMS's "download
all submissions" zip (:data:`LMS_PATTERNS`). nbgrader matches the pattern against each
extracted file's whole path and skips a file it does not match with a log line; here a
skipped notebook stops the run (:class:`CollectFailed`): a student whose work was never
collected would otherwise score 0 in silence.

Before collecting, the submitted folders of that assignment are copied aside
(``backups/<time>/submitted/``): ``zip_collect`` replaces a student's folder with what the
download holds, and nothing handed in earlier may be lost.

Two downloads in the same archive/ that both hold a notebook of one student (an old
"download all" zip beside a new one) stop the run before anything is collected, naming the
student, the notebook and the downloads: nbgrader cannot tell which is newer
(:func:`duplicates`).

An LMS often renames a file (``02_epsilon_greedy (1).ipynb``, ``02_epsilon_greedy-2.ipynb``).
:func:`notebook_names` finds, for a submitted folder whose single notebook has another name,
the release name to grade it under, and says so.
"""

from __future__ import annotations

import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LMS_PATTERNS", "CollectFailed", "Collected", "collect_zips", "backup_submissions", "notebook_names",
           "duplicates"]

#: nbgrader's ``FileNameCollectorPlugin.named_regexp`` for each LMS's download, matched against the whole path
#: of each file extracted from it. student_id and file_id are what nbgrader needs.
LMS_PATTERNS = {
    # Canvas, "Download Submissions": <lastfirst>[_LATE]_<user id>_<submission id>_<file name>, all in one folder.
    "canvas": r"(?i).*/(?P<student_id>[a-z][a-z0-9-]*)(?:_late)?_\d+_\d+_(?P<file_id>[^/]+)$",
    # Moodle, "Download all submissions": a folder <Full Name>_<participant id>_assignsubmission_file_/<file name>.
    "moodle": r".*/[^/]*_(?P<student_id>\d+)_assignsubmission_file_?/"
              r"(?P<file_id>[^/]+)$",
    # Blackboard, "Download Assignment": <assignment>_<user name>_attempt_<yyyy-mm-dd-hh-mm-ss>_<file name>.
    "blackboard": r".*/[^/]*?_(?P<student_id>[^_/]+)_attempt_\d{4}(?:-\d{2}){5}_(?P<file_id>[^/]+)$",
    # A plain zip of folders: <student id>/<file name>.
    "plain": r".*/(?P<student_id>[^/]+)/(?P<file_id>[^/]+)$",
}

#: Names an LMS gives a file it renamed: "name (1).ipynb", "name-2.ipynb", "name_1.ipynb".
_RENAMED = re.compile(r"^(?P<stem>.+?)(?: ?\(\d+\)|[-_]\d+)$")


class CollectFailed(RuntimeError):
    """A download was not (fully) collected: the message says which files and what to do."""


@dataclass
class Collected:
    assignment: str
    notebooks: int = 0  # notebooks collected into submitted/
    skipped: list[str] = field(default_factory=list)  # notebook files the pattern did not match


def backup_submissions(root: Path, assignment: str) -> Path | None:
    """Copy submitted/<student>/<assignment>/ of every student to backups/<time>/submitted/; the copy's folder."""
    folders = sorted((root / "submitted").glob(f"*/{assignment}")) if (root / "submitted").is_dir() else []
    if not folders:
        return None
    backup = root / "backups" / time.strftime("%Y%m%d-%H%M%S") / "submitted"
    for folder in folders:
        shutil.copytree(folder, backup / folder.parent.name / assignment, dirs_exist_ok=True)
    return backup.parent


def _offered_notebooks(archive: Path) -> list[tuple[str, str]]:
    """(download, path as nbgrader matches it) of every notebook in archive/: inside each zip, and loose files.

    nbgrader extracts a zip ``NAME.zip`` into ``extracted/NAME/``, and matches the pattern against that path.
    """
    offered = []
    for path in sorted(p for p in archive.rglob("*") if p.is_file()):
        download = path.relative_to(archive).as_posix()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zipped:
                offered += [(download, f"/extracted/{path.stem}/{member}") for member in zipped.namelist()
                            if member.endswith(".ipynb")]
        elif path.name.endswith(".ipynb"):
            offered.append((download, f"/extracted/{download}"))
    return offered


def duplicates(archive: Path, pattern: str) -> dict[tuple[str, str], list[str]]:
    """{(student, notebook): the downloads holding it} for every notebook that more than one download holds."""
    regexp = re.compile(pattern)
    holders: dict[tuple[str, str], set[str]] = {}
    for download, path in _offered_notebooks(archive):
        match = regexp.match(path)
        if match:
            holders.setdefault((match.group("student_id"), match.group("file_id")), set()).add(download)
    return {key: sorted(where) for key, where in holders.items() if len(where) > 1}


def configured_pattern(root: Path) -> str | None:
    """c.FileNameCollectorPlugin.named_regexp of the course's nbgrader_config.py, where an instructor set their own."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return config.FileNameCollectorPlugin.get("named_regexp")


def collect_zips(root: Path, assignment: str, lms: str | None) -> Collected:
    """nbgrader's zip_collect for one assignment, with the LMS's pattern; a skipped notebook raises CollectFailed."""
    from nbgrader.apps.zipcollectapp import ZipCollectApp

    from .apps import AppFailed, run_app

    archive = root / "downloaded" / assignment / "archive"
    offered = sorted(p for p in archive.rglob("*") if p.is_file()) if archive.is_dir() else []
    if not offered:
        raise CollectFailed(f"downloaded/{assignment}/archive/ holds no file: put the LMS's zip there")
    argv = [assignment, "--force", f"--CourseDirectory.root={root}", "--log-level=INFO"]
    if lms is not None:
        if lms not in LMS_PATTERNS:
            raise CollectFailed(f"unknown LMS {lms!r}: choose one of {', '.join(sorted(LMS_PATTERNS))}")
        argv.append(f"--FileNameCollectorPlugin.named_regexp={LMS_PATTERNS[lms]}")
    pattern = LMS_PATTERNS[lms] if lms is not None else configured_pattern(root)
    if pattern:
        twice = duplicates(archive, pattern)
        if twice:
            (student, notebook), where = next(iter(twice.items()))
            more = f" (and {len(twice) - 1} more notebook(s) like it)" if len(twice) > 1 else ""
            raise CollectFailed(
                f"{student}'s {notebook} is in {len(where)} downloads of downloaded/{assignment}/archive/: "
                f"{', '.join(repr(w) for w in where)}{more}, and nbgrader cannot tell which is newer. Keep only "
                f"the newest download there: move the older ones out (what they brought in before is in "
                f"submitted/ and backups/), then run the same command again. Nothing was collected or graded.")
    try:
        log = run_app(ZipCollectApp, argv, cwd=root)
    except AppFailed as error:
        raise CollectFailed(f"nbgrader zip_collect {assignment} failed: {error}") from None
    result = Collected(assignment)
    for line in log.splitlines():
        skipped = re.search(r"Skipped (?:submission with no match information provided|notebook with invalid name)"
                            r"[^:]*: (.+)$", line)
        if skipped and skipped.group(1).strip().endswith(".ipynb"):
            result.skipped.append(skipped.group(1).strip())
        if "Copying from:" in line and line.rstrip().endswith(".ipynb"):
            result.notebooks += 1
    how = (f"--lms {lms}" if lms else "no --lms (and no c.FileNameCollectorPlugin.named_regexp?)")
    if result.skipped:
        names = ", ".join(Path(s).name for s in result.skipped[:5]) + (" ..." if len(result.skipped) > 5 else "")
        raise CollectFailed(
            f"{len(result.skipped)} notebook(s) of downloaded/{assignment}/archive/ were not collected with {how}: "
            f"{names}. Choose the layout of your LMS's download with --lms {{{','.join(LMS_PATTERNS)}}}, "
            "or set c.FileNameCollectorPlugin.named_regexp in nbgrader_config.py")
    if result.notebooks == 0:
        raise CollectFailed(f"no notebook was collected from downloaded/{assignment}/archive/ ({len(offered)} "
                            f"file(s) there) with {how}")
    return result


def notebook_names(folder: Path, release_names: list[str]) -> tuple[dict[str, str], str | None]:
    """How a submitted folder's notebooks map to the release's names: ``{file: graded as}`` and a warning.

    A notebook with a release name keeps it. A folder whose release notebook is missing but that holds
    exactly one other notebook (an LMS renamed it) grades that one under the release name, with a
    warning. Anything else is left as it is (a missing notebook scores 0).
    """
    present = sorted(p.name for p in folder.glob("*.ipynb"))
    mapping = {name: name for name in present}
    missing = [name for name in release_names if name not in present]
    others = [name for name in present if name not in release_names]
    if len(release_names) == 1 and missing and len(others) == 1:
        mapping[others[0]] = missing[0]
        stem = Path(others[0]).stem
        how = "an LMS renamed it" if _RENAMED.match(stem) and _RENAMED.match(stem).group("stem") == \
            Path(missing[0]).stem else "it is the folder's only notebook"
        return mapping, f"graded {others[0]!r} as {missing[0]!r} ({how})"
    return mapping, None
