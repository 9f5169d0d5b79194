"""Vocabulary of the synthetic demo catalogue, and how it composes names, titles and overviews.

Everything here is invented for demo data. A theme (`data/themes.json`) ties genres, keywords,
overview templates and title words together, so a generated crime thriller reads, is tagged and is
titled like one. A locale (`data/locales.json`, keyed by original language) holds the settings,
the first-name and surname pools ("Latin|native" where the script differs) and the translated title words.

Template slots: {name}/{Name} (the lead character), {other} (the second lead), {role}, {event},
{setting}, and the lead's pronouns {pron}/{Pron} (he/she), {poss}/{Poss} (his/her), {obj} (him/her).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

Locale = dict[str, Any]
Setting = list[str]  # [short place, phrase after "in", keyword, ISO 3166-1 country, (native short place)]

# Each industry's taste: theme weight multipliers per original language.
LANGUAGE_THEME_BOOST: dict[str, dict[str, float]] = {
    "ml": {"investigation": 2.5, "family_drama": 1.3, "comedy": 1.3},
    "ta": {"gangster": 1.8, "revenge": 1.5, "investigation": 1.3},
    "te": {"revenge": 2.0, "gangster": 1.8, "fantasy": 1.5},
    "hi": {"romance": 1.3, "spy": 1.8, "biopic": 1.5},
    "kn": {"gangster": 2.0, "revenge": 1.5},
    "ko": {"revenge": 2.0, "investigation": 1.8, "horror": 1.3},
    "ja": {"animation": 4.0, "horror": 1.5, "coming_of_age": 1.5},
    "zh": {"war": 2.0, "fantasy": 2.0},
    "cn": {"gangster": 2.5, "heist": 1.5, "investigation": 1.3},
    "fr": {"romance": 1.5, "family_drama": 1.5, "comedy": 1.3},
    "es": {"investigation": 1.3, "family_drama": 1.3},
    "de": {"investigation": 1.5, "war": 1.3},
    "it": {"family_drama": 1.5, "gangster": 1.3},
    "en": {"sci_fi": 2.0, "horror": 1.5, "time_travel": 1.5},
}
# The translated title words are keyed by these concepts; uncountable ones never take "The".
UNCOUNTABLE = frozenset({"love", "truth", "revenge", "darkness", "silence", "rain", "fire"})
# production_countries names as TMDb spells them.
COUNTRY_NAMES: dict[str, str] = {
    "US": "United States of America", "GB": "United Kingdom", "IN": "India", "KR": "South Korea",
    "JP": "Japan", "CN": "China", "TW": "Taiwan", "HK": "Hong Kong", "MO": "Macao", "FR": "France",
    "BE": "Belgium", "ES": "Spain", "MX": "Mexico", "AR": "Argentina", "CO": "Colombia", "DE": "Germany",
    "AT": "Austria", "IT": "Italy", "BD": "Bangladesh", "BR": "Brazil", "PT": "Portugal", "RU": "Russia",
    "TR": "Turkey",
}  # fmt: skip
CO_PRODUCERS = ("US", "GB", "FR", "DE")
# (department, job) of the crew besides the directors.
CREW_JOBS: tuple[tuple[str, str], ...] = (
    ("Production", "Producer"), ("Camera", "Director of Photography"), ("Editing", "Editor"),
    ("Sound", "Original Music Composer"), ("Writing", "Screenplay"), ("Writing", "Story"),
    ("Art", "Production Design"), ("Costume & Make-Up", "Costume Design"),
    ("Production", "Executive Producer"), ("Visual Effects", "Visual Effects Supervisor"),
    ("Lighting", "Gaffer"), ("Crew", "Stunt Coordinator"),
)  # fmt: skip
MINOR_CHARACTERS = (
    "Police Officer", "Inspector", "Doctor", "Reporter", "Shopkeeper", "Neighbour", "Driver", "Lawyer",
    "Teacher", "Nurse", "Priest", "Waiter", "Landlord", "Constable", "Villager", "Bartender", "Guard",
)  # fmt: skip
# Company names say they are synthetic, so no demo film passes for a real production.
COMPANY_PATTERNS = ("{place} Synthetic Pictures", "Demo Reel Films {place}", "{place} Sample Studios")


@dataclass(frozen=True)
class Theme:
    name: str
    weight: float
    genres: tuple[int, ...]  # always present, in this order
    extra_genres: tuple[int, ...]  # at most one is added, keeping 1-3 genres
    keywords: tuple[str, ...]  # always present
    extra_keywords: tuple[str, ...]
    roles: tuple[str, ...]
    events: tuple[str, ...]
    openings: tuple[str, ...]
    followups: tuple[str, ...]
    concepts: tuple[str, ...]  # keys of a locale's translated title words
    nouns: tuple[str, ...]  # English title words
    adjectives: tuple[str, ...]
    taglines: tuple[str, ...]
    runtime: int  # mean minutes before the locale's runtime_extra
    languages: tuple[str, ...]  # empty: every language


def _data(name: str) -> Any:
    return json.loads(resources.files("movie_assets.demo").joinpath(f"data/{name}").read_text("utf-8"))


@cache
def themes() -> tuple[Theme, ...]:
    return tuple(
        Theme(**{key: tuple(value) if isinstance(value, list) else value for key, value in row.items()})
        for row in _data("themes.json")
    )


@cache
def locales() -> dict[str, Locale]:
    """Locales by original language, with name pools split once into (latin, native) pairs."""
    loaded: dict[str, Locale] = _data("locales.json")
    for loc in loaded.values():
        for pool in ("male", "female", "surnames"):
            loc[pool] = [split_entry(entry) for entry in loc[pool]]
    return loaded


def split_entry(entry: str) -> tuple[str, str]:
    """'Latin|native' -> (latin, native); native is '' where the locale writes names in Latin script."""
    latin, _, native = entry.partition("|")
    return latin, native


def given_name(rng: random.Random, loc: Locale, female: bool) -> str:
    return rng.choice(loc["female" if female else "male"])[0]


def full_name(rng: random.Random, loc: Locale, female: bool) -> tuple[str, str]:
    """(name in Latin script, original_name in the native script where the locale has one)."""
    given = rng.choice(loc["female" if female else "male"])
    family = rng.choice(loc["surnames"])
    if female and loc["female_surname_suffix"]:  # "Latin|native", e.g. Ivanov -> Ivanova, Иванов -> Иванова
        latin_suffix, native_suffix = split_entry(loc["female_surname_suffix"])
        family = (family[0] + latin_suffix, family[1] + native_suffix if family[1] else "")
    latin = f"{given[0]} {family[0]}" if loc["name_order"] == "gf" else f"{family[0]} {given[0]}"
    if not (given[1] and family[1]):
        return latin, latin
    parts = (given[1], family[1]) if loc["native_order"] == "gf" else (family[1], given[1])
    return latin, loc["native_sep"].join(parts)


class Titles(NamedTuple):
    """The names a film is released under: title (en-US), original_title, the original in Latin letters
    where its script is another ("" otherwise), and an English title (the title, or the one it passed up)."""

    title: str
    original: str
    romanised: str
    english: str


def titles(rng: random.Random, theme: Theme, loc: Locale, setting: Setting, hero: str) -> Titles:
    """An English title, or translated theme words and an English release title."""
    words = loc["words"]
    if not words or rng.random() < loc["english_original_rate"]:
        english = _english_title(rng, theme, setting[0], hero)
        return Titles(english, english, "", english)
    concepts = [c for c in theme.concepts if c in words] or list(words)
    concept = rng.choice(concepts)
    latin, native = split_entry(words[concept])
    compound = rng.random() < 0.5
    if compound:  # two of the theme's words: "Raathri Mazha", "夜の王", "La Nuit et le secret"
        second = rng.choice([c for c in concepts if c != concept] or [c for c in words if c != concept])
        latin, native = _compound(loc, (latin, native), split_entry(words[second]))
    # A one-word title is often released under its translation; anything else under a free English title.
    use_gloss = not compound and rng.random() < 0.5
    english = (
        _gloss_title(rng, theme, concept, setting)
        if use_gloss
        else _english_title(rng, theme, setting[0], hero)
    )
    if native:  # non-Latin script: released under a transliteration or an English title
        title = latin if rng.random() < loc["translit_title_rate"] else english
        return Titles(title, native, latin, english)
    if loc["place_title"] and not compound and rng.random() < 0.3:
        native_place = setting[4] if len(setting) > 4 else setting[0]
        title = f"{concept.title()} in {setting[0]}"
        return Titles(title, loc["place_title"].format(w=latin, p=native_place), "", title)
    return Titles(english, latin, "", english)


def _compound(loc: Locale, first: tuple[str, str], second: tuple[str, str]) -> tuple[str, str]:
    native_format, latin_format, lower_second = loc["compound_title"]

    def tail(word: str) -> str:  # "La Nuit et le secret": the second word's article is not capitalised
        return word[:1].lower() + word[1:] if lower_second else word

    native = native_format.format(a=first[1], b=tail(second[1])) if first[1] and second[1] else ""
    return latin_format.format(a=first[0], b=tail(second[0])), native


def _gloss_title(rng: random.Random, theme: Theme, concept: str, setting: Setting) -> str:
    gloss, roll = concept.title(), rng.random()
    if roll < 0.35:
        return gloss if concept in UNCOUNTABLE else f"The {gloss}"
    return f"{rng.choice(theme.adjectives)} {gloss}" if roll < 0.7 else f"{gloss} in {setting[0]}"


# (cumulative share, pattern); the rest are titled after the lead character.
_ENGLISH_PATTERNS = (
    (0.12, "The {n}"), (0.45, "{a} {n}"), (0.57, "The {a} {n}"), (0.75, "{p} {n}"), (0.9, "The {n} of {p}"),
)  # fmt: skip


def _english_title(rng: random.Random, theme: Theme, place: str, hero: str) -> str:
    noun, adjective, roll = rng.choice(theme.nouns), rng.choice(theme.adjectives), rng.random()
    template = next((t for limit, t in _ENGLISH_PATTERNS if roll < limit), "{h}")
    return template.format(n=noun, a=adjective, p=place, h=hero)


def overview(rng: random.Random, theme: Theme, setting: Setting, hero: str, other: str, female: bool) -> str:
    """An opening sentence that names role, setting and inciting event, then one or two follow-ups."""
    pron, poss, obj = ("she", "her", "her") if female else ("he", "his", "him")
    slots = {"name": hero, "Name": hero, "other": other, "setting": setting[1], "pron": pron,
             "Pron": pron.title(), "poss": poss, "Poss": poss.title(), "obj": obj}  # fmt: skip
    slots["role"] = rng.choice(theme.roles)
    slots["event"] = rng.choice(theme.events).format(**slots)
    count = min(len(theme.followups), 2 if rng.random() < 0.3 else 1)
    # Follow-ups keep their listed order: story sentences first, the one-line summaries last.
    followups = [theme.followups[i] for i in sorted(rng.sample(range(len(theme.followups)), count))]
    sentences = [rng.choice(theme.openings), *followups]
    text = " ".join(sentence.format(**slots) for sentence in sentences)
    return text[0].upper() + text[1:]


def genre_ids(rng: random.Random, theme: Theme) -> list[int]:
    genres = list(theme.genres)
    if theme.extra_genres and len(genres) < 3 and rng.random() < 0.45:
        genres.append(rng.choice(theme.extra_genres))
    return genres


def keyword_names(rng: random.Random, theme: Theme, setting: Setting) -> list[str]:
    """2-8 keywords: the theme's own, a few related ones, and often the place."""
    extra = rng.sample(theme.extra_keywords, rng.randint(1, min(5, len(theme.extra_keywords))))
    place = [setting[2]] if rng.random() < 0.5 else []
    return list(dict.fromkeys([*theme.keywords, *extra, *place]))[:8]
