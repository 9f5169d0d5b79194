from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from movie_assets.dumps.importer import DumpImportError, import_dumps, main_import
from movie_assets.dumps.values import (
    SYNTHETIC_ID_BASE,
    RowError,
    parse_mdy_date,
    repair_mojibake,
    synthetic_id,
)
from movie_assets.tmdb.catalogue import read_catalogue

TMDB_5000_HEADER = [
    "budget", "genres", "homepage", "id", "keywords", "original_language", "original_title", "overview",
    "popularity", "production_companies", "production_countries", "release_date", "revenue", "runtime",
    "spoken_languages", "status", "tagline", "title", "vote_average", "vote_count",
]  # fmt: skip
TMDB_MOVIES_HEADER = [
    "id", "imdb_id", "popularity", "budget", "revenue", "original_title", "cast", "homepage", "director",
    "tagline", "keywords", "overview", "runtime", "genres", "production_companies", "release_date",
    "vote_count", "vote_average", "release_year", "budget_adj", "revenue_adj",
]  # fmt: skip
TOP10K_HEADER = [
    "id", "title", "genre", "original_language", "overview", "popularity", "release_date", "vote_average",
    "vote_count",
]  # fmt: skip


def _mojibake(text: str) -> str:
    """How the tmdb-movies file spells UTF-8 text: bytes read as cp1252, undefined bytes lost."""
    return text.encode("utf-8").decode("cp1252", errors="ignore")


def _write_csv(path: Path, header: list[str], rows: list[dict[str, Any]]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in header})
    return path


def _tmdb_5000(path: Path) -> Path:
    alpha = {
        "id": "10", "title": "Alpha", "original_title": "Alpha Orig", "overview": "A5000 overview",
        "genres": json.dumps([{"id": 28, "name": "Action"}, {"id": 10769, "name": "Foreign"}]),
        "keywords": json.dumps([{"id": 5, "name": "heist"}, {"id": 13091, "name": "\u00a0"}]),
        "release_date": "2001-02-03", "runtime": "100.0", "vote_count": "50", "popularity": "1.5",
        "vote_average": "6.0", "original_language": "fr", "status": "Released", "budget": "1000",
        "revenue": "0", "spoken_languages": json.dumps([{"iso_639_1": "fr", "name": "Français"}]),
        "production_companies": json.dumps([{"name": "Studio A", "id": 7}]),
        "production_countries": json.dumps([{"iso_3166_1": "FR", "name": "France"}]),
    }  # fmt: skip
    dateless = {"id": "30", "title": "Dateless", "vote_count": "1", "popularity": "0.1", "vote_average": "5"}
    return _write_csv(path, TMDB_5000_HEADER, [alpha, dateless, {"id": "x1", "title": "Bad id"}])


def _tmdb_movies(path: Path) -> Path:
    common = {"popularity": "0.5", "vote_average": "5.5", "vote_count": "40", "budget": "0", "revenue": "0"}
    rows = [
        {**common, "id": "10", "original_title": "Alpha Orig B", "cast": "Ann Actor|Bob Actor|ann  actor",
         "director": "Dee Director", "keywords": "heist|night", "genres": "Action|Science Fiction",
         "overview": "B overview", "imdb_id": "tt0000010", "runtime": "0", "release_date": "2/3/2001",
         "release_year": "2001"},
        {**common, "id": "20", "original_title": _mojibake("Autómata"), "cast": "Zed Actor|Amy Actor",
         "director": "Dee Director|Eve Director", "genres": "Drama|TV Movie", "keywords": "heist|robot",
         "production_companies": "Studio A|Studio B", "overview": "B20 overview", "imdb_id": "tt0000020",
         "runtime": "95", "release_date": "6/9/15", "release_year": "2015"},
        {**common, "id": "21", "original_title": "Old One", "genres": "None", "runtime": "0",
         "release_date": "6/9/15", "release_year": "1915"},
        {**common, "id": "22", "original_title": "Bad Date", "release_date": "13/40/2015",
         "release_year": "2015"},
        {**common, "id": "20", "original_title": "Duplicate", "release_date": "1/1/2015",
         "release_year": "2015"},
        {**common, "id": "23", "original_title": "No Year", "release_date": "6/9/15", "release_year": ""},
    ]  # fmt: skip
    return _write_csv(path, TMDB_MOVIES_HEADER, rows)


