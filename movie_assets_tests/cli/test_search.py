"""`movie-assets search`: table and JSON output, and exit 0 / 2 / 3 with one line on stderr."""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from movie_assets.cli.search import build_parser, main
from movie_assets.config import REPO_ROOT
from movie_assets.search import SearchParams
from movie_assets_tests.catalogues import build_search_artifacts as build_artifacts
from movie_assets_tests.catalogues import drop_last_payload_row as _drop_last_payload_row
from movie_assets_tests.catalogues import edit_json as _edit_json
from movie_assets_tests.catalogues import edit_manifest as _edit_manifest
from movie_assets_tests.fakes import FakeEmbedder

HIT_FIELDS = {
    "movie_id", "title", "year", "original_language", "genres", "score", "rank", "components", "overview",
    "poster_path", "cast", "directors", "runtime", "vote_count", "why", "original_title", "alt_titles",
}  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home whose artifacts sit where DataPaths puts them."""
    root = tmp_path_factory.mktemp("home")
    build_artifacts(root / "processed" / "artifacts")
    return root


@pytest.fixture(autouse=True)
def _env(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI opens its own Searcher: the manifest's model must be the configured one. Only BM25 runs
    # here, so the (fake) model is never loaded.
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(home))
    monkeypatch.setenv("EMBED_MODEL_NAME", FakeEmbedder().name)


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    """The default output names the detected language, then one line per hit with its retrievers."""
    assert main(["Tamil neo-noir crime in Chennai", "--method", "bm25", "--k", "3"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "language: Tamil (ta), policy auto-soft" and err == ""
    # How the query was read: each constraint, the words it came from, how many hits satisfy them.
    read = [line for line in lines if line.startswith("read:")]
    assert read[:2] == [
        "read: language Tamil (policy auto-soft, from 'Tamil', 0.90)",
        "read: genre Crime or Thriller or Mystery (filter, from 'neo noir', 0.80)",
    ]
    header = lines.index(next(line for line in lines if line.startswith("rank")))
    assert lines[header].split() == ["rank", "score", "title", "year", "lang", "genres", "found", "by"]
    rank, score, *rest = lines[header + 1].split()
    assert (rank, rest[:3], rest[-1]) == ("1", ["Vikram", "Vedha", "2017"], "bm25#1")
    assert float(score) > 0 and "ta" in rest and "Crime, Thriller" in lines[header + 1]
    # Each hit says why it is there, under its line.
    assert lines[header + 2].split()[0] == "why:" and "in Tamil" in lines[header + 2]


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints only a JSON array of hits with the §8 fields."""
    assert main(["wuxia swordsman", "--method", "bm25", "--k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert isinstance(hits, list) and 1 <= len(hits) <= 2
    assert set(hits[0]) == HIT_FIELDS
    assert set(hits[0]["components"]) == {"dense_rank", "bm25_rank", "fused", "boosts"}
    assert (hits[0]["title"], hits[0]["rank"], hits[0]["components"]["bm25_rank"]) == ("Hero", 1, 1)


def test_json_with_explain_keeps_stdout_a_bare_array(capsys: pytest.CaptureFixture[str]) -> None:
    """--explain prints how the query was read on stderr; stdout stays the JSON array, each hit with why."""
    assert (
        main(["Tamil neo-noir crime after 2010", "--method", "bm25", "--k", "2", "--json", "--explain"]) == 0
    )
    out, err = capsys.readouterr()
    hits = json.loads(out)
    assert isinstance(hits, list) and hits[0]["title"] == "Vikram Vedha"
    assert {"kind": "constraint", "text": "2017 (asked 2011–)"} in hits[0]["why"]
    lines = err.splitlines()
    assert lines[0] == "language: Tamil"
    assert "read: years 2011– (filter, from 'after 2010', 0.90)" in lines
    assert main(["Tamil neo-noir crime", "--method", "bm25", "--json"]) == 0
    assert capsys.readouterr().err == ""  # without --explain, nothing on stderr


def test_no_match_is_a_valid_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wuxia", "--method", "bm25", "--year_min", "2030", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["wuxia", "--method", "bm25", "--year-min", "2030"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no movies match"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([""], "the query is empty"),
        (["   "], "the query is empty"),
        (["x" * 20_001], "20,001 characters"),
        (["heat", "--k", "0"], "k must be a whole number from 1 to 1000, got 0"),
        (["heat", "--k", "abc"], "argument --k: invalid int value: 'abc'"),
        (["heat", "--method", "nope"], "argument --method: invalid choice: 'nope'"),
        (["heat", "--mmr_lambda", "2"], r"mmr_lambda must be in \[0, 1\]"),
        (["heat", "--year_min", "2020", "--year_max", "2000"], "year_min 2020 is after year_max 2000"),
        (["heat", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        ([], "the following arguments are required: query"),
    ],
    ids=[
        "empty",
        "blank",
        "too-long",
        "k0",
        "k-text",
        "method",
        "lambda",
        "years",
        "unknown-flag",
        "no-query",
    ],
)
def test_bad_query_or_flag_exits_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad query or flag: exit 2, nothing on stdout, one line on stderr saying what is wrong."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("movie-assets search: ")
    assert re.search(message, err)


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--lang_policy" in capsys.readouterr().out


def test_bad_query_wins_over_missing_artifacts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["", "--artifacts", str(tmp_path / "nowhere")]) == 2


@pytest.mark.parametrize("damaged", [False, True], ids=["missing", "mismatched"])
def test_artifact_problems_exit_3(
    home: Path, tmp_path: Path, damaged: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing or mismatched artifacts: exit 3 and one line that says what to rebuild."""
    folder = tmp_path / "artifacts"
    if damaged:
        build_artifacts(folder)
        _drop_last_payload_row(folder)
    assert main(["heat", "--artifacts", str(folder), "--method", "bm25"]) == 3
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "movie-assets build" in err


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: _edit_manifest(d, lambda m: m.update(count="lots")),
        lambda d: (d / "manifest.json").write_text('{"format_version": 1}'),
        lambda d: _edit_manifest(d, lambda m: m.pop("embedding_model")),
        lambda d: _edit_json(d / "bm25" / "params.index.json", lambda p: p.update(num_docs="many")),
    ],
    ids=["count-text", "only-version", "no-model", "bm25-num-docs"],
)
def test_damaged_files_exit_3_with_one_line_not_a_traceback(
    tmp_path: Path, damage: Callable[[Path], object], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_artifacts(tmp_path / "artifacts")
    damage(folder)
    assert main(["heat", "--artifacts", str(folder), "--method", "bm25"]) == 3
    out, err = capsys.readouterr()
    assert (
        out == ""
        and len(err.strip().splitlines()) == 1
        and "is damaged" in err
        and "movie-assets build" in err
    )


def _without_file_permission_override() -> None:
    # Tests run as root, whom permission bits do not stop: the child gives up the two capabilities that
    # let it read anything (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so a mode-000 folder stops it too.
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_artifacts_this_process_cannot_read_exit_3(home: Path) -> None:
    root = Path(tempfile.mkdtemp(prefix="unreadable-artifacts-"))
    folder = build_artifacts(root / "artifacts")
    target = folder.resolve()  # the set's own folder: the pointer to it stays readable
    target.chmod(0o000)
    env = {**os.environ, "EMBED_MODEL_NAME": FakeEmbedder().name}
    try:
        command = ["heat", "--method", "bm25", "--artifacts", str(folder)]
        run = subprocess.run(
            [sys.executable, "-m", "movie_assets.search", *command],
            capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120, check=False,
            preexec_fn=_without_file_permission_override if os.geteuid() == 0 else None,
        )  # fmt: skip
    finally:
        target.chmod(0o755)
        shutil.rmtree(root)
    assert run.returncode == 3, run.stderr
    assert run.stdout == "" and len(run.stderr.strip().splitlines()) == 1
    assert "manifest.json cannot be read (Permission denied)" in run.stderr


def test_a_repeated_year_cue_is_noted_once(capsys: pytest.CaptureFixture[str]) -> None:
    """A query repeating "after 2020" printed one identical note per repetition."""
    assert main(["heist " + "after 2020 " * 31, "--method", "bm25"]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: 'after 2020' not used as a year filter in a long description; pass year_min/year_max"
    ]
    assert main(["heist after 2020 after 2020 after 2020", "--method", "bm25"]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]
    assert notes[0] == "note: 'after 2020' read as years 2021-..." and len(notes) == len(set(notes))


def test_help_marks_ce_unavailable_without_importing_torch(tmp_path: Path) -> None:
    """--help looks for the cross-encoder on disk only: torch is not imported to say ce cannot run."""
    code = (
        "import sys\nfrom movie_assets.cli.search import main\nmain(['--help'])\n"
        "print('torch imported' if 'torch' in sys.modules else 'no torch')"
    )
    for name, cache, marked in [("nobody/no-such", tmp_path / "empty", True), ("org/tiny", tmp_path, False)]:
        (tmp_path / "models--org--tiny" / "snapshots" / "abc123").mkdir(parents=True, exist_ok=True)
        (tmp_path / "models--org--tiny" / "snapshots" / "abc123" / "config.json").write_text("{}")
        env = {**os.environ, "CROSS_ENCODER_NAME": name, "HF_HUB_CACHE": str(cache)}
        env.pop("SENTENCE_TRANSFORMERS_HOME", None)
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120,
            check=True,
        )  # fmt: skip
        flat = " ".join(run.stdout.split())
        assert flat.endswith("no torch")
        assert (
            "ce is UNAVAILABLE here: cross-encoder 'nobody/no-such' is not on this machine" in flat
        ) is marked
        assert ("set CROSS_ENCODER_NAME to a local cross-encoder folder" in flat) is marked


def test_python_dash_m(home: Path) -> None:
    """`python -m movie_assets.search` is the same command."""
    env = {**os.environ, "MOVIE_ASSETS_HOME": str(home), "EMBED_MODEL_NAME": FakeEmbedder().name}
    run = subprocess.run(
        [sys.executable, "-m", "movie_assets.search", "wuxia", "--method", "bm25", "--json"],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)[0]["title"] == "Hero"


def test_every_knob_is_a_flag_in_both_spellings_with_the_library_default() -> None:
    """The flags are built from SearchParams: --name and --name-with-dashes, the same default and choices."""
    parser = build_parser()
    by_flag = {flag: action for action in parser._actions for flag in action.option_strings}
    for knob in SearchParams.knobs():
        action = by_flag[f"--{knob.name}"]
        assert by_flag[f"--{knob.name.replace('_', '-')}"] is action
        if knob.kind is tuple:  # a list of films: the flag repeats, each value a title or an id
            assert (action.dest, action.default, action.type, action.nargs) == (knob.name, None, str, None)
            continue
        assert (action.dest, action.default, action.type, action.choices) == (
            knob.name, knob.default, knob.kind, knob.choices,
        )  # fmt: skip
    args = parser.parse_args(["q", "--hybrid-dense-k", "40", "--w_sparse", "0.5", "--lang-policy", "off"])
    assert (args.hybrid_dense_k, args.w_sparse, args.lang_policy, args.k) == (40, 0.5, "off", 20)
    args = parser.parse_args(["", "--like", "Drishyam (2013)", "--like", "12345", "--unlike", "Heat"])
    assert (args.like, args.unlike) == (["Drishyam (2013)", "12345"], ["Heat"])


def test_like_and_unlike_flags_repeat_and_may_stand_for_the_query(capsys: pytest.CaptureFixture[str]) -> None:
    """`--like` alone makes the query ("" for the text); the seed is never a hit; the table says what was
    taken and each hit what it shares; an unknown seed is a note, not a failure."""
    assert main(["", "--like", "Drishyam", "--like", "5", "--unlike", "404404", "--k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3 and not {2, 5} & {hit["movie_id"] for hit in hits}
    assert main(["police", "--like", "Drishyam", "--unlike", "404404", "--k", "3", "--method", "bm25"]) == 0
    out = capsys.readouterr().out
    assert "read: like Drishyam (2013, ml, id 2)" in out
    assert "note: no movie with id 404404 here; unlike 404404 is not used" in out
    assert "why: like Drishyam (2013): " in out
    assert main(["", "--unlike", "Heat"]) == 2
    assert "the query is empty" in capsys.readouterr().err
