"""The BM25 tokenizer: one set of rules for documents and queries, any script."""

from __future__ import annotations

import pytest

from movie_assets.index.tokenize import TOKENIZER_ID, tokenize, tokenize_query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # stop words go, Latin words are stemmed
        ("The Investigations of the Police", ["investig", "polic"]),
        ("A Beautiful Mind is not it", ["beauti", "mind"]),
        ("Kerala thriller: a police investigation", ["kerala", "thriller", "polic", "investig"]),
        # the possessive "s" is dropped, a lone digit is kept
        ("Schindler's List", ["schindler", "list"]),
        ("Toy Story 2", ["toy", "stori", "2"]),
        ("police-officers' investigations", ["polic", "offic", "investig"]),
        # accents stay, full-width letters and the Turkish dotted I fold to plain Latin
        ("Amélie", ["améli"]),
        ("ＡＢＣ Running", ["abc", "run"]),
        ("İstanbul", ["istanbul"]),
        ("Straße", ["strass"]),
    ],
    ids=[
        "stopwords",
        "short-stopwords",
        "query",
        "possessive",
        "digit",
        "hyphen",
        "accent",
        "fullwidth",
        "dotted-i",
        "eszett",
    ],
)
def test_latin_text_is_folded_filtered_and_stemmed(text: str, expected: list[str]) -> None:
    assert tokenize([text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("മലയാളം സിനിമ", ["മലയാളം", "സിനിമ"]),  # Malayalam: vowel signs are combining marks
        ("தமிழ் திரைப்படம்", ["தமிழ்", "திரைப்படம்"]),  # Tamil: pulli (virama) inside words
        ("हिन्दी फ़िल्म", ["हिन्दी", "फ़िल्म"]),  # Devanagari: matras, virama and nukta
        ("Брат 2", ["брат", "2"]),  # Cyrillic: lowercased, not run through the English stemmer
        ("Crouching Tiger (臥虎藏龍)", ["crouch", "tiger", "臥虎藏龍"]),
        ("ദൃശ്യം", ["ദൃശ്യം"]),  # virama and anusvara inside one title word
        ("기생충 2", ["기생충", "2"]),  # Hangul: words are spaced
        ("องค์บาก", ["องค์บาก"]),  # Thai: tone and vowel marks
        ("الرسالة", ["الرسالة"]),  # Arabic
        ("הבועה", ["הבועה"]),  # Hebrew
        ("Ζορμπάς ο Έλληνας", ["ζορμπάσ", "ο", "έλληνασ"]),  # Greek: folded (final sigma too), unstemmed
    ],
    ids=["malayalam", "tamil", "hindi", "cyrillic", "mixed-cjk", "malayalam-title", "korean", "thai",
         "arabic", "hebrew", "greek"],
)  # fmt: skip
def test_non_latin_words_stay_whole(text: str, expected: list[str]) -> None:
    assert tokenize([text]) == [expected]


def test_composed_and_decomposed_forms_give_the_same_token() -> None:
    composed, decomposed = "\u095e\u093f\u0932\u094d\u092e", "\u092b\u093c\u093f\u0932\u094d\u092e"
    assert tokenize([composed]) == tokenize([decomposed])


def test_joiners_inside_a_word_do_not_split_it() -> None:
    assert tokenize(["ക്ഷ\u200dമ"]) == tokenize(["ക്ഷമ"]) == [["ക്ഷമ"]]


def test_queries_and_documents_share_the_rules() -> None:
    texts = ["Nayattu: a Malayalam police thriller", "", "the of and"]
    assert [tokenize_query(t) for t in texts] == tokenize(texts)
    assert tokenize(texts)[1:] == [[], []]


def test_none_counts_as_empty_and_a_bare_string_is_refused() -> None:
    assert tokenize([None]) == [[]]  # type: ignore[list-item]
    with pytest.raises(TypeError, match="sequence of texts"):
        tokenize("a single string")


def test_tokenizer_id_is_versioned() -> None:
    assert TOKENIZER_ID == "movie_assets.index.tokenize/v1"


def test_cjk_runs_are_whole_title_tokens_not_bigrams() -> None:
    """Chinese and Japanese write a title without spaces; the run is one term. A title typed whole (the way
    a title is looked up) matches it; a part of it does not, which bigrams would buy at the price of a new
    tokenizer version and a rebuild of every BM25 index."""
    title, part = tokenize(["千と千尋の神隠し"])[0], tokenize(["神隠し"])[0]
    assert title == ["千と千尋の神隠し"] and part == ["神隠し"]
    assert not set(part) & set(title)
