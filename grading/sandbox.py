"""Where a submission gets sandboxed: every kernel that runs student code during autograding.

nbgrader stays unchanged and trusted: it asks a Jupyter kernel manager for a kernel, and
:class:`SandboxedKernelManager` (chosen in ``nbgrader_config.py``) starts ``ipykernel``
under bubblewrap (``bwrap``, Debian package ``bubblewrap``) instead of as a plain child.
nbgrader talks to it over ZeroMQ's IPC transport: Unix sockets in a private folder that
is the only thing shared with the host, so the sandbox needs no network at all.

Inside the sandbox the student's code

* sees, read-only: the system (``/usr`` and a few files of ``/etc``), the Python
  environment (the virtualenv and the Python install it points to, even under the
  instructor's home), the course's ``utils/`` and ``data/``, the grading kernel's class
  (``grading/clean_kernel/``, :mod:`grading.kernel`), and its own student's
  files from ``submitted/<student>/`` (so notebook 05 finds notebook 04's agent);
* runs in a private, writable copy of its submission folder (a size-capped tmpfs at the
  folder's usual path, where ``videos/`` and ``my_agent/`` are written), with a private
  ``/tmp`` as its home (holding matplotlib's font list, :func:`kernel_home`); nothing it
  writes reaches the host's disk, and it all vanishes with the kernel;
* cannot see anything else: not ``solutions/``, the release, the gradebook, other
  students, ``autograded/``, ``feedback/`` or the instructor's home;
* has no network (loopback included), its own PID, IPC and UTS namespaces, and dies
  with the grader (``--die-with-parent``);
* runs under :class:`Limits`: address space, processes (a fork bomb stops there), file
  size and CPU time. When the grader is root, the kernel runs as a user of its own
  (:func:`fresh_uid`), because Linux does not apply the process limit to root, and
  counts it per user: a fork bomb then never starves a kernel graded beside it.

nbgrader's cell timeout still applies; a kernel killed by a limit is graded like any
dead kernel (``ExecuteUntilTheKernelDies`` in ``nbgrader_config.py``).
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .kernel import KERNEL_FOLDER, CleanKernelManager

__all__ = ["SANDBOX_UIDS", "Limits", "Sandbox", "SandboxUnavailable", "SandboxedKernelManager", "fresh_uid",
           "require_bwrap", "sandbox_user"]

#: When the grader is root, each sandbox runs as a user of this range that runs nothing else (no account needed).
SANDBOX_UIDS = range(200_000, 1_000_000)
PACKAGE = "bubblewrap"
GiB = 1 << 30
#: The kernel's home inside the sandbox: its private /tmp.
HOME = "/tmp"

#: System folders bound read-only (or re-created as the same symlinks, on merged-/usr systems).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: The few files of /etc that programs need: the dynamic loader's cache, the time zone, fonts.
ETC_PATHS = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives",
             "/etc/fonts", "/etc/mime.types")
#: Environment variables that reach the kernel (exact names, or prefixes ending in "_"); nothing else does.
PASSED_ENVIRONMENT = ("NBGRADER_", "DQN_COURSE_", "TF_", "KERAS_", "MPLBACKEND", "PYTHONHASHSEED", "OMP_",
                      "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "LANG", "LC_", "TZ", "CUDA_VISIBLE_DEVICES",
                      "JPY_SESSION_NAME")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing: autograding refuses to run student code without a sandbox."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def require_bwrap() -> str:
    """The path of ``bwrap``, or SandboxUnavailable with what to install."""
    path = bwrap_path()
    if path is None:
        raise SandboxUnavailable(
            f"bubblewrap (`bwrap`) is not installed, and autograding runs every student's code in its sandbox: "
            f"install the `{PACKAGE}` package (Debian/Ubuntu: `sudo apt-get install {PACKAGE}`; Fedora: "
            f"`sudo dnf install {PACKAGE}`), or, only for submissions you trust, grade with "
            f"`python scripts/grade.py --no-sandbox`.")
    return path


@dataclass(frozen=True)
class Limits:
    """What one sandboxed kernel may use. Measured while autograding the five notebooks: at most
    2.8 GiB of address space (notebook 04, TensorFlow) and 57 threads (notebook 05); each notebook
    takes well under a minute of CPU."""

    address_space: int = 8 * GiB  # RLIMIT_AS, per process: a 20 GB allocation fails with MemoryError
    processes: int = 256  # RLIMIT_NPROC: processes and threads of the sandbox user, beyond those it already has
    file_size: int = 1 * GiB  # RLIMIT_FSIZE: no file written grows past this (Python gets EFBIG)
    cpu_seconds: int = 1200  # RLIMIT_CPU, per process: SIGXCPU ends a kernel that computes for 20 minutes
    scratch_size: int = 2 * GiB  # the tmpfs holding the private copy of the submission folder
    tmp_size: int = 1 * GiB  # the private /tmp (and /dev/shm)

    def rlimits(self, processes_in_use: int = 0) -> dict[int, int]:
        return {
            resource.RLIMIT_AS: self.address_space,
            resource.RLIMIT_NPROC: processes_in_use + self.processes,
            resource.RLIMIT_FSIZE: self.file_size,
            resource.RLIMIT_CPU: self.cpu_seconds,
            resource.RLIMIT_CORE: 0,
        }


def tasks_of_user(uid: int) -> int:
    """How many processes and threads `uid` runs now (what RLIMIT_NPROC counts)."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                pass
    return count


