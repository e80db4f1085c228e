"""data/: the committed fixtures are exactly what scripts/make_fixtures.py makes."""

import make_fixtures

from utils import verify_fixtures
from utils.fixtures import read_manifest


def test_fixtures_regenerate_byte_for_byte(repo):
    assert make_fixtures.check(repo / "data") == [], "run scripts/make_fixtures.py and commit data/"


def test_every_fixture_matches_the_manifest():
    names = verify_fixtures()
    assert set(f"{name}.npy" for name in make_fixtures.fixtures()) <= set(names)


def test_manifest_lists_only_files_that_exist(repo):
    for name in read_manifest():
        assert (repo / "data" / name).is_file(), name


def test_expected_values_are_float64():
    for name, array in make_fixtures.fixtures().items():
        if array.dtype.kind == "f":
            expected = "float32" if make_fixtures.is_float32_input(name) else "float64"
            assert array.dtype == expected, f"{name} is {array.dtype}, expected {expected}"


def test_fixture_products_do_not_depend_on_the_cpus_blas():
    import numpy as np

    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(5, 64)), rng.normal(size=(64, 3))
    ordered = np.zeros((5, 3))
    for k in range(64):  # the order make_fixtures.matmul promises, one rounding per step
        ordered = ordered + np.outer(a[:, k], b[k])
    assert make_fixtures.matmul(a, b).tobytes() == ordered.tobytes()
    assert np.allclose(make_fixtures.matmul(a, b), a @ b, rtol=1e-13, atol=1e-13)
