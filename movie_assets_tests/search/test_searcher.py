"""The Searcher end to end on small artifacts built with the index builder and the fake embedder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from movie_assets.search import ArtifactsError, QueryError, Searcher, SearchParams, SearchResult, retrievers
from movie_assets_tests.catalogues import SEARCH_MOVIES as MOVIES
from movie_assets_tests.catalogues import build_search_artifacts as build_artifacts
from movie_assets_tests.catalogues import drop_last_payload_row as _drop_last_payload_row
from movie_assets_tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_artifacts(tmp_path_factory.mktemp("search") / "artifacts")


@pytest.fixture(scope="module")
def searcher(artifacts: Path) -> Searcher:
    return Searcher.open(artifacts, embedder=FakeEmbedder())


def _ids(result: SearchResult) -> list[int]:
    return [hit.movie_id for hit in result.hits]


def _by_year(records: Sequence[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    return {int(r["movie_id"]): r for r in records}


def test_open_reports_the_count_and_summary(searcher: Searcher) -> None:
    assert searcher.count == len(MOVIES)
    assert searcher.manifest["embedding_model"] == FakeEmbedder().name
    summary = searcher.summary
    assert (summary.count, summary.year_span, summary.source) == (14, (1950, 2024), "tmdb")
    assert summary.embedding_model == FakeEmbedder().name and not summary.synthetic
    assert summary.years == tuple(sorted({m["year"] for m in MOVIES}))


def test_knobs_come_as_search_params_or_by_name(searcher: Searcher) -> None:
    """A SearchParams value, single knobs by name, or both (the names win over the value)."""
    params = SearchParams(k=4, method="bm25", lang_policy="off")
    by_value = searcher.search("police gangster crime", params)
    assert by_value == searcher.search("police gangster crime", k=4, method="bm25", lang_policy="off")
    assert len(by_value) == 4 and by_value.method == "bm25"
    narrowed = searcher.search("police gangster crime", params, k=2, year_min=2000)
    assert _ids(narrowed) == [i for i in _ids(by_value) if _by_year(MOVIES)[i]["year"] >= 2000][:2]
    with pytest.raises(QueryError, match="k must be"):
        searcher.search("police", params, k=0)
    with pytest.raises(TypeError, match="params must be a SearchParams, got 5"):
        searcher.search("police", 5)  # type: ignore[arg-type]


def test_hybrid_fuses_both_retrievers(searcher: Searcher) -> None:
    """Every hybrid hit carries its rank in the dense and the BM25 lists and their exact RRF sum."""
    query = "police gangster crime"
    dense = _ids(searcher.search(query, k=14, method="retrieval", lang_policy="off", constraints="off"))
    sparse = _ids(searcher.search(query, k=14, method="bm25", lang_policy="off", constraints="off"))
    hybrid = searcher.search(query, k=5, lang_policy="off", constraints="off")
    assert dense[0] in _ids(hybrid) and sparse[0] in _ids(hybrid)
    for hit in hybrid.hits:
        c = hit.components
        assert c.dense_rank == (dense.index(hit.movie_id) + 1 if hit.movie_id in dense else None)
        assert c.bm25_rank == (sparse.index(hit.movie_id) + 1 if hit.movie_id in sparse else None)
        expected = sum(1 / (60 + r) for r in (c.dense_rank, c.bm25_rank) if r is not None)
        assert c.fused == pytest.approx(expected) and hit.score == pytest.approx(expected)
    assert [hit.rank for hit in hybrid.hits] == [1, 2, 3, 4, 5]
    assert all(a.score >= b.score for a, b in zip(hybrid.hits, hybrid.hits[1:], strict=False))


def test_weights_can_silence_a_retriever(searcher: Searcher) -> None:
    """With w_sparse=0 the hybrid order is the dense order."""
    query = "police gangster crime"
    dense = _ids(searcher.search(query, k=6, method="retrieval", lang_policy="off"))
    assert _ids(searcher.search(query, k=6, w_sparse=0.0, lang_policy="off")) == dense


@pytest.mark.parametrize(
    ("knobs", "check"),
    [
        ({"year_min": 2015}, lambda m: m["year"] >= 2015),
        ({"year_max": 2000}, lambda m: m["year"] <= 2000),
        ({"year_min": 2002, "year_max": 2002}, lambda m: m["year"] == 2002),
        ({"min_votes": 1000}, lambda m: m.get("vote_count", 10) >= 1000),
    ],
    ids=["year_min", "year_max", "one-year", "min_votes"],
)
@pytest.mark.parametrize("method", ["hybrid", "retrieval", "bm25", "blend", "mmr"])
def test_filters_apply_inside_every_method(
    searcher: Searcher, method: str, knobs: dict[str, int], check: Any
) -> None:
    """Filters hold for every hit, and every movie that passes them can still be found."""
    result = searcher.search("police crime thriller space station mars", k=14, method=method, **knobs)
    records = _by_year(MOVIES)
    assert result.hits and all(check(records[i]) for i in _ids(result))


def test_year_cue_in_the_query(searcher: Searcher) -> None:
    """'after 2020' becomes year_min 2021, leaves the retrieval text and is reported."""
    result = searcher.search("investigative thriller after 2020", k=10, constraints="off")  # years only
    assert (result.year_min, result.year_max) == (2021, None)
    matched = {m["movie_id"] for m in MOVIES if m["year"] >= 2021}
    assert set(_ids(result)[: result.matched]) == matched and result.matched == len(matched)
    assert "after 2020" not in result.query_used and result.notes[0] == "'after 2020' read as years 2021-..."
    # Too few match: the rest of the list relaxes the years, and says so.
    assert "the rest of the list relaxes them" in result.notes[1]
    assert all(
        h.year < 2021 and "not 2021–" in [r.text for r in h.why] for h in result.hits[result.matched :]
    )


def test_a_year_cue_in_a_long_description_is_not_a_filter(searcher: Searcher) -> None:
    """In a recalled plot the decade is often when it was watched, so it must not remove the answer."""
    query = (
        "I watched this police crime thriller on TV in the 90s, a detective hunts a killer through the city "
        "and his partner turns out to be involved in the end"
    )
    result = searcher.search(query, k=10)
    assert (result.year_min, result.year_max) == (None, None)
    assert any("not used as a year filter" in note for note in result.notes)
    assert {m["year"] for m in MOVIES if m["movie_id"] in set(_ids(result))} - set(range(1990, 2000))


def test_a_year_cue_in_a_short_query_still_filters(searcher: Searcher) -> None:
    result = searcher.search("thrillers from the 90s", k=10)
    assert (result.year_min, result.year_max) == (1990, 1999)


def test_contradicting_year_cue_and_knob_give_no_hits(searcher: Searcher) -> None:
    result = searcher.search("thriller before 2000", year_min=2010)
    assert "no year is both >= 2010 and <= 1999" in result.notes
    # Nothing satisfies both; the knob still holds for the relaxed list, the cue does not.
    assert result.matched == 0 and result.hits and all(hit.year >= 2010 for hit in result.hits)


def test_soft_language_policy_boosts_and_reports(searcher: Searcher) -> None:
    """auto-soft multiplies scores of the asked language by 1.2, records it, and augments the query."""
    result = searcher.search("malayalam police thriller", k=8)
    assert (result.detected_language, result.language_name, result.policy) == ("ml", "Malayalam", "auto-soft")
    assert result.query_used == "malayalam police thriller\nLanguage: Malayalam"
    for hit in result.hits:
        expected = {"language": 1.2} if hit.original_language == "ml" else {}
        assert hit.components.boosts == pytest.approx(expected)
        assert hit.score == pytest.approx(hit.components.fused * (1.2 if expected else 1.0))
    assert result.hits[0].original_language == "ml"


def test_hard_language_policy_puts_the_language_first(searcher: Searcher) -> None:
    """auto-hard lists every movie of that language first, then tops up from the rest."""
    result = searcher.search("malayalam police thriller", k=6, lang_policy="auto-hard")
    languages = [hit.original_language for hit in result.hits]
    assert languages[:3] == ["ml", "ml", "ml"] and "ml" not in languages[3:]
    assert len(result.hits) == 6


def test_policy_off_reports_but_does_not_apply(searcher: Searcher) -> None:
    result = searcher.search("malayalam police thriller", k=8, lang_policy="off")
    assert result.detected_language == "ml" and result.query_used == "malayalam police thriller"
    assert all(hit.components.boosts == {} for hit in result.hits)


def test_no_language_for_a_title(searcher: Searcher) -> None:
    result = searcher.search("it follows")
    assert result.detected_language is None and result.query_used == "it follows"


def test_mmr_spreads_near_duplicates(searcher: Searcher) -> None:
    """The fused top 3 are three copies of one story; MMR keeps one and brings in different movies."""
    copies = {8, 9, 10}
    query = "astronauts repair space station orbiting mars"
    assert set(_ids(searcher.search(query, k=3))) == copies
    diverse = searcher.search(query, k=3, method="mmr", mmr_lambda=0.7)
    assert len(copies & set(_ids(diverse))) == 1 and diverse.hits[0].movie_id in copies
    assert _ids(searcher.search(query, k=5, method="mmr", mmr_lambda=0.0)) == _ids(
        searcher.search(query, k=5)
    )


def test_blend_keeps_relevance_above_popularity(searcher: Searcher) -> None:
    """The relevant 1950 movie with 3 votes stays above the irrelevant 2024 one with 50,000 votes."""
    result = searcher.search("lonely lighthouse keeper befriends a whale", k=14, method="blend")
    ids = _ids(result)
    assert ids[0] == 12 and ids.index(12) < ids.index(13)
    for hit in result.hits:
        assert set(hit.components.boosts) <= {"recency", "popularity"}
        assert all(1.0 <= f <= 1.03 for f in hit.components.boosts.values())
    assert result.hits[0].components.fused is None


class _WordCountCrossEncoder:
    """Scores a (query, passage) pair by how many query words the passage holds (a stand-in model)."""

    def predict(self, sentences: list[tuple[str, str]], **kwargs: object) -> np.ndarray:
        return np.array([sum(w in p.lower() for w in q.lower().split()) for q, p in sentences], dtype=float)


def test_ce_reranks_the_fused_pool(artifacts: Path) -> None:
    """ce orders the fused pool by the cross-encoder's score and keeps the retrievers' ranks."""
    ce = Searcher.open(artifacts, embedder=FakeEmbedder(), cross_encoder=_WordCountCrossEncoder())
    result = ce.search("whale lighthouse storm police", k=4, method="ce", lang_policy="off")
    assert result.hits[0].movie_id == 12 and result.hits[0].score == 3.0
    assert [hit.score for hit in result.hits[1:]] == [1.0, 1.0, 1.0]
    assert all(hit.components.fused is not None for hit in result.hits)


def test_ce_keeps_the_soft_language_factor(artifacts: Path) -> None:
    ce = Searcher.open(artifacts, embedder=FakeEmbedder(), cross_encoder=_WordCountCrossEncoder())
    result = ce.search("malayalam police officer", k=3, method="ce")
    top = result.hits[0]
    assert top.original_language == "ml" and top.components.boosts == {"language": 1.2}
    assert top.score == pytest.approx(
        1.2 * sum(w in (top.overview or "").lower() for w in ("police", "officer"))
    )


@pytest.mark.parametrize(
    "query",
    ["🎬🍿", "'; DROP TABLE movies; --", "Tamil திரைப்படம் 映画 police", "x" * 1000, "?!?!", "0"],
    ids=["emoji", "sql", "mixed-scripts", "at-limit", "punctuation", "digit"],
)
def test_odd_queries_give_results_not_tracebacks(searcher: Searcher, query: str) -> None:
    result = searcher.search(query, k=5)
    assert isinstance(result, SearchResult) and len(result.hits) <= 5


@pytest.mark.parametrize(
    ("query", "knobs", "message"),
    [
        ("", {}, "empty"),
        ("   ", {}, "empty"),
        ("z" * 20_001, {}, "20,001 characters"),
        ("heat", {"k": 0}, "k must be"),
        ("heat", {"method": "fuzzy"}, "unknown method"),
        ("heat", {"mmr_lambda": 2.0}, "mmr_lambda"),
        ("heat", {"year_min": 2000, "year_max": 1990}, "year_min 2000 is after year_max 1990"),
    ],
)
def test_bad_queries_and_knobs(searcher: Searcher, query: str, knobs: dict[str, Any], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        searcher.search(query, **knobs)


def test_hits_carry_the_display_fields(searcher: Searcher) -> None:
    hit = searcher.search("Vikram Vedha", k=1).hits[0]
    assert (hit.movie_id, hit.title, hit.year, hit.original_language) == (1, "Vikram Vedha", 2017, "ta")
    assert (
        hit.genres == ("Crime", "Thriller") and hit.vote_count == 900 and hit.overview.startswith("A police")
    )
    assert hit.cast == () and hit.directors == () and hit.runtime is None and hit.poster_path is None


def test_query_vectors_are_reused(artifacts: Path) -> None:
    """A hard-policy top-up and a repeated query embed the text once."""
    embedder = FakeEmbedder()
    hard = Searcher.open(artifacts, embedder=embedder)
    for _ in range(2):
        hard.search("malayalam police thriller", k=10, lang_policy="auto-hard")
    assert embedder.texts_encoded == 1


def test_bm25_needs_no_embedder(artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedder loads lazily: a BM25 query on a Searcher opened without one never asks for it (the
    manifest's fake model cannot be loaded, so asking would fail)."""
    monkeypatch.setenv("EMBED_MODEL_NAME", FakeEmbedder().name)
    lazy = Searcher.open(artifacts)
    assert _ids(lazy.search("wuxia swordsman", k=1, method="bm25")) == [7]
    assert not lazy.encoder.loaded


