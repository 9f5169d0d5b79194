"""Import TMDb-derived CSV dumps into a catalogue file (see `movie_assets.tmdb.catalogue`).

Each file's kind is recognised from its header (`dump_sources.KINDS`): the `tmdb_5000_movies`
file, the `tmdb-movies` teaching file and the `top10K-TMDB-movies` file. Rows are united by TMDb
id and each field takes the first non-empty value in this source order:

- most fields: tmdb_5000_movies > tmdb-movies > top10K-TMDB-movies. tmdb_5000 keeps TMDb's own
  structured cells (genre, keyword and company ids, spoken languages, status) in clean UTF-8;
  tmdb-movies adds imdb ids, cast and directors, but names only and with text that was mis-decoded
  (repaired here); top10K has the fewest fields.
- `title`: tmdb_5000 > top10K > tmdb-movies. tmdb-movies has only `original_title`, so it is the last
  resort for the display title (a foreign film would otherwise show its original-script title).
- `popularity`, `vote_average`, `vote_count`: top10K > tmdb_5000 > tmdb-movies, newest snapshot first
  (votes only grow; the top10K snapshot is years younger than the other two).
- `original_title` falls back to the chosen title when neither source that has one knows the movie.

Names-only people, keywords and companies get stable synthetic ids (`dump_values.synthetic_id`); a
names-only keyword or company that tmdb_5000 lists with its real id reuses that id. Genres map to TMDb
genre ids by name; names TMDb no longer lists are left out and counted in the report. Nothing is dropped
silently: malformed rows, duplicate ids and movies without a title or release date are reported with
the reason. A row whose quote is never closed is reported with its line and the lines it would have
swallowed are read on their own (`_records`); a text holding a control character other than tab or a line
break is refused with its row (`dump_values.clean_text`). An import that yields no movie writes nothing,
so an existing catalogue at `--out` is never replaced by an empty one.
"""

from __future__ import annotations

import csv
import gzip
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from movie_assets.dumps.movie import build_movie, real_ids
from movie_assets.dumps.report import ImportReport, SourceStats, coverage_counts
from movie_assets.dumps.sources import (
    KINDS,
    MISDECODED_KINDS,
    DumpKind,
    Partial,
    clean_partial,
    detect_kind,
    repair_row,
)
from movie_assets.dumps.values import RowError
from movie_assets.tmdb import write_catalogue

_DEFAULT_ORDER = ("tmdb_5000_movies", "tmdb-movies", "top10K-TMDB-movies")
_FIELD_ORDER: dict[str, tuple[str, ...]] = {
    "title": ("tmdb_5000_movies", "top10K-TMDB-movies", "tmdb-movies"),
    **dict.fromkeys(
        ("popularity", "vote_average", "vote_count"),
        ("top10K-TMDB-movies", "tmdb_5000_movies", "tmdb-movies"),
    ),
}


class DumpImportError(ValueError):
    """Input that cannot be imported at all (missing, unreadable, unknown header, or no movie in it)."""


@contextmanager
def _open_csv(path: Path) -> Iterator[TextIO]:
    # utf-8-sig: spreadsheet exports often start with a BOM, which would otherwise stick to the first column.
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
            yield fh  # type: ignore[misc]
    else:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            yield fh


class _Lines:
    """The file's lines, fed to `csv.reader` one by one, remembering which lines the current record took.

    Line numbers count line feeds, as editors and `sed -n` do; a lone CR (which some overviews hold) does
    not start a new line. Lines can be handed back, so that reading resumes inside a record that was given up.
    """

    def __init__(self, fh: TextIO) -> None:
        self._source = iter(fh)
        self._next_number = 1
        self._returned: list[tuple[int, str]] = []  # handed back, the next one last
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._returned:
            number, line = self._returned.pop()
        else:
            line = next(self._source)
            number = self._next_number
            self._next_number += line.count("\n")
        self.taken.append((number, line))
        return line

    def give_back(self, lines: list[tuple[int, str]]) -> None:
        self._returned.extend(reversed(lines))


