"""The Streamlit front end: `streamlit run movie_assets/app/streamlit_app.py`.

A thin page: one cached Searcher, sidebar widgets whose values live in the URL query parameters
(`movie_assets.app.settings`), one library call, the helpers of `movie_assets.app.render` to draw it,
and the Catalogue tab (`movie_assets.app.catalogue`). It reads search results only through
`movie_assets.search`. Every value that comes from the URL, a file or an error is shown as plain text
(`render.plain`): the page contacts no host but its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from movie_assets.app import catalogue, render
from movie_assets.app.render import code_span, plain
from movie_assets.app.settings import (
    FILM_KNOBS,
    LIMITS,
    METHOD_LABELS,
    POLICY_LABELS,
    Settings,
    films_of,
    films_text,
    more_like_this,
    settings_from_params,
    settings_to_params,
)
from movie_assets.config import PosterSettings, data_home
from movie_assets.posters import PosterCache
from movie_assets.search import (
    LANGUAGE_POLICIES,
    METHODS,
    ArtifactsError,
    Embedder,
    Hit,
    ModelUnavailableError,
    QueryError,
    Searcher,
    SearchParams,
    artifacts_version,
    default_artifacts_dir,
    unavailable_methods,
)

LOG = logging.getLogger(__name__)
EXAMPLES = ("Tamil neo-noir crime in Chennai", "heist thriller after 2020", "Korean family drama")
_STATE_READY = "_ma_state_ready"


@st.cache_resource(show_spinner="Opening the search index…", max_entries=4)
def _searcher(folder: str, stamp: str, _embedder: Embedder | None) -> Searcher:
    # `stamp` (the artifacts' version) makes a rebuilt artifacts set open afresh; the embedder is not hashed.
    # A long-lived page: the dense index is read into memory once, so no query waits on the disk.
    return Searcher.open(folder, embedder=_embedder, preload=True)


@st.cache_resource(show_spinner=False, max_entries=2)
def _poster_cache(home: str, settings_key: str, _settings: PosterSettings) -> PosterCache:
    # One cache per data root and settings, shared by every session: one fetch per poster across them.
    return PosterCache.in_home(Path(home), _settings)


def _posters(hits: Sequence[Hit]) -> render.PosterLookup:
    """The posters of these hits from the poster cache, fetched together on first use; the lookup finds
    none (the cards draw theirs) where the cache cannot be opened or a fetch fails."""
    try:
        settings = PosterSettings.from_env()
        cache = _poster_cache(str(data_home()), repr(settings), settings)
    except Exception as exc:  # a bad POSTER_* value or an unusable cache folder: draw the posters
        LOG.warning("the poster cache cannot be used", exc_info=True)
        st.caption(f"Posters are drawn here: {plain(exc)}")
        return lambda poster_path: None
    with st.spinner("Fetching posters…"):
        found = cache.get_many(hit.poster_path for hit in hits)
    return found.get


def _init_state(defaults: Settings, bounds: tuple[int, int] | None) -> None:
    """Seed the widgets from the URL once per session; later runs keep what the user set."""
    if not st.session_state.get(_STATE_READY):
        settings, problems = settings_from_params(_url(), defaults)
        for name, value in settings.values().items():
            st.session_state[name] = films_text(value) if name in FILM_KNOBS else value
        st.session_state["years"] = (settings.params.year_min, settings.params.year_max)
        st.session_state["_ma_problems"] = problems
        st.session_state[_STATE_READY] = True
    if bounds:  # inside the catalogue's years, which a rebuild may change while the page is open
        low, high = bounds
        first, last = st.session_state.get("years") or (None, None)
        first = min(max(first or low, low), high)
        st.session_state["years"] = (first, max(min(last or high, high), first))


def _url() -> dict[str, str | list[str]]:
    """The URL query parameters, each film list (like, unlike) with every repeated value."""
    found: dict[str, str | list[str]] = dict(st.query_params.to_dict())
    for name in FILM_KNOBS:
        if name in found:
            found[name] = st.query_params.get_all(name)
    return found


def _more_like(settings: Settings, movie_id: int) -> None:
    """A card's "More like this": the widgets take the search with that film as the liked one."""
    wanted = more_like_this(settings, movie_id)
    st.session_state["q"] = wanted.q
    for name in FILM_KNOBS:
        st.session_state[name] = films_text(getattr(wanted.params, name))


def _method_label(method: str, unavailable: dict[str, str]) -> str:
    return METHOD_LABELS[method] + (" (unavailable here)" if method in unavailable else "")


