"""The Searcher: opens one artifact set and answers queries, each method run from its row of stages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from movie_assets.index import (
    ArtifactSet,
    Embedder,
    Gazetteer,
    check_model,
    current_set_id,
    fold,
    open_artifacts,
)
from movie_assets.ranking import LearnedParts, open_learned
from movie_assets.search.artifacts import ArtifactsSummary
from movie_assets.search.constraints import hard_mask, soft_boost, thin_notes, title_rows
from movie_assets.search.explain import reasons
from movie_assets.search.filters import MovieFacts
from movie_assets.search.fusion import Candidates, rrf_arrays
from movie_assets.search.kinship import mixed
from movie_assets.search.learned import LearnedStage
from movie_assets.search.methods import METHOD_STAGES, apply_priors
from movie_assets.search.models import LazyCrossEncoder, QueryEncoder
from movie_assets.search.reading import (
    QueryReading,
    long_dense_text,
    read_query,
    reading_without_text,
    with_text,
)
from movie_assets.search.rerank import CrossEncoderLike
from movie_assets.search.retrievers import DenseRetriever, SparseRetriever, no_rows
from movie_assets.search.seeded import SeedPlan, seed_plan, seeded_rank, seeds_outside
from movie_assets.search.seeds import SeedBook
from movie_assets.search.types import Components, Hit, SearchParams, SearchResult
from movie_assets.search.vocabulary import CatalogueKnowledge

# A soft language preference: near the top of an RRF list it is worth about a dozen ranks, less than
# being found by both retrievers.
SOFT_LANGUAGE_BOOST = 1.2
PAYLOAD_COLUMNS = (
    "movie_id", "title", "year", "original_language", "genres", "overview", "poster_path", "cast",
    "directors", "runtime", "vote_count",
    "original_title", "popularity", "vote_average", "keywords",  # read by the learned ranker's features
    "collection",  # what a film shares with a seed film
    "alt_titles",  # other titles: shown on hits, spellings of seed titles (read where the set has them)
)  # fmt: skip


class Searcher:
    """Hybrid, language-aware movie search over one artifacts folder; build it with `Searcher.open`.

    The FAISS index and the BM25 arrays are memory-mapped; the query embedder loads on the first query
    that needs it, the cross-encoder on the first ``ce`` query. One Searcher may serve many threads:
    queries only read, and the lazy loads are guarded by locks.

    It reads one artifact set for its whole life, pinned so that no build removes it: `folder` is that
    set's own folder, `set_id` its id, and `outdated()` says when a newer set has been published where it
    was opened (a long-lived server then opens a new Searcher and drops this one).

    Its parts are public for benchmarks and tools that time or call one stage: `encoder` (query text ->
    vector), `dense` and `sparse` (the retrievers), `facts` (per-movie filter arrays), `payload`.
    """

    def __init__(
        self,
        artifacts: ArtifactSet,
        embedder: Embedder | None = None,
        cross_encoder: CrossEncoderLike | None = None,
        learned: LearnedParts | None = None,
        *,
        opened_from: Path | str | None = None,
    ) -> None:
        self.folder, self.manifest, self.payload = artifacts.folder, artifacts.manifest, artifacts.payload
        self.artifacts = artifacts  # holds the set's lease for as long as this Searcher lives
        self.opened_from = Path(opened_from) if opened_from is not None else artifacts.folder
        self._version = current_set_id(artifacts.folder)
        self.learned = None if learned is None else LearnedStage(learned, self.payload)
        self.facts = MovieFacts(self.payload)
        self.encoder = QueryEncoder(self.manifest, embedder, artifacts.folder)
        self.dense = DenseRetriever(artifacts.dense, self.manifest.get("dense") or {}, self.encoder)
        self.sparse = SparseRetriever(artifacts.bm25)
        self._cross_encoder = LazyCrossEncoder(cross_encoder)
        # The parser's vocabulary (people, titles) and the constraints' per-movie facts, on first use.
        self.knowledge = CatalogueKnowledge(artifacts, self.payload, self.facts, self.sparse)
        self._seed_book = SeedBook(self.payload, self._gazetteer)

    @classmethod
    def open(
        cls,
        artifacts_dir: Path | str,
        *,
        embedder: Embedder | None = None,
        cross_encoder: CrossEncoderLike | None = None,
        preload: bool = False,
        learned: bool = True,
    ) -> Searcher:
        """Open (memory-map) the artifacts in `artifacts_dir` and check that they belong together.

        Args:
            artifacts_dir: the artifacts path the index build writes (its current set is opened), or one
                set's own folder.
            embedder: the query embedder; default: the manifest's model, loaded on the first dense query.
            cross_encoder: the ``ce`` re-ranker; default: CROSS_ENCODER_NAME, loaded on the first ``ce`` use.
            preload: read the dense index into memory rather than mapping it. A mapped HNSW index reads
                its vectors from disk on first touch: at 1,000,000 movies the first queries after the
                page cache was dropped take seconds. Preloading costs the index's size in memory and
                its read time at open (a long-lived server wants it; a one-off query does not).
            learned: load the set's learned ranker and query adapter, if it has them (False: leave them
                unread, as the asset that retrains them does; `learned="off"` per query does the same).

        Raises:
            ArtifactsError: files missing, counts that disagree, an embedding model other than the index's,
                or learned parts that do not belong to this set (another build, encoder or feature schema).
        """
        from movie_assets.config import embed_model_name

        artifacts = open_artifacts(artifacts_dir, preload=preload, payload_columns=PAYLOAD_COLUMNS)
        if embedder is not None:
            check_model(artifacts.manifest, embedder.name, int(embedder.dim), "given to Searcher.open")
        else:
            check_model(artifacts.manifest, embed_model_name(), None, "from EMBED_MODEL_NAME")
        parts = open_learned(artifacts.folder, artifacts.manifest) if learned else None
        return cls(artifacts, embedder, cross_encoder, parts, opened_from=artifacts_dir)

    @property
    def count(self) -> int:
        """How many movies the artifacts hold."""
        return self.payload.height

    @property
    def summary(self) -> ArtifactsSummary:
        """What the artifacts hold and where they came from (for a page header or footer)."""
        return ArtifactsSummary.from_manifest(self.manifest)

    @property
    def set_id(self) -> str:
        """The id of the artifact set this Searcher reads."""
        return self.artifacts.set_id

    def outdated(self) -> bool:
        """Whether the path it was opened through now names another set (a rebuild was published)."""
        return current_set_id(self.opened_from) != self._version

    def forget_queries(self) -> None:
        """Drop the remembered query vectors, so the next queries are embedded afresh (timing runs)."""
        self.encoder.forget()

    def cross_encoder(self) -> CrossEncoderLike:
        """The ``ce`` re-ranker, loaded now if needed (ModelUnavailableError when it cannot be)."""
        return self._cross_encoder.model()

    # -- the public query --------------------------------------------------------------------------

    def search(self, query: str, params: SearchParams | None = None, **knobs: Any) -> SearchResult:
        """Search the movies.

        Args:
            query: free text, at most MAX_QUERY_CHARS characters. Year cues ("after 2020", "90s") become
                year bounds where year_min/year_max are not given; a language cue ("Tamil thriller") is
                reported and applied as `lang_policy` says. "like X" names a film to resemble, as `like`
                does; with `like` given the query may be empty (the liked films make it).
            params: the knobs (default: SearchParams()); see `SearchParams.knobs` for each one.
            knobs: single knobs by name (``k=5, method="bm25"``), applied over `params`; ``like`` and
                ``unlike`` are lists of films (titles, "Title (year)", ids): `movie_assets.search.seeds`.

        Returns:
            The hits, best first, and how the query was read (`SearchResult.seeds`: the films taken as
            liked and unliked, never among the hits; the notes say which film of a title was taken, and
            what could not be used).

        Raises:
            QueryError: an empty or over-long query, or a bad knob.
            ModelUnavailableError: the query embedder or the cross-encoder cannot be loaded offline.
        """
        if params is not None and not isinstance(params, SearchParams):
            raise TypeError(
                f"params must be a SearchParams, got {params!r}; pass single knobs by name (k=10)"
            )
        if params is None:
            p = SearchParams(**knobs)
        else:  # a given value was checked when it was made
            p = replace(params, **knobs) if knobs else params
        if not (p.like or p.unlike) and METHOD_STAGES[p.method].dense and isinstance(query, str):
            early = long_dense_text(query)
            if early is not None:
                # Embedding a long description (up to 128 word pieces) takes longer than reading it: a model
                # that can embed in the background (a server's) does it while the query is read.
                self.encoder.encode_soon(early)
        if p.like and isinstance(query, str) and not query.split():
            q = reading_without_text(p)  # the liked films alone make the query
        else:
            q = read_query(query, p, self.knowledge.vocabulary())
        plan = seed_plan(self, self._seed_book, q, p)
        if plan is not None:
            q = replace(q, notes=q.notes + plan.seeds.notes)
            if plan.text is not None:
                q = with_text(q, plan.text, p)  # the seeds' vectors stand for their titles
            if not plan.has_text and plan.user is None:
                return self._nothing_to_search(q, p, plan)
        catalogue = self.knowledge.catalogue()
        # The knobs filter strictly; the query's hard constraints filter, then the rest tops up.
        knobs = self.facts.mask(p.year_min, p.year_max, p.min_votes)
        base = knobs if plan is None else self._without_seeds(knobs, plan)
        strict = hard_mask(catalogue, list(q.constraints), base)
        found = soft_boost(catalogue, list(q.constraints), self._candidates(q, p, strict, plan))
        matched = None
        if strict is not base:
            matched = min(len(found), p.k)
            if len(found) < p.k:
                relaxed = soft_boost(catalogue, list(q.constraints), self._candidates(q, p, base, plan))
                found = found.extend(relaxed)
        # A query that is a title asks for its films: they come first in every method, the ranker's too.
        found = found.first(title_rows(list(q.constraints), self._seed_book.titled, strict))
        learned = self._learned_for(p)
        notes = q.notes + tuple(thin_notes(catalogue, list(q.constraints), base, matched or 0, p.k))
        if plan is not None:
            # Liked films the filters would leave out are noted: films like them are still looked for.
            notes += tuple(seeds_outside(plan, hard_mask(catalogue, list(q.constraints), knobs)))
        # With a liked film the seeds' lists are fused after the ranker: it no longer orders the list alone.
        fused_after = plan is not None and plan.user is not None
        ranked = learned is not None and learned.parts.ranker is not None and not fused_after
        return SearchResult(
            hits=self._hits(found.head(p.k), q, ranked, plan),
            method=p.method,
            detected_language=q.intent.code if q.intent else None,
            language_name=q.intent.name if q.intent else None,
            policy=p.lang_policy,
            query_used=q.dense,
            year_min=q.year_min,
            year_max=q.year_max,
            notes=notes,
            learned=() if learned is None or (plan is not None and not plan.has_text) else learned.applied,
            parsed=q.parsed,
            matched=matched,
            seeds=() if plan is None else plan.seeds.likes + plan.seeds.unlikes,
        )

    # -- seeds -------------------------------------------------------------------------------------

    def _gazetteer(self) -> Gazetteer:
        gazetteer = self.knowledge.vocabulary().gazetteer
        assert gazetteer is not None  # the knowledge always has one
        return gazetteer

    def _without_seeds(self, base: np.ndarray | None, plan: SeedPlan) -> np.ndarray | None:
        rows = plan.seeds.rows
        if rows.size == 0:
            return base
        mask = np.ones(self.count, dtype=bool) if base is None else base.copy()
        mask[rows] = False
        return mask

    def _nothing_to_search(self, q: QueryReading, p: SearchParams, plan: SeedPlan) -> SearchResult:
        """No text and no liked film found: no hits, and the notes say why."""
        return SearchResult(
            hits=(),
            method=p.method,
            detected_language=None,
            language_name=None,
            policy=p.lang_policy,
            query_used="",
            year_min=q.year_min,
            year_max=q.year_max,
            notes=(*q.notes, "no liked film is left to search by (see the notes above), and no text"),
            parsed=q.parsed,
            seeds=plan.seeds.likes + plan.seeds.unlikes,
        )

    # -- ranking -----------------------------------------------------------------------------------

    def _candidates(
        self, q: QueryReading, p: SearchParams, mask: np.ndarray | None, plan: SeedPlan | None = None
    ) -> Candidates:
        if q.intent is None or p.lang_policy == "off":
            return self._rank(q, p, mask, None, plan)
        if p.lang_policy == "auto-soft":
            return self._rank(q, p, mask, q.intent.code, plan)
        # auto-hard: rank within the language, then top up from every language when it has too few.
        language = self.facts.mask(language=q.intent.code)
        found = self._rank(q, p, language if mask is None else language & mask, None, plan)
        return found if len(found) >= p.k else found.extend(self._rank(q, p, mask, None, plan))

    def _rank(
        self,
        q: QueryReading,
        p: SearchParams,
        mask: np.ndarray | None,
        prefer: str | None,
        plan: SeedPlan | None = None,
    ) -> Candidates:
        """Candidates of method `p.method`, best first; `prefer` is a language to boost softly; `plan`:
        the seeds, whose lists are fused with the text's ranking (`movie_assets.search.seeded`)."""
        if plan is None:
            return self._rank_text(q, p, mask, prefer, None)
        text = (lambda: self._rank_text(q, p, mask, prefer, plan.user)) if plan.has_text else None
        found = seeded_rank(self, self._gazetteer(), plan, p, mask, text)
        if prefer is not None and text is None and len(found):
            preferred = self.facts.in_language(found.rows, prefer)
            found = found.boost("language", np.where(preferred, SOFT_LANGUAGE_BOOST, 1.0))
        return found

    def _rank_text(
        self,
        q: QueryReading,
        p: SearchParams,
        mask: np.ndarray | None,
        prefer: str | None,
        steer: np.ndarray | None,
    ) -> Candidates:
        """The text's candidates; `steer` (a user vector) leans the query vector towards liked films."""
        stages = METHOD_STAGES[p.method]
        learned = self._learned_for(p)
        if learned is not None:
            # The ranker reads the language cue as a feature; the soft factor is not multiplied in again.
            return learned.rank(self, q, p, mask, steer)
        pool = max(p.k, p.hybrid_dense_k)
        if not stages.dense:
            dense = no_rows()
        elif steer is None:
            dense = self.dense.search(q.dense, pool, mask)
        else:
            dense = self.dense.search_vector(mixed(self.encoder.encode(q.dense), steer), pool, mask)
        sparse = (
            self.sparse.search(q.sparse, max(p.k, p.hybrid_sparse_k), mask) if stages.sparse else no_rows()
        )
        if stages.fuse:
            rows, scores = rrf_arrays([dense[0], sparse[0]], p.rrf_k, [p.w_dense, p.w_sparse])
        else:
            rows, scores = dense if stages.dense else sparse
        found = Candidates.ranked(rows, scores.astype(np.float64), dense[0], sparse[0], fused=stages.fuse)
        if stages.priors:
            found = apply_priors(self.facts, found)
        if prefer is not None:
            preferred = self.facts.in_language(found.rows, prefer)
            found = found.boost("language", np.where(preferred, SOFT_LANGUAGE_BOOST, 1.0))
        found = found.sorted()
        if stages.rerank is not None:
            found = stages.rerank.run(self, q.plain, found.head(stages.rerank.pool(p.k)), p)
        return found

    def learned_applies(self, method: str) -> bool:
        """Whether `method` (with ``learned="on"``) uses learned parts of this set: evaluation then also
        scores it with them off."""
        return self.learned is not None and METHOD_STAGES[method].learned

    def _learned_for(self, p: SearchParams) -> LearnedStage | None:
        """The learned stage when this method and the knob use it and the set has learned parts."""
        use = METHOD_STAGES[p.method].learned and p.learned == "on"
        return self.learned if use else None

    def _hits(
        self, found: Candidates, q: QueryReading, ranked: bool, plan: SeedPlan | None = None
    ) -> tuple[Hit, ...]:
        hits = []
        records = list(self.payload[found.rows].iter_rows(named=True))
        shown = [c for c in q.parsed.constraints if c.kind == "language"] if q.parsed else []
        words = q.parsed.rest.split() if q.parsed else q.plain.split()
        why = reasons(
            self.knowledge.catalogue(), [*shown, *q.constraints], [fold(w) for w in words], found.rows,
            records, found.dense_rank, found.bm25_rank, "ordered by the learned ranker" if ranked else "",
            seeds=() if plan is None else plan.traits,
        )  # fmt: skip
        for i, row in enumerate(records):
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
                    why=why[i],
                    original_title=row["original_title"],
                    alt_titles=tuple(row.get("alt_titles") or ()),
                )
            )
        return tuple(hits)

    # -- one movie ---------------------------------------------------------------------------------

    def _row_of(self, movie_id: int) -> int | None:
        if not -(2**63) <= movie_id < 2**63:  # no Int64 id can equal it (and numpy cannot compare it)
            return None
        found = np.flatnonzero(self.payload["movie_id"].to_numpy() == movie_id)
        return int(found[0]) if len(found) else None

    def movie(self, movie_id: int) -> dict[str, Any] | None:
        """The stored fields of one movie (its payload row), or None when this set does not hold it."""
        row = self._row_of(movie_id)
        return None if row is None else self.payload.row(row, named=True)

    def similar(self, movie_id: int, params: SearchParams | None = None, **knobs: Any) -> SearchResult:
        """The movies nearest to one movie by its stored vector (nothing is embedded), itself left out.

        `k` and the filters (`year_min`, `year_max`, `min_votes`) apply; the knobs that shape a text
        query's ranking do not, as there is no query text. Hits carry their dense rank and cosine score.

        Raises:
            LookupError: this set holds no movie `movie_id`.
            QueryError: a bad knob.
        """
        p = SearchParams(**knobs) if params is None else (replace(params, **knobs) if knobs else params)
        row = self._row_of(movie_id)
        if row is None:
            raise LookupError(f"no movie with id {movie_id} in these artifacts")
        mask = self.facts.mask(p.year_min, p.year_max, p.min_votes)
        mask = np.ones(self.count, dtype=bool) if mask is None else mask.copy()
        mask[row] = False
        rows, scores = self.dense.search_vector(self.dense.vectors(np.array([row])), p.k, mask)
        found = Candidates.ranked(rows, scores.astype(np.float64), rows, rows[:0], fused=False)
        title = self.payload["title"][row]
        return SearchResult(
            # The movie's own title stands in for a query, so each hit's reasons are the ones a title gives.
            hits=self._hits(found, read_query(title or str(movie_id), replace(p, lang_policy="off")), False),
            method="similar",
            detected_language=None,
            language_name=None,
            policy="off",
            query_used="",
            year_min=p.year_min,
            year_max=p.year_max,
            notes=(f"the movies nearest to {title!r} ({movie_id}) by its stored vector",),
        )
