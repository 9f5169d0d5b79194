"""The FastAPI app: search, one movie, similar movies, health, metrics (DESIGN §6).

Searches run on worker threads (the library releases the GIL in FAISS, numpy and torch), at most
`threads` at once (`default_threads`: a few per core, so that the query embedder has queries to
batch). Each request takes the live Searcher once, so it finishes on the set it started with
(`movie_assets.api.live`).
"""

import functools
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import Gauge

from movie_assets.api.errors import MethodUnavailable, TimeLimit, install_error_handlers
from movie_assets.api.live import LiveSearcher
from movie_assets.api.metrics import METHOD_KEY, Metrics, MetricsMiddleware
from movie_assets.api.schemas import (
    Health,
    Problem,
    SearchAnswer,
    answer,
    params_of,
    search_request,
    similar_request,
)
from movie_assets.search import ModelUnavailableError, Searcher, clean_query, unavailable_methods

T = TypeVar("T")
TIME_LIMIT_S = 10.0
SET_HEADER = "X-Artifact-Set"  # the set that answered: a client (or a test) can tell sets apart
SearchRequest = search_request()
SimilarRequest = similar_request()
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": why}
    for code, why in [
        (422, "a bad query or knob (named in `parameter`), or a method this machine cannot run"),
        (503, "no artifacts, damaged ones, or a model that cannot load: the message says what to rebuild"),
        (504, "the request ran past the server's time limit"),
    ]
}


SEARCHES_PER_CORE = 4


def default_threads() -> int:
    """Searches run at once: four per core this process may use. Most of a search's CPU is its query
    embedding, which one thread does for all of them in batches (`BatchingEmbedder`): searches waiting
    there are what it batches, so a few more than the cores keep it fed (on 2 cores under load, 8 took
    12 ms of CPU per search where 2 took 18, and answered 1.7x the requests per second)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return SEARCHES_PER_CORE * cores


def create_app(
    live: LiveSearcher,
    *,
    time_limit_s: float = TIME_LIMIT_S,
    threads: int | None = None,
    watch: bool = True,
) -> FastAPI:
    """The API over `live`; with `watch`, the app's lifespan opens the artifacts and watches for new sets
    (tests that drive the app without a lifespan call `live.refresh()` themselves)."""
    metrics = Metrics()
    Gauge(
        "movie_assets_api_artifact_switches",
        "artifact sets put in place while serving, after the first",
        registry=metrics.registry,
    ).set_function(lambda: live.switches)
    unavailable = unavailable_methods()  # a file check: the cross-encoder does not appear while serving
    limiter: list[anyio.CapacityLimiter] = []  # made on the event loop, at the first search

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if watch:
            await anyio.to_thread.run_sync(live.start)  # loads the model before the port opens
        yield
        live.stop()

    app = FastAPI(
        title="movie_assets search",
        summary="Hybrid, language-aware movie search over the built artifacts",
        version="1",
        docs_url=None,  # the docs pages fetch their scripts from another host; /openapi.json is served
        redoc_url=None,
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    install_error_handlers(app)

    async def in_thread(call: Callable[[], T]) -> T:
        if not limiter:
            limiter.append(anyio.CapacityLimiter(threads or default_threads()))
        try:
            with anyio.fail_after(time_limit_s):
                return await anyio.to_thread.run_sync(call, limiter=limiter[0], abandon_on_cancel=True)
        except TimeoutError:
            raise TimeLimit(
                f"the request took longer than the {time_limit_s:g} s limit; ask for fewer hits "
                "or smaller pools, or try again when the server is less busy"
            ) from None

    def answered(body: Any, searcher: Searcher) -> JSONResponse:
        return JSONResponse(body, headers={SET_HEADER: searcher.set_id})

    async def run_search(request: Request, query: Any) -> JSONResponse:
        params = params_of(query)
        if not params.like:  # liked films alone may make the query
            clean_query(query.q)  # a bad query is reported before the artifacts are read, as the CLI does
        if params.method in unavailable:
            why = unavailable[params.method]
            raise MethodUnavailable(f"method {params.method} is unavailable here: {why}")
        setattr(request.state, METHOD_KEY, params.method)
        searcher = live.current()
        try:
            result = await in_thread(functools.partial(searcher.search, query.q, params))
        except ModelUnavailableError as exc:
            if params.method != "ce":
                raise
            raise MethodUnavailable(f"method ce is unavailable here: {exc}") from exc
        return answered(answer(result), searcher)

    @app.get("/search", response_model=SearchAnswer, tags=["search"])
    async def search(request: Request, query: Annotated[SearchRequest, Query()]) -> JSONResponse:  # type: ignore[valid-type]
        """Search the movies: `q` and the knobs of `movie-assets search` as query parameters."""
        return await run_search(request, query)

    @app.post("/search", response_model=SearchAnswer, tags=["search"])
    async def search_body(request: Request, query: SearchRequest) -> JSONResponse:  # type: ignore[valid-type]
        """Search the movies: the same fields as a JSON body (for long recalled descriptions)."""
        return await run_search(request, query)

    movie_id_path = Path(description="the TMDb id of a movie in the served artifacts")

    @app.get("/movies/{movie_id}", tags=["movies"])
    async def movie(movie_id: Annotated[int, movie_id_path]) -> JSONResponse:
        """One movie's stored fields (those hits carry, and the ones the ranker reads)."""
        searcher = live.current()
        row = searcher.movie(movie_id)
        if row is None:
            raise LookupError(f"no movie with id {movie_id} in the served artifacts")
        return answered(row, searcher)

    @app.get("/movies/{movie_id}/similar", response_model=SearchAnswer, tags=["movies"])
    async def similar(
        request: Request,
        movie_id: Annotated[int, movie_id_path],
        query: Annotated[SimilarRequest, Query()],  # type: ignore[valid-type]
    ) -> JSONResponse:
        """The movies nearest to this one by its stored vector (k and the year and vote filters apply)."""
        params = params_of(query)
        setattr(request.state, METHOD_KEY, "similar")
        searcher = live.current()
        result = await in_thread(functools.partial(searcher.similar, movie_id, params))
        return answered(answer(result), searcher)

    @app.get("/health", response_model=Health, tags=["service"])
    async def health() -> JSONResponse:
        """200 with the served set's manifest facts; 503 (with the rebuild hint) while there is none."""
        searcher = live.current()
        summary = searcher.summary
        body = Health(
            status="ok",
            set_id=searcher.set_id,
            count=searcher.count,
            encoder=summary.embedding_model,
            built_at=summary.built_at,
            source=summary.source,
            switches=live.switches,
            problem=live.problem,
        )
        return answered(body.model_dump(), searcher)

    @app.get("/metrics", include_in_schema=False)
    async def exposition() -> Response:
        content, media_type = metrics.exposition()
        return Response(content, media_type=media_type)

    return app