def sandbox_environment(environ: dict[str, str], home: str = HOME) -> dict[str, str]:
    """The kernel's environment: the course's and nbgrader's switches, nothing of the instructor's
    (tokens, paths, JPY_PARENT_PID: the grader's PID means nothing in the sandbox's PID namespace)."""
    kept = {k: v for k, v in environ.items()
            if any(k == name or (name.endswith("_") and k.startswith(name)) for name in PASSED_ENVIRONMENT)}
    kept.update(HOME=home, TMPDIR="/tmp", USER="student", LOGNAME="student",
                PATH=os.pathsep.join([str(Path(sys.prefix) / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]))
    kept.setdefault("LANG", "C.UTF-8")
    return kept


def python_paths() -> list[Path]:
    """The Python environment: the virtualenv and the install it points to (real paths, and the
    symlinked paths too, so `sys.executable` resolves as it does outside)."""
    paths = []
    for prefix in dict.fromkeys([sys.prefix, sys.base_prefix, sys.exec_prefix]):
        paths.append(Path(prefix))
    executable = Path(sys.executable)
    paths.append(Path(os.path.realpath(executable)).parent.parent)
    return paths


def fresh_uid() -> int:
    """A uid of SANDBOX_UIDS that runs no process now: each sandbox's process limit is its own."""
    for _ in range(100):
        uid = SANDBOX_UIDS.start + secrets.randbelow(len(SANDBOX_UIDS))
        if tasks_of_user(uid) == 0:
            return uid
    raise SandboxUnavailable(f"no free user id in {SANDBOX_UIDS} for a sandbox")


def sandbox_user() -> int | None:
    """Whom a new sandbox runs as: a :func:`fresh_uid` when the grader is root, else None (the grader's uid,
    in a user namespace of bwrap's)."""
    return fresh_uid() if os.geteuid() == 0 else None


@lru_cache(maxsize=4)
def course_paths(python: str = sys.executable) -> tuple[Path, ...]:
    """utils/ and data/ where a kernel of this environment imports them from (a kernel does not run
    in the course root, so ask a Python started elsewhere, as the kernel is)."""
    probe = ("import importlib.util, json, os, pathlib\n"
             "spec = importlib.util.find_spec('utils')\n"
             "folder = pathlib.Path(spec.submodule_search_locations[0]) if spec else None\n"
             "data = os.environ.get('DQN_COURSE_DATA') or (folder and str(folder.parent / 'data'))\n"
             "print(json.dumps([str(folder) if folder else None, data]))")
    result = subprocess.run([python, "-c", probe], cwd="/", capture_output=True, text=True,
                            env=sandbox_environment(dict(os.environ)))
    if result.returncode != 0:
        return ()
    return tuple(Path(p) for p in json.loads(result.stdout) if p and Path(p).exists())


@lru_cache(maxsize=1)
def kernel_home() -> Path | None:
    """Files every kernel finds in its home when it starts: matplotlib's font list, built once per grading
    process by the course's Python (no student code), so that each kernel does not scan every font again
    when it imports matplotlib (a quarter of a second per notebook). The sandbox sees the same fonts at the
    same paths. None if it cannot be built: each kernel then builds its own, as before."""
    folder = Path(tempfile.mkdtemp(prefix="dqn-home-"))
    atexit.register(shutil.rmtree, folder, True)
    result = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], cwd="/", capture_output=True,
                            env=sandbox_environment(dict(os.environ), home=str(folder)))
    return folder if result.returncode == 0 else None


