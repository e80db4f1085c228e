"""utils.display: frames, mp4 recording and embedding, curves, tables."""

import base64
import re

import numpy as np
import pytest

import utils
from utils import display


def test_show_frame_draws_a_frame():
    frame = np.zeros((40, 60, 3), dtype=np.uint8)
    ax = display.show_frame(frame, title="a frame")
    assert ax.get_title() == "a frame"
    assert ax.images[0].get_array().shape == (40, 60, 3)


@pytest.mark.parametrize("frame", [np.zeros((4, 6)), np.zeros((4, 6, 4)), None])
def test_show_frame_rejects_what_is_not_an_rgb_frame(frame):
    with pytest.raises(ValueError, match="rgb_array"):
        display.show_frame(frame)


def test_record_video_writes_an_mp4_that_embeds(tmp_path):
    env = utils.make_env(render_mode="rgb_array")
    path, total_reward, num_steps = display.record_video(
        env, lambda observation: 0, tmp_path / "sub" / "lander.mp4", seed=1, max_steps=30
    )
    env.close()
    assert num_steps == 30 and np.isfinite(total_reward)
    data = path.read_bytes()
    assert data[4:8] == b"ftyp", "not an mp4 file"
    markup = display.embed_video(path)._repr_html_()
    assert markup.startswith("<video") and 'type="video/mp4"' in markup
    payload = re.search(r"base64,([^\"]+)", markup).group(1)
    assert base64.b64decode(payload) == data


def test_record_video_leaves_nothing_behind_when_the_policy_fails(tmp_path):
    def unfinished(observation):
        raise NotImplementedError()

    env = utils.make_env(render_mode="rgb_array")
    with pytest.raises(NotImplementedError):
        display.record_video(env, unfinished, tmp_path / "videos" / "lander.mp4", seed=1, max_steps=30)
    env.close()
    assert list(tmp_path.iterdir()) == []


def test_record_video_needs_rgb_frames(tmp_path):
    env = utils.make_env()
    with pytest.raises(ValueError, match="rgb_array"):
        display.record_video(env, lambda observation: 0, tmp_path / "x.mp4")


def test_embed_video_names_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no video at"):
        display.embed_video(tmp_path / "missing.mp4")


