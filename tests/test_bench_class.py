"""scripts/bench_class.py: two student kernels run notebook 04 at once, and the sizing comes from what they used.

The figures are checked for being measured and plausible, never for speed.
"""

import json

import pytest

pytestmark = pytest.mark.notebooks


@pytest.mark.timeout(300)
def test_two_students_fast(tmp_path, capsys):
    import bench_class

    figures = bench_class.main(["--students", "2", "--fast", "--json", str(tmp_path / "figures.json")])
    out = capsys.readouterr().out

    assert figures["students"] == 2 and figures["fast"] is True
    assert [r["student"] for r in figures["per_student"]] == [1, 2]
    for r in figures["per_student"]:
        assert 100 <= r["peak_rss_mib"] <= 8 * 1024, f"student {r['student']}: peak RSS {r['peak_rss_mib']:.0f} MiB"
        assert 0 < r["peak_pss_mib"] <= r["peak_rss_mib"] + 1
        assert r["cpu_s"] > 0 and r["wall_s"] > 0 and r["cores"] > 0
        assert 0 < r["training_cpu_s"] <= r["cpu_s"] and 0 < r["training_wall_s"] < r["wall_s"]
        assert "500 env steps" in r["training_output"], "--fast must train 500 steps"
        # The sampler, not only the marks, measured: one sample every 0.5 s of the run; at least a third of
        # them, since a loaded machine can hold up the sampling thread (it waits on /proc reads and the GIL).
        assert r["periodic_samples"] >= r["wall_s"] / 0.5 / 3, (r["periodic_samples"], r["wall_s"])
        assert r["samples"] == r["periodic_samples"] + 3, "the training marks and the end add three"

    sized = figures["sizing"]
    assert sized["students_per_core"] > 0 and sized["students_per_gib"] > 0
    # the sizing comes from what the students used: between the least and the most, and above every peak
    training_cores = [r["training_cores"] for r in figures["per_student"]]
    assert min(training_cores) <= sized["cores_per_student"] <= max(training_cores)
    assert sized["gib_per_student"] * 1024 >= max(r["peak_rss_mib"] for r in figures["per_student"])
    rows = {(row["class_size"], row["training"]): row for row in sized["rows"]}
    assert set(rows) == {(30, 30), (30, 8), (200, 200), (200, 50), (1000, 1000), (1000, 250)}
    for row in sized["rows"]:
        assert row["cores"] >= 1 and row["ram_gib"] >= 1
        assert row["ram_gib"] >= row["class_size"] * sized["idle_gib_per_student"] - 1
    assert rows[(1000, 1000)]["cores"] >= rows[(1000, 250)]["cores"] and \
        rows[(1000, 1000)]["ram_gib"] >= rows[(1000, 250)]["ram_gib"]

    assert json.loads((tmp_path / "figures.json").read_text())["sizing"]["rows"] == sized["rows"]
    for words in ("peak RSS", "student 1", "student 2", "students per core", "students per GiB", "1,000"):
        assert words in out