def _covered(path: Path, by: list[Path]) -> bool:
    return any(path == other or other in path.parents for other in by)


def _copies(folder: Path, entries: list[tuple[str, int | None]]) -> list[str]:
    """bwrap's arguments that copy `entries` (relative path, fd of a file or None for a folder, parents
    first) into `folder` of a tmpfs: folders and files the sandbox's user may write."""
    args = []
    for relative, fd in entries:
        target = str(folder / relative)
        args += ["--perms", "0777", "--dir", target] if fd is None else ["--perms", "0666", "--file", str(fd), target]
    return args


@dataclass
class Sandbox:
    """One kernel's sandbox; :meth:`command` is the bwrap command line around the kernel's own.

    `workdir` is the submission folder the kernel runs in: the sandbox holds a private,
    writable copy of it at the same path. `runtime` (host folder, bound read-write at the same
    path) holds the connection file and the IPC sockets. `own_files`, when set, is a pair
    (host folder, path inside): the student's other files, read-only.
    """

    workdir: Path
    runtime: Path
    read_only: list[Path] = field(default_factory=list)
    own_files: tuple[Path, Path] | None = None
    limits: Limits = field(default_factory=Limits)
    drop_to: int | None = None  # the uid to switch to inside (the grader is root); None: keep the grader's
    bwrap: str = "bwrap"

    def filesystem(self, workdir_files: list[tuple[str, int | None]], etc_fds: dict[str, int],
                   home_files: list[tuple[str, int | None]] = ()) -> list[str]:
        """bwrap's arguments that build the file tree from an empty tmpfs. `workdir_files` lists the
        submission folder's entries (relative path, open fd of a file or None for a folder), copied
        into its private copy; `home_files` likewise, copied into the kernel's home (HOME, in /tmp);
        `etc_fds` maps /etc/passwd and /etc/group to fds of their contents."""
        args = []  # bwrap starts from an empty tmpfs as /
        made = {Path("/")}

        def parents(path: Path):  # bwrap would make missing parents 0700, which the sandbox user cannot enter
            for parent in reversed(path.parents):
                if parent not in made:
                    made.add(parent)
                    args.extend(["--perms", "0755", "--dir", str(parent)])

        def bind(option: str, source: Path, destination: Path):
            parents(destination)
            made.add(destination)
            args.extend([option, str(source), str(destination)])

        args += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(self.limits.tmp_size), "--tmpfs", "/tmp",
                 "--perms", "1777", "--size", str(self.limits.tmp_size), "--tmpfs", "/dev/shm"]
        made.update([Path("/proc"), Path("/dev"), Path("/dev/shm"), Path("/tmp")])
        args += _copies(Path(HOME), home_files)
        for name in SYSTEM_DIRS:
            path = Path(name)
            if path.is_symlink():
                args.extend(["--symlink", os.readlink(path), name])
                made.add(path)
            elif path.is_dir():
                bind("--ro-bind", path, path)
        for name in ETC_PATHS:
            if os.path.lexists(name):
                bind("--ro-bind", Path(name), Path(name))
        for name, fd in sorted(etc_fds.items()):
            parents(Path(name))
            args.extend(["--ro-bind-data", str(fd), name])
        bound = [Path(p) for p in SYSTEM_DIRS]
        for path in self.read_only:
            real = Path(os.path.realpath(path))
            if not real.exists() or _covered(path, bound):
                continue
            bind("--ro-bind", real, path)
            bound.append(path)
        if self.own_files is not None:
            bind("--ro-bind", *self.own_files)
        parents(self.workdir)
        args += ["--perms", "0777", "--size", str(self.limits.scratch_size), "--tmpfs", str(self.workdir)]
        args += _copies(self.workdir, workdir_files)
        bind("--bind", self.runtime, self.runtime)
        return args

    @property
    def uid(self) -> int:
        return self.drop_to if self.drop_to is not None else os.getuid()

    @property
    def gid(self) -> int:
        return self.drop_to if self.drop_to is not None else os.getgid()

    def limit_setter(self):
        """The function to run in the child before bwrap (``preexec_fn``): it sets :class:`Limits`, which
        everything in the sandbox inherits. The process limit counts what the sandbox's user runs now."""
        rlimits = self.limits.rlimits(tasks_of_user(self.uid))

        def apply_limits():
            for which, value in rlimits.items():
                resource.setrlimit(which, (value, value))

        return apply_limits

    def command(self, kernel: list[str], workdir_files=(), etc_fds=None, home_files=()) -> list[str]:
        """The full command line: bwrap, its namespaces and file tree, then the kernel's command."""
        if self.drop_to is None:  # an unprivileged grader: bwrap makes a user namespace; the uid stays
            namespaces = ["--unshare-all", "--unshare-user", "--disable-userns"]
            inner = list(kernel)
        else:  # root: no user namespace (it would map to root), switch to a user of its own (fresh_uid) inside instead
            namespaces = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                          "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
            inner = ["setpriv", f"--reuid={self.drop_to}", f"--regid={self.drop_to}", "--clear-groups",
                     "--inh-caps=-all", "--", *kernel]
        return [self.bwrap, *namespaces, "--die-with-parent", "--hostname", "sandbox",
                *self.filesystem(list(workdir_files), etc_fds or {}, list(home_files)),
                "--chdir", str(self.workdir), "--", *inner]


