"""utils.fixtures: locating data/, the manifest, and clear errors."""

import numpy as np
import pytest

from utils import fixtures
from utils.fixtures import FixtureError


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A small data/ folder with one fixture and its manifest."""
    (tmp_path / "demo").mkdir()
    np.save(tmp_path / "demo" / "values.npy", np.arange(3.0))
    digest = fixtures.file_sha256(tmp_path / "demo" / "values.npy")
    (tmp_path / "SHA256SUMS").write_text(f"{digest}  demo/values.npy\n")
    monkeypatch.setenv(fixtures.DATA_ENV_VAR, str(tmp_path))
    return tmp_path


def test_the_repo_data_folder_is_found_from_anywhere(monkeypatch, tmp_path, repo):
    monkeypatch.chdir(tmp_path)
    assert fixtures.data_dir() == repo / "data"


def test_load_fixture(data):
    np.testing.assert_array_equal(fixtures.load_fixture("demo/values"), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(fixtures.load_fixture("demo/values.npy"), [0.0, 1.0, 2.0])
    assert fixtures.verify_fixtures() == ["demo/values.npy"]


def test_a_missing_fixture_is_named(data):
    (data / "demo" / "values.npy").unlink()
    with pytest.raises(FixtureError, match="fixture demo/values.npy is missing"):
        fixtures.load_fixture("demo/values")
    with pytest.raises(FixtureError, match="demo/values.npy is missing"):
        fixtures.verify_fixtures()


def test_a_corrupt_fixture_is_named(data):
    np.save(data / "demo" / "values.npy", np.arange(4.0))
    with pytest.raises(FixtureError, match="fixture demo/values.npy is corrupt"):
        fixtures.load_fixture("demo/values")
    with pytest.raises(FixtureError, match="corrupt"):
        fixtures.verify_fixtures()
    assert fixtures.load_fixture("demo/values", verify=False).shape == (4,)


def test_an_unlisted_fixture_is_named(data):
    np.save(data / "demo" / "extra.npy", np.zeros(1))
    with pytest.raises(FixtureError, match="not listed in data/SHA256SUMS"):
        fixtures.load_fixture("demo/extra")


def test_a_missing_or_malformed_manifest_is_named(data):
    (data / "SHA256SUMS").write_text("not a checksum line\n")
    with pytest.raises(FixtureError, match="SHA256SUMS:1 is not"):
        fixtures.load_fixture("demo/values")
    (data / "SHA256SUMS").unlink()
    with pytest.raises(FixtureError, match="manifest .* is missing"):
        fixtures.verify_fixtures()


def test_a_missing_data_folder_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(fixtures.DATA_ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(FixtureError, match="data folder .* does not exist"):
        fixtures.data_dir()


def test_write_manifest_lists_every_file(tmp_path):
    (tmp_path / "a").mkdir()
    np.save(tmp_path / "a" / "x.npy", np.zeros(2))
    (tmp_path / "config.json").write_text("{}")
    assert fixtures.write_manifest(tmp_path) == ["a/x.npy", "config.json"]
    assert set(fixtures.read_manifest(tmp_path)) == {"a/x.npy", "config.json"}
    assert fixtures.verify_fixtures(tmp_path) == ["a/x.npy", "config.json"]
