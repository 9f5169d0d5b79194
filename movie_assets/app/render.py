"""What the Streamlit page shows, as pure functions: result cards, posters, the reading line and footers.

Nothing here imports streamlit, so every string the page renders is tested without a browser. All
text from the data is HTML-escaped; TMDb image URLs are produced only when the caller allows them. Every
value the page shows through a Markdown element (warnings, captions, errors) goes through `plain`, so a
value from the URL or a file cannot draw a link or make the browser fetch an image from another host.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import unicodedata
import zlib
from collections.abc import Callable

from movie_assets.app.settings import Settings
from movie_assets.posters import image_type
from movie_assets.search import Hit, SearchResult, language_name, tokenize_query

LOG = logging.getLogger(__name__)
# A poster's image bytes by its TMDb path (the poster cache's `get`); None when it cannot be had.
PosterLookup = Callable[[str], bytes | None]

TMDB_IMAGE_BASE = "https://image.tmdb.org/t/p/w342"
ATTRIBUTION = "This product uses the TMDb API but is not endorsed or certified by TMDb."
SYNTHETIC_NOTE = (
    "Synthetic demo data: every title, person, company and poster here is invented by the project's demo "
    "generator, not taken from TMDb."
)
_POSTER_PATH = re.compile(r"^/[A-Za-z0-9_-]+\.(?:jpe?g|png|webp)$")
OTHER_TITLES_SHOWN = 4  # a card names a few other titles (a film may have dozens of translations)
_ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_LINKABLE = re.compile(r"[:@]|www\.", re.IGNORECASE)


# -- text shown through Markdown ---------------------------------------------------------------------


def plain(text: object) -> str:
    """`text` as Markdown that shows exactly these characters, on one line, with nothing to click or fetch.

    CommonMark lets any ASCII punctuation be backslash-escaped, and escaping all of it leaves nothing to
    start a link, an image, emphasis, HTML or math. Escapes do not stop what works on the text after
    parsing (GFM's autolinked URLs and e-mail addresses, emoji and icon shortcodes): every word holding a
    ":", an "@" or "www." is therefore set as inline code, which those never touch. Line breaks become
    spaces, so no value starts a block.
    """
    words = str(text).split()
    return " ".join(
        code_span(word)
        if _LINKABLE.search(word)
        else _ASCII_PUNCTUATION.sub(lambda m: "\\" + m.group(0), word)
        for word in words
    )


def code_span(text: object) -> str:
    """`text` as an inline code span (shown literally): fenced by more backticks than it holds in a row."""
    value = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {value} {fence}" if longest else f"{fence}{value}{fence}"


def _one_line(text: str) -> str:
    # Cards are raw HTML inside Markdown: a blank line in a value would end the HTML block and let the
    # rest be read as Markdown, so every value is kept on one line.
    return " ".join(text.split())


# -- posters ---------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """The runs of letters, digits, combining marks and underscores in `text`: "ദൃശ്യം" is one word, where
    a regex's \\w breaks it at each vowel sign (combining marks are not alphanumeric to `re`)."""
    return "".join(ch if ch == "_" or unicodedata.category(ch)[0] in "LNM" else " " for ch in text).split()


def _initials(title: str) -> str:
    words = _words(title)
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


def image_data_uri(data: bytes) -> str | None:
    """A whole JPEG, PNG or WebP image as a data URI (the page fetches nothing); None for other bytes."""
    kind = image_type(data)
    return f"data:{kind};base64," + base64.b64encode(data).decode("ascii") if kind else None


def poster_src(
    poster_path: str | None,
    title: str,
    year: int | None,
    *,
    online: bool,
    posters: PosterLookup | None = None,
) -> str:
    """The poster when `online` and the path looks like TMDb's: from `posters` (the poster cache) as a
    data URI when given, else TMDb's image URL. The drawn placeholder otherwise, and whenever `posters`
    has no image for it (offline, a failed fetch)."""
    if online and poster_path and _POSTER_PATH.match(poster_path):
        if posters is None:
            return TMDB_IMAGE_BASE + poster_path
        try:
            image = posters(poster_path)
        except Exception:  # a poster is decoration: its failure draws one, never breaks the page
            LOG.warning("poster lookup failed for %s", poster_path, exc_info=True)
            image = None
        uri = image_data_uri(image) if image else None
        if uri:
            return uri
    return placeholder_poster(title, year)


# -- result cards ----------------------------------------------------------------------------------


def _terms(text: str) -> set[str]:
    return set(tokenize_query(text))


def why_matched(hit: Hit, result: SearchResult, query: str) -> str:
    """One line saying why the hit is here: the hit's own reasons (`Hit.why`: constraints it satisfies or
    misses, matched words, retrievers) when the library gave them; else the language, genres and words it
    shares with the query (words compared as the BM25 tokenizer reads them), which retrievers found it
    and the boosts applied (read from the hit's components)."""
    if hit.why:
        return " · ".join(("misses: " if r.kind == "unmet" else "") + r.text for r in hit.why)
    reasons: list[str] = []
    if result.detected_language and hit.original_language == result.detected_language:
        boost = hit.components.boosts.get("language")
        reasons.append(f"in {result.language_name}" + (f" (×{boost:g})" if boost else ""))
    query_terms = _terms(query)
    genres = [g for g in hit.genres if (terms := _terms(g)) and terms <= query_terms]
    if genres:
        reasons.append("genre " + ", ".join(genres))
    text = " ".join([hit.title, *hit.other_titles, hit.overview or "", *hit.cast, *hit.directors])
    found_terms = _terms(text)
    words = [w for w in dict.fromkeys(_words(query.casefold())) if (t := _terms(w)) and t <= found_terms]
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


def card_html(
    hit: Hit,
    result: SearchResult,
    query: str,
    *,
    online_images: bool = False,
    posters: PosterLookup | None = None,
) -> str:
    """The result card of one hit (escaped HTML on one line, styled by CARD_CSS); `posters` as in
    `poster_src`."""

    def e(text: str) -> str:
        return html.escape(_one_line(text))

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
    also = hit.other_titles[:OTHER_TITLES_SHOWN]
    poster = poster_src(hit.poster_path, hit.title, hit.year, online=online_images, posters=posters)
    return (
        f'<div class="ma-card" data-movie-id="{hit.movie_id}">'
        f'<img class="ma-poster" src="{e(poster)}" alt="Poster: {e(hit.title)}" loading="lazy"/>'
        '<div class="ma-body">'
        f'<div class="ma-title"><span class="ma-rank">{hit.rank}</span>{e(hit.title)}{year}</div>'
        + (f'<div class="ma-also">Also: {e(" · ".join(also))}</div>' if also else "")
        + f'<div class="ma-meta">{e(" · ".join(m for m in meta if m))}</div>'
        + (f'<div class="ma-people">{" · ".join(people)}</div>' if people else "")
        + f'<p class="ma-overview">{e(_overview(hit.overview))}</p>'
        f'<div class="ma-why"><b>Why:</b> {e(why_matched(hit, result, query))}</div>'
        "</div></div>"
    )


def reading_line(result: SearchResult, settings: Settings, total: int) -> str:
    """Above the results: how the query was read and which filters applied (markdown)."""
    # Every value here comes from a closed list (methods, policies, TMDb's languages) or is a number.
    if result.detected_language:
        language = f"**{result.language_name}** ({result.detected_language}, policy {result.policy})"
    else:
        language = f"none detected (policy {result.policy})"
    parts = [f"{len(result.hits)} of {total:,} movies · method **{result.method}**", f"language: {language}"]
    if result.year_min is not None or result.year_max is not None:
        parts.append(f"years {result.year_min or '…'}–{result.year_max or '…'}")
    if settings.params.min_votes:
        parts.append(f"at least {settings.params.min_votes:,} votes")
    return " · ".join(parts)


def constraints_line(result: SearchResult) -> str:
    """Above the results, after `reading_line`: what the query asks of a film, as read (markdown; empty
    when it asks nothing beyond its words)."""
    parsed = result.parsed
    if parsed is None or not parsed.constraints:
        return ""
    # The labels hold query words: escaped like every other user text.
    parts = [
        f"{plain(c.kind.replace('_', ' '))} **{plain(c.label)}**" + ("" if c.hard else " (preferred)")
        for c in parsed.constraints
    ]
    count = f" · {result.matched} of {len(result.hits)} satisfy every filter"
    matched = "" if result.matched is None else count
    return "Understood: " + " · ".join(parts) + matched


def seeds_line(result: SearchResult) -> str:
    """Above the results: the films the search is like and unlike, as taken (markdown; titles escaped)."""

    def named(liked: bool) -> str:
        films = [s for s in result.seeds if s.liked is liked]
        return ", ".join(f"**{plain(s.title)}**" + (f" ({s.year})" if s.year else "") for s in films)

    parts = [f"{word}: {films}" for word, films in (("More like", named(True)), ("less like", named(False)))
             if films]  # fmt: skip
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
.ma-also{color:#6b6f7b;font-size:.82rem}
.ma-meta{color:#4b4f5c;font-size:.88rem}
.ma-people{color:#4b4f5c;font-size:.86rem;margin-top:.1rem}
.ma-overview{margin:.45rem 0 .4rem;font-size:.95rem}
.ma-why{font-size:.82rem;color:#1c5d99;background:rgba(28,93,153,.07);padding:.25rem .5rem;
  border-radius:.35rem}
.ma-footer{margin-top:2rem;padding-top:.6rem;border-top:1px solid rgba(49,51,63,.14);font-size:.8rem;
  color:#6b6f7b}
</style>"""


def footer_html(synthetic: bool, harvested: str | None = None) -> str:
    """The page footer: TMDb's attribution notice, the data's age, and the synthetic label when it applies."""
    parts = [html.escape(ATTRIBUTION)]
    if harvested:
        parts.append(f"Data harvested {html.escape(_one_line(harvested))}.")
    if synthetic:
        parts.append("Showing synthetic demo data.")
    return f'<div class="ma-footer">{" ".join(parts)}</div>'
