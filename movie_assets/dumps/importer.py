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
the reason.
"""

from __future__ import annotations

import csv
import gzip
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from movie_assets.dumps.movie import build_movie, real_ids
from movie_assets.dumps.report import ImportReport, SourceStats, coverage_counts
from movie_assets.dumps.sources import KINDS, MISDECODED_KINDS, DumpKind, Partial, detect_kind, repair_row
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
    """An input file that cannot be imported at all (missing, unreadable, unknown header)."""


@contextmanager
def _open_csv(path: Path) -> Iterator[TextIO]:
    # utf-8-sig: spreadsheet exports often start with a BOM, which would otherwise stick to the first column.
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
            yield fh  # type: ignore[misc]
    else:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            yield fh


def _parse_row(row: dict[str, Any], kind: DumpKind, width: int, acc: dict[str, Any]) -> Partial:
    if None in row or None in row.values():
        raise RowError(f"row has a different number of fields than the header ({width})")
    if kind.name in MISDECODED_KINDS:
        row, repaired, lossy = repair_row(row)
        acc["repaired"] += repaired
        acc["lossy"] += lossy
    return kind.parse(row)


def _read_source(path: Path, index: int, stats: SourceStats, acc: dict[str, Any]) -> list[Partial]:
    """Parse one file into partial movies; bad and duplicate rows go to acc["skipped"] with the reason."""
    partials: list[Partial] = []
    seen: set[int] = set()
    try:
        with _open_csv(path) as fh:
            reader = csv.DictReader(fh)
            kind = detect_kind(reader.fieldnames or [], str(path))
            stats.kind = kind.name
            for row in reader:
                stats.rows_read += 1
                row_id = (row.get("id") or "").strip() or f"line {reader.line_num}"
                try:
                    partial = _parse_row(row, kind, len(reader.fieldnames or []), acc)
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
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DumpImportError(f"{path}: cannot read it as a (gzipped) UTF-8 CSV file: {exc}") from None
    except ValueError as exc:  # unknown header
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


def import_dumps(files: Sequence[Path], out: Path) -> ImportReport:
    """Convert TMDb-derived CSV dumps (plain or .gz) into a catalogue at `out` (gzipped if it ends in .gz)."""
    if not files:
        raise DumpImportError("no dump files given; pass one or more CSV files")
    files = [Path(f) for f in files]
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

    written = write_catalogue(movies, out)
    return ImportReport(
        out=Path(out),
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
        print(f"import-dump: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the output could not be written
        print(f"import-dump: cannot write {out}: {exc}", file=sys.stderr)
        return 2
    print(report.to_text())
    return 0


__all__ = ["KINDS", "DumpImportError", "ImportReport", "import_dumps", "main_import"]
