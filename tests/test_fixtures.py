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
