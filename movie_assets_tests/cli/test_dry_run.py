from __future__ import annotations

from pathlib import Path

import pytest

from movie_assets.cli.build import read_request
from movie_assets.cli.dry_run import run_dry_run
from movie_assets.cli.main import main, parser
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig


def _dry_run(argv: list[str], environ: dict[str, str]) -> tuple[int, str]:
    lines: list[str] = []
    code = run_dry_run(
        read_request(parser().parse_args(["build", "--dry-run", *argv]), environ), lines.append
    )
    return code, "\n".join(lines)


def _total_movies(out: str) -> int:
    (total,) = [line for line in out.splitlines() if line.startswith("total")]
    return int(total.split()[1])


def test_dry_run_estimates_the_demo_without_building(tmp_path: Path) -> None:
    code, out = _dry_run(["--years", "2024"], {"MOVIE_ASSETS_HOME": str(tmp_path)})
    assert code == 0
    assert "2024" in out and "requests" in out.lower() and "scope: everything" in out
    assert not (tmp_path / "processed").exists() and not (tmp_path / "raw").exists()


def test_dry_run_uses_the_build_settings_flags_over_the_environment(tmp_path: Path) -> None:
    environ = {"MOVIE_ASSETS_HOME": str(tmp_path), "TMDB_SCOPE_MIN_VOTES": "5"}
    code, scoped = _dry_run(["--years", "2024", "--languages", "ml"], environ)
    assert code == 0 and "(scope: languages=ml min_votes=5)" in scoped
    everything = _dry_run(["--years", "2024"], {"MOVIE_ASSETS_HOME": str(tmp_path)})[1]
    # The scope reached the probes: a few Malayalam titles of the demo's ~290 that year.
    assert 0 < _total_movies(scoped) < _total_movies(everything) / 10


def test_dry_run_with_a_bad_key_exits_2_without_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "not-the-key-31337"
    with Emulator(
        generate_demo_catalogue(n=50, years=(2020,)), EmulatorConfig(api_key="the-right-key")
    ) as emulator:
        # The command's input is the user's environment; the key is read from it, never passed along.
        monkeypatch.setenv("TMDB_BASE_URL", emulator.url)
        monkeypatch.setenv("TMDB_API_KEY", secret)
        assert main(["build", "--dry-run", "--years", "2020"]) == 2
    captured = capsys.readouterr()
    assert "TMDB_API_KEY" in captured.out + captured.err
    assert secret not in captured.out + captured.err
