"""The one tokenizer for BM25: documents are indexed and queries are split by the same function.

Tokens are runs of letters, digits and combining marks after NFKC normalisation and case folding.
English stop words (bm25s's list) are dropped and Latin-script tokens are stemmed (Snowball English);
other scripts are kept whole, so "മലയാളം" in a query matches "മലയാളം" in a document.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any

TOKENIZER_ID = "movie_assets.index.tokenize/v1"
STOPWORDS = "en"
STEMMER = "english"

# Joiners and soft hyphens sit inside words (Indic conjuncts, Persian compounds, hyphenation points);
# removing them keeps a word one token whether or not the writer used them.
_INVISIBLE = str.maketrans("", "", "\u00ad\u200c\u200d")
# After NFKC + casefold these are the Latin letters (with their diacritics) the English stemmer understands.
_LATIN = re.compile(r"[0-9a-z\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]+")
_local = threading.local()


@cache
def word_pattern() -> re.Pattern[str]:
    """Runs of letters, digits and combining marks (what a word is, in every script)."""
    return _token_pattern()


@cache
def _token_pattern() -> re.Pattern[str]:
    # `\w` counts letters and digits but not combining marks, which would cut Devanagari, Tamil or
    # Malayalam words at every vowel sign ("हिन्दी" -> "ह", "न", "द"); the mark class is built once from
    # the Unicode tables because the stdlib `re` has no \p{M}.
    ranges: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    marks = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(rf"(?:[^\W_]|[{marks}])+")


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def _stemmer() -> Any:  # PyStemmer ships no type information
    # A Stemmer object must not be shared between threads (PyStemmer's rule); queries may come from many.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer(STEMMER)
    return stemmer


def _index_term(token: str) -> str:
    """The term a raw token is indexed as; "" when it is dropped."""
    if token in _stopwords():
        return ""
    if _LATIN.fullmatch(token):
        # A lone Latin letter is the "s" of a possessive or an initial: noise for matching. Lone digits
        # ("Toy Story 2") and lone ideographs stay.
        if len(token) == 1 and not token.isdigit():
            return ""
        return _stemmer().stemWord(token)
    return token


def normalize(text: str) -> str:
    """NFKC, case folding and removal of in-word invisible characters."""
    folded = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).casefold()
    # Casefolding the Turkish capital dotted I gives "i" + a combining dot; "İstanbul" must match "istanbul".
    return folded.replace("i\u0307", "i")


def iter_terms(texts: Iterable[str | None]) -> Iterator[list[str]]:
    """The terms of each text, one list per text as it is read: a corpus can be streamed through in
    chunks without holding every text, or every text's terms, at once (`tokenize` lists them all).

    None entries are treated as empty.
    """
    pattern = _token_pattern()
    # Movie documents repeat the same words constantly, so stemming each distinct token once is the
    # difference between seconds and minutes on a full catalogue.
    terms: dict[str, str] = {}
    for text in texts:
        doc: list[str] = []
        for token in pattern.findall(normalize(text or "")):
            term = terms.get(token)
            if term is None:
                term = terms[token] = _index_term(token)
            if term:
                doc.append(term)
        yield doc


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Split texts into BM25 terms.

    Args:
        texts: documents or queries; None entries are treated as empty.

    Returns:
        One list of terms per text, in text order (a text may yield no terms).
    """
    if isinstance(texts, str):
        raise TypeError("tokenize() takes a sequence of texts; wrap a single text in a list")
    return list(iter_terms(texts))


def tokenize_query(query: str) -> list[str]:
    """The terms of one query (the same rules as documents)."""
    return tokenize([query])[0]
