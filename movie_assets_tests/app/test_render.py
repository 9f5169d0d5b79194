"""The page's pure helpers: posters, the why-it-matched line, cards, the reading line and footers."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest

from movie_assets.app import render
from movie_assets.app.settings import Settings
from movie_assets.search import Components, Hit, Reason, SearchResult, parse_query
from movie_assets.tmdb.emulator import poster_image

VIKRAM = Hit(
    movie_id=1, title="Vikram Vedha", year=2017, original_language="ta", genres=("Crime", "Thriller"),
    score=0.5, rank=1, components=Components(dense_rank=2, bm25_rank=1, fused=0.03, boosts={"language": 1.2}),
    overview="A police officer hunts a gangster through Chennai in a neo-noir crime.", poster_path="/vv.jpg",
    cast=("Actor One", "Actor Two", "Actor Three", "Actor Four", "Actor Five"), directors=("Director A",),
    runtime=147, vote_count=900,
)  # fmt: skip
TAMIL = SearchResult(hits=(VIKRAM,), method="hybrid", detected_language="ta", language_name="Tamil",
                     policy="auto-soft", query_used="")  # fmt: skip
PLAIN = SearchResult(hits=(), method="hybrid", detected_language=None, language_name=None, policy="off",
                     query_used="")  # fmt: skip


# -- posters ---------------------------------------------------------------------------------------


def _svg(uri: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return base64.b64decode(uri[len(prefix) :]).decode("utf-8")


@pytest.mark.parametrize(
    ("path", "online", "tmdb"),
    [
        ("/kqjL17yufvn9OVLyXYpvtyrFfak.jpg", True, True),
        ("/kqjL17yufvn9OVLyXYpvtyrFfak.jpg", False, False),
        (None, True, False),
        ("", True, False),
        ('/a.jpg" onerror="alert(1)', True, False),
        ("https://example.org/a.jpg", True, False),
        ("/../../etc/passwd.jpg", True, False),
    ],
)
def test_poster_src_uses_tmdb_only_when_allowed(path: str | None, online: bool, tmdb: bool) -> None:
    src = render.poster_src(path, "Heat", 1995, online=online)
    if tmdb:
        assert src == f"https://image.tmdb.org/t/p/w342{path}"
    else:
        assert src == render.placeholder_poster("Heat", 1995)


def _lookup(images: dict[str, bytes | None], asked: list[str] | None = None) -> render.PosterLookup:
    def lookup(path: str) -> bytes | None:
        if asked is not None:
            asked.append(path)
        return images.get(path)

    return lookup


def _failing(path: str) -> bytes | None:
    raise OSError("disk gone")


PNG = poster_image("w92", "/vv.jpg")


@pytest.mark.parametrize(
    ("path", "online", "posters", "shown"),
    [
        (
            "/vv.jpg",
            True,
            _lookup({"/vv.jpg": PNG}),
            "data:image/png;base64," + base64.b64encode(PNG).decode(),
        ),
        ("/vv.jpg", True, _lookup({}), "placeholder"),  # offline or a failed fetch
        ("/vv.jpg", True, _lookup({"/vv.jpg": b"<html>"}), "placeholder"),  # not an image
        ("/vv.jpg", True, _failing, "placeholder"),
        ("/vv.jpg", False, _lookup({"/vv.jpg": PNG}), "placeholder"),  # images switched off
        ("/../vv.jpg", True, _lookup({"/../vv.jpg": PNG}), "placeholder"),
    ],
)
def test_poster_src_with_the_cache_never_points_the_page_elsewhere(
    path: str, online: bool, posters: render.PosterLookup, shown: str
) -> None:
    src = render.poster_src(path, "Heat", 1995, online=online, posters=posters)
    assert src == (render.placeholder_poster("Heat", 1995) if shown == "placeholder" else shown)


def test_poster_src_asks_the_cache_only_for_shown_tmdb_paths() -> None:
    asked: list[str] = []
    for path, online in (("/a.jpg", False), (None, True), ("x.jpg", True), ("/b.jpg", True)):
        render.poster_src(path, "Heat", 1995, online=online, posters=_lookup({}, asked))
    assert asked == ["/b.jpg"]


def test_a_card_shows_the_cached_poster() -> None:
    card = render.card_html(VIKRAM, TAMIL, "x", online_images=True, posters=_lookup({"/vv.jpg": PNG}))
    assert 'src="data:image/png;base64,' in card and "image.tmdb.org" not in card
    card = render.card_html(VIKRAM, TAMIL, "x", online_images=False, posters=_lookup({"/vv.jpg": PNG}))
    assert render.placeholder_poster("Vikram Vedha", 2017) in card


@pytest.mark.parametrize(
    ("title", "year", "initials"),
    [
        ("Vikram Vedha", 2017, ">VV<"),
        ("heat", None, ">H<"),
        ("Tom & Jerry <3", 1990, ">TJ<"),
        ("!!", 2001, ">?<"),
        ("ദൃശ്യം 2", 2021, ">ദ2<"),  # one word with its vowel signs, then the next word
    ],
)
def test_placeholder_poster_draws_initials_and_year(title: str, year: int | None, initials: str) -> None:
    svg = _svg(render.placeholder_poster(title, year))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert initials in svg
    assert (f">{year}<" in svg) is (year is not None)


@pytest.mark.parametrize(
    ("title", "hues"), [("Heat", (190, 230)), ("Hero", (0, 40)), ("Vikram Vedha", (187, 227))]
)
def test_placeholder_colour_depends_on_the_title_only(title: str, hues: tuple[int, int]) -> None:
    """The gradient's two hues come from the title's checksum, whatever the year."""
    top, bottom = hues
    for year in (None, 1995, 2024):
        svg = _svg(render.placeholder_poster(title, year))
        assert f'stop-color="hsl({top},45%,42%)"' in svg and f'stop-color="hsl({bottom},50%,18%)"' in svg


# -- why it matched --------------------------------------------------------------------------------


def _hit(**changes: Any) -> Hit:
    return replace(VIKRAM, **changes)


@pytest.mark.parametrize(
    ("hit", "result", "query", "line"),
    [
        (VIKRAM, TAMIL, "Tamil neo-noir crime thrillers in Chennai",
         "in Tamil (×1.2) · genre Crime, Thriller · words “neo”, “noir”, “crime”, “chennai” · "
         "found by both retrievers (meaning #2 and keywords #1)"),
        (_hit(components=Components(3, None, None, {})), PLAIN, "whale in a storm", "found by meaning #3"),
        (_hit(components=Components(None, 4, 0.01, {})), PLAIN, "Gangster HUNTS",
         "words “gangster”, “hunts” · found by keywords #4"),
        (_hit(components=Components(1, None, None, {"recency": 1.05, "popularity": 1.1})), PLAIN, "opera",
         "found by meaning #1 · recency ×1.05, popularity ×1.10"),
        (_hit(components=Components(1, 2, 0.03, {})), TAMIL, "Tamil movies",
         "in Tamil · found by both retrievers (meaning #1 and keywords #2)"),
        (_hit(original_language="ml", components=Components(None, None, None, {})), TAMIL, "zzz",
         "ranked by the method's score"),
        (_hit(genres=("Science Fiction",), components=Components(None, None, None, {})), PLAIN,
         "science fiction on mars", "genre Science Fiction"),
        (_hit(genres=("Science Fiction",), components=Components(None, None, None, {})), PLAIN, "fiction",
         "ranked by the method's score"),
    ],
)  # fmt: skip
def test_why_matched(hit: Hit, result: SearchResult, query: str, line: str) -> None:
    assert render.why_matched(hit, result, query) == line


# -- cards and lines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"), [(None, ""), (0, ""), (45, "45 min"), (60, "1 h 00 min"), (147, "2 h 27 min")]
)
def test_runtime_text(minutes: int | None, text: str) -> None:
    assert render._runtime(minutes) == text


def test_card_shows_every_display_field() -> None:
    card = render.card_html(VIKRAM, TAMIL, "Tamil crime")
    assert card.startswith('<div class="ma-card" data-movie-id="1">')
    for text in ("Vikram Vedha", ">2017<", "Tamil · Crime, Thriller · 2 h 27 min · 900 votes",
                 "<b>Directed by</b> Director A", "<b>With</b> Actor One, Actor Two, Actor Three, Actor Four",
                 "neo-noir crime.", "<b>Why:</b> in Tamil (×1.2)"):  # fmt: skip
        assert text in card
    assert "Actor Five" not in card
    assert render.placeholder_poster("Vikram Vedha", 2017) in card
    assert "image.tmdb.org" not in card
    assert "https://image.tmdb.org/t/p/w342/vv.jpg" in render.card_html(
        VIKRAM, TAMIL, "x", online_images=True
    )


def test_card_escapes_data_and_shortens_long_overviews() -> None:
    hit = _hit(
        title='<img src=x onerror="alert(1)">', overview="word " * 200, cast=(), directors=(), runtime=None
    )
    card = render.card_html(hit, PLAIN, "<script>")
    assert "<img src=x" not in card and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in card
    assert "<script>" not in card
    overview = card.split('<p class="ma-overview">')[1].split("</p>")[0]
    assert overview.endswith(" …") and len(overview) <= 362
    assert "ma-people" not in card


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (None, "No overview."),
        ("", "No overview."),
        ("Short whole.", "Short whole."),
        ("aaaa bbbb, cccc dddd", "aaaa bbbb …"),
        ("x" * 30, "x" * 12 + " …"),
    ],
)
def test_overview_is_cut_at_a_word(text: str | None, shown: str) -> None:
    assert render._overview(text, limit=12) == shown


def test_card_names_a_few_other_titles_escaped_and_none_without_them() -> None:
    hit = _hit(
        title="Drishyam", original_title="ദൃശ്യം",
        alt_titles=("Drishyam", "दृश्यम", "Visual <b>", "Drushyam", "Drishyam (Telugu)"),
    )  # fmt: skip
    card = render.card_html(hit, PLAIN, "x")
    also = card.split('<div class="ma-also">')[1].split("</div>")[0]
    # Its original title first, its own title not again, at most OTHER_TITLES_SHOWN, escaped.
    assert also == "Also: ദൃശ്യം · दृश्यम · Visual &lt;b&gt; · Drushyam"
    assert render.OTHER_TITLES_SHOWN == 4
    assert "ma-also" not in render.card_html(_hit(original_title="Vikram Vedha"), PLAIN, "x")
    assert "words “drushyam”" in render.why_matched(hit, PLAIN, "Drushyam")  # another title's words match


@pytest.mark.parametrize("query", ["ദൃശ്യം", "दृश्यम", "ദൃശ്യം दृश्यम"])
def test_the_fallback_why_line_keeps_indic_words_whole(query: str) -> None:
    """A vowel sign is part of its word (Unicode category M): the query's Malayalam and Devanagari words
    are matched whole against the hit's other titles, not cut into letters that match nothing."""
    hit = _hit(title="Drishyam", original_title="ദൃശ്യം", alt_titles=("दृश्यम",),
               components=Components(None, None, None, {}))  # fmt: skip
    shown = ", ".join(f"“{w}”" for w in query.split())
    assert render.why_matched(hit, PLAIN, query) == f"words {shown}"


