"""The demo catalogue: SYNTHETIC movies, invented by this module, shaped like TMDb's
`/movie/{id}?append_to_response=credits,keywords,alternative_titles,translations`. No title, person or
company in it is real.

It lets the pipeline and the search run offline: 3,600 movies over 14 years and 19 original languages,
with recurring casts and directors, genres and keywords that agree with the overview, and the gaps real
data has (empty overviews, runtime 0, missing posters and IMDb ids, adult and video items a harvest must
exclude, `_deleted` tombstones the emulator hides from discover and answers with 404).

The output depends only on (n, years, seed): one `random.Random(seed)` makes every choice but the other
titles, which a generator of each film's own makes (`other_titles`), and ids derived from names use CRC-32
(never `hash()`, which is salted per process).
"""

from __future__ import annotations

import math
import random
import string
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from movie_assets.demo import vocabulary as vocab
from movie_assets.demo.other_titles import other_titles
from movie_assets.reference import GENRE_NAMES, languages
from movie_assets.tmdb import write_catalogue

DEMO_LABEL = "synthetic demo data"
DEMO_YEARS: tuple[int, ...] = tuple(range(2012, 2026))
DEMO_SIZE = 3600
_PATH_CHARS = string.ascii_letters + string.digits
_RARE_FLAGS = (("adult", 0.003), ("video", 0.005), ("_deleted", 0.003))  # share of the catalogue
Person = dict[str, Any]