def _method(bar: DeltaGenerator, unavailable: dict[str, str]) -> str:
    """The method selector; a method this machine cannot run is labelled so, with the reason."""
    reasons = " ".join(f"{plain(m)} is unavailable here: {plain(why)}." for m, why in unavailable.items())
    method = bar.selectbox(
        "Method",
        METHODS,
        key="method",
        format_func=lambda m: _method_label(m, unavailable),
        help=reasons or None,
    )
    if method in unavailable:
        bar.caption(f"Unavailable here: {plain(unavailable[method])}.")
    return str(method)


def _sidebar(
    defaults: Settings, bounds: tuple[int, int] | None, synthetic: bool, unavailable: dict[str, str]
) -> tuple[Settings, str | None]:
    """The settings the widgets hold, and why they cannot search together (None when they can)."""
    bar = st.sidebar
    bar.header("Search settings")
    q = bar.text_input("Query", key="q", placeholder="e.g. " + EXAMPLES[0])
    like = bar.text_input(
        "More like", key="like", placeholder="e.g. Drishyam (2013); Inception",
        help="Films to find more like (titles, a year to pick one of a title, or ids), separated by ;. "
        "With them the query may be empty.",
    )  # fmt: skip
    unlike = bar.text_input("Less like", key="unlike", help="Films whose look-alikes go down the list.")
    method = _method(bar, unavailable)
    k = bar.slider("Results (top-K)", *LIMITS["k"], key="k")
    mmr_lambda = st.session_state.get("mmr_lambda", defaults.params.mmr_lambda)
    if method == "mmr":
        mmr_lambda = bar.slider(
            "MMR λ (weight on diversity)", *LIMITS["mmr_lambda"], step=0.05, key="mmr_lambda"
        )
    min_votes = bar.number_input("Minimum vote count", min_value=0, step=10, key="min_votes")
    year_min = year_max = None
    if bounds and bounds[0] < bounds[1]:
        low, high = bar.slider("Release years", bounds[0], bounds[1], key="years")
        year_min, year_max = (low if low > bounds[0] else None), (high if high < bounds[1] else None)
    policy = bar.selectbox(
        "Language policy",
        LANGUAGE_POLICIES,
        key="lang_policy",
        format_func=POLICY_LABELS.get,
        help='What a language the query names does ("Tamil crime", "movies in Korean").',
    )
    with bar.expander("Advanced: hybrid fusion"):
        dense_k = st.number_input("Dense pool size", *LIMITS["hybrid_dense_k"], step=50, key="hybrid_dense_k")
        sparse_k = st.number_input(
            "BM25 pool size", *LIMITS["hybrid_sparse_k"], step=50, key="hybrid_sparse_k"
        )
        rrf_k = st.number_input("RRF constant k", *LIMITS["rrf_k"], step=10, key="rrf_k")
        w_dense = st.slider("Dense weight", *LIMITS["w_dense"], step=0.1, key="w_dense")
        w_sparse = st.slider("BM25 weight", *LIMITS["w_sparse"], step=0.1, key="w_sparse")
    images = bar.toggle(
        "Show TMDb posters",
        key="images",
        disabled=synthetic,
        help="Fetches poster images from TMDb's image server into a cache on this machine (the page "
        "itself contacts no other host); off, posters are drawn here. Demo data has no real posters.",
    )
    knobs = dict(
        method=method, k=int(k), lang_policy=policy, min_votes=int(min_votes), year_min=year_min,
        year_max=year_max, mmr_lambda=float(mmr_lambda), hybrid_dense_k=int(dense_k),
        hybrid_sparse_k=int(sparse_k), rrf_k=int(rrf_k), w_dense=float(w_dense), w_sparse=float(w_sparse),
        like=films_of(like), unlike=films_of(unlike),
    )  # fmt: skip
    try:
        params, problem = SearchParams(**knobs), None
    except QueryError as exc:  # each widget keeps to its range, but two may not go together (both weights 0)
        params, problem = defaults.params, str(exc)
    if method in unavailable:
        problem = f"the {method} method is unavailable here: {unavailable[method]}"
    return Settings(q=q.strip(), params=params, images=bool(images) and not synthetic), problem


