"""The other titles a movie is known by: TMDb's `alternative_titles` and the titles of its `translations`.

Both blocks come in the details call (TMDB_API.md §4.2). They feed the `movies` table's `alt_titles`: the
distinct titles in the order TMDb gives them (alternative titles first, then translated titles), leaving
out those that are the movie's title or original title written another way (case, width, spacing).
A block of the wrong shape, or an entry without a usable title, is skipped and named, never fatal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from movie_assets.catalog.schema import CONTROL_CHARACTER

_CONTROL = re.compile(CONTROL_CHARACTER)


def title_key(title: str) -> str:
    """How two spellings of one title compare: NFKC, case folded, runs of white space as one space."""
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def _entries(record: Mapping[str, Any], block: str, key: str) -> tuple[list[Any], list[str]]:
    """The entries of `record[block][key]`, or [] and a problem when the block has another shape."""
    found = record.get(block)
    if found is None:
        return [], []  # not asked for (an older harvest) or not given: nothing to say
    entries = found.get(key) if isinstance(found, Mapping) else None
    if not isinstance(entries, list):
        shape = (
            type(found).__name__ if not isinstance(found, Mapping) else f"an object without a {key!r} list"
        )
        return [], [f"{block} is {shape}, not {{{key!r}: [...]}}; skipped"]
    return entries, []


def _candidates(record: Mapping[str, Any]) -> tuple[list[Any], list[str]]:
    """Every title the two blocks offer, in order, and what was wrong with them."""
    titles, problems = _entries(record, "alternative_titles", "titles")
    translations, wrong = _entries(record, "translations", "translations")
    problems += wrong
    malformed = sum(not isinstance(t, Mapping) or not isinstance(t.get("title"), str) for t in titles)
    if malformed:
        problems.append(
            f"alternative_titles: {malformed} of {len(titles)} entries have no title text; skipped"
        )
    found = [t.get("title") for t in titles if isinstance(t, Mapping)]
    bad = 0
    for entry in translations:
        data = entry.get("data") if isinstance(entry, Mapping) else None
        title = data.get("title") if isinstance(data, Mapping) else None
        # "" (or null) is TMDb's way of saying the translation keeps the original title.
        if not isinstance(data, Mapping) or not isinstance(title, str | None):
            bad += 1
            continue
        found.append(title)
    if bad:
        problems.append(
            f"translations: {bad} of {len(translations)} entries have no data object with a title text; "
            "skipped"
        )
    return found, problems


def alt_titles(record: Mapping[str, Any], known: Iterable[str]) -> tuple[list[str], list[str]]:
    """The record's distinct other titles, leaving out the `known` ones (title, original title), and the
    problems found in its blocks (empty when both are well formed or absent).

    A title with a control character other than white space cannot be stored (the table's check refuses
    it), so it is left out and named too.
    """
    candidates, problems = _candidates(record)
    seen = {title_key(k) for k in known}
    kept: list[str] = []
    unusable = 0
    for raw in candidates:
        if not isinstance(raw, str):
            continue
        title = " ".join(raw.split())
        if _CONTROL.search(title):
            unusable += 1
            continue
        key = title_key(title)
        if key and key not in seen:
            seen.add(key)
            kept.append(title)
    if unusable:
        problems.append(f"{unusable} alternative or translated titles hold control characters; skipped")
    return kept, problems
