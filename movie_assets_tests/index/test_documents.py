"""Search documents: the exact text of a movie and the hash that keys its vector."""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl
import pytest

from movie_assets.index.documents import DOC_FORMAT, document_hash, movie_document, movie_documents
from movie_assets_tests.fakes import make_movies

NAYATTU = {
    "movie_id": 716612,
    "title": "Nayattu",
    "original_title": "നായാട്ട്",
    "original_language": "ml",
    "year": 2021,
    "release_date": date(2021, 4, 8),
    "genres": ["Thriller", "Drama"],
    "directors": ["Martin Prakkat"],
    "overview": "Three police officers  go on the run\nafter a political murder.",
    "tagline": None,
    "keywords": ["police", "kerala", "manhunt"],
    "cast": [
        "Kunchacko Boban",
        "Joju George",
        "Nimisha Sajayan",
        "Jaffar Idukki",
        "Yama Gilgamesh",
        "Anil Nedumangad",
    ],
    "origin_country": ["IN"],
}

NAYATTU_DOCUMENT = """Title: Nayattu
Original title: നായാട്ട്
Year: 2021
Genres: Thriller, Drama
Language: Malayalam
Directed by: Martin Prakkat
Overview: Three police officers go on the run after a political murder.
Keywords: police, kerala, manhunt
Starring: Kunchacko Boban, Joju George, Nimisha Sajayan, Jaffar Idukki, Yama Gilgamesh
Countries: IN"""


def test_document_has_labelled_lines_in_reading_order() -> None:
    assert movie_document(NAYATTU) == NAYATTU_DOCUMENT


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"movie_id": 1, "title": "Up", "original_title": "UP"}, "Title: Up"),  # same title, other case
        ({"movie_id": 2, "title": "M", "genres": None, "cast": None, "year": None}, "Title: M"),
        ({"movie_id": 3, "release_date": date(1999, 3, 31)}, "Year: 1999"),  # year from the date
        ({"movie_id": 4, "original_language": "zz", "tagline": "Hi."}, "Language: zz\nTagline: Hi."),
        ({"movie_id": 5}, ""),
    ],
    ids=["original-title-equal", "nulls", "year-from-date", "unknown-language", "empty"],
)
def test_missing_and_null_fields_are_left_out(row: dict, expected: str) -> None:
    assert movie_document(row) == expected


def test_frame_keeps_row_order_ids_and_hashes() -> None:
    movies = make_movies(
        [NAYATTU, {"movie_id": 7, "title": "Seven", "original_title": "Se7en", "year": 1995}]
    )
    docs = movie_documents(movies)
    assert docs.schema == pl.Schema({"movie_id": pl.Int64, "document": pl.Utf8, "doc_hash": pl.Utf8})
    assert docs["movie_id"].to_list() == [716612, 7]
    assert docs["document"][0] == NAYATTU_DOCUMENT
    assert docs["document"][1].startswith("Title: Seven\nOriginal title: Se7en\nYear: 1995\n")
    expected = hashlib.sha256(f"{DOC_FORMAT}\n{NAYATTU_DOCUMENT}".encode()).hexdigest()
    assert docs["doc_hash"][0] == expected == document_hash(NAYATTU_DOCUMENT)


def test_hash_changes_with_any_field_and_only_then() -> None:
    base = movie_documents(make_movies([NAYATTU]))["doc_hash"][0]
    same = movie_documents(make_movies([{**NAYATTU, "vote_count": 999, "popularity": 3.5}]))["doc_hash"][0]
    edited = movie_documents(make_movies([{**NAYATTU, "keywords": ["police"]}]))["doc_hash"][0]
    assert same == base != edited


def test_frame_without_movie_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no movie_id column"):
        movie_documents(pl.DataFrame({"title": ["x"]}))


def test_bm25_texts_streamed_in_chunks_are_the_whole_list() -> None:
    from movie_assets.index.documents import iter_bm25_documents

    movies = pl.DataFrame(
        {"movie_id": [1, 2, 3], "alt_titles": [["ദൃശ്യം"], [], None]},
        schema={"movie_id": pl.Int64, "alt_titles": pl.List(pl.Utf8)},
    )
    docs = pl.DataFrame({"movie_id": [1, 2, 3], "document": ["Title: Drishyam", "Title: Heat", "Title: Up"]})
    whole = ["Title: Drishyam\nAlso known as: ദൃശ്യം", "Title: Heat", "Title: Up"]
    assert list(iter_bm25_documents(docs, movies)) == whole
    assert list(iter_bm25_documents(docs, movies, chunk_rows=2)) == whole
    assert (
        list(iter_bm25_documents(docs, movies.drop("alt_titles"), chunk_rows=2)) == docs["document"].to_list()
    )
    with pytest.raises(ValueError, match="3 documents but 2 movies"):
        list(iter_bm25_documents(docs, movies.head(2)))
