"""What the Streamlit page shows, as pure functions: URL settings, result cards, posters and footers.

Nothing here imports streamlit, so every string the page renders is tested without a browser. All
text from the data is HTML-escaped; TMDb image URLs are produced only when the caller allows them.
"""

from __future__ import annotations

import base64
import html
import re
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from movie_assets.search import LANGUAGE_POLICIES, METHODS, Hit, SearchParams, SearchResult, language_name

_LIB = SearchParams()  # the library's defaults are the app's, except the shorter result list
TMDB_IMAGE_BASE = "https://image.tmdb.org/t/p/w342"
ATTRIBUTION = "This product uses the TMDb API but is not endorsed or certified by TMDb."
SYNTHETIC_NOTE = (
    "Synthetic demo data: every title, person, company and poster here is invented by the project's demo "
    "generator, not taken from TMDb."
)
_POSTER_PATH = re.compile(r"^/[A-Za-z0-9_-]+\.(?:jpe?g|png|webp)$")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Settings:
    """Everything the sidebar sets; the URL query parameters carry the fields that differ from these."""

    q: str = ""
    method: str = _LIB.method
    k: int = 10
    lang_policy: str = _LIB.lang_policy
    min_votes: int = _LIB.min_votes
    year_min: int | None = None
    year_max: int | None = None
    mmr_lambda: float = _LIB.mmr_lambda
    hybrid_dense_k: int = _LIB.hybrid_dense_k
    hybrid_sparse_k: int = _LIB.hybrid_sparse_k
    rrf_k: int = _LIB.rrf_k
    w_dense: float = _LIB.w_dense
    w_sparse: float = _LIB.w_sparse
    images: bool = False

    def search_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `Searcher.search` (everything except the query and the image switch)."""
        knobs = asdict(self)
        del knobs["q"], knobs["images"]
        return knobs


# Accepted range of each numeric URL parameter: the sidebar's own limits, inside the library's.
LIMITS: dict[str, tuple[float, float]] = {
    "k": (1, 100), "min_votes": (0, 10_000_000), "year_min": (1874, 2100), "year_max": (1874, 2100),
    "mmr_lambda": (0.0, 1.0), "hybrid_dense_k": (10, 5_000), "hybrid_sparse_k": (10, 5_000),
    "rrf_k": (0, 1_000), "w_dense": (0.0, 5.0), "w_sparse": (0.0, 5.0),
}  # fmt: skip
_CHOICES = {"method": METHODS, "lang_policy": LANGUAGE_POLICIES}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _parse(name: str, raw: str, default: Any) -> Any:
    """One URL value as the field's type; ValueError says why it cannot be used."""
    if name == "q":
        return raw.strip()
    if name in _CHOICES:
        if raw not in _CHOICES[name]:
            raise ValueError(f"choose one of {', '.join(_CHOICES[name])}")
        return raw
    if name == "images":
        if raw.lower() not in _TRUE + _FALSE:
            raise ValueError("use 1 or 0")
        return raw.lower() in _TRUE
    whole = isinstance(default, int) or name in ("year_min", "year_max")
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
    values: dict[str, Any] = {}
    problems: list[str] = []
    for field in fields(Settings):
        raw = params.get(field.name)
        if isinstance(raw, list):  # a repeated parameter: the last one wins, as in a form post
            raw = raw[-1] if raw else None
        if raw is None:
            continue
        try:
            values[field.name] = _parse(field.name, raw, getattr(base, field.name))
        except ValueError as exc:
            problems.append(f"ignored {field.name}={raw!r} in the URL ({exc})")
    settings = replace(base, **values)
    low, high = settings.year_min, settings.year_max
    if low is not None and high is not None and low > high:
        problems.append(f"ignored the year range {low}-{high} in the URL (it is reversed)")
        settings = replace(settings, year_min=None, year_max=None)
    return settings, tuple(problems)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_to_params(settings: Settings, defaults: Settings | None = None) -> dict[str, str]:
    """The URL query parameters of `settings`: the fields that differ from the defaults (short links)."""
    base = defaults or Settings()
    return {
        f.name: _param(getattr(settings, f.name))
        for f in fields(Settings)
        if getattr(settings, f.name) is not None and getattr(settings, f.name) != getattr(base, f.name)
    }


