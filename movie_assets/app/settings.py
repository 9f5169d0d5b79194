"""What the sidebar sets, and how the URL query parameters carry it: the query, the library's search knobs
(`SearchParams`, each defined there once) and the poster switch. Nothing here imports streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from movie_assets.search import Knob, QueryError, SearchParams

APP_PARAMS = SearchParams(k=10)  # the library's defaults are the app's, except the shorter result list
KNOBS: dict[str, Knob] = {knob.name: knob for knob in SearchParams.knobs()}
FILM_KNOBS = tuple(name for name, knob in KNOBS.items() if knob.kind is tuple)  # like, unlike: lists
# The sidebar's bounds of each number knob, inside the library's: its widgets and the URL both keep to them.
LIMITS: dict[str, tuple[float, float]] = {
    "k": (1, 100), "min_votes": (0, 10_000_000), "year_min": (1874, 2100), "year_max": (1874, 2100),
    "mmr_lambda": (0.0, 1.0), "hybrid_dense_k": (10, 5_000), "hybrid_sparse_k": (10, 5_000),
    "rrf_k": (0, 1_000), "w_dense": (0.0, 5.0), "w_sparse": (0.0, 5.0),
}  # fmt: skip
METHOD_LABELS = {
    "hybrid": "hybrid: meaning + keywords, fused", "retrieval": "retrieval: meaning only (dense)",
    "bm25": "bm25: keywords only", "blend": "blend: meaning × recency and popularity",
    "ce": "ce: cross-encoder re-ranking", "mmr": "mmr: diversified hybrid",
}  # fmt: skip
POLICY_LABELS = {
    "auto-soft": "auto-soft: prefer it", "auto-hard": "auto-hard: it first", "off": "off: ignore it",
}  # fmt: skip
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    """Everything the sidebar sets; the URL query parameters carry the values that differ from the defaults.

    :param q: the query as typed (stripped).
    :param params: the search knobs, passed to `Searcher.search` as they are.
    :param images: load posters from TMDb's image server rather than drawing them.
    """

    q: str = ""
    params: SearchParams = APP_PARAMS
    images: bool = False

    @classmethod
    def of(cls, q: str = "", images: bool = False, **knobs: Any) -> Settings:
        """Settings with the app's knobs, some changed by name (``Settings.of(q="noir", k=5)``)."""
        return cls(q=q, params=replace(APP_PARAMS, **knobs), images=images)

    def values(self) -> dict[str, Any]:
        """Every value by its URL parameter name: q, each knob, images."""
        return {"q": self.q, **asdict(self.params), "images": self.images}


FILM_SEPARATOR = ";"  # between the films of a like/unlike box ("Drishyam (2013); 12345")


def films_of(text: str) -> tuple[str, ...]:
    """The films typed in a like/unlike box: titles or ids separated by FILM_SEPARATOR."""
    return tuple(f.strip() for f in text.split(FILM_SEPARATOR) if f.strip())


def films_text(films: tuple[str | int, ...]) -> str:
    """The films of a like/unlike list as the box shows them."""
    return f"{FILM_SEPARATOR} ".join(str(f) for f in films)


def more_like_this(settings: Settings, movie_id: int) -> Settings:
    """The search a card's "More like this" runs: that film alone as the liked one, no text; the other
    knobs (and the dislikes) as they were."""
    return Settings(q="", params=replace(settings.params, like=(str(movie_id),)), images=settings.images)


def _parse(name: str, raw: str | list[str]) -> Any:
    """One URL value as the setting's type; ValueError says why it cannot be used."""
    if name in FILM_KNOBS:  # a repeated parameter: every value is a film
        films = tuple(f.strip() for f in ([raw] if isinstance(raw, str) else raw) if f.strip())
        problem = KNOBS[name].problem(films)
        if problem is not None:
            raise ValueError(problem)
        return films
    assert isinstance(raw, str)
    if name == "q":
        return raw.strip()
    if name == "images":
        if raw.lower() not in _TRUE + _FALSE:
            raise ValueError("use 1 or 0")
        return raw.lower() in _TRUE
    knob = KNOBS[name]
    if knob.choices is not None:
        if raw not in knob.choices:
            raise ValueError(f"choose one of {', '.join(knob.choices)}")
        return raw
    whole = knob.kind is int
    try:
        value: float = int(raw) if whole else float(raw)
    except ValueError:
        raise ValueError("not a whole number" if whole else "not a number") from None
    low, high = LIMITS[name]
    if not low <= value <= high:
        raise ValueError(f"outside {low:g}-{high:g}")
    return value


def settings_from_params(
    params: Mapping[str, str | list[str]], defaults: Settings | None = None
) -> tuple[Settings, tuple[str, ...]]:
    """Read settings from URL query parameters; unusable values keep the default and are reported.

    Returns:
        The settings and one human-readable line per ignored parameter.
    """
    base = defaults or Settings()
    values = base.values()
    problems: list[str] = []
    for name in list(values):
        raw = params.get(name)
        if isinstance(raw, list) and name not in FILM_KNOBS:  # repeated: the last one wins, as in a form
            raw = raw[-1] if raw else None
        if raw is None:
            continue
        try:
            values[name] = _parse(name, raw)
        except ValueError as exc:
            problems.append(f"ignored {name}={raw!r} in the URL ({exc})")
    low, high = values["year_min"], values["year_max"]
    if low is not None and high is not None and low > high:
        problems.append(f"ignored the year range {low}-{high} in the URL (it is reversed)")
        values.update(year_min=None, year_max=None)
    try:
        knobs = SearchParams(**{name: values[name] for name in KNOBS})
    except QueryError as exc:  # each value was in range, but they do not go together
        problems.append(f"ignored the search settings in the URL ({exc})")
        knobs = base.params
    return Settings(q=values["q"], params=knobs, images=values["images"]), tuple(problems)


def _param(value: Any) -> str | list[str]:
    if isinstance(value, tuple):  # a list of films: one repeated parameter per film
        return [str(v) for v in value]
    if isinstance(value, bool):
        return "1" if value else "0"
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_to_params(settings: Settings, defaults: Settings | None = None) -> dict[str, str | list[str]]:
    """The URL query parameters of `settings`: the values that differ from the defaults (short links)."""
    base = (defaults or Settings()).values()
    return {
        name: _param(value)
        for name, value in settings.values().items()
        if value is not None and value != base[name]
    }
