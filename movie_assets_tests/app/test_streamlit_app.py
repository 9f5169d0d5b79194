"""The Streamlit page, run headless with AppTest over small artifacts embedded by the fake embedder."""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from movie_assets.app import render
from movie_assets.catalog.store import write_movies
from movie_assets.index.artifacts import write_artifacts
from movie_assets.index.documents import movie_documents
from movie_assets.search import ModelUnavailableError, Searcher
from movie_assets.tmdb.emulator import Emulator, poster_image
from movie_assets_tests.catalogues import SEARCH_MOVIES as MOVIES
from movie_assets_tests.fakes import FakeEmbedder, make_movies

APP = Path(__file__).resolve().parents[2] / "movie_assets" / "app" / "streamlit_app.py"
TIMEOUT = 30  # seconds per run: generous, the machine is shared


@pytest.fixture(autouse=True)
def _restore_main() -> Iterator[None]:
    # AppTest runs each page as `__main__` from a temporary file and leaves it there; a later test's
    # multiprocessing child (spawn) would then try to re-run that deleted script.
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


def build_home(home: Path, records: Sequence[dict[str, Any]] = MOVIES, source: str | None = None) -> Path:
    """A data root with artifacts (fake embedder) and the movies table, as `movie-assets build` leaves it."""
    movies = make_movies(records)
    documents = movie_documents(movies)
    artifacts = home / "processed" / "artifacts"
    vectors = FakeEmbedder().encode(documents["document"].to_list())
    write_artifacts(movies, documents, vectors, artifacts, model_name=FakeEmbedder().name)
    if source is not None:
        manifest = json.loads((artifacts / "manifest.json").read_text("utf-8"))
        (artifacts / "manifest.json").write_text(json.dumps({**manifest, "source": source}), "utf-8")
    for (year,), part in movies.group_by("year"):
        write_movies(part, home / "processed" / "movies_parquet" / f"year={year}" / "movies.parquet")
    return home


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_home(tmp_path_factory.mktemp("app"))


@pytest.fixture
def home(built: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(built))
    monkeypatch.setenv("EMBED_MODEL_NAME", FakeEmbedder().name)
    monkeypatch.delenv("MOVIE_ASSETS_ONLINE_IMAGES", raising=False)
    return built


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    # The cached Searcher is keyed by folder, not by embedder: each test opens its own.
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