# -- posters ---------------------------------------------------------------------------------------


def _initials(title: str) -> str:
    words = _WORD.findall(title)
    return "".join(w[0] for w in words[:2]).upper() or "?"


def placeholder_poster(title: str, year: int | None = None) -> str:
    """A drawn 2:3 poster (SVG data URI): a colour picked from the title, its initials and the year."""
    hue = zlib.crc32(title.encode("utf-8")) % 360
    label = html.escape(_initials(title))
    caption = html.escape(str(year)) if year else ""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="300" viewBox="0 0 200 300">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue},45%,42%)"/>'
        f'<stop offset="1" stop-color="hsl({(hue + 40) % 360},50%,18%)"/></linearGradient></defs>'
        '<rect width="200" height="300" fill="url(#g)"/>'
        '<rect x="12" y="12" width="176" height="276" fill="none" stroke="rgba(255,255,255,.35)" '
        'stroke-width="2"/>'
        '<text x="100" y="160" text-anchor="middle" font-family="Helvetica,Arial,sans-serif" font-size="64" '
        f'font-weight="700" fill="rgba(255,255,255,.92)">{label}</text>'
        '<text x="100" y="250" text-anchor="middle" font-family="Helvetica,Arial,sans-serif" font-size="22" '
        f'fill="rgba(255,255,255,.75)">{caption}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def poster_src(poster_path: str | None, title: str, year: int | None, *, online: bool) -> str:
    """TMDb's image URL when `online` and the path looks like TMDb's; the drawn placeholder otherwise."""
    if online and poster_path and _POSTER_PATH.match(poster_path):
        return TMDB_IMAGE_BASE + poster_path
    return placeholder_poster(title, year)


# -- result cards ----------------------------------------------------------------------------------


def _terms(text: str) -> set[str]:
    from movie_assets.index import tokenize_query

    return set(tokenize_query(text))


def why_matched(hit: Hit, result: SearchResult, query: str) -> str:
    """One line saying why the hit is here: the language, genres and words it shares with the query (words
    compared as the BM25 tokenizer reads them), then which retrievers found it and the boosts applied
    (read from the hit's components)."""
    reasons: list[str] = []
    if result.detected_language and hit.original_language == result.detected_language:
        boost = hit.components.boosts.get("language")
        reasons.append(f"in {result.language_name}" + (f" (×{boost:g})" if boost else ""))
    query_terms = _terms(query)
    genres = [g for g in hit.genres if (terms := _terms(g)) and terms <= query_terms]
    if genres:
        reasons.append("genre " + ", ".join(genres))
    text = " ".join([hit.title, hit.overview or "", *hit.cast, *hit.directors])
    found_terms = _terms(text)
    words = [
        w for w in dict.fromkeys(_WORD.findall(query.casefold())) if (t := _terms(w)) and t <= found_terms
    ]
    if words:
        reasons.append("words " + ", ".join(f"“{w}”" for w in words[:6]))
    dense, bm25 = hit.components.dense_rank, hit.components.bm25_rank
    found = [f"meaning #{dense}" if dense else "", f"keywords #{bm25}" if bm25 else ""]
    if dense and bm25:
        reasons.append(f"found by both retrievers ({' and '.join(found)})")
    elif dense or bm25:
        reasons.append("found by " + "".join(found))
    priors = [f"{name} ×{factor:.2f}" for name, factor in hit.components.boosts.items() if name != "language"]
    if priors:
        reasons.append(", ".join(priors))
    return " · ".join(reasons) or "ranked by the method's score"


def _runtime(minutes: int | None) -> str:
    if not minutes:
        return ""
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _overview(text: str | None, limit: int = 360) -> str:
    if not text:
        return "No overview."
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip(",;:") + " …"