def _results(searcher: Searcher, settings: Settings, problem: str | None) -> None:
    if not settings.q and not settings.params.like:
        st.markdown(
            "Describe a movie in the sidebar: plot, mood, genre, place, language or years, e.g. "
            + ", ".join(f"*{e}*" for e in EXAMPLES)
            + "."
        )
        return
    if problem is not None:
        st.warning(f"That search cannot run: {plain(problem)}.")
        return
    try:
        with st.spinner("Searching…"):
            result = searcher.search(settings.q, settings.params)
    except QueryError as exc:
        st.warning(f"That search cannot run: {plain(exc)}.")
        return
    except (ModelUnavailableError, ArtifactsError) as exc:
        method = settings.params.method
        st.error(f"The {method} method cannot run here: {plain(exc)}. The bm25 method needs no model.")
        return
    st.markdown(render.reading_line(result, settings, searcher.count))
    understood = render.constraints_line(result)
    if understood:
        st.markdown(understood)
    if result.seeds:
        st.markdown(render.seeds_line(result))
    for note in result.notes:
        st.caption(plain(note))
    posters = _posters(result.hits) if settings.images else None
    if not result.hits:
        st.info("No movie matches this query and these filters; loosen the filters or use other words.")
    for hit in result.hits:
        if result.matched is not None and hit.rank == result.matched + 1:
            st.markdown("**Relaxed results** (these miss some of what the query asks; each card says what)")
        st.markdown(
            render.card_html(hit, result, settings.q, online_images=settings.images, posters=posters),
            unsafe_allow_html=True,
        )
        st.button(
            "More like this", key=f"more-{hit.movie_id}", on_click=_more_like, args=(settings, hit.movie_id),
            help=f"Search for films like {plain(hit.title)}",
        )  # fmt: skip


def _no_artifacts(folder: Path, exc: ArtifactsError) -> None:
    st.title("Movie search")
    st.subheader("No search index yet")
    st.markdown(f"The app searches the artifacts in {code_span(folder)}, and they cannot be opened:")
    st.caption(plain(exc))
    st.markdown(
        "Build them with one command. Without `TMDB_API_KEY` it harvests the synthetic demo "
        "catalogue from the local TMDb emulator (no network); with a key it harvests TMDb:"
    )
    st.code(
        "movie-assets build                     # everything, offline demo or TMDb\n"
        "movie-assets build --years 2023-2024   # only some years",
        language="bash",
    )
    st.markdown(
        "Artifacts built elsewhere: set `MOVIE_ASSETS_HOME` to their data folder. Then reload this page."
    )


def _page(embedder: Embedder | None) -> str:
    """Draw everything above the footer; return the footer (it depends on the data found)."""
    from movie_assets.config import load_dotenv_once

    load_dotenv_once()
    folder = default_artifacts_dir()
    try:
        searcher = _searcher(str(folder), artifacts_version(folder), embedder)
    except ArtifactsError as exc:
        _no_artifacts(folder, exc)
        return render.footer_html(False)
    synthetic = searcher.summary.synthetic
    online = os.environ.get("MOVIE_ASSETS_ONLINE_IMAGES", "").strip().lower() in ("1", "true", "yes", "on")
    defaults = Settings(images=online and not synthetic)
    bounds = searcher.summary.year_span
    _init_state(defaults, bounds)
    settings, problem = _sidebar(defaults, bounds, synthetic, unavailable_methods())
    params = settings_to_params(settings, defaults)
    if params != _url():
        st.query_params.from_dict(params)
    st.title("Movie search")
    st.caption(f"Hybrid, language-aware search over {searcher.count:,} movies.")
    for ignored in st.session_state.pop("_ma_problems", ()):
        st.warning(plain(ignored))  # it quotes the URL's value: text, never Markdown
    if synthetic:
        st.info(render.SYNTHETIC_NOTE)
    search_tab, catalogue_tab = st.tabs(["Search", "Catalogue"])
    with search_tab:
        _results(searcher, settings, problem)
    return render.footer_html(synthetic, catalogue.draw(catalogue_tab))


def main(embedder: Embedder | None = None) -> None:
    """Draw the page; `embedder` replaces the manifest's model for queries (tests pass a fake)."""
    st.set_page_config(page_title="Movie search", page_icon="🎬", layout="wide")
    st.html(render.CARD_CSS)  # style tags only: applied to the page without taking space
    footer = render.footer_html(False)
    try:
        footer = _page(embedder)
    except Exception as exc:  # the page shows a message, never a traceback; the log keeps the details
        LOG.exception("the movie search page failed")
        st.error(
            f"Something went wrong while drawing this page ({type(exc).__name__}: {plain(exc)}). "
            "The details are in the app's log."
        )
    st.markdown(footer, unsafe_allow_html=True)


if __name__ == "__main__":
    main()
