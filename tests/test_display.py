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


def test_observation_table_needs_8_values():
    with pytest.raises(ValueError, match="an observation has 8 values, got 3"):
        display.observation_table([1, 2, 3])