def _top10k(path: Path) -> Path:
    rows = [
        {"id": "10", "title": "Alpha Top", "genre": "Action,Drama", "original_language": "en",
         "overview": "Top overview", "popularity": "9.5", "release_date": "2001-02-04", "vote_average": "7.0",
         "vote_count": "99"},
        {"id": "20", "title": "Automata", "genre": "Drama", "original_language": "es", "popularity": "2.0",
         "release_date": "2015-06-10", "vote_average": "6.1", "vote_count": "5"},
        {"id": "40", "title": "Only Top", "genre": "Comedy, Made Up", "original_language": "ja",
         "popularity": "1.0", "release_date": "1999-12-31", "vote_average": "4.0", "vote_count": "3"},
        {"id": "50", "title": "", "genre": "Drama", "popularity": "1.0", "release_date": "2000-01-01",
         "vote_average": "4.0", "vote_count": "3"},
    ]  # fmt: skip
    return _write_csv(path, TOP10K_HEADER, rows)


@pytest.fixture
def dumps(tmp_path: Path) -> list[Path]:
    # Given out of source order, one gzipped: kind detection, not position or name, decides precedence.
    return [_top10k(tmp_path / "c.csv"), _tmdb_5000(tmp_path / "a.csv.gz"), _tmdb_movies(tmp_path / "b.csv")]


@pytest.fixture
def imported(dumps: list[Path], tmp_path: Path) -> tuple[Any, dict[int, dict[str, Any]]]:
    report = import_dumps(dumps, tmp_path / "out" / "catalogue.jsonl.gz")
    return report, {movie["id"]: movie for movie in read_catalogue(report.out)}


def test_union_and_source_order(imported: tuple[Any, dict[int, dict[str, Any]]]) -> None:
    report, movies = imported
    assert sorted(movies) == [10, 20, 21, 40]
    assert report.movies_written == 4
    alpha = movies[10]
    # descriptive fields from tmdb_5000, votes from top10K, credits and imdb id from tmdb-movies
    assert (alpha["title"], alpha["original_title"], alpha["overview"]) == (
        "Alpha",
        "Alpha Orig",
        "A5000 overview",
    )
    assert (alpha["release_date"], alpha["runtime"], alpha["original_language"]) == ("2001-02-03", 100, "fr")
    assert (alpha["vote_count"], alpha["popularity"], alpha["vote_average"]) == (99, 9.5, 7.0)
    assert alpha["imdb_id"] == "tt0000010"
    assert alpha["genres"] == [{"id": 28, "name": "Action"}]
    assert alpha["keywords"] == {"keywords": [{"id": 5, "name": "heist"}]}
    assert alpha["production_companies"] == [
        {"id": 7, "logo_path": None, "name": "Studio A", "origin_country": None}
    ]
    assert alpha["spoken_languages"] == [{"english_name": None, "iso_639_1": "fr", "name": "Français"}]
    assert (alpha["budget"], alpha["revenue"], alpha["status"]) == (1000, 0, "Released")
    assert (alpha["adult"], alpha["video"], alpha["poster_path"], alpha["origin_country"]) == (
        False,
        False,
        None,
        [],
    )

    automata = movies[20]
    # display title from top10K; tmdb-movies' only title (repaired) is the original title
    assert (automata["title"], automata["original_title"]) == ("Automata", "Autómata")
    assert (automata["release_date"], automata["original_language"], automata["vote_count"]) == (
        "2015-06-09",
        "es",
        5,
    )
    assert automata["genres"] == [{"id": 18, "name": "Drama"}, {"id": 10770, "name": "TV Movie"}]
    assert (automata["overview"], automata["runtime"], automata["status"]) == ("B20 overview", 95, None)

    old = movies[21]
    assert (old["title"], old["original_title"], old["release_date"]) == ("Old One", "Old One", "1915-06-09")
    assert (old["genres"], old["runtime"], old["original_language"]) == ([], None, None)
    assert old["credits"] == {"cast": [], "crew": []} and old["keywords"] == {"keywords": []}
    assert movies[40]["genres"] == [{"id": 35, "name": "Comedy"}] and movies[40]["overview"] is None