class BrokenEmbedder(FakeEmbedder):
    """Fails on the first query, as a model that cannot load (or a bug) would."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        raise self.error


def _page(embedder: object = None) -> None:
    # AppTest runs this body as a script of its own: only builtins in the signature.
    from movie_assets.app.streamlit_app import main

    main(embedder=embedder)


def run_app(params: dict[str, str] | None = None, embedder: Any = None) -> AppTest:
    at = AppTest.from_function(
        _page, kwargs={"embedder": embedder or FakeEmbedder()}, default_timeout=TIMEOUT
    )
    at.query_params.update(params or {})
    return at.run()


def cards(at: AppTest) -> list[int]:
    """The movie ids of the result cards, in page order."""
    return [
        int(m.value.split('data-movie-id="')[1].split('"')[0])
        for m in at.markdown
        if 'class="ma-card"' in m.value
    ]


def _footer(at: AppTest) -> str:
    return at.markdown[-1].value


_CODE_OR_ESCAPE = re.compile(r"(`+) ?(.*?) ?\1|\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """The text a plain-text Markdown value shows: code spans as their content, escapes resolved."""
    return _CODE_OR_ESCAPE.sub(lambda m: m.group(2) if m.group(1) else m.group(3), markdown)


def outside_code(markdown: str) -> str:
    """The parts of a Markdown value that are not inline code (where GFM turns URLs into links)."""
    return re.sub(r"(`+).*?\1", " ", markdown)


def test_without_artifacts_the_page_says_how_to_build_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(tmp_path))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.subheader[0].value == "No search index yet"
    assert "movie-assets build" in at.code[0].value
    assert str(tmp_path / "processed" / "artifacts") in at.markdown[0].value
    assert "manifest.json missing" in shown(at.caption[0].value)
    assert len(at.sidebar.text_input) == 0
    assert render.ATTRIBUTION in _footer(at)


def test_a_search_from_the_url_shows_the_library_hits_as_cards(home: Path) -> None:
    # from_file, as `streamlit run` starts it; bm25 needs no model, the manifest's fake one is not loadable.
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({"q": "police gangster crime", "method": "bm25", "k": "3"})
    at.run()
    assert not at.exception
    expected = Searcher.open(home / "processed" / "artifacts").search(
        "police gangster crime", k=3, method="bm25"
    )
    assert cards(at) == [hit.movie_id for hit in expected.hits] and len(expected.hits) == 3
    assert at.markdown[0].value.startswith("3 of 14 movies · method **bm25**")
    assert render.ATTRIBUTION in _footer(at)


def test_typing_a_query_searches_and_puts_it_in_the_url(home: Path) -> None:
    at = run_app()
    assert cards(at) == []
    at.sidebar.text_input(key="q").input("space station repair").run()
    assert not at.exception
    expected = Searcher.open(home / "processed" / "artifacts", embedder=FakeEmbedder()).search(
        "space station repair", k=10
    )
    assert cards(at) == [hit.movie_id for hit in expected.hits]
    assert at.query_params == {"q": "space station repair"}


def test_url_parameters_seed_every_widget(home: Path) -> None:
    params = {"q": "police", "method": "mmr", "k": "3", "mmr_lambda": "0.5", "year_min": "2000",
              "lang_policy": "off", "rrf_k": "30", "w_sparse": "2"}  # fmt: skip
    at = run_app(params)
    assert not at.exception
    bar = at.sidebar
    assert bar.text_input(key="q").value == "police"
    assert bar.selectbox(key="method").value == "mmr"
    assert bar.slider(key="k").value == 3
    assert bar.slider(key="mmr_lambda").value == 0.5
    assert bar.slider(key="years").value == (2000, 2024)
    assert bar.selectbox(key="lang_policy").value == "off"
    assert at.number_input(key="rrf_k").value == 30
    assert at.slider(key="w_sparse").value == 2.0
    assert len(cards(at)) == 3
    assert at.query_params == params


def test_url_years_outside_the_catalogue_are_clamped(home: Path) -> None:
    at = run_app({"q": "police", "year_min": "1900", "year_max": "2100", "method": "bm25"})
    assert at.sidebar.slider(key="years").value == (1950, 2024)
    assert "years" not in at.markdown[0].value  # the whole range is no filter
    assert at.query_params == {"q": "police", "method": "bm25"}


def test_the_mmr_slider_shows_only_for_mmr(home: Path) -> None:
    at = run_app({"q": "police"})
    assert "mmr_lambda" not in [s.key for s in at.sidebar.slider]
    at.sidebar.selectbox(key="method").set_value("mmr").run()
    assert "mmr_lambda" in [s.key for s in at.sidebar.slider]
    assert at.query_params == {"q": "police", "method": "mmr"}


def test_filters_are_applied_and_shown_above_the_results(home: Path) -> None:
    at = run_app({"q": "police crime thriller", "min_votes": "100", "year_min": "2000", "method": "bm25"})
    shown = cards(at)
    votes = {r["movie_id"]: (r.get("vote_count", 10), r["year"]) for r in MOVIES}
    assert shown and all(votes[i][0] >= 100 and votes[i][1] >= 2000 for i in shown)
    assert "years 2000–…" in at.markdown[0].value and "at least 100 votes" in at.markdown[0].value


def test_a_detected_language_is_named_above_the_results(home: Path) -> None:
    at = run_app({"q": "malayalam thriller", "method": "bm25"})
    assert "language: **Malayalam** (ml, policy auto-soft)" in at.markdown[0].value


def test_bad_url_values_are_reported_and_ignored(home: Path) -> None:
    at = run_app({"q": "police", "k": "lots", "method": "magic"})
    assert not at.exception
    assert [shown(w.value) for w in at.warning] == [
        "ignored k='lots' in the URL (not a whole number)",
        "ignored method='magic' in the URL (choose one of hybrid, retrieval, bm25, blend, ce, mmr)",
    ]
    assert len(cards(at)) == 10
    assert at.query_params == {"q": "police"}


def test_a_query_the_library_refuses_gives_a_warning(home: Path) -> None:
    at = run_app({"q": "x" * 20_001})
    assert not at.exception
    assert shown(at.warning[0].value).startswith("That search cannot run: the query has 20,001 characters")
    assert cards(at) == []


def test_weights_that_cannot_go_together_give_a_warning_not_results(home: Path) -> None:
    at = run_app({"q": "police", "method": "bm25"})
    at.slider(key="w_dense").set_value(0.0).run()
    at.slider(key="w_sparse").set_value(0.0).run()
    assert not at.exception
    assert shown(at.warning[0].value) == (
        "That search cannot run: w_dense and w_sparse must be >= 0 and not both 0, got 0.0, 0.0."
    )
    assert cards(at) == []


def test_a_model_that_cannot_load_gives_an_error_not_a_traceback(home: Path) -> None:
    at = run_app({"q": "police"}, embedder=BrokenEmbedder(ModelUnavailableError("model x is not on disk")))
    assert not at.exception
    assert at.error[0].value == (
        "The hybrid method cannot run here: model x is not on disk. The bm25 method needs no model."
    )


def test_an_unexpected_failure_is_a_message_not_a_traceback(home: Path) -> None:
    at = run_app({"q": "police"}, embedder=BrokenEmbedder(RuntimeError("disk on fire")))
    assert not at.exception
    assert "Something went wrong while drawing this page (RuntimeError: disk on fire)" in at.error[0].value
    assert render.ATTRIBUTION in _footer(at)


def test_the_catalogue_tab_draws_six_charts(home: Path) -> None:
    at = run_app()
    assert [t.label for t in at.tabs] == ["Search", "Catalogue"]
    catalogue = at.tabs[1]
    assert [m.value for m in catalogue.metric] == ["14", "1950–2024", "6", "6"]
    assert len(catalogue.get("vega_lite_chart")) == 6
    assert "Data harvested 2025-01-01." in _footer(at)


def test_a_damaged_movies_file_leaves_search_working(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    shutil.copytree(built, home)
    (home / "processed" / "movies_parquet" / "year=2021" / "movies.parquet").write_bytes(b"not parquet")
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(home))
    at = run_app({"q": "police"})
    assert not at.exception
    assert len(cards(at)) == 10
    assert "rebuild the movies partition year=2021" in shown(at.tabs[1].warning[0].value)


def test_synthetic_data_is_labelled_and_never_loads_posters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = build_home(tmp_path, source="demo")
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(home))
    monkeypatch.setenv("MOVIE_ASSETS_ONLINE_IMAGES", "1")
    at = run_app({"q": "police", "images": "1"})
    assert at.info[0].value == render.SYNTHETIC_NOTE
    assert "synthetic demo data" in _footer(at)
    assert at.sidebar.toggle(key="images").disabled
    assert not any("image.tmdb.org" in m.value for m in at.markdown)


def test_posters_come_from_tmdb_only_when_turned_on(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On, the cards show TMDb's posters through the poster cache (the emulator's image host here), as
    data URIs: the page itself fetches nothing from another host."""
    with_path = [dict(r, poster_path=f"/p{r['movie_id']}.jpg") for r in MOVIES]
    tmdb_home = build_home(home.parent / "posters", with_path)
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(tmdb_home))
    with Emulator([]) as emulator:
        monkeypatch.setenv("POSTER_BASE_URL", emulator.image_url)
        off = run_app({"q": "police"})
        assert not any("data:image/png" in m.value for m in off.markdown)
        assert emulator.stats.requests == 0
        st.cache_resource.clear()
        on = run_app({"q": "police", "images": "1"})
        assert not on.exception
        shown_cards = [m.value for m in on.markdown if 'class="ma-card"' in m.value]
        assert len(shown_cards) == 10 and emulator.stats.by_kind == {"image": 10}
        for card in shown_cards:
            movie_id = re.search(r'data-movie-id="(\d+)"', card).group(1)  # type: ignore[union-attr]
            image = poster_image("w342", f"/p{movie_id}.jpg")
            assert 'src="data:image/png;base64,' + base64.b64encode(image).decode() + '"' in card
        assert not any("image.tmdb.org" in m.value for m in on.markdown)
        assert len(list((tmdb_home / "cache" / "posters" / "w342").glob("p*.jpg"))) == 10
        st.cache_resource.clear()
        monkeypatch.setenv("MOVIE_ASSETS_ONLINE_IMAGES", "1")
        by_env = run_app({"q": "police"})
        assert by_env.sidebar.toggle(key="images").value is True
        assert by_env.query_params == {"q": "police"}  # the environment's default stays out of the URL
        assert emulator.stats.by_kind == {"image": 10}  # the second page was served from the disk cache


