"""TREC-ToT queries: answer reveals stripped, gold IMDb ids mapped to catalogue TMDb ids, drops counted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from movie_assets.evaluation.tomt import (
    catalogue_imdb_map,
    clean_title,
    default_links_path,
    default_queries_path,
    default_train_queries_path,
    imdb_id_from_url,
    load_tot_queries,
    normalize_imdb_id,
    read_links,
    strip_reveals,
    truncate_words,
)


@pytest.mark.parametrize(
    ("text", "expected", "touched"),
    [
        ("A man wakes on Mars.\n\nEdit: The movie is called Total Recall.", "A man wakes on Mars.", 1),
        ("A robot.\n**EDIT:** solved, thanks!\nUPDATE 2: it was Heat", "A robot.", 2),
        ("A robot.\nEDIT2: It was called Thomas in Love.", "A robot.", 1),
        ("Edit to add: it was animated.\nTalking mice.", "Talking mice.", 1),
        ("A heist.\nSOLVED! Past Perfect, 1998", "A heist.", 1),
        ("A heist.\nSolved", "A heist.", 1),
        ("\\[SOLVED\\]\nA heist.", "A heist.", 1),
        ("[SOLVED] The premise is simple.", "The premise is simple.", 1),
        ("SOLVED i'm not sure of the year.", "i'm not sure of the year.", 1),
        ("Found it! Heat (1995).\nA heist.", "A heist.", 1),
        ("Answer: Heat\nA heist.", "A heist.", 1),
        (
            "It was black and white (EDIT: not sure now), with aliens.",
            "It was black and white , with aliens.",
            1,
        ),
        ("Great twist. The movie is Total Recall. Thanks all!", "Great twist. Thanks all!", 1),
        ("A heist. The film was \u201cHeat\u201d. Loved it.", "A heist. Loved it.", 1),
        ("The answer is Heat. A heist.", "A heist.", 1),
        ("A heist. It's called Heat!", "A heist.", 1),
        # Descriptions, questions and guesses written before the answer was known stay.
        ("The movie is set in Rome.", "The movie is set in Rome.", 0),
        ("The movie is French or maybe German.", "The movie is French or maybe German.", 0),
        ("I think the movie is Chinese.", "I think the movie is Chinese.", 0),
        ("The movie was I think from 1990.", "The movie was I think from 1990.", 0),
        ("I can't remember what it's called.", "I can't remember what it's called.", 0),
        ("I thought it was called Pareidolia.", "I thought it was called Pareidolia.", 0),
        ("The editor cut the film.", "The editor cut the film.", 0),
        ("", "", 0),
    ],
)
def test_strip_reveals(text: str, expected: str, touched: int) -> None:
    assert strip_reveals(text) == (expected, touched)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[TOMT] [movie] Set in the future", "Set in the future"),
        ("[TOMT][MOVIE][1980-2000 RELEASE] A MOVIE I SAW", "[1980-2000 RELEASE] A MOVIE I SAW"),
        ("TOMT: movie about a dog [SOLVED]", "movie about a dog"),
        ("[Film] A dog", "A dog"),
    ],
)
def test_clean_title(title: str, expected: str) -> None:
    assert clean_title(title) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tt0114709", "tt0114709"),
        ("0114709", "tt0114709"),
        ("114709", "tt0114709"),
        (114709, "tt0114709"),
        ("tt10872600", "tt10872600"),
        ("nm0000123", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_imdb_id(value: str | int | None, expected: str | None) -> None:
    assert normalize_imdb_id(value) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.imdb.com/title/tt1386703", "tt1386703"),
        ("https://www.imdb.com/title/tt0290382/", "tt0290382"),
        ("http://imdb.com/title/tt12345678/?ref_=x", "tt12345678"),
        ("https://www.imdb.com/name/nm0000123", None),
        (None, None),
    ],
)
def test_imdb_id_from_url(url: str | None, expected: str | None) -> None:
    assert imdb_id_from_url(url) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short  text\n here", 100, "short text here"),
        ("alpha beta gamma", 10, "alpha beta"),
        ("alpha beta gamma", 11, "alpha beta"),
        ("alphabetagamma", 5, "alpha"),
    ],
)
def test_truncate_words(text: str, limit: int, expected: str) -> None:
    assert truncate_words(text, limit) == expected


def _links(tmp_path: Path) -> Path:
    path = tmp_path / "links.csv.gz"
    rows = "movieId,imdbId,tmdbId\n1,0114709,862\n2,0113497,8844\n3,1386703,\n4,10872600,5000\n"
    path.write_bytes(gzip.compress(rows.encode()))
    return path


def test_read_links_normalises_ids_and_skips_rows_without_a_tmdb_id(tmp_path: Path) -> None:
    assert read_links(_links(tmp_path)) == {"tt0114709": 862, "tt0113497": 8844, "tt10872600": 5000}


def test_read_links_names_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "links.csv"
    path.write_text("movieId,imdb\n1,0114709\n")
    with pytest.raises(ValueError, match=r"lacks columns \['imdbId', 'tmdbId'\]"):
        read_links(path)


def _query(qid: str, imdb: str | None, text: str = "A toy cowboy.") -> dict[str, object]:
    url = f"https://www.imdb.com/title/{imdb}" if imdb else None
    return {"id": qid, "title": "[TOMT][movie] toys", "text": text, "imdb_url": url}


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    return path


def test_gold_mapping_keeps_answers_in_the_catalogue_and_counts_each_drop(tmp_path: Path) -> None:
    queries = _write(
        tmp_path / "q.jsonl.gz",
        [
            _query("links", "tt0114709", "A toy cowboy.\nEdit: it's Toy Story!"),
            _query("catalogue", "tt7654321"),  # only the catalogue's imdb_id knows it
            _query("both", "tt0113497"),  # links says 8844, the catalogue says 77: both are the answer
            _query("absent", "tt10872600"),  # mapped to 5000, which is not indexed
            _query("unknown", "tt0000001"),
            _query("no-url", None),
            {
                "id": "empty",
                "title": "[TOMT]",
                "text": "Solved!",
                "imdb_url": "https://www.imdb.com/title/tt0114709",
            },
        ],
    )
    movies = pl.DataFrame(
        {"movie_id": [862, 8844, 77, 99], "imdb_id": ["tt0114709", None, "tt0113497", "tt7654321"]}
    )
    tot = load_tot_queries(
        queries, {862, 8844, 77, 99}, links=read_links(_links(tmp_path)), imdb_map=catalogue_imdb_map(movies)
    )
    assert [(q.query_id, q.gold) for q in tot.queries] == [
        ("links", frozenset({862})),
        ("catalogue", frozenset({99})),
        ("both", frozenset({8844, 77})),
    ]
    assert tot.queries[0].text == "toys\nA toy cowboy."
    assert tot.total == 7
    assert tot.dropped == {"no_imdb_id": 1, "unmapped": 1, "not_in_catalogue": 1, "empty_text": 1}
    assert tot.stripped_lines == 2  # the edit line of "links" and the solved line of "empty"


def test_without_links_only_the_catalogue_maps(tmp_path: Path) -> None:
    queries = _write(tmp_path / "q.jsonl.gz", [_query("a", "tt0114709"), _query("b", "tt7654321")])
    tot = load_tot_queries(queries, {99}, imdb_map={"tt7654321": {99}})
    assert [q.query_id for q in tot.queries] == ["b"]
    assert tot.dropped["unmapped"] == 1


def test_a_malformed_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(_query("a", "tt0114709")) + "\n{not json\n")
    with pytest.raises(ValueError, match="line 2 is not JSON"):
        load_tot_queries(path, {862}, links={"tt0114709": 862})


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="MOVIE_ASSETS_EVAL_QUERIES"):
        load_tot_queries(tmp_path / "nope.jsonl", {1})


def test_default_paths_prefer_the_env_then_the_shared_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    monkeypatch.delenv("MOVIE_ASSETS_EVAL_QUERIES", raising=False)
    assert default_queries_path(repo) is None
    assert default_links_path(repo) is None
    shared = tmp_path / "shared" / "data"
    (shared / "tomt").mkdir(parents=True)
    (shared / "movielens" / "ml-25m").mkdir(parents=True)
    (shared / "tomt" / "validation.jsonl.gz").write_bytes(b"")
    (shared / "movielens" / "ml-25m" / "links.csv.gz").write_bytes(b"")
    assert default_queries_path(repo) == shared / "tomt" / "validation.jsonl.gz"
    assert default_links_path(repo) == shared / "movielens" / "ml-25m" / "links.csv.gz"
    monkeypatch.setenv("MOVIE_ASSETS_EVAL_QUERIES", str(tmp_path / "mine.jsonl"))
    assert default_queries_path(repo) == tmp_path / "mine.jsonl"


def test_the_general_form_query_and_movie_id_or_imdb_id(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    rows = [
        {"id": "q1", "query": "A toy cowboy.\nEdit: it's Toy Story!", "movie_id": 862},
        {"id": "q2", "query": "Bank robbers in LA", "imdb_id": "tt0113277"},
        {"id": "q3", "query": "A lost film", "movie_id": 5},  # not in the catalogue
        {"id": "q4", "query": "Nobody knows", "imdb_id": None},  # an answer field, but empty
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tot = load_tot_queries(path, {862, 949}, imdb_map={"tt0113277": {949}})
    assert [(q.query_id, q.text, q.gold) for q in tot.queries] == [
        ("q1", "A toy cowboy.", frozenset({862})),
        ("q2", "Bank robbers in LA", frozenset({949})),
    ]
    assert tot.dropped == {"no_imdb_id": 1, "unmapped": 0, "not_in_catalogue": 1, "empty_text": 0}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], r"labels.jsonl holds no labelled requests \(it is empty\); point MOVIE_ASSETS_TRAIN_QUERIES"),
        (['{"movie_id": 1}'], r"labels.jsonl line 1 is not a labelled request: it needs 'query'"),
        (['{"query": "a", "movie_id": 1}', '{"query": "b"}'], "line 2 is not a labelled request"),
        (['{"query": 7, "movie_id": 1}'], r"line 1: 'query' must be str, got int"),
        (['{"query": "a", "movie_id": true}'], r"line 1: 'movie_id' must be int, got bool"),
        (['{"query": "a", "movie_id": 1}', "[1, 2]"], "line 2 is not a JSON object"),
    ],
)
def test_a_bad_labelled_file_names_the_file_and_the_line(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    with pytest.raises(ValueError, match=message):
        load_tot_queries(path, {1}, setting="MOVIE_ASSETS_TRAIN_QUERIES")


def test_none_means_no_labelled_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVIE_ASSETS_TRAIN_QUERIES", "none")
    assert default_train_queries_path(tmp_path / "repo") is None
    monkeypatch.setenv("MOVIE_ASSETS_TRAIN_QUERIES", str(tmp_path / "t.jsonl"))
    assert default_train_queries_path(tmp_path / "repo") == tmp_path / "t.jsonl"