def test_credits_and_keyword_ids(imported: tuple[Any, dict[int, dict[str, Any]]]) -> None:
    _, movies = imported
    cast = movies[10]["credits"]["cast"]
    # "ann  actor" is the same person as "Ann Actor": one credit, billing order kept
    assert [(c["name"], c["order"], c["id"]) for c in cast] == [
        ("Ann Actor", 0, synthetic_id("person", "Ann Actor")),
        ("Bob Actor", 1, synthetic_id("person", "Bob Actor")),
    ]
    crew = movies[20]["credits"]["crew"]
    assert [(c["name"], c["job"], c["department"]) for c in crew] == [
        ("Dee Director", "Director", "Directing"),
        ("Eve Director", "Director", "Directing"),
    ]
    assert crew[0]["id"] == movies[10]["credits"]["crew"][0]["id"]  # the same person across movies
    assert (
        len({c["credit_id"] for m in movies.values() for c in m["credits"]["cast"] + m["credits"]["crew"]})
        == 7
    )
    # a names-only keyword or company that tmdb_5000 lists with its id reuses it; others are synthetic
    assert movies[20]["keywords"]["keywords"] == [
        {"id": 5, "name": "heist"},
        {"id": synthetic_id("keyword", "robot"), "name": "robot"},
    ]
    assert [c["id"] for c in movies[20]["production_companies"]] == [7, synthetic_id("company", "Studio B")]


def test_report_rows_skips_genres_and_coverage(imported: tuple[Any, dict[int, dict[str, Any]]]) -> None:
    report, _ = imported
    assert [(s.name, s.kind, s.rows_read, s.rows_used) for s in report.sources] == [
        ("c.csv", "top10K-TMDB-movies", 4, 3),
        ("a.csv.gz", "tmdb_5000_movies", 3, 1),
        ("b.csv", "tmdb-movies", 6, 3),
    ]
    assert report.skipped == [
        ("a.csv.gz", "x1", "id 'x1' is not a positive integer"),
        ("b.csv", "22", "release_date '13/40/2015' is not a calendar date"),
        ("b.csv", "20", "duplicate id: an earlier row of this file has it"),
        ("b.csv", "23", "release_date '6/9/15' has a two-digit year and release_year is empty"),
        ("a.csv.gz", "30", "no release date in any source"),
        ("c.csv", "50", "no title in any source"),
    ]
    assert report.unknown_genres == {"Foreign": 1, "Made Up": 1}
    assert report.repaired_cells == 1 and report.lossy_cells == 0
    assert report.coverage_counts == {
        "title": 4, "overview": 2, "release_date": 4, "original_language": 3, "genres": 3, "keywords": 2,
        "cast": 2, "directors": 2, "runtime": 2, "imdb_id": 2, "poster_path": 0, "vote_count": 4,
    }  # fmt: skip
    assert report.coverage["overview"] == 0.5 and report.coverage["title"] == 1.0
    text = report.to_text()
    assert "c.csv [top10K-TMDB-movies]: 4 rows read, 3 used" in text
    assert "overview" in text and "50.0%" in text
    assert "b.csv id=23: release_date '6/9/15' has a two-digit year" in text
    assert "Foreign (1), Made Up (1)" in text
    short = report.to_text(max_skipped=2)
    assert "skipped: 6" in short and "b.csv id=22" in short and "b.csv id=20" not in short
    assert short.endswith("  ... and 4 more")


def test_output_is_identical_across_runs(dumps: list[Path], tmp_path: Path) -> None:
    first = import_dumps(dumps, tmp_path / "one.jsonl").out.read_bytes()
    second = import_dumps(list(reversed(dumps)), tmp_path / "two.jsonl").out.read_bytes()
    assert first == second


def test_synthetic_ids_are_stable_across_processes() -> None:
    code = "from movie_assets.dumps.values import synthetic_id; print(synthetic_id('person', 'Ann Actor'))"
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) == synthetic_id("person", "Ann Actor")
    assert synthetic_id("person", " ANN   actor ") == synthetic_id("person", "Ann Actor")
    assert synthetic_id("keyword", "Ann Actor") != synthetic_id("person", "Ann Actor")
    assert SYNTHETIC_ID_BASE <= synthetic_id("person", "Ann Actor") < 2 * SYNTHETIC_ID_BASE