@pytest.mark.parametrize(
    ("name", "value"), [("POSTER_BASE_URL", "http://127.0.0.1:9/t/p"), ("POSTER_SIZE", "enormous")]
)
def test_posters_that_cannot_be_had_are_drawn(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with_path = [dict(r, poster_path=f"/p{r['movie_id']}.jpg") for r in MOVIES]
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(build_home(home.parent / f"drawn-{name}", with_path)))
    monkeypatch.setenv(name, value)
    at = run_app({"q": "police", "images": "1"})
    assert not at.exception
    cards_shown = [m.value for m in at.markdown if 'class="ma-card"' in m.value]
    assert len(cards_shown) == 10 and all('src="data:image/svg+xml' in card for card in cards_shown)
    if name == "POSTER_SIZE":
        assert "POSTER_SIZE must be one of" in shown(at.caption[-1].value)


# A link and an image pointing elsewhere, as a crafted link to the page would carry them.
INJECTED = (
    "![x](http://127.0.0.2:8501/pixel.png?leak=1) [log in here](http://127.0.0.2/login) www.example.com"
)


def _rendered(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def test_url_values_are_shown_as_text_never_as_markdown(home: Path) -> None:
    """An ignored URL value is quoted in a warning: it must not draw a link nor make the browser fetch an
    image from another host (the page promises to contact no host but its own)."""
    at = run_app({"q": "police", "method": INJECTED, "k": f"[k]({INJECTED})"})
    assert not at.exception
    assert [shown(w.value) for w in at.warning] == [
        f"ignored k={'[k](' + INJECTED + ')'!r} in the URL (not a whole number)",
        f"ignored method={INJECTED!r} in the URL (choose one of hybrid, retrieval, bm25, blend, ce, mmr)",
    ]
    for warning in at.warning:
        html = _rendered(warning.value)
        assert "<a" not in html and "<img" not in html and "<p>" in html
        # GFM links bare URLs found in the text after parsing, escapes or not: only code is safe from it.
        assert not re.search(r"[:@]|www\.", outside_code(warning.value))
    assert len(cards(at)) == 10  # the page still searches with the defaults


def test_a_hit_whose_text_would_end_the_card_stays_one_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blank line in an overview would end the card's HTML and let the rest be read as Markdown."""
    tricky = dict(MOVIES[0], overview=f"A police story.\n\n{INJECTED}\n\n<script>alert(1)</script>")
    home = build_home(tmp_path, [tricky, *MOVIES[1:]])
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(home))
    at = run_app({"q": "police", "method": "bm25"})
    card = next(m.value for m in at.markdown if 'data-movie-id="1"' in m.value)
    assert "\n" not in card and "<script>" not in card and "&lt;script&gt;" in card
    assert "<img" not in _rendered(card).replace('<img class="ma-poster"', "")


