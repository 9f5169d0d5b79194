"""The synthetic demo catalogue: deterministic, TMDb-shaped, coherent, with real data's gaps; and the
TMDb language list shipped beside it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from typing import Any

import pytest

from movie_assets.demo.catalogue import (
    DEMO_LABEL,
    DEMO_SIZE,
    DEMO_YEARS,
    generate_demo_catalogue,
    write_demo_catalogue,
)
from movie_assets.reference.lists import GENRE_NAMES, languages
from movie_assets.tmdb.catalogue import read_catalogue

Movie = dict[str, Any]
REQUIRED_LANGUAGES = {"ml", "ta", "te", "hi", "kn", "ko", "ja", "zh", "cn", "fr", "es", "de", "it", "en"}
TOP_LEVEL: dict[str, type | tuple[type, ...]] = {
    "adult": bool, "backdrop_path": (str, type(None)), "belongs_to_collection": (dict, type(None)),
    "budget": int, "genres": list, "homepage": (str, type(None)), "id": int, "imdb_id": (str, type(None)),
    "origin_country": list, "original_language": str, "original_title": str, "overview": str,
    "popularity": float, "poster_path": (str, type(None)), "production_companies": list,
    "production_countries": list, "release_date": str, "revenue": int, "runtime": int,
    "spoken_languages": list, "status": str, "tagline": str, "title": str, "video": bool,
    "vote_average": float, "vote_count": int, "credits": dict, "keywords": dict,
}  # fmt: skip
PERSON_KEYS = {
    "adult",
    "gender",
    "id",
    "known_for_department",
    "name",
    "original_name",
    "popularity",
    "profile_path",
}
CAST_KEYS = PERSON_KEYS | {"cast_id", "character", "credit_id", "order"}
CREW_KEYS = PERSON_KEYS | {"credit_id", "department", "job"}
STATUSES = {"Rumored", "Planned", "In Production", "Post Production", "Released", "Canceled"}
DEPARTMENTS = {"Art", "Camera", "Costume & Make-Up", "Crew", "Directing", "Editing", "Lighting", "Production",
               "Sound", "Visual Effects", "Writing"}  # fmt: skip
# Places a reader would accept as the setting of a film in that language (independent of the vocabulary file).
PLACES = {
    "ml": "Kerala, Kochi, Alappuzha, Idukki, Thrissur, Kozhikode, Kottayam, Thiruvananthapuram, Wayanad, "
    "Munnar",
    "ta": "Chennai, Madurai, Coimbatore, Tirunelveli, Thanjavur, Rameswaram, Kodaikanal",
    "te": "Hyderabad, Visakhapatnam, Vijayawada, Warangal, Rayalaseema, Godavari, Tirupati",
    "hi": "Mumbai, Delhi, Lucknow, Varanasi, Jaipur, Bhopal, Shimla, Kanpur",
    "kn": "Bengaluru, Mysuru, Mangaluru, Hubballi, Udupi, Chikkamagaluru, Malnad",
    "ko": "Seoul, Busan, Incheon, Daegu, Jeju, Gangneung, Gwangju",
    "ja": "Tokyo, Osaka, Kyoto, Hokkaido, Fukuoka, Yokohama, Nagano",
    "zh": "Beijing, Shanghai, Chongqing, Harbin, Chengdu, Yunnan, Taipei",
    "cn": "Hong Kong, Kowloon, Mong Kok, Macau, Lantau, Sham Shui Po",
    "fr": "Paris, Marseille, Lyon, Brittany, Lille, Nice, Brussels, Provence",
    "es": "Madrid, Barcelona, Seville, Galicia, Mexico City, Oaxaca, Buenos Aires, Bogotá",
    "de": "Berlin, Munich, Hamburg, Black Forest, Cologne, Vienna, Leipzig, Baltic",
    "it": "Rome, Naples, Milan, Sicily, Turin, Puglia, Bologna, Venice",
    "en": "Chicago, Boston, Ohio, Los Angeles, New York, Texas, Seattle, Maine, London, Manchester, "
    "Cornwall, Glasgow",
}
MALAYALAM_SURNAMES = {
    "Nair",
    "Menon",
    "Pillai",
    "Kurup",
    "Varghese",
    "Kurian",
    "Panicker",
    "Nambiar",
    "Chacko",
}


def digest(movies: list[Movie]) -> str:
    return hashlib.sha256(json.dumps(movies, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


GENERATION_SECONDS: list[float] = []


@pytest.fixture(scope="module")
def catalogue() -> list[Movie]:
    started = time.perf_counter()
    movies = generate_demo_catalogue()
    GENERATION_SECONDS.append(time.perf_counter() - started)
    return movies


def by_language(movies: list[Movie], code: str) -> list[Movie]:
    return [m for m in movies if m["original_language"] == code]


def directors(movie: Movie) -> list[dict[str, Any]]:
    return [c for c in movie["credits"]["crew"] if c["job"] == "Director"]


# --- determinism -------------------------------------------------------------------------------------


def test_same_arguments_give_the_same_catalogue_and_another_seed_does_not() -> None:
    first = generate_demo_catalogue(300, seed=11)
    assert digest(first) == digest(generate_demo_catalogue(300, seed=11))
    assert digest(first) != digest(generate_demo_catalogue(300, seed=12))
    assert digest(first) != digest(generate_demo_catalogue(300, years=[2020, 2021], seed=11))


def test_another_process_with_another_hash_seed_gives_the_same_catalogue() -> None:
    code = (
        "import hashlib, json; from movie_assets.demo.catalogue import generate_demo_catalogue as g; "
        "text = json.dumps(g(200, seed=5), sort_keys=True, ensure_ascii=False); "
        "print(hashlib.sha256(text.encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest(generate_demo_catalogue(200, seed=5))


def test_defaults_and_label() -> None:
    assert DEMO_YEARS == tuple(range(2012, 2026))
    assert DEMO_SIZE == 3600
    assert "synthetic" in DEMO_LABEL


# --- size and spread ---------------------------------------------------------------------------------


def test_size_years_and_languages(catalogue: list[Movie]) -> None:
    assert len(catalogue) == DEMO_SIZE
    years = Counter(int(m["release_date"][:4]) for m in catalogue)
    assert set(years) == set(DEMO_YEARS)
    counts = Counter(m["original_language"] for m in catalogue)
    assert len(counts) >= 15
    assert REQUIRED_LANGUAGES <= set(counts)
    assert counts.most_common(1)[0][0] == "en"
    for code in ("ml", "ta", "te", "hi"):  # Indian languages well represented
        assert counts[code] >= 0.035 * len(catalogue), (code, counts[code])


def test_release_dates_fall_in_the_years_with_a_january_first_spike() -> None:
    movies = generate_demo_catalogue(1000, years=[2019, 2020], seed=3)
    days = Counter(m["release_date"] for m in movies)
    assert {date.fromisoformat(d).year for d in days} == {2019, 2020}
    assert days["2019-01-01"] > 5 * (1000 / 730) and days["2020-01-01"] > 5 * (1000 / 730)


def test_votes_and_popularity_are_skewed(catalogue: list[Movie]) -> None:
    votes = [m["vote_count"] for m in catalogue]
    assert sum(v <= 10 for v in votes) > 0.4 * len(votes)
    assert 0 < sum(v >= 1000 for v in votes) < 0.02 * len(votes)
    assert all(m["vote_average"] == 0 for m in catalogue if m["vote_count"] == 0)
    assert all(0 < m["vote_average"] <= 10 for m in catalogue if m["vote_count"] > 0)
    popularity = sorted(m["popularity"] for m in catalogue)
    assert popularity[-1] > 10 * popularity[len(popularity) // 2]


def test_status_is_mostly_released(catalogue: list[Movie]) -> None:
    statuses = Counter(m["status"] for m in catalogue)
    assert set(statuses) <= STATUSES
    assert statuses["Released"] > 0.95 * len(catalogue)


# --- shape -------------------------------------------------------------------------------------------


def schema_problems(movie: Movie) -> list[str]:
    problems = [
        f"{key}: {type(movie.get(key)).__name__}"
        for key, kind in TOP_LEVEL.items()
        if not isinstance(movie.get(key), kind)
    ]
    if problems:
        return problems
    genres = [(g["id"], g["name"]) for g in movie["genres"]]
    if not 1 <= len(genres) <= 3 or any(GENRE_NAMES.get(gid) != name for gid, name in genres):
        problems.append(f"genres {genres}")
    if movie["imdb_id"] is not None and not re.fullmatch(r"tt\d{7,8}", movie["imdb_id"]):
        problems.append(f"imdb_id {movie['imdb_id']}")
    if movie["release_date"] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", movie["release_date"]):
        problems.append(f"release_date {movie['release_date']}")
    if any(set(s) != {"english_name", "iso_639_1", "name"} for s in movie["spoken_languages"]):
        problems.append("spoken_languages keys")
    if movie["spoken_languages"][0]["iso_639_1"] != movie["original_language"]:
        problems.append("first spoken language is not the original language")
    if any(set(c) != {"iso_3166_1", "name"} for c in movie["production_countries"]):
        problems.append("production_countries keys")
    if [c["iso_3166_1"] for c in movie["production_countries"]] != movie["origin_country"]:
        problems.append("origin_country differs from production_countries")
    if any(set(c) != {"id", "logo_path", "name", "origin_country"} for c in movie["production_companies"]):
        problems.append("production_companies keys")
    collection = movie["belongs_to_collection"]
    if collection is not None and set(collection) != {"id", "name", "poster_path", "backdrop_path"}:
        problems.append("belongs_to_collection keys")
    if movie["status"] not in STATUSES:
        problems.append(f"status {movie['status']}")
    if set(movie["credits"]) != {"cast", "crew"} or set(movie["keywords"]) != {"keywords"}:
        problems.append("credits/keywords wrappers")
    return problems


def test_every_movie_has_the_details_shape(catalogue: list[Movie]) -> None:
    problems = {m["id"]: p for m in catalogue if (p := schema_problems(m))}
    assert not problems, dict(list(problems.items())[:5])


def test_cast_is_in_billing_order_with_full_items(catalogue: list[Movie]) -> None:
    for movie in catalogue:
        cast = movie["credits"]["cast"]
        assert [c["order"] for c in cast] == list(range(len(cast)))
        assert len(cast) == 0 or 8 <= len(cast) <= 25
        assert all(set(c) == CAST_KEYS and c["name"] and c["character"] for c in cast)
        assert len({c["id"] for c in cast}) == len(cast)


def test_crew_has_departments_and_at_least_one_director(catalogue: list[Movie]) -> None:
    for movie in catalogue:
        crew = movie["credits"]["crew"]
        assert all(set(c) == CREW_KEYS and c["department"] in DEPARTMENTS for c in crew)
        if crew:
            found = directors(movie)
            assert 1 <= len(found) <= 2 and all(d["department"] == "Directing" for d in found)
            assert len(crew) > len(found)  # non-director crew too
    assert any(len(directors(m)) == 2 for m in catalogue)


def test_a_director_is_sometimes_also_credited_for_the_screenplay(catalogue: list[Movie]) -> None:
    def doubled(movie: Movie) -> bool:
        ids = {d["id"] for d in directors(movie)}
        return any(c["job"] == "Screenplay" and c["department"] == "Writing" and c["id"] in ids
                   for c in movie["credits"]["crew"])  # fmt: skip

    assert 0.1 * len(catalogue) < sum(map(doubled, catalogue)) < 0.6 * len(catalogue)


def test_keywords_come_from_a_vocabulary_with_stable_ids(catalogue: list[Movie]) -> None:
    names_by_id: dict[int, set[str]] = {}
    for movie in catalogue:
        keywords = movie["keywords"]["keywords"]
        assert len(keywords) == 0 or 2 <= len(keywords) <= 8
        for keyword in keywords:
            names_by_id.setdefault(keyword["id"], set()).add(keyword["name"])
    assert all(len(names) == 1 for names in names_by_id.values())
    ids_by_name = Counter(next(iter(names)) for names in names_by_id.values())
    assert ids_by_name.most_common(1)[0][1] == 1
    assert {"investigation", "heist", "coming of age", "time travel", "kerala", "revenge"} <= set(ids_by_name)


def test_ids_are_unique_and_people_recur_with_stable_names(catalogue: list[Movie]) -> None:
    ids = [m["id"] for m in catalogue]
    assert len(set(ids)) == len(ids) and min(ids) >= 10_000
    assert max(ids) - min(ids) > 100 * len(ids)  # spread out, not a sequence
    imdb = [m["imdb_id"] for m in catalogue if m["imdb_id"]]
    assert len(set(imdb)) == len(imdb)
    names: dict[int, set[str]] = {}
    films: Counter[int] = Counter()
    for movie in catalogue:
        for person in movie["credits"]["cast"] + movie["credits"]["crew"]:
            names.setdefault(person["id"], set()).add(person["name"])
        films.update({c["id"] for c in movie["credits"]["cast"]})
    assert all(len(n) == 1 for n in names.values())
    assert sum(count >= 5 for count in films.values()) > 100


# --- gaps real data has ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "is_gap"),
    [
        ("empty overview", lambda m: m["overview"] == ""),
        ("runtime 0", lambda m: m["runtime"] == 0),
        ("no poster", lambda m: m["poster_path"] is None),
        ("no backdrop", lambda m: m["backdrop_path"] is None),
        ("no imdb id", lambda m: m["imdb_id"] is None),
        ("empty tagline", lambda m: m["tagline"] == ""),
        ("no keywords", lambda m: not m["keywords"]["keywords"]),
        ("empty cast", lambda m: not m["credits"]["cast"]),
        ("adult", lambda m: m["adult"] is True),
        ("video", lambda m: m["video"] is True),
        ("deleted", lambda m: m.get("_deleted") is True),
        ("collection", lambda m: m["belongs_to_collection"] is not None),
    ],
)
def test_gaps_are_present_but_rare(catalogue: list[Movie], gap: str, is_gap: Any) -> None:
    count = sum(map(is_gap, catalogue))
    limit = 0.6 if gap == "empty tagline" else 0.2
    assert 0 < count < limit * len(catalogue), (gap, count)


def test_synthetic_labelling(catalogue: list[Movie]) -> None:
    assert all(m["homepage"] is None for m in catalogue)
    companies = {c["name"] for m in catalogue for c in m["production_companies"]}
    assert companies and all(re.search(r"Synthetic|Demo|Sample", name) for name in companies)


# --- coherence ---------------------------------------------------------------------------------------


def test_malayalam_investigative_thrillers_read_like_one(catalogue: list[Movie]) -> None:
    kerala = re.compile("|".join(PLACES["ml"].split(", ")))
    police = re.compile(r"police|investigat|detective", re.IGNORECASE)
    found = [
        m for m in by_language(catalogue, "ml")
        if {"Crime", "Thriller"} <= {g["name"] for g in m["genres"]}
        and any("investigation" in k["name"] for k in m["keywords"]["keywords"]) and m["overview"]
    ]  # fmt: skip
    assert len(found) >= 10
    coherent = [m for m in found if police.search(m["overview"]) and kerala.search(m["overview"])]
    assert len(coherent) >= 0.9 * len(found)
    others = [m for m in catalogue if m not in found]
    assert len(others) > 20 * len(found)  # many wrong answers for that query


def test_family_crime_dramas_exist_in_indian_languages(catalogue: list[Movie]) -> None:
    found = [
        m for m in catalogue
        if {"Drama", "Thriller", "Crime"} == {g["name"] for g in m["genres"]}
        and "family secrets" in {k["name"] for k in m["keywords"]["keywords"]}
    ]  # fmt: skip
    assert len(found) >= 5
    assert {m["original_language"] for m in found} <= {"ml", "ta", "te", "hi", "kn"}


@pytest.mark.parametrize("code", sorted(PLACES))
def test_overviews_are_set_where_the_language_is_spoken(catalogue: list[Movie], code: str) -> None:
    places = re.compile("|".join(re.escape(p) for p in PLACES[code].split(", ")))
    overviews = [m["overview"] for m in by_language(catalogue, code) if m["overview"]]
    assert overviews and all(places.search(text) for text in overviews), next(
        (t for t in overviews if not places.search(t)), ""
    )


@pytest.mark.parametrize(
    ("keyword", "words"),
    [
        ("romance", r"love|falls for|heart"),
        ("supernatural", r"strange things|curse|deaths|haunt|supernatural"),
        ("documentary", r"documentary"),
        ("heist", r"\brob|last job|heist|crew"),
        ("time travel", r"time loop|the past|rewind|paradox"),
        ("revenge", r"revenge|vengeance|left behind"),
        ("coming of age", r"growing up|coming-of-age|wants to be|big plans"),
    ],
)
def test_overviews_match_the_theme_keyword(catalogue: list[Movie], keyword: str, words: str) -> None:
    texts = [
        m["overview"]
        for m in catalogue
        if m["overview"] and keyword in {k["name"] for k in m["keywords"]["keywords"]}
    ]
    matching = [t for t in texts if re.search(words, t, re.IGNORECASE)]
    assert len(texts) >= 10 and len(matching) >= 0.9 * len(texts), next(t for t in texts if t not in matching)


def test_non_english_titles_are_often_native_and_names_fit_the_language(catalogue: list[Movie]) -> None:
    non_english = [m for m in catalogue if m["original_language"] != "en"]
    assert sum(m["title"] != m["original_title"] for m in non_english) > 0.5 * len(non_english)
    malayalam_script = [
        m for m in by_language(catalogue, "ml") if re.search("[\u0d00-\u0d7f]", m["original_title"])
    ]
    assert len(malayalam_script) > 0.3 * len(by_language(catalogue, "ml"))
    ml_cast = [c for m in by_language(catalogue, "ml") for c in m["credits"]["cast"]]
    assert sum(c["name"].split()[-1] in MALAYALAM_SURNAMES for c in ml_cast) > 0.3 * len(ml_cast)
    ja_cast = [c for m in by_language(catalogue, "ja") for c in m["credits"]["cast"]]
    assert all(re.fullmatch(r"[A-Za-z' -]+", c["name"]) for c in ja_cast)
    assert sum(bool(re.search("[\u4e00-\u9fff]", c["original_name"])) for c in ja_cast) > 0.9 * len(ja_cast)
    for code in ("ja", "ko", "zh", "cn", "ru"):  # a native original_name is written in one script
        originals = [c["original_name"] for m in by_language(catalogue, code) for c in m["credits"]["cast"]]
        assert originals and not any(re.search("[A-Za-z]", name) for name in originals), code


def test_spoken_languages_use_the_reference_list(catalogue: list[Movie]) -> None:
    reference = {lang["iso_639_1"]: lang for lang in languages()}
    for movie in catalogue:
        for spoken in movie["spoken_languages"]:
            assert reference[spoken["iso_639_1"]] == spoken


# --- file output, arguments, speed -------------------------------------------------------------------


def test_write_demo_catalogue_round_trips(tmp_path: Any) -> None:
    path = tmp_path / "demo.jsonl.gz"
    assert write_demo_catalogue(path, n=40, seed=2) == 40
    assert read_catalogue(path) == generate_demo_catalogue(40, seed=2)


@pytest.mark.parametrize(
    ("n", "years", "message"),
    [
        (0, DEMO_YEARS, "n must be"),
        (-5, DEMO_YEARS, "n must be"),
        (True, DEMO_YEARS, "n must be"),
        (2.5, DEMO_YEARS, "n must be"),
        (10, [], "years must be"),
        (10, [1800], "1800"),
        (10, ["2020"], "2020"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(n: Any, years: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_demo_catalogue(n, years)


def test_generation_is_fast(catalogue: list[Movie]) -> None:
    # About 0.7 s on an idle core; the bound is loose because the test machine is shared.
    assert len(catalogue) == DEMO_SIZE and GENERATION_SECONDS[0] < 5


# --- languages.json ----------------------------------------------------------------------------------


def test_languages_json_is_tmdbs_list() -> None:
    langs = languages()
    codes = [lang["iso_639_1"] for lang in langs]
    assert 180 <= len(langs) <= 195 and len(set(codes)) == len(codes)
    assert all(set(lang) == {"iso_639_1", "english_name", "name"} for lang in langs)
    assert all(re.fullmatch("[a-z]{2}", code) for code in codes)
    assert all(lang["english_name"] for lang in langs)
    assert REQUIRED_LANGUAGES | {"xx", "sh", "mo", "bn", "mr", "pa", "gu", "ru", "pt", "tr", "th"} <= set(
        codes
    )


@pytest.mark.parametrize(
    ("code", "english_name", "name"),
    [
        ("cn", "Cantonese", "广州话 / 廣州話"),
        ("zh", "Mandarin", "普通话"),
        ("xx", "No Language", "No Language"),
        ("sh", "Serbo-Croatian", ""),
        ("mo", "Moldavian", ""),
        ("ml", "Malayalam", "മലയാളം"),
        ("ta", "Tamil", "தமிழ்"),
        ("te", "Telugu", "తెలుగు"),
        ("hi", "Hindi", "हिन्दी"),
        ("kn", "Kannada", "ಕನ್ನಡ"),
        ("ko", "Korean", "한국어/조선말"),
        ("ja", "Japanese", "日本語"),
        ("fr", "French", "Français"),
        ("es", "Spanish", "Español"),
        ("de", "German", "Deutsch"),
        ("it", "Italian", "Italiano"),
        ("en", "English", "English"),
        ("bn", "Bengali", "বাংলা"),
        ("mr", "Marathi", "मराठी"),
        ("pa", "Punjabi", "ਪੰਜਾਬੀ"),
        ("gu", "Gujarati", "ગુજરાતી"),
        ("ru", "Russian", "Русский"),
        ("pt", "Portuguese", "Português"),
        ("tr", "Turkish", "Türkçe"),
        ("th", "Thai", "ภาษาไทย"),
        ("id", "Indonesian", "Bahasa indonesia"),
        ("fa", "Persian", "فارسی"),
        ("ar", "Arabic", "العربية"),
        ("sv", "Swedish", "svenska"),
        ("da", "Danish", "Dansk"),
        ("no", "Norwegian", "Norsk"),
        ("pl", "Polish", "Polski"),
        ("nl", "Dutch", "Nederlands"),
    ],
)
def test_language_names(code: str, english_name: str, name: str) -> None:
    entry = next(lang for lang in languages() if lang["iso_639_1"] == code)
    assert (entry["english_name"], entry["name"]) == (english_name, name)


# --- other titles (alternative_titles, translations) ----------------------------------------------------

# The Unicode script name (first word of each letter's name) every language's own titles are written in.
SCRIPTS = {
    "ml": "MALAYALAM", "ta": "TAMIL", "te": "TELUGU", "kn": "KANNADA", "hi": "DEVANAGARI",
    "mr": "DEVANAGARI", "bn": "BENGALI", "ru": "CYRILLIC", "ko": "HANGUL", "ja": "CJK|HIRAGANA|KATAKANA",
    "zh": "CJK", "cn": "CJK",
}  # fmt: skip


def script_of(text: str) -> set[str]:
    import unicodedata

    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


def other_titles(movie: Movie) -> list[str]:
    titles = [t["title"] for t in movie["alternative_titles"]["titles"]]
    return titles + [t["data"]["title"] for t in movie["translations"]["translations"] if t["data"]["title"]]


def test_other_title_blocks_are_tmdb_shaped(catalogue: list[Movie]) -> None:
    for movie in catalogue:
        assert set(movie["alternative_titles"]) == {"titles"}
        assert all(set(t) == {"iso_3166_1", "title", "type"} for t in movie["alternative_titles"]["titles"])
        translations = movie["translations"]["translations"]
        assert all(
            set(t) == {"iso_3166_1", "iso_639_1", "name", "english_name", "data"} for t in translations
        )
        assert all(
            set(t["data"]) == {"homepage", "overview", "runtime", "tagline", "title"} for t in translations
        )
        # The original language's own translation keeps the original title, as TMDb writes it: "".
        own = [t for t in translations if t["iso_639_1"] == movie["original_language"]]
        assert [t["data"]["title"] for t in own] == [""]


@pytest.mark.parametrize("code", sorted(SCRIPTS))
def test_non_latin_films_carry_their_script_and_a_romanised_title(catalogue: list[Movie], code: str) -> None:
    films = by_language(catalogue, code)
    script = set(SCRIPTS[code].split("|"))
    in_script = [m for m in films if script_of(m["original_title"]) <= script]
    romanised = [
        [t["title"] for t in m["alternative_titles"]["titles"] if t["type"] == "romanized"] for m in in_script
    ]
    # Released under an English title, a film titled in its own script lists its romanisation.
    assert in_script and sum(map(bool, romanised)) > 0.25 * len(in_script)
    assert all(
        script_of(t) == {"LATIN"} and t != m["title"]
        for m, ts in zip(in_script, romanised, strict=True)
        for t in ts
    )
    # Every other title is in Latin letters or in the language's own script (or Devanagari, for a dub),
    # never a mix of the two.
    for movie in films:
        for title in other_titles(movie):
            assert script_of(title) == {"LATIN"} or script_of(title) <= script | {"DEVANAGARI", "TELUGU"}, (
                title
            )
    if code in (
        "ml",
        "ta",
        "te",
        "kn",
        "hi",
        "mr",
        "bn",
        "ru",
    ):  # English-titled originals get the script too
        latin = [m for m in films if m["original_title"] == m["title"] and script_of(m["title"]) == {"LATIN"}]
        written = [m for m in latin if any(script_of(t) <= script for t in other_titles(m))]
        assert latin and written == latin


def test_indian_films_often_have_a_hindi_dub_title_in_devanagari(catalogue: list[Movie]) -> None:
    south = [m for m in catalogue if m["original_language"] in ("ml", "ta", "te", "kn")]
    dubs = [
        t["data"]["title"]
        for m in south
        for t in m["translations"]["translations"]
        if t["iso_639_1"] == "hi" and t["data"]["title"]
    ]
    assert 0.3 * len(south) < len(dubs) < 0.7 * len(south)
    assert all(script_of(t) == {"DEVANAGARI"} for t in dubs)


def test_latin_script_films_have_no_alternative_titles(catalogue: list[Movie]) -> None:
    latin = [m for m in catalogue if m["original_language"] in ("en", "fr", "de", "it", "pt", "tr")]
    assert latin and not any(m["alternative_titles"]["titles"] for m in latin)