def card_html(hit: Hit, result: SearchResult, query: str, *, online_images: bool = False) -> str:
    """The result card of one hit (escaped HTML, styled by CARD_CSS)."""
    e = html.escape
    language = language_name(hit.original_language) if hit.original_language else None
    meta = [
        language or "",
        ", ".join(hit.genres),
        _runtime(hit.runtime),
        f"{hit.vote_count:,} votes" if hit.vote_count else "",
    ]
    people = []
    if hit.directors:
        people.append(f"<b>Directed by</b> {e(', '.join(hit.directors[:2]))}")
    if hit.cast:
        people.append(f"<b>With</b> {e(', '.join(hit.cast[:4]))}")
    year = f' <span class="ma-year">{hit.year}</span>' if hit.year else ""
    poster = poster_src(hit.poster_path, hit.title, hit.year, online=online_images)
    return (
        f'<div class="ma-card" data-movie-id="{hit.movie_id}">'
        f'<img class="ma-poster" src="{e(poster)}" alt="Poster: {e(hit.title)}" loading="lazy"/>'
        '<div class="ma-body">'
        f'<div class="ma-title"><span class="ma-rank">{hit.rank}</span>{e(hit.title)}{year}</div>'
        f'<div class="ma-meta">{e(" · ".join(m for m in meta if m))}</div>'
        + (f'<div class="ma-people">{" · ".join(people)}</div>' if people else "")
        + f'<p class="ma-overview">{e(_overview(hit.overview))}</p>'
        f'<div class="ma-why"><b>Why:</b> {e(why_matched(hit, result, query))}</div>'
        "</div></div>"
    )


def reading_line(result: SearchResult, settings: Settings, total: int) -> str:
    """Above the results: how the query was read and which filters applied (markdown)."""
    if result.detected_language:
        language = f"**{result.language_name}** ({result.detected_language}, policy {result.policy})"
    else:
        language = f"none detected (policy {result.policy})"
    parts = [f"{len(result.hits)} of {total:,} movies · method **{result.method}**", f"language: {language}"]
    if result.year_min is not None or result.year_max is not None:
        parts.append(f"years {result.year_min or '…'}–{result.year_max or '…'}")
    if settings.min_votes:
        parts.append(f"at least {settings.min_votes:,} votes")
    return " · ".join(parts)


CARD_CSS = """<style>
.ma-card{display:flex;gap:1.1rem;padding:.9rem;margin:0 0 .9rem;border:1px solid rgba(49,51,63,.14);
  border-radius:.75rem;background:rgba(250,250,252,.6);box-shadow:0 1px 3px rgba(0,0,0,.05)}
.ma-poster{width:110px;height:165px;object-fit:cover;border-radius:.45rem;flex:none;background:#ddd}
.ma-body{min-width:0;line-height:1.45}
.ma-title{font-size:1.15rem;font-weight:650;margin-bottom:.15rem}
.ma-rank{display:inline-block;min-width:1.6rem;margin-right:.45rem;padding:0 .35rem;border-radius:.4rem;
  background:#31333f;color:#fff;font-size:.8rem;text-align:center;vertical-align:middle}
.ma-year{color:#6b6f7b;font-weight:400}
.ma-meta{color:#4b4f5c;font-size:.88rem}
.ma-people{color:#4b4f5c;font-size:.86rem;margin-top:.1rem}
.ma-overview{margin:.45rem 0 .4rem;font-size:.95rem}
.ma-why{font-size:.82rem;color:#1c5d99;background:rgba(28,93,153,.07);padding:.25rem .5rem;
  border-radius:.35rem}
.ma-footer{margin-top:2rem;padding-top:.6rem;border-top:1px solid rgba(49,51,63,.14);font-size:.8rem;
  color:#6b6f7b}
</style>"""


def is_synthetic(manifest: Mapping[str, Any]) -> bool:
    """Whether the artifacts were built from the synthetic demo catalogue (the manifest's `source`)."""
    return manifest.get("source") == "demo"


def footer_html(synthetic: bool, harvested: str | None = None) -> str:
    """The page footer: TMDb's attribution notice, the data's age, and the synthetic label when it applies."""
    parts = [html.escape(ATTRIBUTION)]
    if harvested:
        parts.append(f"Data harvested {html.escape(harvested)}.")
    if synthetic:
        parts.append("Showing synthetic demo data.")
    return f'<div class="ma-footer">{" ".join(parts)}</div>'
