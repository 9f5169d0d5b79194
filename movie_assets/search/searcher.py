"""The Searcher: memory-maps one artifacts folder and answers queries with one of six methods."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.index import REBUILD, ArtifactsError, Embedder, read_manifest
from movie_assets.search.fusion import Candidates, rrf_arrays
from movie_assets.search.query import LanguageIntent, YearCue, detect_language, parse_year_cues
from movie_assets.search.rerank import (
    CrossEncoderLike,
    blend_priors,
    cross_encoder_rerank,
    load_cross_encoder,
    mmr,
    popularity_prior,
    recency_prior,
)
from movie_assets.search.types import (
    Components,
    Hit,
    ModelUnavailableError,
    SearchParams,
    SearchResult,
    clean_query,
)

# A soft language preference: near the top of an RRF list it is worth about a dozen ranks, less than
# being found by both retrievers.
SOFT_LANGUAGE_BOOST = 1.2
CE_POOL = 50  # fused candidates the cross-encoder reads (at least k)
MMR_POOL = 100  # fused candidates MMR chooses from (at least 4k)
QUERY_VECTOR_CACHE = 256  # query texts whose vectors are kept
EXACT_FILTER_LIMIT = 30_000  # filters passing fewer movies than this are searched exactly, not through HNSW
# Year cues filter only short queries ("korean thrillers from the 90s"). In a described memory ("I saw it
# on TV in the 90s") the decade is often when it was seen, or a guess, and a hard filter then removes the
# answer: on tip-of-the-tongue requests it took hybrid's Recall@10 from 0.255 to 0.225.
CUE_FILTER_MAX_WORDS = 20
PAYLOAD_COLUMNS = (
    "movie_id", "title", "year", "original_language", "genres", "overview", "poster_path", "cast",
    "directors", "runtime", "vote_count",
)  # fmt: skip
_NONE = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))


@dataclass(frozen=True)
class _Query:
    """One query as each stage reads it."""

    plain: str  # the user's words without year cues: what the cross-encoder reads
    dense: str  # plus "\nLanguage: <Name>", the line the documents carry, when a language applies
    sparse: str  # plus just "<Name>": "language" is in every document and only costs BM25 a full scan


def _passage(row: dict[str, Any]) -> str:
    """What the cross-encoder reads of a movie: "Title (year). Genres. Overview"."""
    year = f" ({row['year']})" if row["year"] else ""
    return f"{row['title']}{year}. {', '.join(row['genres'] or [])}. {row['overview'] or ''}"


def _check_model(manifest: dict[str, Any], name: str, dim: int | None, where: str) -> None:
    if name != manifest["embedding_model"] or (dim is not None and dim != manifest["dim"]):
        shown = f"{name!r}" if dim is None else f"{name!r} (dim {dim})"
        raise ArtifactsError(
            f"the dense index was built with {manifest['embedding_model']!r} (dim {manifest['dim']}) but the "
            f"query embedder is {shown} ({where}); set EMBED_MODEL_NAME={manifest['embedding_model']}, "
            f"or rebuild the artifacts with that model: {REBUILD}"
        )


def _one_torch_thread() -> None:
    """Embed queries on one CPU thread: a single short query gains nothing from intra-op parallelism,
    and on a busy machine the second thread made a query take 4x the CPU (70-100 ms vs 16-21 ms).
    Process-wide, so a searching process is not also the one embedding the catalogue."""
    import torch

    if not torch.cuda.is_available():
        torch.set_num_threads(1)


def _open_parts(folder: Path, manifest: dict[str, Any], preload: bool) -> tuple[Any, Any, pl.DataFrame]:
    """The FAISS index (read into memory with `preload`, else mapped), the BM25 retriever (mapped) and the
    payload, checked against each other."""
    from movie_assets.index import TOKENIZER_ID, load_bm25, load_dense

    try:
        index = load_dense(folder / "text.index", mmap=not preload)
        idmap = pl.read_parquet(folder / "text_idmap.parquet", columns=["movie_id"])["movie_id"]
        bm25 = load_bm25(folder / "bm25", mmap=True)
        # One contiguous block: gathering 20 rows from a multi-chunk frame costs ~15 ms at 200k rows.
        payload = pl.read_parquet(folder / "search_payload.parquet", columns=list(PAYLOAD_COLUMNS)).rechunk()
    except Exception as exc:  # faiss, bm25s and polars each raise their own types for absent or bad files
        raise ArtifactsError(f"cannot open the artifacts in {folder} ({exc}); {REBUILD}") from None
    counts = {
        "manifest": int(manifest["count"]), "text.index": int(index.ntotal), "text_idmap": idmap.len(),
        "bm25": int(bm25.scores["num_docs"]), "search_payload": payload.height,
    }  # fmt: skip
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{name} {n:,}" for name, n in counts.items())
        raise ArtifactsError(f"the artifacts in {folder} disagree on the movie count ({listed}); {REBUILD}")
    if not idmap.equals(payload["movie_id"], check_names=False, check_dtypes=False):
        raise ArtifactsError(f"text_idmap and search_payload list different movies in {folder}; {REBUILD}")
    if int(index.d) != int(manifest["dim"]):
        raise ArtifactsError(f"text.index has dim {index.d}, the manifest says {manifest['dim']}; {REBUILD}")
    tokenizer = (manifest.get("bm25") or {}).get("tokenizer", TOKENIZER_ID)
    if tokenizer != TOKENIZER_ID:
        raise ArtifactsError(f"bm25 was built with tokenizer {tokenizer!r}, not {TOKENIZER_ID!r}; {REBUILD}")
    return index, bm25, payload


class Searcher:
    """Hybrid, language-aware movie search over one artifacts folder; build it with `Searcher.open`.

    The FAISS index, the BM25 arrays and the payload are memory-mapped; the query embedder loads on the
    first query that needs it, the cross-encoder on the first ``ce`` query. One Searcher may serve many
    threads: queries only read, and the lazy loads are guarded by a lock.
    """

    def __init__(
        self, folder: Path, manifest: dict[str, Any], parts: tuple[Any, Any, pl.DataFrame],
        embedder: Embedder | None, cross_encoder: CrossEncoderLike | None,
    ) -> None:  # fmt: skip
        self.folder, self.manifest = folder, manifest
        self._index, self._bm25, self._payload = parts
        self._embedder, self._cross_encoder = embedder, cross_encoder
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        # Small per-movie arrays for filters and priors, so no query walks the payload in Python.
        payload = self._payload
        self._years = payload["year"].fill_null(0).cast(pl.Int32).to_numpy()
        self._votes = payload["vote_count"].fill_null(0).cast(pl.Int64).to_numpy()
        langs = payload["original_language"].fill_null("").to_numpy().astype(str)
        self._lang_values, self._lang_index = np.unique(langs, return_inverse=True)
        known = self._years[self._years > 0]
        self._year_span = (int(known.min()), int(known.max())) if known.size else (0, 0)
        self._max_votes = int(self._votes.max(initial=0))

    @classmethod
    def open(
        cls,
        artifacts_dir: Path | str,
        *,
        embedder: Embedder | None = None,
        cross_encoder: CrossEncoderLike | None = None,
        preload: bool = False,
    ) -> Searcher:
        """Open (memory-map) the artifacts in `artifacts_dir` and check that they belong together.

        Args:
            artifacts_dir: a folder written by the index build (manifest.json, text.index ...).
            embedder: the query embedder; default: the manifest's model, loaded on the first dense query.
            cross_encoder: the ``ce`` re-ranker; default: CROSS_ENCODER_NAME, loaded on the first ``ce`` use.
            preload: read the dense index into memory rather than mapping it. A mapped HNSW index reads
                its vectors from disk on first touch: at 1,000,000 movies the first queries after the
                page cache was dropped take seconds. Preloading costs the index's size in memory and
                its read time at open (a long-lived server wants it; a one-off query does not).

        Raises:
            ArtifactsError: files missing, counts that disagree, or an embedding model other than the index's.
        """
        from movie_assets.config import embed_model_name

        folder = Path(artifacts_dir)
        manifest = read_manifest(folder)
        parts = _open_parts(folder, manifest, preload)
        if embedder is not None:
            _check_model(manifest, embedder.name, int(embedder.dim), "given to Searcher.open")
        else:
            _check_model(manifest, embed_model_name(), None, "from EMBED_MODEL_NAME")
        return cls(folder, manifest, parts, embedder, cross_encoder)

    @property
    def count(self) -> int:
        """How many movies the artifacts hold."""
        return self._payload.height

    def _query_embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from movie_assets.index import EmbeddingModelUnavailable, load_embedder

                _one_torch_thread()
                try:
                    embedder = load_embedder(self.manifest["embedding_model"])
                except EmbeddingModelUnavailable as exc:
                    raise ModelUnavailableError(str(exc)) from exc
                _check_model(self.manifest, embedder.name, int(embedder.dim), "as loaded")
                self._embedder = embedder
            return self._embedder

    def _embed(self, text: str) -> np.ndarray:
        """The query vector (1, dim); recent ones are remembered, as front ends re-run the same query."""
        with self._lock:
            if text in self._vectors:
                self._vectors.move_to_end(text)
                return self._vectors[text]
        vector = np.ascontiguousarray(self._query_embedder().encode([text]), dtype=np.float32)
        with self._lock:
            self._vectors[text] = vector
            if len(self._vectors) > QUERY_VECTOR_CACHE:
                self._vectors.popitem(last=False)
        return vector

    def _reranker(self) -> CrossEncoderLike:
        with self._lock:
            if self._cross_encoder is None:
                self._cross_encoder = load_cross_encoder()
            return self._cross_encoder

    # -- retrieval: each returns (payload rows, scores), best first ------------------------------

    def _mask(
        self, low: int | None, high: int | None, min_votes: int, language: str | None
    ) -> np.ndarray | None:
        """Which movies pass the filters (None: all do); vectorised, ~0.2 ms per 100k movies."""
        tests = []
        if low is not None:
            tests.append(self._years >= low)
        if high is not None:
            tests.append((self._years <= high) & (self._years > 0))
        if min_votes > 0:
            tests.append(self._votes >= min_votes)
        if language is not None:
            code = int(np.searchsorted(self._lang_values, language))
            known = code < self._lang_values.size and self._lang_values[code] == language
            tests.append(self._lang_index == code if known else np.zeros(self.count, dtype=bool))
        return np.logical_and.reduce(tests) if tests else None

    def _dense(self, text: str, pool: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        pool = min(pool, self.count)
        if pool == 0 or (mask is not None and not mask.any()):
            return _NONE
        vector = self._embed(text)
        index, kwargs = self._index, {}
        if mask is not None:
            bits = np.packbits(mask, bitorder="little")  # kept alive by this frame while FAISS reads it
            kwargs["sel"] = faiss.IDSelectorBitmap(self.count, faiss.swig_ptr(bits))
        dense = self.manifest.get("dense") or {}
        hnsw = dense.get("type") == "hnsw"
        if hnsw and mask is not None and np.count_nonzero(mask) <= EXACT_FILTER_LIMIT:
            # A graph walk through a sparse filter finds few members and misses good ones; the flat
            # storage under the graph scores only the members, exactly and quickly.
            index, hnsw = faiss.downcast_index(self._index.storage), False
        if hnsw:
            # The HNSW beam must be at least the pool, or the graph walk stops short of it.
            params = faiss.SearchParametersHNSW(efSearch=max(int(dense.get("ef_search", 0)), pool), **kwargs)
        else:
            params = faiss.SearchParameters(**kwargs) if kwargs else None
        scores, ids = index.search(vector, pool, params=params)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def _sparse(self, text: str, pool: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        from movie_assets.index import tokenize_query

        # Each term once: BM25 here scores which terms a movie matches, not how often the query says them.
        terms = [t for t in dict.fromkeys(tokenize_query(text)) if t in self._bm25.vocab_dict]
        pool = min(pool, self.count)
        if not terms or pool == 0 or (mask is not None and not mask.any()):
            return _NONE
        weights = None if mask is None else mask.astype(np.float32)
        scores = self._bm25.get_scores(terms, weight_mask=weights)
        # Only movies sharing a term are found; selecting among those alone is what keeps this fast
        # (bm25s's own top-k partitions every score, mostly zeros) and makes ties deterministic.
        found = np.flatnonzero(scores > 0)
        if found.size > pool:
            found = found[np.argpartition(-scores[found], pool - 1)[:pool]]
        found = found[np.lexsort((found, -scores[found]))]
        return found.astype(np.int64), scores[found]

    # -- ranking -----------------------------------------------------------------------------------

    def _rank(self, q: _Query, p: SearchParams, mask: np.ndarray | None, prefer: str | None) -> Candidates:
        """Candidates of method `p.method`, best first; `prefer` is a language to boost softly."""
        dense = self._dense(q.dense, max(p.k, p.hybrid_dense_k), mask) if p.method != "bm25" else _NONE
        fuses = p.method in ("hybrid", "ce", "mmr")
        sparse = (
            self._sparse(q.sparse, max(p.k, p.hybrid_sparse_k), mask)
            if fuses or p.method == "bm25"
            else _NONE
        )
        if fuses:
            rows, scores = rrf_arrays([dense[0], sparse[0]], p.rrf_k, [p.w_dense, p.w_sparse])
        else:
            rows, scores = dense if p.method != "bm25" else sparse
        found = Candidates.ranked(rows, scores.astype(np.float64), dense[0], sparse[0], fused=fuses)
        if p.method == "blend":
            recency = recency_prior(self._years[rows], *self._year_span)
            popularity = popularity_prior(self._votes[rows], self._max_votes)
            # Cosines below zero are unrelated anyway; clipping keeps the factors from lowering the related.
            found.scores, rec, pop = blend_priors(np.clip(found.scores, 0.0, None), recency, popularity)
            found.boosts.update(recency=rec, popularity=pop)
        if prefer is not None:
            is_preferred = self._lang_values[self._lang_index[rows]] == prefer
            found = found.boost("language", np.where(is_preferred, SOFT_LANGUAGE_BOOST, 1.0))
        found = found.sorted()
        if p.method == "ce":
            return self._cross_encode(q.plain, found.head(max(p.k, CE_POOL)))
        if p.method == "mmr":
            return self._diversify(found.head(max(4 * p.k, MMR_POOL)), p)
        return found

    def _cross_encode(self, text: str, pool: Candidates) -> Candidates:
        frame = self._payload[pool.rows].select("title", "year", "genres", "overview")
        passages = [_passage(row) for row in frame.iter_rows(named=True)]
        _, pool.scores = cross_encoder_rerank(self._reranker(), text, passages)
        # The soft language factor applied to the fused score is applied again to the new one.
        language = pool.boosts.pop("language", None)
        return pool.sorted() if language is None else pool.boost("language", language)

    def _diversify(self, pool: Candidates, p: SearchParams) -> Candidates:
        if len(pool) == 0:
            return pool
        # Flat and HNSW indexes keep the vectors, so the pool's are read back rather than re-embedded.
        picked, values = mmr(pool.scores, self._index.reconstruct_batch(pool.rows), p.k, p.mmr_lambda)
        chosen = pool.take(picked)
        chosen.scores = values
        return chosen

    def _candidates(
        self, q: _Query, p: SearchParams, mask: np.ndarray | None, intent: LanguageIntent | None
    ) -> Candidates:
        if intent is None or p.lang_policy == "off":
            return self._rank(q, p, mask, None)
        if p.lang_policy == "auto-soft":
            return self._rank(q, p, mask, intent.code)
        # auto-hard: rank within the language, then top up from every language when it has too few.
        language = self._mask(None, None, 0, intent.code)
        found = self._rank(q, p, language if mask is None else language & mask, None)
        return found if len(found) >= p.k else found.extend(self._rank(q, p, mask, None))

    # -- the public query --------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 20,
        method: str = "hybrid",
        *,
        lang_policy: str = "auto-soft",
        hybrid_dense_k: int = 500,
        hybrid_sparse_k: int = 500,
        rrf_k: int = 60,
        w_dense: float = 1.0,
        w_sparse: float = 1.0,
        mmr_lambda: float = 0.3,
        min_votes: int = 0,
        year_min: int | None = None,
        year_max: int | None = None,
    ) -> SearchResult:
        """Search the movies.

        Args:
            query: free text, at most MAX_QUERY_CHARS characters. Year cues ("after 2020", "90s") become
                year bounds where year_min/year_max are not given; a language cue ("Tamil thriller") is
                reported and applied as `lang_policy` says.
            k: how many hits (1-1000).
            method: hybrid (RRF of dense and BM25), retrieval (dense), bm25, blend (dense times bounded
                recency/popularity priors), ce (cross-encoder over the fused pool), mmr (diversified fused).
            lang_policy: off (ignore the cue), auto-soft (scores of that language x1.2), auto-hard (that
                language first, then the rest); both auto policies add "Language: <Name>" to the query.
            hybrid_dense_k, hybrid_sparse_k: the dense and BM25 pool sizes (at least k is used).
            rrf_k, w_dense, w_sparse: the RRF constant and the weight of each retriever.
            mmr_lambda: MMR's weight on diversity in [0, 1] (0 = the fused order).
            min_votes, year_min, year_max: filters applied inside both retrievers.

        Returns:
            The hits, best first, and how the query was read.

        Raises:
            QueryError: an empty or over-long query, or a bad knob.
            ModelUnavailableError: the query embedder or the cross-encoder cannot be loaded offline.
        """
        p = SearchParams(
            k=k, method=method, lang_policy=lang_policy, hybrid_dense_k=hybrid_dense_k,
            hybrid_sparse_k=hybrid_sparse_k, rrf_k=rrf_k, w_dense=w_dense, w_sparse=w_sparse,
            mmr_lambda=mmr_lambda, min_votes=min_votes, year_min=year_min, year_max=year_max,
        )  # fmt: skip
        text = clean_query(query)
        cue = parse_year_cues(text)
        if cue.phrases and len(text.split()) > CUE_FILTER_MAX_WORDS:
            notes = [
                f"{phrase!r} not used as a year filter in a long description; pass year_min/year_max"
                for phrase in cue.phrases
            ]
            cue = YearCue(None, None, text, ())
        else:
            notes = []
        low = year_min if year_min is not None else cue.year_min
        high = year_max if year_max is not None else cue.year_max
        notes += [f"{phrase!r} read as years {low or '...'}-{high or '...'}" for phrase in cue.phrases]
        if low is not None and high is not None and low > high:
            notes.append(f"no year is both >= {low} and <= {high}")
        intent = detect_language(text)
        plain = cue.text or text
        q = _Query(plain, plain, plain)
        if intent is not None and p.lang_policy != "off":
            q = _Query(plain, f"{plain}\nLanguage: {intent.name}", f"{plain} {intent.name}")
        found = self._candidates(q, p, self._mask(low, high, p.min_votes, None), intent)
        return SearchResult(
            hits=self._hits(found.head(p.k)),
            method=p.method,
            detected_language=intent.code if intent else None,
            language_name=intent.name if intent else None,
            policy=p.lang_policy,
            query_used=q.dense,
            year_min=low,
            year_max=high,
            notes=tuple(notes),
        )

    def _hits(self, found: Candidates) -> tuple[Hit, ...]:
        hits = []
        for i, row in enumerate(self._payload[found.rows].iter_rows(named=True)):
            components = Components(
                dense_rank=int(found.dense_rank[i]) or None,
                bm25_rank=int(found.bm25_rank[i]) or None,
                fused=None if found.fused is None else float(found.fused[i]),
                boosts={name: float(f[i]) for name, f in found.boosts.items() if f[i] != 1.0},
            )
            hits.append(
                Hit(
                    movie_id=int(row["movie_id"]),
                    title=row["title"] or "",
                    year=row["year"],
                    original_language=row["original_language"],
                    genres=tuple(row["genres"] or ()),
                    score=float(found.scores[i]),
                    rank=i + 1,
                    components=components,
                    overview=row["overview"],
                    poster_path=row["poster_path"],
                    cast=tuple(row["cast"] or ()),
                    directors=tuple(row["directors"] or ()),
                    runtime=row["runtime"],
                    vote_count=row["vote_count"],
                )
            )
        return tuple(hits)
