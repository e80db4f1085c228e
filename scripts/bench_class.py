"""Benchmark: how big a machine a class on JupyterHub needs while its students train in notebook 04.

    python scripts/bench_class.py [--students N] [--fast] [--json PATH]

No hub is needed: each "student" is a real Jupyter kernel (ipykernel, started with
jupyter_client's AsyncKernelManager, as a JupyterHub single-user server starts one),
alone in its own temporary folder, which runs the finished notebook 04 (the release
filled in with the solution's code) top to bottom with nbclient. All the students
start at once. Every --interval seconds (0.5) the resident memory (RSS, and PSS, which
shares the common libraries out fairly) and the CPU time of each kernel's process tree
(the kernel and its children) are sampled; the CPU time is also read exactly when the
training cell starts and ends.

Without --fast a student trains the notebook's default config until solved; --fast sets
DQN_COURSE_FAST=1 in the kernels' environment and notebook 04 trains 500 steps only.

It prints one row per student (peak RSS, CPU seconds, wall seconds and mean cores used,
for the whole notebook and for the training cell), how busy the rest of the machine was
meanwhile, and a sizing computed from the measurements: students per core (from the cores
a student used while training, with all the students running at once), students per GiB
(from the highest peak RSS, sampled or the kernel's own high-water mark, plus --headroom),
and the cores and RAM a class of 30, 200 and 1,000 needs if everyone trains at once and if
--share of them do (the others' kernels, idle, still hold the memory measured at the end of
the notebook). Wall seconds depend on what else runs on the machine; memory and CPU seconds
are the figures to size with.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from solution_code import finished_notebook  # noqa: E402

ASSIGNMENT = "04_training"
TRAINING_CALL = "history = train_agent(make_env(), config)"  # the source of the notebook's training cell
FAST_ENV_VAR = "DQN_COURSE_FAST"
CLASS_SIZES = (30, 200, 1000)
MIB = 1024 * 1024


def pss_bytes(pid: int) -> int:
    """The proportional set size of a process (shared pages divided among their users), 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def status_bytes(pid: int, key: str) -> int:
    """A memory line of /proc/<pid>/status (VmRSS, VmHWM), in bytes; 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(f"{key}:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class Sample:
    seconds: float  # since the student's kernel was started
    rss: int
    pss: int
    cpu: float  # user + system CPU seconds of the whole tree


class KernelTree:
    """A kernel process and its children: memory and CPU time, summed."""

    def __init__(self, pid: int, started: float):
        self.root = psutil.Process(pid)
        self.started = started
        self.samples: list[Sample] = []
        self.periodic = 0  # samples the Sampler took, as against the marks and the end
        self.marks: dict[str, Sample] = {}
        self.lock = threading.Lock()
        self.running = True

    def measure(self) -> Sample:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            processes = []
        rss = pss = 0
        cpu = 0.0
        for process in processes:
            try:
                with process.oneshot():
                    rss += process.memory_info().rss
                    times = process.cpu_times()
                cpu += times.user + times.system
                if process is self.root:  # children that have ended and been waited for
                    cpu += times.children_user + times.children_system
                pss += pss_bytes(process.pid)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return Sample(time.perf_counter() - self.started, rss, pss, cpu)

    def sample(self, periodic: bool = False) -> Sample:
        sample = self.measure()
        with self.lock:
            self.samples.append(sample)
            self.periodic += periodic
        return sample

    def mark(self, name: str) -> None:
        self.marks[name] = self.sample()


class Sampler(threading.Thread):
    """Samples every registered kernel tree every `interval` seconds, until stopped."""

    def __init__(self, interval: float):
        super().__init__(daemon=True, name="bench-class-sampler")
        self.interval = interval
        self.trees: list[KernelTree] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            for tree in list(self.trees):
                if tree.running:
                    tree.sample(periodic=True)


def training_cell_index(notebook) -> int:
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and TRAINING_CALL in cell.source:
            return index
    raise SystemExit(f"notebook {ASSIGNMENT} has no cell that runs `{TRAINING_CALL}`: the benchmark cannot "
                     "tell when training starts")


def kernel_environment(fast: bool) -> dict[str, str]:
    """The environment of a student's kernel: this one's, as a single-user server passes it on, with the fast
    switch set only for --fast, and neither the grader's switch nor a test's matplotlib backend."""
    env = {key: value for key, value in os.environ.items()
           if key not in (FAST_ENV_VAR, "NBGRADER_EXECUTION", "MPLBACKEND")}
    if fast:
        env[FAST_ENV_VAR] = "1"
    return env


def cell_text(cell) -> str:
    outputs = cell.get("outputs", [])
    return "".join(output.get("text", "") for output in outputs if output.get("output_type") == "stream")


async def run_student(number: int, folder: Path, fast: bool, timeout: float, sampler: Sampler) -> dict:
    """Start one student's kernel in `folder`, run notebook 04 in it top to bottom, and return its figures."""
    folder.mkdir(parents=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    path.write_text(json.dumps(finished_notebook(ASSIGNMENT), indent=1))
    notebook = nbformat.read(path, 4)
    training = training_cell_index(notebook)

    manager = AsyncKernelManager(kernel_name="python3")
    started = time.perf_counter()
    await manager.start_kernel(cwd=str(folder), env=kernel_environment(fast), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, extra_arguments=["--HistoryManager.hist_file=:memory:"])
    tree = KernelTree(manager.provisioner.pid, started)
    sampler.trees.append(tree)

    def on_cell_execute(cell, cell_index):
        if cell_index == training:
            tree.mark("training_start")

    def on_cell_executed(cell, cell_index, execute_reply):
        if cell_index == training:
            tree.mark("training_end")

    client = NotebookClient(notebook, km=manager, timeout=timeout, resources={"metadata": {"path": str(folder)}},
                            on_cell_execute=on_cell_execute, on_cell_executed=on_cell_executed)
    try:
        await client.async_execute()
        end = tree.sample()
        hwm = status_bytes(tree.root.pid, "VmHWM")
    finally:
        tree.running = False
        if client.kc is not None:
            client.kc.stop_channels()
        await manager.shutdown_kernel(now=False)
    with tree.lock:
        samples, periodic = list(tree.samples), tree.periodic
    start, stop = tree.marks["training_start"], tree.marks["training_end"]
    training_wall = stop.seconds - start.seconds
    return {
        "student": number,
        "peak_rss_mib": max(s.rss for s in samples) / MIB,
        "peak_pss_mib": max(s.pss for s in samples) / MIB,
        "kernel_hwm_mib": hwm / MIB,  # the kernel process's own high-water mark, a check on the sampled peak
        "end_rss_mib": end.rss / MIB,  # what the kernel still holds when the notebook is done (an idle student)
        "cpu_s": end.cpu,
        "wall_s": end.seconds,
        "cores": end.cpu / end.seconds,
        "training_cpu_s": stop.cpu - start.cpu,
        "training_wall_s": training_wall,
        "training_cores": (stop.cpu - start.cpu) / training_wall,
        "training_started_s": start.seconds,
        "training_output": cell_text(notebook.cells[training]).strip(),
        "samples": len(samples),
        "periodic_samples": periodic,
    }


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0) - getattr(times, "guest", 0.0) \
        - getattr(times, "guest_nice", 0.0)  # guest time is already counted in user