@pytest.mark.parametrize(
    ("raw", "release_year", "expected"),
    [
        ("6/9/2015", "2015", date(2015, 6, 9)),
        ("12/31/1999", "", date(1999, 12, 31)),
        ("6/9/15", "2015", date(2015, 6, 9)),
        ("6/9/15", "1915", date(1915, 6, 9)),
        ("1/2/02", "1902", date(1902, 1, 2)),
        ("", "2015", None),
    ],
)
def test_mdy_dates(raw: str, release_year: str, expected: date | None) -> None:
    assert parse_mdy_date(raw, release_year) == expected


@pytest.mark.parametrize(
    ("raw", "release_year", "message"),
    [
        ("6/9/15", "", "two-digit year and release_year is empty"),
        ("6/9/15", "2014", "disagrees with release_year 2014"),
        ("6/9/2015", "2014", "disagrees with release_year 2014"),
        ("2015-06-09", "2015", "is not M/D/YYYY"),
        ("2/30/2015", "2015", "is not a calendar date"),
    ],
)
def test_bad_mdy_dates(raw: str, release_year: str, message: str) -> None:
    with pytest.raises(RowError, match=message):
        parse_mdy_date(raw, release_year)


@pytest.mark.parametrize(
    ("text", "expected", "lossy"),
    [
        (_mojibake("Autómata"), "Autómata", False),
        (_mojibake("“Quoted”"), "“Quoted”", False),  # the closing quote's last byte is lost, then restored
        (_mojibake("解救吴先生"), "解救\ufffd先生", True),  # 吴's middle byte is lost for good
        ("Café", "Café", False),  # genuine cp1252 text is not UTF-8 underneath
        ("Plain", "Plain", False),
        ("等一個人咖啡", "等一個人咖啡", False),  # correct text outside cp1252 is left alone
    ],
)
def test_repair_mojibake(text: str, expected: str, lossy: bool) -> None:
    assert repair_mojibake(text) == (expected, lossy)


def test_unknown_header_names_file_and_expected_columns(tmp_path: Path) -> None:
    bad = _write_csv(tmp_path / "other.csv", ["movieId", "title", "genres"], [{"movieId": "1"}])
    with pytest.raises(DumpImportError) as excinfo:
        import_dumps([bad], tmp_path / "out.jsonl")
    message = str(excinfo.value)
    assert (
        str(bad) in message and "tmdb_5000_movies: id, title" in message and "top10K-TMDB-movies" in message
    )
    assert not (tmp_path / "out.jsonl").exists()


TOP10K_ROW = "{id},{title},Drama,en,{overview},1.0,2000-01-01,5.0,3"


def _top10k_text(path: Path, *rows: str) -> Path:
    """A top10K file written byte for byte, so a test can hold the malformed CSV a writer would never make."""
    path.write_bytes((",".join(TOP10K_HEADER) + "\n" + "".join(rows)).encode())
    return path


def _row(movie_id: int, title: str = "", overview: str = "x") -> str:
    return TOP10K_ROW.format(id=movie_id, title=title or f"Movie {movie_id}", overview=overview) + "\n"


def test_row_with_wrong_field_count_is_reported(tmp_path: Path) -> None:
    path = _top10k_text(tmp_path / "top.csv", _row(6), _row(7).rstrip("\n") + ",extra\n")
    report = import_dumps([path], tmp_path / "out.jsonl")
    assert report.movies_written == 1
    assert report.skipped == [("top.csv", "7", "row has a different number of fields than the header (9)")]


