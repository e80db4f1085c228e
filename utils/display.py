"""Show the lander: frames, mp4 videos, learning curves, observation tables.

Everything here is headless: frames come from ``render_mode="rgb_array"``,
videos are encoded with imageio-ffmpeg and embedded as base64 ``<video>``
elements, so they play in JupyterLab, Binder and nbgrader's feedback alike.
Used from ``notebooks/01_environment`` on; the live plot is for ``04_training``.

Every image the course shows carries alternative text, for screen readers and for
nbgrader's feedback pages: ``import utils`` calls :func:`describe_figures`, so that a
matplotlib figure shown in a notebook is sent with an ``alt`` made from what it shows
(:func:`figure_description`: its title, axes and legend, or what :func:`describe` says).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from .envs import OBSERVATION_NAMES, SOLVED_THRESHOLD, SOLVED_WINDOW

__all__ = [
    "describe",
    "describe_figures",
    "figure_description",
    "show_frame",
    "record_video",
    "embed_video",
    "rolling_average",
    "plot_learning_curve",
    "plot_runs",
    "LivePlot",
    "observation_table",
]


#: The attribute of a matplotlib Axes or Figure that holds its description (set by :func:`describe`).
DESCRIPTION = "course_description"


def describe(artist, text: str):
    """Say in words what a matplotlib Axes or Figure shows: its alt text. Returns the artist."""
    setattr(artist, DESCRIPTION, str(text))
    return artist


def _axes_description(ax) -> str:
    said, title = getattr(ax, DESCRIPTION, None), ax.get_title()
    if said:
        return f"{title}. {said}" if title else said
    parts = [f"{'Plot' if ax.axison else 'Image'}{f' {title!r}' if title else ''}"]
    xlabel, ylabel = ax.get_xlabel(), ax.get_ylabel()
    if ax.axison and xlabel:
        parts.append(f"{ylabel or 'values'} against {xlabel}")
    elif ax.axison and ylabel:  # no x label: say nothing of what the x axis holds
        parts.append(ylabel)
    labels = [label for label in ax.get_legend_handles_labels()[1] if not label.startswith("_")]
    if labels:
        parts.append("showing " + ", ".join(labels))
    return ": ".join(parts[:2]) + ("; " + parts[2] if len(parts) > 2 else "")


def figure_description(figure) -> str:
    """The alt text of a matplotlib figure: what :func:`describe` said of it, or of each of its axes;
    otherwise its titles, axis labels and legend entries."""
    said = getattr(figure, DESCRIPTION, None)
    if said:
        return said
    parts = [_axes_description(ax) for ax in figure.axes if ax.get_visible()]
    title = figure._suptitle.get_text() if getattr(figure, "_suptitle", None) else ""
    text = ". ".join(([f"Figure {title!r}"] if title else []) + parts)
    return text or "An empty figure"


def _png_with_alt_text(formatter):
    """IPython's PNG formatter of figures, its output sent with the figure's alt text."""

    def png(figure):
        result = formatter(figure)
        data, metadata = result if isinstance(result, tuple) else (result, None)
        if data is None:
            return None
        return data, {**(metadata or {}), "alt": figure_description(figure)}

    png.describes_figures = True
    return png


def _wrap_figure_formatter(shell) -> None:
    import sys

    if "matplotlib.figure" not in sys.modules:  # no figure can exist yet
        return
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    try:
        current = formatter.lookup_by_type(Figure)
    except KeyError:
        return  # figures are not shown as PNG (yet): matplotlib's inline backend registers itself when used
    if not getattr(current, "describes_figures", False):
        formatter.for_type(Figure, _png_with_alt_text(current))


def describe_figures() -> bool:
    """In a notebook: show every matplotlib figure with its alt text (:func:`figure_description`).

    matplotlib's inline backend registers how figures become PNG when it starts, and again when
    its settings change; this wraps that formatter before and after every cell, so the figures a
    cell shows at its end go out with their ``alt``. Returns whether it is active (not outside IPython).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter") or not hasattr(shell, "events"):
        return False

    def wrap(*_):
        _wrap_figure_formatter(shell)

    if not getattr(shell, "_course_describes_figures", False):
        shell._course_describes_figures = True
        shell.events.register("pre_execute", wrap)
        shell.events.register("post_execute", wrap)  # registered before the backend's flush: runs first
    wrap()
    return True


