"""`movie-assets search "QUERY" ...`: a table (or --json) of hits; exit 0, 2 (bad query), 3 (artifacts)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from movie_assets.search import (
    ArtifactsError,
    Hit,
    Knob,
    ModelUnavailableError,
    QueryError,
    Searcher,
    SearchParams,
    SearchResult,
    clean_query,
    default_artifacts_dir,
    unavailable_methods,
)

EXIT_OK, EXIT_BAD_QUERY, EXIT_ARTIFACTS = 0, 2, 3


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block on a bad flag; the command promises one line on stderr.
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _unavailable_note() -> str:
    """What --help adds to --method: the methods this machine cannot run, and why (a file check only)."""
    notes = [f"; {method} is UNAVAILABLE here: {why}" for method, why in unavailable_methods().items()]
    return "".join(notes).replace("%", "%%")  # argparse formats help strings with %


def build_parser(prog: str = "movie-assets search") -> argparse.ArgumentParser:
    """The argument parser of the search command: one flag per `SearchParams` knob (DESIGN §6), each also
    spelled with dashes, plus --artifacts and --json. The --method help marks the methods this machine
    cannot run (``ce`` without a local cross-encoder) with the reason."""
    parser = _Parser(prog=prog, description="Hybrid, language-aware search over the built movie artifacts.")
    parser.add_argument("query", help='free text, e.g. "Tamil neo-noir crime in Chennai" ("" with --like: '
                                      "the liked films alone make the query)")  # fmt: skip
    for knob in SearchParams.knobs():
        flags = dict.fromkeys([f"--{knob.name}", f"--{knob.name.replace('_', '-')}"])
        if knob.kind is tuple:  # a list of films: the flag repeats (--like "Drishyam" --like 12345)
            parser.add_argument(*flags, action="append", type=str, default=None, help=knob.help)
            continue
        default = "" if knob.default is None else f" (default {knob.default})"
        text = knob.help + default + (_unavailable_note() if knob.name == "method" else "")
        parser.add_argument(*flags, type=knob.kind, choices=knob.choices, default=knob.default, help=text)
    parser.add_argument("--artifacts", type=Path, default=None,
                        help="artifacts folder (default $MOVIE_ASSETS_HOME/processed/artifacts)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print a JSON array of hits instead of a table")
    parser.add_argument("--explain", action="store_true",
                        help="with --json: also print how the query was read on stderr (stdout stays the "
                             "bare array)")  # fmt: skip
    return parser


def _found_by(hit: Hit) -> str:
    parts = [f"dense#{hit.components.dense_rank}" if hit.components.dense_rank else "",
             f"bm25#{hit.components.bm25_rank}" if hit.components.bm25_rank else ""]  # fmt: skip
    return " ".join(p for p in parts if p) or "-"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_reading(result: SearchResult) -> list[str]:
    """How the query was read: its constraints (each with the words that signalled it), the words left to
    the retrievers, and how many hits satisfy every hard constraint."""
    parsed = result.parsed
    if parsed is None:
        return []
    lines = []
    for c in parsed.constraints:
        how = f"policy {result.policy}" if c.kind == "language" else ("filter" if c.hard else "boost")
        lines.append(
            f"read: {c.kind.replace('_', ' ')} {c.label} ({how}, from {c.words!r}, {c.confidence:.2f})"
        )
    if parsed.rest:
        lines.append(f"read: other words: {parsed.rest}")
    for seed in result.seeds:
        how = "like" if seed.liked else "unlike"
        lines.append(f"read: {how} {seed.title} ({seed.year or 'no year'}, {seed.original_language or '?'}, "
                     f"id {seed.movie_id})")  # fmt: skip
    if result.matched is not None:
        lines.append(f"read: {result.matched} of {len(result.hits)} hits satisfy every filter")
    return lines


def _why(hit: Hit) -> str:
    return " · ".join(reason.text for reason in hit.why if reason.kind != "retrievers")


def format_table(result: SearchResult) -> str:
    """The readable output: how the query was read, then one line per hit and why it is there."""
    if result.detected_language:
        language = f"{result.language_name} ({result.detected_language}), policy {result.policy}"
    else:
        language = f"none detected, policy {result.policy}"
    lines = [f"language: {language}"]
    if result.year_min is not None or result.year_max is not None:
        lines.append(f"years: {result.year_min or '...'}-{result.year_max or '...'}")
    lines += format_reading(result)
    lines += [f"note: {note}" for note in result.notes]
    if not result.hits:
        return "\n".join([*lines, "no movies match"])
    lines.append(
        f"{'rank':>4}  {'score':>8}  {'title':<40}  {'year':>4}  {'lang':<4}  {'genres':<28}  found by"
    )
    for hit in result.hits:
        lines.append(
            f"{hit.rank:>4}  {hit.score:>8.4f}  {_cut(hit.title, 40):<40}  {hit.year or '':>4}  "
            f"{hit.original_language or '':<4}  {_cut(', '.join(hit.genres), 28):<28}  {_found_by(hit)}"
        )
        if hit.other_titles:  # a line of its own: scripts are of other widths than the table's columns
            lines.append(f"{'':>16}also: {_cut(' · '.join(hit.other_titles), 100)}")
        if _why(hit):
            lines.append(f"{'':>16}why: {_cut(_why(hit), 100)}")
    return "\n".join(lines)


def _quiet_model_loading() -> None:
    # Model loaders draw progress bars and warnings on stderr, where this command promises a single line
    # on failure. Called only before a search that loads a model, so a bm25 query never imports them.
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as transformers_logging

    disable_progress_bars()
    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()


def _value(args: argparse.Namespace, knob: Knob) -> Any:
    value = getattr(args, knob.name)
    return tuple(value or ()) if knob.kind is tuple else value


def _fail(exc: Exception, code: int) -> int:
    print(f"movie-assets search: {' '.join(str(exc).split())}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the search command; exit status 0 (results), 2 (bad query or flag), 3 (artifacts or models)."""
    from movie_assets.config import load_dotenv_once

    load_dotenv_once()  # first: --help reads CROSS_ENCODER_NAME to say whether ce can run
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except _UsageError as exc:
        print(f"movie-assets search: {exc} (see --help)", file=sys.stderr)
        return EXIT_BAD_QUERY
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        # A bad query or knob is reported before the artifacts are even looked at.
        params = SearchParams(**{knob.name: _value(args, knob) for knob in SearchParams.knobs()})
        if not params.like:  # with liked films the query may be empty: they make it
            clean_query(args.query)
        searcher = Searcher.open(args.artifacts or default_artifacts_dir())
        # The set's ONNX encoder needs no quieting; torch's loaders (the fallback, the cross-encoder) do.
        if params.method == "ce" or (params.method != "bm25" and not searcher.encoder.load_onnx()):
            _quiet_model_loading()
        result = searcher.search(args.query, params)
    except QueryError as exc:
        return _fail(exc, EXIT_BAD_QUERY)
    except (ArtifactsError, ModelUnavailableError) as exc:
        return _fail(exc, EXIT_ARTIFACTS)
    if args.json:
        print(json.dumps([hit.to_dict() for hit in result.hits], ensure_ascii=False))
        if args.explain:
            reading = [f"language: {result.language_name or 'none detected'}", *format_reading(result)]
            print("\n".join([*reading, *(f"note: {note}" for note in result.notes)]), file=sys.stderr)
    else:
        print(format_table(result))
    return EXIT_OK