async def run_class(students: int, fast: bool, timeout: float, interval: float) -> tuple[list[dict], dict]:
    sampler = Sampler(interval)
    me = psutil.Process()
    busy, mine = busy_cpu_seconds(), sum(me.cpu_times()[:2])
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    sampler.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-class-") as root:
            results = await asyncio.gather(*(
                run_student(n, Path(root) / f"student-{n:02d}", fast, timeout, sampler)
                for n in range(1, students + 1)))
    finally:
        sampler.stopped.set()
        sampler.join()
    wall = time.perf_counter() - started
    busy, mine = busy_cpu_seconds() - busy, sum(me.cpu_times()[:2]) - mine
    ours = sum(r["cpu_s"] for r in results)
    machine = {
        "cores": psutil.cpu_count(),
        "ram_gib": psutil.virtual_memory().total / 1024**3,
        "wall_s": wall,
        "busy_cores": busy / wall,
        "students_cores": ours / wall,
        "benchmark_cores": mine / wall,  # this process: the notebook clients and the sampler
        "other_cores": max(0.0, busy - ours - mine) / wall,  # everything else on the machine
        "load_before": load_before,
    }
    return list(results), machine


def sizing(results: list[dict], machine: dict, headroom: float, share: float, class_sizes=CLASS_SIZES) -> dict:
    """Cores and RAM for whole classes, from the measured figures."""
    cores_each = sum(r["training_cores"] for r in results) / len(results)
    # the sampled peak of the tree, or the kernel's own high-water mark when a sample missed a spike
    gib_each = max(max(r["peak_rss_mib"], r["kernel_hwm_mib"]) for r in results) * (1 + headroom) / 1024
    idle_gib_each = max(r["end_rss_mib"] for r in results) * (1 + headroom) / 1024
    # every core was busy (students and other processes together): a student may have got less CPU than it
    # would take on an idle machine
    saturated = machine["students_cores"] + machine["other_cores"] >= 0.85 * machine["cores"]
    rows = []
    for size in class_sizes:
        for label, training in (("everyone", size), (f"{share:.0%}", math.ceil(size * share))):
            rows.append({
                "class_size": size, "training": training, "who": label,
                "cores": math.ceil(training * cores_each - 1e-9),
                "ram_gib": math.ceil(training * gib_each + (size - training) * idle_gib_each - 1e-9),
            })
    notebook_cpu = sum(r["cpu_s"] for r in results) / len(results)
    return {
        "headroom": headroom, "share": share,
        "notebook_cpu_s": notebook_cpu, "notebooks_per_core_hour": 3600 / notebook_cpu,
        "cores_per_student": cores_each, "students_per_core": 1 / cores_each,
        "gib_per_student": gib_each, "students_per_gib": 1 / gib_each,
        "idle_gib_per_student": idle_gib_each, "cpu_saturated": saturated, "rows": rows,
    }


