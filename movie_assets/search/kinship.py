"""What a liked film brings beyond its title: the user vector its stored vector makes with the others',
the push away from unliked films, and its kinship with other films (shared people, collection, genres).

The user vector is the mean of the liked films' vectors less UNLIKE_SHARE of the unliked ones' mean,
normalised; it leans the text's query vector (TEXT_SEED_MIX) and is searched on its own. Kinship says how
much a film shares with the liked films; the films sharing a director, a lead actor or a collection are
found through the gazetteer's credits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from movie_assets.index import Gazetteer, fold

# The user vector subtracts this share of the unliked films' mean (more would turn it into "anything but").
UNLIKE_SHARE = 0.5
# The text's vector plus this share of the user vector: the text still says what is asked, the seeds lean it.
TEXT_SEED_MIX = 0.7
LEAD_ACTORS = 3  # the first billed actors that count as a film's leads
# How much each thing shared with a liked film counts in the kinship order (a director or a collection
# says most about a film's likeness; genres are broad, so they count by their overlap).
KIN_DIRECTOR, KIN_LEAD, KIN_ACTOR, KIN_COLLECTION, KIN_GENRES, KIN_KEYWORD = 1.0, 0.6, 0.2, 1.0, 1.0, 0.1
KIN_KEYWORDS_COUNTED = 5
# Films whose vector is this close (cosine) to the unliked films' mean lose up to UNLIKE_PENALTY of
# their score: MiniLM puts unrelated films' documents at ~0.2 of each other, look-alikes above ~0.6.
UNLIKE_FLOOR, UNLIKE_PENALTY = 0.3, 0.6


@dataclass(frozen=True)
class Traits:
    """What a film is made of, for kinship and for saying what a hit shares with a seed."""

    title: str
    directors: frozenset[str]
    leads: tuple[str, ...]
    cast: frozenset[str]
    collection: str | None
    genres: frozenset[str]
    keywords: frozenset[str]
    language: str | None
    year: int | None

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> Traits:
        cast = tuple(record.get("cast") or ())
        return cls(
            title=record.get("title") or "",
            directors=frozenset(record.get("directors") or ()),
            leads=cast[:LEAD_ACTORS],
            cast=frozenset(cast),
            collection=record.get("collection") or None,
            genres=frozenset(record.get("genres") or ()),
            keywords=frozenset(record.get("keywords") or ()),
            language=record.get("original_language"),
            year=record.get("year"),
        )


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)


def user_vector(liked: np.ndarray, unliked: np.ndarray) -> np.ndarray | None:
    """(1, dim): the liked films' mean vector less UNLIKE_SHARE of the unliked ones', normalised; None
    without a liked film (dislikes alone only push films down)."""
    if len(liked) == 0:
        return None
    vector = liked.mean(axis=0)
    if len(unliked):
        vector = vector - UNLIKE_SHARE * _unit(unliked.mean(axis=0))
    return _unit(vector)[None, :]


def mixed(text_vector: np.ndarray, user: np.ndarray | None) -> np.ndarray:
    """The text's (1, dim) vector leaned towards the user vector, normalised (the text's own without one)."""
    if user is None:
        return text_vector
    return _unit(text_vector[0] + TEXT_SEED_MIX * user[0])[None, :]


def unlike_factor(vectors: np.ndarray, unliked: np.ndarray) -> np.ndarray:
    """Per candidate, 1 when far from every unliked film, down to 1 - UNLIKE_PENALTY when close to them."""
    if len(unliked) == 0 or len(vectors) == 0:
        return np.ones(len(vectors))
    closeness = (vectors @ unliked.T).max(axis=1)
    scaled = np.clip((closeness - UNLIKE_FLOOR) / (1 - UNLIKE_FLOOR), 0.0, 1.0)
    return 1.0 - UNLIKE_PENALTY * scaled


def kin_rows(gazetteer: Gazetteer, traits: Sequence[Traits], payload: pl.DataFrame) -> np.ndarray:
    """The rows of the films that share a director, a lead actor or a collection with a liked film."""
    found: list[np.ndarray] = []
    for t in traits:
        for name in t.directors:
            person = gazetteer.person(fold(name))
            if person is not None:
                found.append(person.directed)
        for name in t.leads:
            person = gazetteer.person(fold(name))
            if person is not None:
                found.append(person.acted)
        if t.collection and "collection" in payload.columns:
            found.append(np.flatnonzero((payload["collection"] == t.collection).fill_null(False).to_numpy()))
    if not found:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(found).astype(np.int64))


def kinship(seeds: Sequence[Traits], record: Mapping[str, Any]) -> float:
    """How much a film shares with the liked films (summed over them): directors, lead actors (a seed's
    leads among its leads, less among the rest of its cast), collection, the overlap of genres, a few
    keywords."""
    film = Traits.of(record)
    total = 0.0
    for s in seeds:
        total += KIN_DIRECTOR * bool(s.directors & film.directors)
        total += sum(KIN_LEAD if lead in film.leads else KIN_ACTOR for lead in s.leads if lead in film.cast)
        total += KIN_COLLECTION * bool(s.collection and s.collection == film.collection)
        if s.genres and film.genres:
            total += KIN_GENRES * len(s.genres & film.genres) / len(s.genres | film.genres)
        total += KIN_KEYWORD * min(len(s.keywords & film.keywords), KIN_KEYWORDS_COUNTED)
    return total