def generate_demo_catalogue(
    n: int = DEMO_SIZE, years: Sequence[int] = DEMO_YEARS, seed: int = 7
) -> list[dict[str, Any]]:
    """Return `n` synthetic movie objects released in `years`; the same arguments give the same list."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 500_000:
        raise ValueError(f"n must be a whole number of movies from 1 to 500000, got {n!r}")
    bad = [y for y in years if isinstance(y, bool) or not isinstance(y, int) or not 1874 <= y <= 2100]
    if bad or not years:
        raise ValueError(f"years must be a non-empty list of whole years from 1874 to 2100; bad: {bad[:5]}")
    return _Generator(random.Random(seed), sorted(set(years)), seed).catalogue(n)


def write_demo_catalogue(
    path: str | Path, *, n: int = DEMO_SIZE, years: Sequence[int] = DEMO_YEARS, seed: int = 7
) -> int:
    """Write the demo catalogue as a catalogue file (JSON lines, gzipped for `.gz`); returns the count."""
    return write_catalogue(generate_demo_catalogue(n, years, seed), path)


def _stable_ids(names: Iterable[str], low: int, span: int) -> dict[str, int]:
    # Derived from the name, so a keyword keeps its id whatever the seed; a collision takes the next free id.
    ids: dict[str, int] = {}
    taken: set[int] = set()
    for name in sorted(set(names)):
        candidate = low + zlib.crc32(name.encode("utf-8")) % span
        while candidate in taken:
            candidate += 1
        ids[name] = candidate
        taken.add(candidate)
    return ids


class _Generator:
    def __init__(self, rng: random.Random, years: list[int], seed: int) -> None:
        self.rng, self.years, self.seed = rng, years, seed
        self.locales = vocab.locales()
        self.codes = list(self.locales)
        self.code_weights = list(accumulate(loc["weight"] for loc in self.locales.values()))
        self.language_items = {
            lang["iso_639_1"]: {key: lang[key] for key in ("english_name", "iso_639_1", "name")}
            for lang in languages()
        }
        all_settings = [s for loc in self.locales.values() for s in loc["settings"]]
        keywords = [k for t in vocab.themes() for k in (*t.keywords, *t.extra_keywords)]
        self.keyword_ids = _stable_ids(keywords + [s[2] for s in all_settings], 1_000, 400_000)
        companies = [p.format(place=s[0]) for s in all_settings for p in vocab.COMPANY_PATTERNS]
        self.company_ids = _stable_ids(companies, 10_000, 200_000)
        self.themes = {code: self._theme_table(code) for code in self.codes}
        crew_departments = list(dict.fromkeys(dept for dept, _ in vocab.CREW_JOBS))
        # Rosters grow with the language's weight: actors, directors, then a few people per crew department.
        sizes = {
            code: {"Acting": 40 + int(loc["weight"] * 12), "Directing": 10 + int(loc["weight"] * 6)}
            | {dept: 3 + int(loc["weight"] / 2) for dept in crew_departments}
            for code, loc in self.locales.items()
        }
        total = sum(sum(s.values()) for s in sizes.values())
        person_ids = iter(rng.sample(range(1_000_000, 6_000_000), total))
        self.rosters = {code: self._rosters(code, sizes[code], person_ids) for code in self.codes}
        self.star_weights = {
            (code, dept): list(accumulate(1 + min(p["popularity"], 10) / 2 for p in people))
            for code, roster in self.rosters.items()
            for dept, people in roster.items()
        }
        self.franchises: dict[str, list[dict[str, Any]]] = {code: [] for code in self.codes}
        self.collection_ids: set[int] = set()

    def _theme_table(self, code: str) -> tuple[list[vocab.Theme], list[float]]:
        boost = vocab.LANGUAGE_THEME_BOOST.get(code, {})
        themes = [t for t in vocab.themes() if not t.languages or code in t.languages]
        return themes, [t.weight * boost.get(t.name, 1.0) for t in themes]

    def _rosters(self, code: str, sizes: dict[str, int], ids: Iterator[int]) -> dict[str, list[Person]]:
        # Fixed per language and keyed by department, so the same people recur from film to film.
        return {
            dept: [self._person(code, next(ids), dept) for _ in range(size)] for dept, size in sizes.items()
        }

    def _person(self, code: str, person_id: int, department: str) -> Person:
        rng = self.rng
        gender = rng.choice((1, 2)) if department == "Acting" or rng.random() > 0.06 else 0
        female = gender == 1 or (gender == 0 and rng.random() < 0.5)
        name, original = vocab.full_name(rng, self.locales[code], female)
        return {
            "adult": False, "gender": gender, "id": person_id, "known_for_department": department,
            "name": name, "original_name": original, "popularity": round(rng.paretovariate(1.3) * 0.7, 3),
            "profile_path": self._image() if rng.random() < 0.75 else None,
        }  # fmt: skip

    def _image(self) -> str:
        return "/" + "".join(self.rng.choices(_PATH_CHARS, k=27)) + ".jpg"

    def _credit_id(self) -> str:
        return f"{self.rng.getrandbits(96):024x}"

    def catalogue(self, n: int) -> list[dict[str, Any]]:
        rng = self.rng
        movie_ids = rng.sample(range(10_000, 1_500_000), n)
        imdb_numbers = rng.sample(range(1_000_000, 40_000_000), n)
        # Generated in release order so that a sequel always comes after the film it continues.
        dates = sorted(self._release_date() for _ in range(n))
        movies = [self._movie(*args) for args in zip(movie_ids, dates, imdb_numbers, strict=True)]
        flagged = rng.sample(range(n), sum(round(n * rate) for _, rate in _RARE_FLAGS))
        for flag, rate in _RARE_FLAGS:
            for index in [flagged.pop() for _ in range(round(n * rate))]:
                movies[index][flag] = True
                if flag == "video":  # TMDb's video items are extras and featurettes
                    movies[index].update(
                        title="Making of " + movies[index]["title"], runtime=rng.randint(8, 45)
                    )
        return movies

    def _release_date(self) -> date:
        rng = self.rng
        year = rng.choices(self.years, weights=[1 + 0.04 * i for i in range(len(self.years))])[0]
        if rng.random() < 0.07:  # editors enter YEAR-01-01 when only the year is known
            return date(year, 1, 1)
        return date(year, 1, 1) + timedelta(days=rng.randrange(365))

    def _movie(self, movie_id: int, released: date, imdb_number: int) -> dict[str, Any]:
        rng = self.rng
        lang = rng.choices(self.codes, cum_weights=self.code_weights)[0]
        loc, roster = self.locales[lang], self.rosters[lang]
        base = self._sequel_base(lang, released)
        theme = base["theme"] if base else rng.choices(*self.themes[lang])[0]
        setting = rng.choice(loc["settings"])
        lead = base["lead"] if base else self._weighted(lang, "Acting")
        hero = base["hero"] if base else vocab.given_name(rng, loc, lead["gender"] == 1)
        cast, other = self._cast(lang, theme, lead, hero)
        directors = base["directors"] if base else self._directors(lang)
        crew = [] if not cast and rng.random() < 0.5 else self._crew(directors, roster)
        if base:
            base["part"] += 1
            names = vocab.Titles(*(f"{name} {base['part']}" if name else "" for name in base["names"]))
        else:
            names = vocab.titles(rng, theme, loc, setting, hero)
        title, original = names.title, names.original
        fame = rng.paretovariate(1.15)  # heavy tail: most films obscure, a few very popular
        votes = 0 if rng.random() < 0.3 else int((fame - 1) * rng.uniform(4, 25))
        status = self._status(released)
        budget = rng.randint(2, 150) * 500_000 if fame > 15 and rng.random() < 0.6 else 0
        countries = [setting[3]]
        if rng.random() < 0.07 and (partner := rng.choice(vocab.CO_PRODUCERS)) != setting[3]:
            countries.append(partner)
        spoken = [lang] + ([rng.choice(loc["spoken_extra"])] if rng.random() < 0.25 else [])
        movie = {
            "adult": False,
            "backdrop_path": self._image() if rng.random() > 0.18 else None,
            "belongs_to_collection": None,
            "budget": budget,
            "genres": [{"id": gid, "name": GENRE_NAMES[gid]} for gid in vocab.genre_ids(rng, theme)],
            "homepage": None,
            "id": movie_id,
            "imdb_id": f"tt{imdb_number:07d}" if rng.random() > 0.12 else None,
            "origin_country": countries,
            "original_language": lang,
            "original_title": original,
            "overview": vocab.overview(rng, theme, setting, hero, other, lead["gender"] == 1)
            if rng.random() > 0.03
            else "",
            "popularity": round(0.6 + (fame - 1) ** 0.8 * rng.uniform(0.2, 0.6) + rng.expovariate(1.5), 4),
            "poster_path": self._image() if rng.random() > 0.07 else None,
            "production_companies": self._companies(loc, setting[3]),
            "production_countries": [{"iso_3166_1": c, "name": vocab.COUNTRY_NAMES[c]} for c in countries],
            "release_date": released.isoformat(),
            "revenue": int(budget * rng.uniform(0.3, 4)) if budget and status == "Released" else 0,
            "runtime": 0
            if rng.random() < 0.04
            else max(40, int(rng.gauss(theme.runtime + loc["runtime_extra"], 14))),
            "spoken_languages": [dict(self.language_items[code]) for code in dict.fromkeys(spoken)],
            "status": status,
            "tagline": rng.choice(theme.taglines) if rng.random() < 0.55 else "",
            "title": title,
            "video": False,
            "vote_average": self._vote_average(votes),
            "vote_count": votes,
            "credits": {"cast": cast, "crew": crew},
            "keywords": {"keywords": self._keywords(theme, setting)},
        }
        # A generator of the film's own (a str seed is hashed the same in every process), so these blocks
        # draw nothing from the catalogue's and every other field is what it was before they existed.
        own = random.Random(f"{self.seed}/{movie_id}/other titles")
        movie.update(other_titles(own, names, movie, self.language_items))
        self._remember_franchise(lang, base, movie, names, (theme, lead, hero, directors, fame))
        return movie

    def _sequel_base(self, lang: str, released: date) -> dict[str, Any] | None:
        if self.rng.random() >= 0.03:
            return None
        earlier = [f for f in self.franchises[lang] if f["year"] < released.year and f["part"] < 3]
        return self.rng.choice(earlier) if earlier else None

    def _remember_franchise(
        self, lang: str, base: dict[str, Any] | None, movie: dict[str, Any], names: vocab.Titles,
        story: tuple[vocab.Theme, Person, str, list[Person], float],
    ) -> None:  # fmt: skip
        theme, lead, hero, directors, fame = story
        if base:
            if base["movie"]["belongs_to_collection"] is None:
                base["movie"]["belongs_to_collection"] = self._collection(base["title"])
            movie["belongs_to_collection"] = dict(base["movie"]["belongs_to_collection"])
        elif fame > 8:
            self.franchises[lang].append({
                "movie": movie, "year": int(movie["release_date"][:4]), "part": 1, "theme": theme,
                "lead": lead, "hero": hero, "directors": directors, "title": movie["title"], "names": names,
            })  # fmt: skip

    def _collection(self, title: str) -> dict[str, Any]:
        collection_id = self.rng.randrange(10_000, 1_000_000)
        while collection_id in self.collection_ids:
            collection_id += 1
        self.collection_ids.add(collection_id)
        backdrop = self._image() if self.rng.random() < 0.7 else None
        return {
            "id": collection_id,
            "name": f"{title} Collection",
            "poster_path": self._image(),
            "backdrop_path": backdrop,
        }

    def _weighted(self, lang: str, department: str) -> Person:
        # Popular people are chosen up to six times as often, so stars carry more films but not most of them.
        return self.rng.choices(
            self.rosters[lang][department], cum_weights=self.star_weights[lang, department]
        )[0]

    def _cast(
        self, lang: str, theme: vocab.Theme, lead: Person, hero: str
    ) -> tuple[list[dict[str, Any]], str]:
        rng = self.rng
        size = rng.randint(8, 12) if theme.name == "documentary" else 8 + int(rng.triangular(0, 17.99, 3))
        people = [lead] + [p for p in rng.sample(self.rosters[lang]["Acting"], size) if p["id"] != lead["id"]]
        people = people[:size]
        if theme.name in ("romance", "romcom"):  # the second lead is the love interest
            match = next((i for i, p in enumerate(people) if p["gender"] != lead["gender"]), 1)
            people.insert(1, people.pop(match))
        other = vocab.given_name(rng, self.locales[lang], people[1]["gender"] == 1)
        if rng.random() < 0.015:
            return [], other
        cast = []
        for order, person in enumerate(people):
            if theme.name == "documentary":
                character = "Self"
            elif order < 2:
                character = (hero, other)[order]
            elif rng.random() < 0.3:
                character = rng.choice(vocab.MINOR_CHARACTERS)
            else:
                character = vocab.full_name(rng, self.locales[lang], person["gender"] == 1)[0]
            credit = {
                "cast_id": order + 1,
                "character": character,
                "credit_id": self._credit_id(),
                "order": order,
            }
            cast.append({**person, **credit})
        return cast, other

    def _directors(self, lang: str) -> list[Person]:
        first = self._weighted(lang, "Directing")
        second = [d for d in self.rng.sample(self.rosters[lang]["Directing"], 2) if d["id"] != first["id"]][
            :1
        ]
        return [first, *second] if self.rng.random() < 0.12 else [first]

    def _crew(self, directors: list[Person], roster: dict[str, list[Person]]) -> list[dict[str, Any]]:
        rng = self.rng
        jobs = rng.sample(vocab.CREW_JOBS, rng.randint(3, 8))
        crew = [self._crew_item(rng.choice(roster[dept]), dept, job) for dept, job in jobs]
        credits = [self._crew_item(d, "Directing", "Director") for d in directors]
        if rng.random() < 0.3:  # the director also wrote it: one person, two credits
            credits.append(self._crew_item(directors[0], "Writing", "Screenplay"))
        at = rng.randint(0, 2)
        return crew[:at] + credits + crew[at:]

    def _crew_item(self, person: Person, department: str, job: str) -> dict[str, Any]:
        return {**person, "credit_id": self._credit_id(), "department": department, "job": job}

    def _keywords(self, theme: vocab.Theme, setting: vocab.Setting) -> list[dict[str, Any]]:
        names = [] if self.rng.random() < 0.03 else vocab.keyword_names(self.rng, theme, setting)
        return [{"id": self.keyword_ids[name], "name": name} for name in names]

    def _companies(self, loc: vocab.Locale, country: str) -> list[dict[str, Any]]:
        rng = self.rng
        count = 0 if rng.random() < 0.08 else rng.randint(1, 2)
        names = [
            rng.choice(vocab.COMPANY_PATTERNS).format(place=rng.choice(loc["settings"])[0])
            for _ in range(count)
        ]
        return [
            {"id": self.company_ids[name], "logo_path": None, "name": name, "origin_country": country}
            for name in dict.fromkeys(names)
        ]

    def _status(self, released: date) -> str:
        roll = self.rng.random()
        if released.year == self.years[-1] and roll < 0.06:
            return "Post Production"
        return (
            self.rng.choice(("Rumored", "Planned", "In Production", "Canceled"))
            if roll > 0.99
            else "Released"
        )

    def _vote_average(self, votes: int) -> float:
        if votes == 0:
            return 0.0
        if votes <= 2:  # one or two ratings average to whole numbers
            return float(self.rng.randint(2, 10))
        return round(min(10.0, max(1.0, self.rng.gauss(6.4, 0.8 + 2.0 / math.sqrt(votes)))), 3)