def submission_entries(folder: Path) -> list[tuple[str, bool]]:
    """The folders and regular files under `folder` (relative paths, parents first; is it a folder?).
    Symbolic links and special files are left out."""
    entries = []
    for root, dirs, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        dirs[:] = sorted(d for d in dirs if not (Path(root) / d).is_symlink())
        entries += [(str(base / d), True) for d in dirs]
        entries += [(str(base / f), False) for f in sorted(files)
                    if (Path(root) / f).is_file() and not (Path(root) / f).is_symlink()]
    return sorted(entries, key=lambda e: (e[0].count(os.sep), e[0]))


def _opened_entries(folder: Path, fds: list[int]) -> list[tuple[str, int | None]]:
    """:func:`submission_entries` of `folder`, each file opened read-only (its fd is added to `fds`, which the
    caller closes); a folder's fd is None."""
    entries = []
    for relative, is_dir in submission_entries(folder):
        if not is_dir:
            fds.append(os.open(folder / relative, os.O_RDONLY | os.O_NOFOLLOW))
        entries.append((relative, None if is_dir else fds[-1]))
    return entries


def _data_fd(text: str) -> int:
    """A readable fd holding `text` (small: it fits in the pipe's buffer)."""
    read, write = os.pipe()
    os.write(write, text.encode())
    os.close(write)
    return read