@pytest.mark.parametrize("rows", [(), (_row(7).rstrip("\n") + ",extra\n",)])
def test_an_import_without_movies_leaves_an_existing_catalogue_as_it_was(
    tmp_path: Path, rows: tuple[str, ...], dumps: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression: a header-only file exited 0 and replaced the catalogue with an empty one.
    out = tmp_path / "catalogue.jsonl.gz"
    assert main_import([str(p) for p in dumps], str(out)) == 0
    before = out.read_bytes()
    capsys.readouterr()
    empty = _top10k_text(tmp_path / "empty.csv", *rows)
    assert main_import([str(empty)], str(out)) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("import-dump: nothing to import: ")
    assert (
        "a header but no rows" if not rows else "empty.csv id=7: row has a different number"
    ) in captured.err
    assert f"{out} was left as it was" in captured.err
    assert out.read_bytes() == before
    with pytest.raises(DumpImportError, match="was not written"):
        import_dumps([empty], tmp_path / "new.jsonl")
    assert not (tmp_path / "new.jsonl").exists()


def test_a_truncated_gzip_is_a_clear_error(tmp_path: Path, dumps: list[Path]) -> None:
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(dumps[1].read_bytes()[:-12])  # the gzip trailer (and a little data) missing
    with pytest.raises(DumpImportError, match=r"cut\.csv\.gz: cannot read it as a \(gzipped\) UTF-8 CSV"):
        import_dumps([cut], tmp_path / "out.jsonl")


def test_out_that_is_an_input_is_refused(dumps: list[Path]) -> None:
    before = dumps[0].read_bytes()
    with pytest.raises(DumpImportError, match="is also an input file"):
        import_dumps(dumps, dumps[0])
    assert dumps[0].read_bytes() == before


@pytest.mark.parametrize(
    ("bad", "swallowed"),
    [
        # The stray quote pairs up with the next quoted cell: a lenient reader took line 4 into the overview
        # of line 3 and reported nothing but "3 rows read, 2 used".
        (_row(2, overview='"He said hi'), "line 4"),
        # Never closed: a lenient reader ran on to the end of the file.
        (_row(2, title='"Two'), "lines 4-5"),
    ],
)
def test_unterminated_quote_skips_its_row_and_rereads_the_rows_it_swallowed(
    tmp_path: Path, bad: str, swallowed: str
) -> None:
    later = (_row(3, overview='"y"'), _row(4)) if swallowed == "line 4" else (_row(3), _row(4))
    path = _top10k_text(tmp_path / "top.csv", _row(1), bad, *later)
    report = import_dumps([path], tmp_path / "out.jsonl")
    movies = {m["id"]: m for m in read_catalogue(report.out)}
    assert sorted(movies) == [1, 3, 4]
    assert movies[3]["overview"] == ("y" if swallowed == "line 4" else "x")
    assert (report.sources[0].rows_read, report.sources[0].rows_used) == (4, 3)
    [(source, row_id, reason)] = report.skipped
    assert (source, row_id) == ("top.csv", "line 3")  # line 1 is the header
    assert reason.startswith("a quote in the row on line 3 is not closed where the row ends")
    assert f"it swallowed {swallowed}, which" in reason and "fix the quotes on line 3" in reason


def test_line_numbers_count_line_feeds_past_quoted_line_breaks(tmp_path: Path) -> None:
    # Quoted CR LF, lone CR and LF inside overviews are text: rows on lines 2-3 and 4-5, so the third is on
    # line 6 (a lone CR starts no line).
    path = _top10k_text(
        tmp_path / "top.csv",
        _row(1, overview='"one\r\ntwo"'),
        _row(2, overview='"three\rfour\nfive"'),
        _row(3, title='"Three'),
    )
    report = import_dumps([path], tmp_path / "out.jsonl")
    assert [row_id for _, row_id, _ in report.skipped] == ["line 6"]
    assert report.skipped[0][2].startswith("a quote in the row on line 6 is misplaced or not closed")
    movies = {m["id"]: m for m in read_catalogue(report.out)}
    assert (movies[1]["overview"], movies[2]["overview"]) == ("one\ntwo", "three\nfour\nfive")


def test_a_quote_misplaced_within_one_line_skips_only_that_row(tmp_path: Path) -> None:
    path = _top10k_text(tmp_path / "top.csv", _row(1, title='"Bad"title'), _row(2))
    report = import_dumps([path], tmp_path / "out.jsonl")
    assert [m["id"] for m in read_catalogue(report.out)] == [2]
    [(_, row_id, reason)] = report.skipped
    assert row_id == "line 2"
    assert reason.startswith("a quote in the row on line 2 is misplaced or not closed (',' expected after")
    assert reason.endswith("fix the quotes on line 2 and import again")


@pytest.mark.parametrize(
    ("title", "overview", "message"),
    [
        ("Star\x00Wars", "x", "title holds the control character U+0000 at position 4 ('Star\\x00Wars')"),
        ("Fine", "bell\x07", "overview holds the control character U+0007 at position 4"),
        ("Fine", "del\x7f", "overview holds the control character U+007F"),
        ("Fine", "c1 \x81", "overview holds the control character U+0081"),  # undefined in cp1252
    ],
)
def test_control_characters_are_refused_with_the_row(
    tmp_path: Path, title: str, overview: str, message: str
) -> None:
    # Regression: a NUL inside a title went into the catalogue.
    path = _top10k_text(tmp_path / "top.csv", _row(1, title=title, overview=overview), _row(2))
    report = import_dumps([path], tmp_path / "out.jsonl")
    assert [m["id"] for m in read_catalogue(report.out)] == [2]
    [(_, row_id, reason)] = report.skipped
    assert (
        row_id == "1"
        and reason.startswith(message)
        and reason.endswith("remove it from the file and import again")
    )


def test_control_characters_in_json_names_are_refused(tmp_path: Path) -> None:
    row = {
        "id": "5", "title": "Five", "release_date": "2001-01-01",
        "keywords": json.dumps([{"id": 1, "name": "bad\u0000word"}]),
    }  # fmt: skip
    path = _write_csv(tmp_path / "five.csv", TMDB_5000_HEADER, [row, {**row, "id": "6", "keywords": ""}])
    report = import_dumps([path], tmp_path / "out.jsonl")
    assert [m["id"] for m in read_catalogue(report.out)] == [6]
    assert report.skipped[0][:2] == ("five.csv", "5")
    assert report.skipped[0][2].startswith("keywords holds the control character U+0000")


def test_harmless_control_characters_are_tidied_not_refused(tmp_path: Path) -> None:
    path = _top10k_text(
        tmp_path / "top.csv",
        _row(
            1,
            title='"Two\tWords"',
            overview='"Para one.\r\n\r\nPara\ttwo,\rand \x93three\x94 \x97 Alice\x92s"',
        ),
    )
    report = import_dumps([path], tmp_path / "out.jsonl")
    [movie] = read_catalogue(report.out)
    assert movie["title"] == "Two Words"  # a title is one line
    # prose keeps tabs and paragraphs (CR LF and lone CR become LF); C1 controls were cp1252 punctuation
    assert movie["overview"] == "Para one.\n\nPara\ttwo,\nand \u201cthree\u201d \u2014 Alice\u2019s"
    assert report.skipped == [] and report.repaired_cells == 1


def test_main_import_prints_report_or_fails_with_one_line(
    dumps: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main_import([str(p) for p in dumps], str(tmp_path / "cat.jsonl")) == 0
    assert "(4 movies)" in capsys.readouterr().out
    assert main_import([str(tmp_path / "missing.csv")], str(tmp_path / "cat2.jsonl")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.csv: no such file" in err
    assert main_import([], str(tmp_path / "cat3.jsonl")) == 2


REAL_DUMPS = Path(__file__).parents[2].parent / "shared" / "data" / "catalog"
REAL_FILES = ("tmdb_5000_movies.csv.gz", "tmdb-movies.csv.gz", "top10K-TMDB-movies.csv.gz")


@pytest.mark.integration
@pytest.mark.skipif(not (REAL_DUMPS / REAL_FILES[0]).exists(), reason="../shared/data/catalog is absent")
def test_real_dumps(tmp_path: Path) -> None:
    report = import_dumps([REAL_DUMPS / name for name in REAL_FILES], tmp_path / "catalogue.jsonl.gz")
    movies = read_catalogue(report.out)
    assert len(movies) == report.movies_written == len({m["id"] for m in movies})
    # SOURCES.md's 15,834 is the union of ids; one movie (tmdb_5000 only) has no date anywhere
    assert report.skipped == [
        ("tmdb-movies.csv.gz", "42194", "duplicate id: an earlier row of this file has it"),
        ("tmdb_5000_movies.csv.gz", "380097", "no release date in any source"),
    ]
    assert report.movies_written + 1 == 15_834
    counts = report.coverage_counts
    assert counts["overview"] == 15_813  # 20 ids of the union have no overview in any source
    assert (counts["cast"], counts["directors"], counts["original_language"]) == (10_789, 10_821, 11_405)
    assert (counts["imdb_id"], counts["runtime"], counts["keywords"]) == (10_855, 11_848, 10_190)
    assert counts["title"] == counts["release_date"] == counts["vote_count"] == 15_833
    years = sorted(int(m["release_date"][:4]) for m in movies)
    assert (years[0], years[-1]) == (1902, 2022)
    assert report.unknown_genres == {"Foreign": 222}