def test_rolling_average():
    np.testing.assert_allclose(display.rolling_average([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(display.rolling_average([1, 2, 3], 10), [1, 1.5, 2])
    assert display.rolling_average([], 3).shape == (0,)
    with pytest.raises(ValueError, match="window must be >= 1"):
        display.rolling_average([1.0], 0)


def test_plot_learning_curve_draws_returns_mean_and_solved_line():
    ax = display.plot_learning_curve(np.linspace(-200, 250, 150))
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["episode return", "100-episode mean", "solved (200)"]


def test_plot_runs_draws_four_curves_per_run_and_says_so():
    growing = {"returns": np.linspace(-200, 0, 50), "epsilons": 0.97 ** np.arange(50),
               "losses": np.r_[np.nan, np.full(49, 1.5)], "q_values": np.linspace(0, 40, 50)}
    silent = {"returns": np.full(30, -180.0), "epsilons": np.ones(30), "losses": np.full(30, np.nan),
              "q_values": np.full(30, 0.2)}
    figure = display.plot_runs({"X": growing, "Y": silent})
    axes = np.array(figure.axes).reshape(4, 2)
    assert [ax.get_title() for ax in axes[0]] == ["run X", "run Y"]
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["return", "epsilon", "mean loss", "mean max Q"]
    assert axes[2][0].get_yscale() == "symlog" and axes[3][0].get_yscale() == "symlog"
    assert [t.get_text() for t in axes[2][1].texts] == ["no value"], "a run without a loss says so"
    assert "run X: 50 episodes; run Y: 30 episodes" in display.figure_description(figure)


def test_live_plot_renders_png_and_is_silent_outside_notebooks(capsys):
    live = display.LivePlot()
    assert live.render_png([1.0, 2.0, 3.0])[:8] == b"\x89PNG\r\n\x1a\n"
    live.update([1.0, 2.0])
    assert live.updates == 1 and capsys.readouterr().out == ""


def test_observation_table_names_every_component():
    table = display.observation_table(np.arange(8) / 10, low=-np.ones(8), high=np.ones(8))
    markup, text = table._repr_html_(), repr(table)
    for name in utils.OBSERVATION_NAMES:
        assert name in markup and name in text
    assert "+0.700" in text and "[-1, 1]" in text


def test_observation_table_shows_the_real_bounds_without_negative_zero():
    env = utils.make_env()
    table = repr(display.observation_table(np.zeros(8), env.observation_space.low, env.observation_space.high))
    leg_rows = [line for line in table.splitlines() if "leg_contact" in line]
    assert len(leg_rows) == 2 and all(row.rstrip().endswith("[0, 1]") for row in leg_rows), table
    assert "-0," not in table and "-0]" not in table


def test_observation_table_needs_8_values():
    with pytest.raises(ValueError, match="an observation has 8 values, got 3"):
        display.observation_table([1, 2, 3])


def test_a_figure_is_described_by_its_titles_axes_and_legend():
    from matplotlib.figure import Figure

    figure = Figure()
    ax = figure.subplots()
    ax.plot([1, 2], label="exponential")
    ax.plot([2, 1], label="linear")
    ax.set(title="Epsilon schedules", xlabel="episode", ylabel="epsilon")
    ax.legend()
    assert display.figure_description(figure) == (
        "Plot 'Epsilon schedules': epsilon against episode; showing exponential, linear")
    boxes = Figure().subplots()
    boxes.boxplot([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    boxes.set(title="Judged on n episodes", ylabel="mean return")
    assert display.figure_description(boxes.figure) == "Plot 'Judged on n episodes': mean return"
    frame = display.show_frame(np.zeros((40, 60, 3), np.uint8), title="after reset")
    assert display.figure_description(frame.figure).startswith("after reset. A frame of the LunarLander environment")
    curve = display.plot_learning_curve(np.full(150, 210.0))
    assert "150 episodes" in display.figure_description(curve.figure)
    assert "averaging 210" in display.figure_description(curve.figure)


def test_notebook_figures_carry_alt_text_into_nbgrader_feedback(monkeypatch):
    """In a real kernel, every image output carries an alt, and nbconvert's HTML (as nbgrader's feedback
    renders it) has no image without one."""
    import logging

    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    cells = ["import utils\nfrom utils.display import LivePlot, plot_learning_curve, show_frame\n"
             "import matplotlib.pyplot as plt\nimport numpy as np",
             "show_frame(np.zeros((40, 60, 3), np.uint8), title='LunarLander-v3 after reset(seed=0)');",
             "plt.figure(figsize=(4, 2))\nplt.hist(np.arange(10), label='returns')\nplt.xlabel('return')\n"
             "plt.legend(); plt.title('The random agent');",
             "plot_learning_curve(np.arange(120.0))\nplt.title(\"Your agent's learning curve\");",
             "LivePlot().update([1.0, 2.0, 3.0])"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel draws inline, as in JupyterLab and nbgrader
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    images = [(i, o) for i, cell in enumerate(notebook.cells) for o in cell.outputs if "image/png" in o.get("data", {})]
    assert [i for i, _ in images] == [1, 2, 3, 4], [c.outputs for c in notebook.cells]
    alts = [o.metadata["image/png"]["alt"] for _, o in images]
    assert "A frame of the LunarLander environment" in alts[0]
    assert alts[1] == "Plot 'The random agent': values against return; showing returns"
    assert "Your agent's learning curve. Learning curve" in alts[2] and "Learning curve while training" in alts[3]
    warnings = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())
    exporter = HTMLExporter(template_name="classic")  # nbgrader's feedback template extends the classic one
    exporter.log.addHandler(handler)
    html, _ = exporter.from_notebook_node(notebook)
    exporter.log.removeHandler(handler)
    assert not [w for w in warnings if "Alternative text" in w], warnings
    assert html.count('alt="') >= 4 and "No description has been provided" not in html