def _identity_files(uid: int, gid: int) -> dict[str, str]:
    passwd = "root:x:0:0:root:/root:/usr/sbin/nologin\n"
    group = "root:x:0:\n"
    name = "student"
    if uid != 0:
        passwd += f"{name}:x:{uid}:{gid}:{name}:/tmp:/usr/sbin/nologin\n"
        group += f"{name}:x:{gid}:\n"
    return {"/etc/passwd": passwd, "/etc/group": group}


class SandboxedKernelManager(CleanKernelManager):
    """nbclient's kernel manager, except that the kernel starts inside a :class:`Sandbox`.

    The kernel's working folder (nbgrader passes ``autograded/<student>/<assignment>``) becomes
    a private copy; ``submitted/<student>`` of the same course is visible read-only.
    """

    limits = Limits()

    async def _async_pre_start_kernel(self, **kw):
        self._bwrap = require_bwrap()
        if os.geteuid() == 0 and shutil.which("setpriv") is None:
            raise SandboxUnavailable("`setpriv` (package util-linux) is missing: the sandbox needs it to run the "
                                     "kernel as a user of its own when grading as root")
        self._outer = Path(tempfile.mkdtemp(prefix="dqn-sbx-"))  # 0700: only root reaches what is inside
        # Removed at shutdown, and also when nbclient drops a kernel that died without a shutdown.
        self._remove_outer = weakref.finalize(self, shutil.rmtree, self._outer, True)
        self._runtime = self._outer / "k"
        self._runtime.mkdir(mode=0o700)
        self.transport = "ipc"
        self.connection_file = str(self._runtime / "kernel.json")
        self.ip = str(self._runtime / "kernel")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        self.kernel_spec.interrupt_mode = "message"  # ipykernel interrupts itself: no signal crosses the sandbox
        self._uid = sandbox_user()
        if self._uid is not None:
            os.chown(self._runtime, self._uid, self._uid)
            os.chown(self.connection_file, self._uid, self._uid)
        return kernel_cmd, kw

    def sandbox_for(self, workdir: Path) -> Sandbox:
        workdir = Path(os.path.abspath(workdir))
        own = None
        student, course = workdir.parent, workdir.parent.parent.parent
        submitted_name = self.config.get("CourseDirectory", {}).get("submitted_directory", "submitted")
        if workdir.parent.parent.name == self.config.get("CourseDirectory", {}).get("autograded_directory",
                                                                                     "autograded"):
            mine = course / submitted_name / student.name
            if mine.is_dir():
                own = (mine, student)
        return Sandbox(workdir=workdir, runtime=self._runtime,
                       read_only=[*python_paths(), *course_paths(), KERNEL_FOLDER], own_files=own,
                       limits=self.limits, bwrap=self._bwrap, drop_to=self._uid)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        sandbox = self.sandbox_for(Path(kw.get("cwd") or os.getcwd()))
        fds = []
        try:
            files = _opened_entries(sandbox.workdir, fds)
            home = kernel_home()
            home_files = _opened_entries(home, fds) if home is not None else []
            etc = {}
            for name, text in _identity_files(sandbox.uid, sandbox.gid).items():
                fds.append(_data_fd(text))
                etc[name] = fds[-1]
            # independent: no JPY_PARENT_PID (the grader's PID means nothing in the sandbox's PID namespace);
            # the sandbox dies with the grader through bwrap's --die-with-parent instead.
            # The kernel's own stdout and stderr (not the notebook's outputs, which travel over ZeroMQ) go
            # nowhere: student code must not write into the grader's log, or fill its memory.
            kw.update(env=sandbox_environment(kw.get("env") or dict(os.environ)), cwd="/", pass_fds=tuple(fds),
                      preexec_fn=sandbox.limit_setter(), independent=True, stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL)
            command = sandbox.command(kernel_cmd, files, etc, home_files)
            self.log.debug("sandboxed kernel: %s", command)
            await super()._async_launch_kernel(command, **kw)
        finally:
            for fd in fds:
                os.close(fd)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if getattr(self, "_remove_outer", None) is not None and not restart:
            self._remove_outer()
