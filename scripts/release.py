"""Make notebooks/ (the student release) from solutions/ with nbgrader.

    python scripts/release.py                  # clean solutions/, regenerate every assignment
    python scripts/release.py 03_targets       # only these assignments
    python scripts/release.py --check          # change nothing; fail on drift or unclean notebooks

The work is done by grading/release.py; this script is its command line.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from grading.release import *  # noqa: E402,F403 - scripts and tests import the release helpers from here
from grading.release import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