def test_card_without_overview_says_so() -> None:
    assert "No overview." in render.card_html(_hit(overview=None), PLAIN, "x")


def test_reading_line_names_language_and_filters() -> None:
    result = replace(TAMIL, year_min=2015, year_max=None)
    line = render.reading_line(result, Settings.of(min_votes=50), total=3600)
    assert line == (
        "1 of 3,600 movies · method **hybrid** · language: **Tamil** (ta, policy auto-soft) · "
        "years 2015–… · at least 50 votes"
    )
    assert render.reading_line(PLAIN, Settings(), 14) == (
        "0 of 14 movies · method **hybrid** · language: none detected (policy off)"
    )


def test_the_hit_s_own_reasons_make_the_why_line() -> None:
    """When the library says why (Hit.why), the card shows those reasons; a missed constraint says so."""
    hit = replace(VIKRAM, why=(Reason("constraint", "in Tamil"), Reason("unmet", "not 2020–"),
                               Reason("retrievers", "found by words (#1)")))  # fmt: skip
    assert render.why_matched(hit, TAMIL, "x") == "in Tamil · misses: not 2020– · found by words (#1)"
    assert "misses: not 2020–" in render.card_html(hit, TAMIL, "x")


def test_constraints_line_shows_the_reading_escaped() -> None:
    parsed = parse_query("tamil *crime* thrillers from the 90s")
    result = replace(TAMIL, parsed=parsed, matched=1)
    line = render.constraints_line(result)
    assert line == (
        "Understood: language **Tamil** · genre **Crime** · genre **Thriller** · years **1990–1999** · "
        "1 of 1 satisfy every filter"
    )
    assert render.constraints_line(replace(TAMIL, parsed=parse_query("a lighthouse"))) == ""
    assert render.constraints_line(TAMIL) == ""


