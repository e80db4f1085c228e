"""Write the cohort report: what the class got wrong, submissions to look at, and the agents' leaderboard.

    python scripts/report.py                     # report/index.html and CSV files, from the gradebook
    python scripts/report.py 03_targets          # some assignments only
    python scripts/report.py --no-leaderboard    # skip playing the handed-in agents
    python scripts/report.py --workers 2         # two agents at a time (or --scheduler tcp://HOST:8786)
    python scripts/report.py --episodes 20       # a quick leaderboard (default: 100 episodes per agent)

Run after scripts/grade.py (which also writes the report at its end). The work is done by
grading/report.py (the page) and grading/leaderboard.py (the agents, each in the sandbox).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release import assignment_parser, chosen_assignments  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from grading import gradebook, sandbox  # noqa: E402
from grading.report import write_report  # noqa: E402


def main(argv=None) -> int:
    parser = assignment_parser(__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "report", help="where to write (default: report/)")
    parser.add_argument("--no-leaderboard", action="store_true", help="leave the agents' leaderboard out")
    parser.add_argument("--episodes", type=int, default=None, help="episodes per agent (default 100)")
    parser.add_argument("--workers", type=int, default=1, help="agents played at a time on this machine (default 1)")
    parser.add_argument("--scheduler", help="the address of an existing Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--no-sandbox", action="store_true", help="play the agents outside the sandbox (trusted)")
    args = parser.parse_args(argv)
    names = chosen_assignments(parser, args)
    leaderboard = not args.no_leaderboard
    if leaderboard and not args.no_sandbox:
        try:
            sandbox.require_bwrap()
        except sandbox.SandboxUnavailable as error:
            print(f"leaderboard refused: {error} (or leave it out: --no-leaderboard)", file=sys.stderr)
            return 1
    if args.episodes is not None and args.episodes < 1:
        parser.error(f"--episodes must be at least 1, got {args.episodes}")
    page = write_report(REPO, gradebook.gradebook_url(REPO), args.out, workers=args.workers, scheduler=args.scheduler,
                        leaderboard=leaderboard, episodes=args.episodes, sandbox=not args.no_sandbox,
                        assignments=names)
    print(f"report: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