@dataclass
class _Record:
    first_line: int
    last_line: int
    fields: list[str] | None  # None: the record could not be read (see `broken`)
    broken: str = ""


def _records(fh: TextIO) -> Iterator[_Record]:
    """The header, then every record of the file with the lines it spans.

    A quote that is never closed makes a lenient CSV reader run on through the following lines, taking the
    rows on them into one field (silently, when the quotes happen to pair up again). So the reader is strict:
    a quote must close a field right before a comma or the end of a line, and the file must not end inside a
    quoted field. A record that breaks this is given up alone, as a row the report names with its first line;
    the lines it ran on through are handed back and read again as rows of their own. Rejecting the row rather
    than the file keeps every other row, and the report says which line to fix; rejecting the whole file
    would throw away thousands of good rows over one stray quote.
    """
    lines = _Lines(fh)
    reader = csv.reader(lines, strict=True)
    while True:
        lines.taken = []
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            first = lines.taken[0][0]
            rest = lines.taken[1:]
            later = sorted({number for number, _ in rest if number != first})
            if later:
                swallowed = f"lines {later[0]}-{later[-1]}" if len(later) > 1 else f"line {later[0]}"
                verb = "were" if len(later) > 1 else "was"
                broken = (
                    f"a quote in the row on line {first} is not closed where the row ends ({exc}); read on, "
                    f"it swallowed {swallowed}, which {verb} read again as rows of their own; fix the quotes "
                    f"on line {first} and import again"
                )
            else:
                broken = (
                    f"a quote in the row on line {first} is misplaced or not closed ({exc}); fix the quotes "
                    f"on line {first} and import again"
                )
            lines.give_back(rest)
            reader = csv.reader(lines, strict=True)  # a fresh reader: no state left from the broken record
            yield _Record(first, (later or [first])[-1], None, broken)
            continue
        if fields:  # a blank line is no record
            yield _Record(lines.taken[0][0], lines.taken[-1][0], fields)


def _parse_row(row: dict[str, str], kind: DumpKind, acc: dict[str, Any]) -> Partial:
    row, repaired, lossy = repair_row(row, misdecoded=kind.name in MISDECODED_KINDS)
    acc["repaired"] += repaired
    acc["lossy"] += lossy
    return clean_partial(kind.parse(row))


def _read_source(path: Path, index: int, stats: SourceStats, acc: dict[str, Any]) -> list[Partial]:
    """Parse one file into partial movies; bad and duplicate rows go to acc["skipped"] with the reason."""
    partials: list[Partial] = []
    seen: set[int] = set()
    try:
        with _open_csv(path) as fh:
            records = _records(fh)
            head = next(records, None)
            if head is not None and head.fields is None:
                raise DumpImportError(f"{path}: cannot read its header: {head.broken}")
            header = [column.strip() for column in (head.fields if head else [])]
            kind = detect_kind(header, str(path))
            stats.kind = kind.name
            for record in records:
                stats.rows_read += 1
                if record.fields is None:
                    acc["skipped"].append((stats.name, f"line {record.first_line}", record.broken))
                    continue
                row = dict(zip(header, record.fields, strict=False))
                row_id = (row.get("id") or "").strip() or f"line {record.first_line}"
                try:
                    if len(record.fields) != len(header):
                        raise RowError(
                            f"row has a different number of fields than the header ({len(header)})"
                        )
                    partial = _parse_row(row, kind, acc)
                except RowError as exc:
                    acc["skipped"].append((stats.name, row_id, str(exc)))
                    continue
                if partial["id"] in seen:
                    acc["skipped"].append(
                        (stats.name, row_id, "duplicate id: an earlier row of this file has it")
                    )
                    continue
                seen.add(partial["id"])
                acc["unknown_genres"].update(partial.pop("unknown_genres", []))
                partials.append(partial)
    except FileNotFoundError:
        raise DumpImportError(f"{path}: no such file") from None
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:  # EOFError: a truncated .gz
        raise DumpImportError(f"{path}: cannot read it as a (gzipped) UTF-8 CSV file: {exc}") from None
    except ValueError as exc:  # unknown header
        if isinstance(exc, DumpImportError):
            raise
        raise DumpImportError(str(exc)) from None
    return partials