def test_a_preloaded_index_answers_like_a_mapped_one_and_no_longer_reads_the_file(tmp_path: Path) -> None:
    """preload reads the HNSW index into memory instead of mapping it: the same answers, and once open
    the file is not read again: zeroing it in place blanks a mapped index's vectors, not a preloaded one's."""
    folder = build_artifacts(tmp_path / "hnsw", exact_threshold=0)
    mapped = Searcher.open(folder, embedder=FakeEmbedder())
    preloaded = Searcher.open(folder, embedder=FakeEmbedder(), preload=True)
    query = "malayalam police thriller on mars"

    def scores(searcher: Searcher) -> list[tuple[int, float]]:
        return [(hit.movie_id, hit.score) for hit in searcher.search(query, k=8, method="retrieval").hits]

    for method in ("hybrid", "retrieval", "mmr"):
        expected = _ids(mapped.search(query, k=8, method=method))
        assert _ids(preloaded.search(query, k=8, method=method)) == expected
    before = scores(preloaded)
    index_file = folder / "text.index"
    index_file.write_bytes(bytes(index_file.stat().st_size))  # the same inode, all zeros
    assert scores(preloaded) == before
    assert scores(mapped) != before


@pytest.mark.parametrize("through_graph", [False, True], ids=["filter-exact", "filter-graph"])
@pytest.mark.parametrize(
    "knobs",
    [{}, {"year_min": 2010}, {"lang_policy": "auto-hard"}, {"method": "mmr"}, {"method": "retrieval"}],
    ids=["plain", "filtered", "hard-language", "mmr", "retrieval"],
)
def test_hnsw_artifacts_answer_like_flat_ones(
    searcher: Searcher,
    tmp_path: Path,
    knobs: dict[str, Any],
    through_graph: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above the exact threshold the index is HNSW; on a small set it agrees with flat, filtered or not."""
    if through_graph:  # filters normally go to the flat storage below 30,000 members
        monkeypatch.setattr(retrievers, "EXACT_FILTER_LIMIT", 0)
    hnsw = Searcher.open(build_artifacts(tmp_path / "hnsw", exact_threshold=0), embedder=FakeEmbedder())
    assert hnsw.manifest["dense"]["type"] == "hnsw"
    query = "malayalam police thriller on mars"
    assert _ids(hnsw.search(query, k=8, **knobs)) == _ids(searcher.search(query, k=8, **knobs))


# -- refusing artifacts that do not belong together --------------------------------------------


def _copy(artifacts: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(artifacts, tmp_path / "copy"))


def _reverse_idmap(folder: Path) -> None:
    path = folder / "text_idmap.parquet"
    pl.read_parquet(path).reverse().write_parquet(path)


def _bump_manifest_count(folder: Path) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "count": manifest["count"] + 1}))


def _remove_index(folder: Path) -> None:
    (folder / "text.index").unlink()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            _drop_last_payload_row,
            r"disagree on the movie count \(manifest 14, text.index 14, .*search_payload.parquet 13\)",
        ),
        (_reverse_idmap, "text_idmap.parquet and search_payload.parquet list different movies"),
        (_bump_manifest_count, "manifest 15"),
        (_remove_index, "text.index is missing from"),
        (lambda folder: (folder / "manifest.json").unlink(), "no search artifacts"),
    ],
    ids=["payload-short", "idmap-order", "manifest-count", "index-missing", "manifest-missing"],
)
def test_mismatched_artifacts_are_refused(artifacts: Path, tmp_path: Path, damage: Any, message: str) -> None:
    """Each damaged set is refused with what is wrong and the command that rebuilds it."""
    folder = _copy(artifacts, tmp_path)
    damage(folder)
    with pytest.raises(ArtifactsError, match=message) as info:
        Searcher.open(folder, embedder=FakeEmbedder())
    assert "movie-assets build" in str(info.value)


@pytest.mark.parametrize(
    ("embedder", "message"),
    [
        (
            FakeEmbedder(name="another-model"),
            r"built with 'fake-bag-of-words' \(dim 32\).*'another-model' \(dim 32\)",
        ),
        (FakeEmbedder(dim=16), r"'fake-bag-of-words' \(dim 16\)"),
    ],
    ids=["model-name", "model-dim"],
)
def test_another_embedder_is_refused(artifacts: Path, embedder: FakeEmbedder, message: str) -> None:
    with pytest.raises(ArtifactsError, match=message):
        Searcher.open(artifacts, embedder=embedder)


def test_embed_model_name_must_match(artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBED_MODEL_NAME", "some/other-model")
    with pytest.raises(ArtifactsError, match="set EMBED_MODEL_NAME=fake-bag-of-words"):
        Searcher.open(artifacts)