def test_ce_without_a_cross_encoder_is_labelled_unavailable_with_the_reason(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSS_ENCODER_NAME", "nobody/no-such-cross-encoder")
    at = run_app({"q": "police", "method": "ce"})
    assert not at.exception
    method = at.sidebar.selectbox(key="method")
    assert method.value == "ce"
    assert "ce: cross-encoder re-ranking (unavailable here)" in method.options
    assert "hybrid: meaning + keywords, fused" in method.options
    assert "'nobody/no-such-cross-encoder' is not on this machine" in shown(method.help)
    assert "set CROSS_ENCODER_NAME to a local cross-encoder folder" in shown(at.sidebar.caption[0].value)
    assert shown(at.warning[0].value).startswith("That search cannot run: the ce method is unavailable here")
    assert cards(at) == [] and not at.error  # said before searching, not as a failure after it


def test_more_like_this_searches_with_that_film_as_the_liked_one(home: Path) -> None:
    """Each card has a "More like this" button: it empties the query, makes the film the liked one (in the
    sidebar and the URL), and the page shows films like it, never the film itself."""
    at = run_app({"q": "police gangster crime", "method": "bm25", "k": "4"})
    assert not at.exception
    first = cards(at)[0]
    assert [b.label for b in at.button if b.key == f"more-{first}"] == ["More like this"]
    at.button(key=f"more-{first}").click().run()
    assert not at.exception
    assert at.sidebar.text_input(key="q").value == ""
    assert at.sidebar.text_input(key="like").value == str(first)
    expected = Searcher.open(home / "processed" / "artifacts", embedder=FakeEmbedder()).search(
        "", like=[str(first)], k=4, method="bm25"
    )
    assert cards(at) == [hit.movie_id for hit in expected.hits] and first not in cards(at)
    title = next(m["title"] for m in MOVIES if m["movie_id"] == first)
    assert any(m.value.startswith(f"More like: **{title}**") for m in at.markdown)
    assert at.query_params == {"k": "4", "method": "bm25", "like": str(first)}