def test_footer_carries_the_attribution_and_labels() -> None:
    assert render.footer_html(False) == f'<div class="ma-footer">{render.ATTRIBUTION}</div>'
    footer = render.footer_html(True, "2025-01-31")
    assert render.ATTRIBUTION in footer
    assert "Data harvested 2025-01-31." in footer and "synthetic demo data" in footer


# -- text shown through Markdown -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("k='lots' (not a number)", r"k\=\'lots\' \(not a number\)"),
        ("**bold** _it_ # head", r"\*\*bold\*\* \_it\_ \# head"),
        ("see http://x.example/p.png", "see `http://x.example/p.png`"),
        ("mail a@b.example or www.b.example", "mail `a@b.example` or `www.b.example`"),
        (":red[alarm] :material/home:", "`:red[alarm]` `:material/home:`"),
        ("line one\n\nline two", "line one line two"),
        ("tick`in:it", "`` tick`in:it ``"),
    ],
    ids=["punctuation", "emphasis", "url", "mail-and-www", "directives", "blank-line", "backtick"],
)
def test_plain_leaves_nothing_for_markdown_to_draw(text: str, markdown: str) -> None:
    assert render.plain(text) == markdown


@pytest.mark.parametrize(
    ("text", "span"),
    [("/data/artifacts", "`/data/artifacts`"), ("a`b", "`` a`b ``"), ("a``b`", "``` a``b` ```")],
)
def test_code_span_is_fenced_by_more_backticks_than_it_holds(text: str, span: str) -> None:
    assert render.code_span(text) == span
