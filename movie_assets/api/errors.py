"""Every failure as a status and one message that says what was wrong and what to do; never a traceback.

422: a bad query or knob (the message and `parameter` name it), or a method this machine cannot run;
404: an unknown movie id or path; 503: no artifacts, damaged ones, or a model that cannot load (the
message says what to rebuild); 504: a request over the time limit.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from movie_assets.api.schemas import QUERY_FIELD
from movie_assets.search import MAX_SEEDS, ArtifactsError, ModelUnavailableError, QueryError, SearchParams

log = logging.getLogger("movie_assets.api")
_KNOBS = {knob.name: knob for knob in SearchParams.knobs()}


class MethodUnavailable(Exception):
    """A method this machine cannot run (``ce`` without a local cross-encoder)."""


class TimeLimit(Exception):
    """A request ran past the server's per-request time limit."""


def problem(
    status: int, detail: str, parameter: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error shape: {"detail": ..., "parameter": ...}."""
    return JSONResponse({"detail": " ".join(detail.split()), "parameter": parameter}, status, headers)


def _where(loc: tuple[Any, ...]) -> str | None:
    # ("query", "k"), ("body", "k"), ("path", "movie_id"); ("body",) alone is the body itself.
    names = [str(part) for part in loc[1:] if not isinstance(part, int)]
    return names[0] if names else None


def _message(error: dict[str, Any]) -> str:
    """One validation error as the CLI words it, where the library has words for it."""
    name, kind, given = _where(tuple(error.get("loc", ()))), error.get("type", ""), error.get("input")
    if kind == "extra_forbidden":
        return f"unknown parameter {name!r}; the parameters are {QUERY_FIELD}, {', '.join(_KNOBS)}"
    if kind == "missing":
        return f"{name} is required" + (": the query text" if name == QUERY_FIELD else "")
    if kind == "json_invalid":
        return f"the body is not valid JSON ({error.get('msg', '')})"
    if name is None:
        return f"the body must be a JSON object of {QUERY_FIELD} and the knobs ({error.get('msg', '')})"
    knob = _KNOBS.get(name)
    if knob is not None and knob.kind is tuple:
        return f"{name} takes film titles or ids (at most {MAX_SEEDS}), got {given!r}"
    if knob is not None and kind != "value_error":
        said = knob.problem(_number(given, knob.kind))
        if said:
            return said
    if kind.startswith("int_"):
        return f"{name} must be a whole number, got {given!r}"
    said = str(error.get("msg", "not a valid value")).removeprefix("Value error, ")
    return f"{name}: {said}, got {given!r}"


def _number(given: Any, kind: type) -> Any:
    # A query parameter arrives as text: the library's check reads the number it spells, if it spells one.
    if isinstance(given, str) and kind in (int, float):
        try:
            return kind(given)
        except ValueError:
            return given
    return given


def _parameter_in(message: str) -> str | None:
    """The knob a library message is about (it opens with the knob's name or label), else the query."""
    for knob in _KNOBS.values():
        for word in (knob.name, knob.label):
            if word and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", message):
                return knob.name
    return QUERY_FIELD if "query" in message else None


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    messages = list(dict.fromkeys(_message(e) for e in errors))
    return problem(422, "; ".join(messages), _where(tuple(first.get("loc", ()))))


async def _query(request: Request, exc: Exception) -> JSONResponse:
    return problem(422, str(exc), _parameter_in(str(exc)))


async def _method(request: Request, exc: Exception) -> JSONResponse:
    return problem(422, str(exc), "method")


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem(404, str(exc).strip("'\""), "movie_id")


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return problem(503, str(exc))


async def _time_limit(request: Request, exc: Exception) -> JSONResponse:
    return problem(504, str(exc))


async def _http(request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such path {request.url.path!r}; see /openapi.json for the API"
    return problem(exc.status_code, detail, headers=exc.headers)


async def _bug(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path)
    return problem(500, f"the server failed on this request ({type(exc).__name__}); see its log")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(QueryError, _query)
    app.add_exception_handler(MethodUnavailable, _method)
    app.add_exception_handler(LookupError, _not_found)
    app.add_exception_handler(ArtifactsError, _unavailable)
    app.add_exception_handler(ModelUnavailableError, _unavailable)
    app.add_exception_handler(TimeLimit, _time_limit)
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _bug)