def show_frame(frame, title: str | None = None, ax=None):
    """Draw one ``(height, width, 3)`` uint8 frame from ``env.render()``. Returns the axes."""
    import matplotlib.pyplot as plt

    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(
            f"a frame must have shape (height, width, 3), got {frame.shape}: "
            'was the env made with render_mode="rgb_array"?'
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.imshow(frame)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    describe(ax, "A frame of the LunarLander environment: the lander, the ground and the landing pad between two flags")
    return ax


def record_video(env, policy, path, seed: int | None = None, max_steps: int = 1000, every: int = 2):
    """Run one episode with ``policy`` and write it to ``path`` as an mp4.

    Args:
        env: an env made with ``render_mode="rgb_array"``.
        policy: ``policy(observation) -> int``.
        path: where the ``.mp4`` goes (its folder is created).
        seed: passed to ``env.reset``.
        max_steps: the most steps to record.
        every: keep every ``every``-th frame; the video plays at real speed (50 / every fps).

    Returns:
        ``(path, total_reward, num_steps)``.
    """
    import imageio.v2 as imageio

    if env.render_mode != "rgb_array":
        raise ValueError('record_video needs an env made with render_mode="rgb_array"')
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    path = Path(path)
    new_folder = not path.parent.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fps = env.metadata.get("render_fps", 50) / every
    observation, _ = env.reset(seed=seed)
    total_reward, num_steps = 0.0, 0
    # macro_block_size=8 fits 600x400 frames without resizing; yuv420p plays in every browser.
    writer = imageio.get_writer(
        path, fps=fps, codec="libx264", macro_block_size=8, pixelformat="yuv420p", ffmpeg_log_level="error"
    )
    try:
        writer.append_data(env.render())
        while num_steps < max_steps:
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            total_reward += float(reward)
            num_steps += 1
            if num_steps % every == 0 or terminated or truncated:
                writer.append_data(env.render())
            if terminated or truncated:
                break
        writer.close()
    except BaseException:  # the policy failed (an unfinished exercise, say): leave no half-written video behind
        writer.close()  # ffmpeg has written its last byte before the file goes (a with block let it race on)
        path.unlink(missing_ok=True)
        if new_folder and not any(path.parent.iterdir()):
            path.parent.rmdir()
        raise
    return path, total_reward, num_steps


class _HTML:
    """Shows as HTML in a notebook and as text elsewhere."""

    def __init__(self, markup: str, text: str):
        self.data = markup
        self._text = text

    def _repr_html_(self):
        return self.data

    def __repr__(self):
        return self._text


def embed_video(path, width: int = 480):
    """An mp4 as an HTML ``<video>`` element with its data inline (base64)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no video at {path}: record one with record_video first")
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    markup = (
        f'<video width="{int(width)}" controls autoplay loop muted playsinline>'
        f'<source src="data:video/mp4;base64,{data}" type="video/mp4">'
        "Your browser cannot play this mp4 video.</video>"
    )
    return _HTML(markup, f"<video of {path.name}, {path.stat().st_size // 1024} KiB>")


def rolling_average(values, window: int) -> np.ndarray:
    """Mean of each value and the ``window - 1`` before it (fewer at the start).

    For plots only; notebook 05 asks you to write your own ``rolling_mean``.
    """
    values = np.asarray(values, dtype=np.float64)
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - window)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


def plot_learning_curve(
    returns, window: int = SOLVED_WINDOW, threshold: float = SOLVED_THRESHOLD, ax=None, label: str = "episode return"
):
    """Episode returns, their rolling mean, and the "solved" line. Returns the axes."""
    import matplotlib.pyplot as plt

    returns = np.asarray(returns, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    episodes = np.arange(1, len(returns) + 1)
    (line,) = ax.plot(episodes, returns, alpha=0.3, label=label)
    if len(returns):
        ax.plot(episodes, rolling_average(returns, window), color=line.get_color(), label=f"{window}-episode mean")
    ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"solved ({threshold:g})")
    ax.set_xlabel("episode")
    ax.set_ylabel("return")
    ax.legend(loc="lower right")
    last = f", the last {min(window, len(returns))} averaging {returns[-window:].mean():.0f}" if len(returns) else ""
    describe(ax, f"Learning curve: the return of each of {len(returns)} episodes, its {window}-episode mean{last}, "
                 f"and the solved line at {threshold:g}")
    return ax


def plot_runs(runs: dict, window: int = 20):
    """The four curves of each training run side by side, one column a run (notebook 05, section 8).

    Args:
        runs: ``{name: run}``, each run a dict of per-episode arrays as ``utils.load_run`` gives them:
            ``returns``, ``epsilons``, ``losses`` (NaN where no learning step happened) and ``q_values``.
        window: the rolling mean drawn over the returns.

    The loss and Q-value rows use a symmetric log scale, so a run whose values explode is still
    readable beside one whose values stay small. Returns the figure.
    """
    import matplotlib.pyplot as plt

    rows = (("returns", "return"), ("epsilons", "epsilon"), ("losses", "mean loss"), ("q_values", "mean max Q"))
    figure, axes = plt.subplots(len(rows), len(runs), figsize=(3.2 * len(runs), 9), squeeze=False, sharex="col")
    summary = []
    for column, (name, run) in enumerate(runs.items()):
        for row, (curve, label) in enumerate(rows):
            ax = axes[row][column]
            values = np.asarray(run[curve], dtype=np.float64)
            episodes = np.arange(1, len(values) + 1)
            if curve == "returns":
                ax.plot(episodes, values, alpha=0.3)
                ax.plot(episodes, rolling_average(values, window), color="C0")
                ax.set_title(f"run {name}")
            elif np.all(np.isnan(values)):
                ax.text(0.5, 0.5, "no value", ha="center", va="center", transform=ax.transAxes)
            else:
                ax.plot(episodes, values, color=f"C{row}")
                if curve in ("losses", "q_values"):
                    ax.set_yscale("symlog")
            if column == 0:
                ax.set_ylabel(label)
            if row == len(rows) - 1:
                ax.set_xlabel("episode")
        summary.append(f"run {name}: {len(run['returns'])} episodes")
    figure.tight_layout()
    describe(figure, "Training runs, one column each, with rows for the return (and its "
                     f"{window}-episode mean), epsilon, the mean loss and the mean max Q-value per episode: "
                     + "; ".join(summary))
    return figure


class LivePlot:
    """A learning curve that redraws in place while training runs.

    ``LivePlot().update(returns)`` replaces the previous picture in the same
    output area. Outside a notebook it draws nothing.
    """

    def __init__(self, window: int = SOLVED_WINDOW, threshold: float = SOLVED_THRESHOLD, title: str = "training"):
        self.window = window
        self.threshold = threshold
        self.title = title
        self._handle = None
        self.updates = 0

    @staticmethod
    def _in_notebook() -> bool:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
        return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"

    def render_png(self, returns) -> bytes:
        """The current picture as PNG bytes."""
        from matplotlib.figure import Figure

        figure = Figure(figsize=(8, 3.5))
        ax = figure.subplots()
        plot_learning_curve(returns, self.window, self.threshold, ax=ax)
        ax.set_title(f"{self.title}: {len(returns)} episodes")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        return buffer.getvalue()

    def update(self, returns) -> None:
        self.updates += 1
        if not self._in_notebook():
            return
        from IPython.display import Image, display

        last = returns[-self.window:]
        mean = f", the last {len(last)} averaging {np.mean(last):.0f}" if len(last) else ""
        image = Image(data=self.render_png(returns), format="png",
                      alt=f"Learning curve while training: {len(returns)} episodes{mean}; solved at {self.threshold:g}")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)


class _Table(_HTML):
    pass


def observation_table(observation, low=None, high=None):
    """The 8 components of a LunarLander observation by name (with bounds when given)."""
    observation = np.asarray(observation, dtype=np.float64).reshape(-1)
    if observation.shape != (len(OBSERVATION_NAMES),):
        raise ValueError(f"an observation has {len(OBSERVATION_NAMES)} values, got {observation.size}")
    rows = []
    for i, name in enumerate(OBSERVATION_NAMES):
        bounds = "" if low is None or high is None else f"[{low[i] + 0.0:g}, {high[i] + 0.0:g}]"  # + 0.0: no "-0"
        rows.append((str(i), name, f"{observation[i]:+.3f}", bounds))
    headers = ("index", "component", "value", "bounds") if low is not None else ("index", "component", "value")
    rows = [row[: len(headers)] for row in rows]
    markup = "<table><tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr>"
    for row in rows:
        markup += "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
    markup += "</table>"
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(headers)]
    text = "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in [headers, *rows]
    )
    return _Table(markup, text)
