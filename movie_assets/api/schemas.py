"""What the API takes and returns, built from the search library's own definitions.

The request models are made from `SearchParams.knobs()`: each knob becomes a field with the CLI flag's
name, default, allowed values and help text, so the CLI, the app and the API take the same knobs and a
knob added to the library appears here (and in /openapi.json) with no change. The library checks the
values again when the `SearchParams` is made: its messages are the ones a client reads.
"""

from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any, Literal

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from movie_assets.search import MAX_QUERY_CHARS, MAX_SEEDS, Hit, Knob, SearchParams, SearchResult

QUERY_FIELD = "q"
FILTER_KNOBS = ("k", "min_votes", "year_min", "year_max")  # what /movies/{id}/similar takes
# Every whole-number knob is kept inside a 64-bit integer: beyond it no value means anything.
_INT_LIMIT = 2**63 - 1


def _annotation(knob: Knob) -> Any:
    if knob.kind is tuple:  # films by title or id: a repeated query parameter, a JSON list in a body
        return list[int | str]
    base: Any = Literal[knob.choices] if knob.choices else knob.kind  # type: ignore[valid-type]
    return base | None if knob.default is None else base


def _field(knob: Knob) -> Any:
    spec: dict[str, Any] = {"description": knob.help}
    if knob.kind is tuple:
        return (_annotation(knob), Field(default_factory=list, max_length=MAX_SEEDS, **spec))
    if knob.kind is int:
        spec["ge"] = int(knob.low) if knob.low is not None else -_INT_LIMIT
        spec["le"] = int(knob.high) if knob.high is not None else _INT_LIMIT
    elif knob.kind is float:
        spec.update(ge=knob.low, le=knob.high, allow_inf_nan=False)
    return (_annotation(knob), Field(knob.default, **spec))


def _no_bools(cls: type, value: Any) -> Any:
    # JSON's true would otherwise pass as the number 1.
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


def _model(name: str, knobs: tuple[Knob, ...], query: bool, doc: str) -> type[BaseModel]:
    numbers = [k.name for k in knobs if k.kind in (int, float)]
    validators = {"no_bools": field_validator(*numbers, mode="before")(_no_bools)} if numbers else {}
    spec: dict[str, Any] = {k.name: _field(k) for k in knobs}
    if query:
        text = (
            f"the query: free text, up to {MAX_QUERY_CHARS:,} characters (POST for long descriptions); "
            "may be empty when `like` names films"
        )
        spec = {QUERY_FIELD: (str, Field(..., description=text)), **spec}
    model = create_model(  # type: ignore[call-overload]
        name,
        __config__=ConfigDict(extra="forbid"),  # a misspelt knob is an error, as an unknown CLI flag is
        __doc__=doc,
        __validators__=validators,
        **spec,
    )
    return model


@functools.cache
def search_request() -> type[BaseModel]:
    """`GET /search` query parameters and `POST /search` body: q plus every search knob."""
    return _model("SearchRequest", SearchParams.knobs(), True, "A search: the query and its knobs.")


@functools.cache
def similar_request() -> type[BaseModel]:
    """`GET /movies/{movie_id}/similar` query parameters: k and the filters."""
    knobs = tuple(k for k in SearchParams.knobs() if k.name in FILTER_KNOBS)
    return _model("SimilarRequest", knobs, False, "How many similar movies, and which to keep.")


def params_of(request: BaseModel) -> SearchParams:
    """The library's knobs from a checked request (QueryError when the values do not go together)."""
    values = request.model_dump()
    return SearchParams(**{k.name: values[k.name] for k in SearchParams.knobs() if k.name in values})


def reading(result: SearchResult) -> dict[str, Any]:
    """How the query was read: every field of the result but its hits, so new fields (a parsed reading
    held in a dataclass of its own, say) flow through as JSON."""
    return jsonable_encoder({f.name: getattr(result, f.name) for f in fields(result) if f.name != "hits"})


def answer(result: SearchResult) -> dict[str, Any]:
    """The body of a search answer: how the query was read, and the hits as `search --json` prints them."""
    return {"query": reading(result), "hits": [hit.to_dict() for hit in result.hits]}


class SearchAnswer(BaseModel):
    """A search answer (DESIGN §6): how the query was read, and the hits best first (DESIGN §8)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    query: dict[str, Any] = Field(description="method, detected language, policy, year bounds, notes, ...")
    hits: list[Hit]


class Health(BaseModel):
    """The served artifact set, from its manifest."""

    status: Literal["ok"]
    set_id: str
    count: int
    encoder: str | None
    built_at: str | None
    source: str | None
    switches: int = Field(description="sets put in place since the server started, after the first")
    problem: str | None = Field(description="why a newer set found was not switched in, if one was not")


class Problem(BaseModel):
    """An error: what was wrong and what to do; `parameter` names the input at fault, where one is."""

    detail: str
    parameter: str | None = None
