"""The benchmark scripts run and print their figures (their speed is not tested here)."""

import bench_buffer


def test_buffer_benchmark_prints_ratios(capsys):
    figures = bench_buffer.main(["--capacity", "2000", "--batches", "50"])
    out = capsys.readouterr().out
    assert "sampling speed-up:" in out and "memory ratio:" in out and "append all (s)" in out
    assert figures["sample_speedup"] > 0 and 0 < figures["memory_ratio"] < 1
