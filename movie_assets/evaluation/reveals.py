"""Answer reveals in a "tip of my tongue" request: lines and sentences written after it was answered.

A request often names its answer after the fact ("Edit: solved, it was Total Recall"); edit/update/solved
lines, inline "(edit: ...)" notes and sentences that name the answer are stripped before the text becomes a
query, so neither training nor evaluation reads the answer out of the request.
"""

from __future__ import annotations

import re
from functools import cache

from movie_assets.reference import languages

# Whole lines written after the request was answered: "Edit: ...", "**UPDATE**", "/edit", "Found it!".
_EDIT_LINE = re.compile(
    r"^\W*(?:quick\s+|small\s+|late\s+)?(?:edit(?:ed|s)?\d*|update[ds]?\d*|found\s+it)\b", re.I
)
_ANSWER_LINE = re.compile(r"^\W*answer(?:ed)?\s*[:\-!]", re.I)
# "[SOLVED]" (optionally markdown-escaped) is a tag before the request; a bare "SOLVED!" starts a reveal.
_SOLVED_TAG = re.compile(r"^\W*?\\?\[\s*solved\s*\\?\]\s*", re.I)
_SOLVED_LINE = re.compile(r"^\W*solved\s*(?:[!:.\-\u2013\u2014]|$)", re.I)
_SOLVED_WORD = re.compile(r"^\W*solved\b\s*", re.I)
_INLINE_EDIT = re.compile(r"[(\[]\s*edit\b[^)\]]*[)\]]", re.I)
# A sentence that names the answer: "the movie is called X", "it was titled X", "the answer is X", and
# "the movie is X" when X starts like a title (a capital or a quote; not "I think").
_REVEAL = re.compile(
    r"\b(?:(?:the\s+)?(?:movie|film|show)\s+(?:is|was)\s+(?:called|named|titled)"
    r"|(?:it'?s|it\s+is|it\s+was)\s+(?:called|named|titled)"
    r"|the\s+answer\s+(?:is|was))",
    re.I,
)
# Case matters here: "the movie is Total Recall" names it, "the movie is set in Rome" does not.
_REVEAL_NAME = re.compile(r"\b[Tt]he\s+(?:[Mm]ovie|[Ff]ilm)\s+(?:is|was)\s+(?!I\b)[\"'\u201c\u2018]?[A-Z]")
_HEDGE = re.compile(
    r"\b(?:what|how|if|whether|think|thought|believed?|feel|felt|sure|swear|convinced|remember(?:ed)?|know|"
    r"maybe|probably|guess|feeling|sworn|want\s+to\s+say|something)\b",
    re.I,
)
NATIONALITIES = frozenset(
    "american british australian canadian indian mexican brazilian european asian african scandinavian "
    "soviet irish scottish".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_TITLE_TAGS = re.compile(r"\[\s*(?:tomt|movie|film|solved)\s*\]|^\s*tomt\b\s*[:\-]?", re.I)


@cache
def _origin_words() -> frozenset[str]:
    # "the movie is French" describes it; "the movie is Heat" names it.
    names = {str(row.get("english_name") or "").casefold() for row in languages()}
    return frozenset(names | NATIONALITIES)


def _is_reveal(sentence: str) -> bool:
    match = _REVEAL.search(sentence) or _REVEAL_NAME.search(sentence)
    if match is None or _HEDGE.search(sentence, 0, match.start()):
        # A question or a guess ("what it's called", "I thought it was called X") was written before
        # the answer was known: it is part of the request, not a reveal.
        return False
    following = sentence[match.end() - 1 :].split(maxsplit=1)
    word = following[0].strip("\"'\u201c\u2018.,!").casefold() if following else ""
    return match.re is _REVEAL or word not in _origin_words()


def _strip_sentences(line: str) -> tuple[str, bool]:
    # Only the sentence that reveals the answer goes; the rest of the line still describes the movie.
    sentences = [s for s in _SENTENCE_END.split(line.strip()) if s]
    kept = [s for s in sentences if not _is_reveal(s)]
    return " ".join(kept), len(kept) < len(sentences)


def strip_reveals(text: str) -> tuple[str, int]:
    """The request without edit/update/solved lines, inline "(edit: ...)" notes and answer reveals.

    Returns:
        (the cleaned text, how many lines were dropped or shortened).
    """
    kept, touched = [], 0
    for line in (text or "").splitlines():
        cleaned = _SOLVED_TAG.sub("", line)
        if _EDIT_LINE.match(cleaned) or _ANSWER_LINE.match(cleaned) or _SOLVED_LINE.match(cleaned):
            touched += 1
            continue
        untagged = _INLINE_EDIT.sub("", _SOLVED_WORD.sub("", cleaned))
        cleaned, revealed = _strip_sentences(untagged)
        touched += revealed or untagged != line
        if cleaned:
            kept.append(cleaned)
    return "\n".join(kept), touched


def clean_title(title: str) -> str:
    """The request title without the subreddit's [TOMT] / [movie] / [solved] tags."""
    return " ".join(_TITLE_TAGS.sub(" ", title or "").split())
