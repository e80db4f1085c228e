"""Draw the images used in the notebooks' text into figures/, and attach them to the notebooks.

    python scripts/make_figures.py          # write figures/ and the attachments of solutions/
    python scripts/make_figures.py --check  # redraw in a scratch folder and compare both

figures/dqn_loop.png: the DQN loop of notebook 04 (acting, storing, learning, the target network).

A notebook travels alone (nbgrader's fetch, a download, a hub), so it carries its
images: a markdown cell that shows ``![...](attachment:dqn_loop.png)`` holds the
PNG as a cell attachment. This script puts the fresh drawing there, in
``solutions/``; ``scripts/release.py`` then carries it into ``notebooks/``.
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def box(ax, x, y, text, color):
    ax.add_patch(FancyBboxPatch((x - 1.25, y - 0.42), 2.5, 0.84, boxstyle="round,pad=0.05", fc=color, ec="black"))
    ax.text(x, y, text, ha="center", va="center", fontsize=9.5)


def arrow(ax, start, end, label="", offset=(0.0, 0.0), style="-|>", dashed=False):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, lw=1.3,
                                 linestyle="--" if dashed else "-", color="black"))
    if label:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], label,
                ha="center", va="center", fontsize=8.5, style="italic")


def dqn_loop(path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8.2, 4.4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 5.2)
    ax.axis("off")
    box(ax, 1.7, 4.3, "environment\nLunarLander-v3", "#dbe9f6")
    box(ax, 8.3, 4.3, "policy: epsilon-greedy\non Q-network(state)", "#fde9c9")
    box(ax, 1.7, 1.0, "replay buffer\n(s, a, r, s', terminated)", "#e3f1dc")
    box(ax, 5.0, 1.0, "learning step\n(every learn_every)", "#f6dcdc")
    box(ax, 8.3, 1.0, "target network\nsoft update, tau", "#e8e0f3")
    box(ax, 5.0, 2.65, "Q-network\n(online)", "#fde9c9")
    arrow(ax, (7.0, 4.45), (3.0, 4.45), "action a", (0, 0.22))
    arrow(ax, (3.0, 4.15), (7.0, 4.15), "state s", (0, -0.22))
    arrow(ax, (1.7, 3.85), (1.7, 1.45), "store each\ntransition", (0.62, 0))
    arrow(ax, (2.95, 1.0), (3.75, 1.0), "batch", (0, 0.22))
    arrow(ax, (7.05, 1.0), (6.25, 1.0), "targets y", (0, 0.22))
    arrow(ax, (5.0, 1.45), (5.0, 2.2), "Adam step on the loss", (1.05, 0))
    arrow(ax, (6.25, 2.65), (8.3, 1.45), "tau mix", (0.35, 0.2), dashed=True)
    arrow(ax, (6.25, 2.9), (8.0, 3.85), "Q(s, .)", (-0.1, 0.2))
    ax.set_title("The DQN loop: act, store, learn from a random batch, update the target network slowly",
                 fontsize=10)
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


FIGURES = {"dqn_loop.png": dqn_loop}


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in FIGURES.items():
        draw(directory / name)
        paths.append(directory / name)
    return paths


def attached_figures(notebook) -> list[tuple[dict, str]]:
    """(markdown cell, figure name) for every ``attachment:NAME`` of FIGURES that a cell shows."""
    found = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            found += [(cell, name) for name in re.findall(r"\(attachment:([\w.-]+)\)", "".join(cell["source"]))
                      if name in FIGURES]
    return found


def stale_attachments(directory: Path, write_them: bool) -> list[str]:
    """The solution notebooks whose attachments differ from the drawings in ``directory`` (rewritten if told)."""
    import nbformat

    stale = []
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        notebook = nbformat.read(path, 4)
        changed = False
        for cell, name in attached_figures(notebook):
            fresh = base64.b64encode((directory / name).read_bytes()).decode("ascii")
            if cell.get("attachments", {}).get(name, {}).get("image/png") != fresh:
                cell.setdefault("attachments", {})[name] = {"image/png": fresh}
                changed = True
        if changed:
            stale.append(f"{path.relative_to(REPO)}")
            if write_them:
                nbformat.write(notebook, path)
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as scratch:
            different = [p.name for p in write(Path(scratch))
                         if not (REPO / "figures" / p.name).is_file()
                         or (REPO / "figures" / p.name).read_bytes() != p.read_bytes()]
            different += stale_attachments(Path(scratch), write_them=False)
        if different:
            print("figures that differ from a fresh drawing:", *different)
            return 1
        print("figures/ and the notebooks' attachments are up to date")
        return 0
    for path in write(REPO / "figures"):
        print(f"wrote {path.relative_to(REPO)}")
    for path in stale_attachments(REPO / "figures", write_them=True):
        print(f"attached the fresh figures to {path}: run scripts/release.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