def _merge(contributions: list[tuple[int, str, Partial]]) -> dict[str, Any]:
    """First non-empty value per field, in the field's source order (then the order files were given)."""
    fields: dict[str, Any] = {}
    for name in {key for _, _, partial in contributions for key in partial}:
        order = _FIELD_ORDER.get(name, _DEFAULT_ORDER)
        ranked = sorted((order.index(kind), index, p) for index, kind, p in contributions if name in p)
        fields[name] = ranked[0][2][name]
    return fields


def _why_no_movies(stats: list[SourceStats], skipped: list[tuple[str, str, str]]) -> str:
    rows = sum(src.rows_read for src in stats)
    if not rows:
        return "the input has a header but no rows"
    source, row_id, reason = skipped[0]
    made = "its one row made no movie" if rows == 1 else f"none of its {rows:,} rows made a movie"
    return f"{made} (e.g. {source} id={row_id}: {reason})"


def _left_as_is(out: Path) -> str:
    return f"{out} was left as it was" if out.exists() else f"{out} was not written"


def import_dumps(files: Sequence[Path], out: Path) -> ImportReport:
    """Convert TMDb-derived CSV dumps (plain or .gz) into a catalogue at `out` (gzipped if it ends in .gz)."""
    if not files:
        raise DumpImportError("no dump files given; pass one or more CSV files")
    files = [Path(f) for f in files]
    out = Path(out)
    for path in files:
        if path.exists() and out.exists() and path.samefile(out):
            raise DumpImportError(f"--out {out} is also an input file; write the catalogue somewhere else")
    stats = [SourceStats(name=f.name, kind="") for f in files]
    acc: dict[str, Any] = {"skipped": [], "unknown_genres": Counter(), "repaired": 0, "lossy": 0}
    by_movie: dict[int, list[tuple[int, str, Partial]]] = {}
    for index, path in enumerate(files):
        for partial in _read_source(path, index, stats[index], acc):
            by_movie.setdefault(partial["id"], []).append((index, stats[index].kind, partial))

    keyword_ids, company_ids = real_ids(p for contribs in by_movie.values() for _, _, p in contribs)
    movies: list[dict[str, Any]] = []
    for mid in sorted(by_movie):
        contributions = by_movie[mid]
        fields = _merge(contributions)
        missing = [what for what in ("title", "release_date") if what not in fields]
        if missing:
            reason = f"no {' or '.join(m.replace('_', ' ') for m in missing)} in any source"
            acc["skipped"].extend((stats[index].name, str(mid), reason) for index, _, _ in contributions)
            continue
        for index, _, _ in contributions:
            stats[index].rows_used += 1
        movies.append(build_movie(mid, fields, keyword_ids, company_ids))

    if not movies:
        # Writing would replace whatever catalogue `out` holds with an empty one: refuse, leave it as it is.
        why = _why_no_movies(stats, acc["skipped"])
        raise DumpImportError(f"nothing to import: {why}; {_left_as_is(out)}")
    written = write_catalogue(movies, out)
    return ImportReport(
        out=out,
        sources=stats,
        movies_written=written,
        skipped=acc["skipped"],
        coverage_counts=coverage_counts(movies),
        unknown_genres=dict(acc["unknown_genres"]),
        repaired_cells=acc["repaired"],
        lossy_cells=acc["lossy"],
    )


def main_import(files: list[str], out: str) -> int:
    """`movie-assets import-dump FILE... --out CATALOG`: print the report; bad input exits 2 (one line)."""
    try:
        report = import_dumps([Path(f) for f in files], Path(out))
    except DumpImportError as exc:
        # One line, whatever a quoted cell in the message holds.
        print("import-dump: " + " ".join(str(exc).splitlines()), file=sys.stderr)
        return 2
    except OSError as exc:  # the output could not be written
        print(f"import-dump: cannot write {out}: {exc}", file=sys.stderr)
        return 2
    print(report.to_text())
    return 0


__all__ = ["KINDS", "DumpImportError", "ImportReport", "import_dumps", "main_import"]
