"""The demo films' other titles: TMDb's `alternative_titles` and `translations` blocks (TMDB_API.md §4.2).

A film whose original title is in another script than Latin gets its romanised title (or, released under
that romanisation, an English one); one of an Indian or Russian industry titled in English gets that
title written in its language's script; Indian films often have a dub whose translated title is in
Hindi's script (Hindi films: Telugu's). Scripts are written by `indic-transliteration` (Latin letters
read as ITRANS) and `cyrtranslit`, so the strings are real script, if not how a person would spell them.

Every choice comes from a random generator of its own per film (seeded by the catalogue's seed and the
movie id), so adding these blocks left every other field of the catalogue as it was.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

import cyrtranslit
from indic_transliteration import sanscript

from movie_assets.demo.vocabulary import Titles

# The script each language is written in, by the library that writes it.
INDIC_SCRIPTS: dict[str, str] = {
    "ml": sanscript.MALAYALAM, "ta": sanscript.TAMIL, "te": sanscript.TELUGU, "kn": sanscript.KANNADA,
    "hi": sanscript.DEVANAGARI, "mr": sanscript.DEVANAGARI, "bn": sanscript.BENGALI,
}  # fmt: skip
CYRILLIC = frozenset({"ru"})
# The dub an Indian film most often has, by its language: Hindi, and Telugu for Hindi films.
DUB_LANGUAGE = {code: "hi" for code in INDIC_SCRIPTS if code != "hi"} | {"hi": "te"}
DUB_RATE = 0.5
ENGLISH_ALT_RATE = 0.6  # a film released under its romanised title that also has an English title listed
_LATIN_WORD = re.compile(r"[a-z]+")
# English letters ITRANS has no consonant for in every script, spelled as it reads them ("zh" is ITRANS's
# own: the Malayalam and Tamil letter of "Mazha").
_ITRANS_SPELLING = str.maketrans({"f": "ph", "q": "k"})
_LONE_Z = re.compile(r"z(?!h)")
_CYRILLIC_SPELLING = str.maketrans({"x": "ks", "X": "Ks", "q": "k", "Q": "K", "w": "v", "W": "V"})


def in_script(text: str, language: str) -> str:
    """`text` (Latin letters) written in `language`'s script; "" for a language without one here.

    >>> in_script("Raathri Mazha 2", "ml")
    'രാഥ്രി മഴ 2'
    """
    if language in INDIC_SCRIPTS:
        # Word by word, so digits and punctuation stay as typed (ITRANS would turn digits into the
        # script's own, which Indian film titles rarely use).
        script = INDIC_SCRIPTS[language]
        return _LATIN_WORD.sub(
            lambda word: sanscript.transliterate(_itrans(word.group(0)), sanscript.ITRANS, script),
            text.lower(),
        )
    if language in CYRILLIC:
        return str(cyrtranslit.to_cyrillic(text.translate(_CYRILLIC_SPELLING), language))
    return ""


def _itrans(word: str) -> str:
    return _LONE_Z.sub("j", word.translate(_ITRANS_SPELLING))


def _translation(language: Mapping[str, str], country: str, title: str, **data: Any) -> dict[str, Any]:
    return {
        "iso_3166_1": country,
        "iso_639_1": language["iso_639_1"],
        "name": language["name"],
        "english_name": language["english_name"],
        "data": {"homepage": "", "overview": "", "runtime": 0, "tagline": "", "title": title, **data},
    }


def other_titles(
    rng: random.Random,
    names: Titles,
    movie: Mapping[str, Any],
    languages: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """The film's `alternative_titles` and `translations` blocks, as a details call appends them.

    Args:
        rng: this film's own generator.
        names: the titles it was given (`vocabulary.titles`, or a sequel's).
        movie: its details so far (original_language, origin_country, overview, tagline, runtime).
        languages: TMDb's language items by code (english_name, iso_639_1, name).
    """
    lang, country = movie["original_language"], movie["origin_country"][0]
    alternative: list[dict[str, str]] = []
    if names.romanised and names.romanised != names.title:
        alternative.append({"iso_3166_1": country, "title": names.romanised, "type": "romanized"})
    if names.romanised and names.english != names.title and rng.random() < ENGLISH_ALT_RATE:
        alternative.append({"iso_3166_1": "US", "title": names.english, "type": ""})
    if names.original == names.title and (script := in_script(names.title, lang)):
        alternative.append({"iso_3166_1": country, "title": script, "type": ""})
    # The original's own language keeps the original title (""), as TMDb's translations do.
    translations = [_translation(languages[lang], country, "")]
    if lang != "en":
        english = names.title if names.title != names.original else ""
        extra = {"overview": movie["overview"], "tagline": movie["tagline"], "runtime": movie["runtime"]}
        translations.append(_translation(languages["en"], "US", english, **extra))
    dub = DUB_LANGUAGE.get(lang)
    if dub and rng.random() < DUB_RATE:
        spoken = names.romanised or names.title
        translations.append(_translation(languages[dub], "IN", in_script(spoken, dub)))
    return {"alternative_titles": {"titles": alternative}, "translations": {"translations": translations}}