def report(results: list[dict], machine: dict, sized: dict, students: int, fast: bool) -> None:
    mode = "fast (DQN_COURSE_FAST=1: 500 training steps)" if fast else "full (the default config, until solved)"
    print(f"notebook {ASSIGNMENT}: {students} student kernel(s) at once, {mode}; this machine has "
          f"{machine['cores']} cores and {machine['ram_gib']:.1f} GiB")
    print(f"  {'':8} {'peak RSS':>9} {'peak PSS':>9} {'end RSS':>8} {'CPU s':>7} {'wall s':>7} {'cores':>6}"
          f" | {'training: CPU s':>15} {'wall s':>7} {'cores':>6}")
    for r in results:
        print(f"  student {r['student']:<2d}{r['peak_rss_mib']:5.0f} MiB{r['peak_pss_mib']:5.0f} MiB"
              f"{r['end_rss_mib']:5.0f} MiB {r['cpu_s']:7.1f} {r['wall_s']:7.1f} {r['cores']:6.2f}"
              f" | {r['training_cpu_s']:15.1f} {r['training_wall_s']:7.1f} {r['training_cores']:6.2f}")
    if len(results) > 1:
        keys = ("peak_rss_mib", "peak_pss_mib", "end_rss_mib", "cpu_s", "wall_s", "cores",
                "training_cpu_s", "training_wall_s", "training_cores")
        m = {key: sum(r[key] for r in results) / len(results) for key in keys}
        print(f"  {'mean':10}{m['peak_rss_mib']:5.0f} MiB{m['peak_pss_mib']:5.0f} MiB{m['end_rss_mib']:5.0f} MiB"
              f" {m['cpu_s']:7.1f} {m['wall_s']:7.1f} {m['cores']:6.2f}"
              f" | {m['training_cpu_s']:15.1f} {m['training_wall_s']:7.1f} {m['training_cores']:6.2f}")
    for r in results:
        print(f"  student {r['student']}: {r['training_output'].splitlines()[-1] if r['training_output'] else '?'}"
              f" (kernel's own RSS high-water mark {r['kernel_hwm_mib']:.0f} MiB, {r['samples']} samples)")
    print(f"  the run took {machine['wall_s']:.1f} s of wall time; meanwhile the machine was busy on "
          f"{machine['busy_cores']:.2f} cores: students {machine['students_cores']:.2f}, this script "
          f"{machine['benchmark_cores']:.2f}, other processes {machine['other_cores']:.2f} "
          f"(load average {machine['load_before']:.2f} before it started)")
    print("  wall seconds depend on what else runs on the machine; size with memory and CPU seconds")

    print(f"sizing, from this run (memory: the highest peak RSS, sampled or the kernel's high-water mark,"
          f" + {sized['headroom']:.0%} headroom):")
    print(f"  a student training uses {sized['cores_per_student']:.2f} cores (mean while training, {students} at once)"
          f" -> {sized['students_per_core']:.2f} students per core")
    print(f"  a student needs {sized['gib_per_student']:.2f} GiB -> {sized['students_per_gib']:.2f} students per GiB;"
          f" a kernel done training still holds {sized['idle_gib_per_student']:.2f} GiB")
    print(f"  a student's whole notebook costs {sized['notebook_cpu_s']:.1f} CPU s, however many run at once"
          f" -> a core runs {sized['notebooks_per_core_hour']:.0f} of them an hour, one after another")
    if sized["cpu_saturated"]:
        print(f"  CPU-saturated: every core was busy ({machine['students_cores']:.2f} cores students,"
              f" {machine['other_cores']:.2f} other processes), so a student may have got less CPU than it would"
              " take on an idle machine: students per core is an upper bound")
    if fast:
        print("  fast mode: training is 500 steps, mostly start-up and compilation; the full run's cores per"
              " student are the ones to size with")
    print(f"  {'class':>6} {'training at once':>17} {'cores':>6} {'RAM (GiB)':>10}")
    for row in sized["rows"]:
        print(f"  {row['class_size']:6,d} {row['who'] + ' (' + format(row['training'], ',d') + ')':>17}"
              f" {row['cores']:6,d} {row['ram_gib']:10,d}")
    print("  (the kernels only: add the single-user server's own memory, and what the hub and the OS need; idle "
          "students' kernels count for memory, not cores)")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1, help="kernels running notebook 04 at once (default 1)")
    parser.add_argument("--fast", action="store_true", help=f"set {FAST_ENV_VAR}=1: train 500 steps only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--headroom", type=float, default=0.25, help="added to the peak memory (default 0.25)")
    parser.add_argument("--share", type=float, default=0.25,
                        help="the share of a class training at once, in the second sizing row (default 0.25)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between samples (default 0.5)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds a cell may take (default 3600)")
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error("--students must be at least 1")

    results, machine = asyncio.run(run_class(args.students, args.fast, args.timeout, args.interval))
    sized = sizing(results, machine, args.headroom, args.share)
    report(results, machine, sized, args.students, args.fast)
    figures = {"assignment": ASSIGNMENT, "students": args.students, "fast": args.fast,
               "machine": machine, "per_student": results, "sizing": sized}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
        print(f"figures written to {args.json}")
    return figures


if __name__ == "__main__":
    main()
