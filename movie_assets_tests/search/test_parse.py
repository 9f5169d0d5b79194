"""The query parser: a table of labelled queries and the constraints each must read (and must not)."""

from __future__ import annotations

import polars as pl
import pytest

from movie_assets.index import Gazetteer
from movie_assets.search import Constraint, Vocabulary, parse_query

# A small catalogue: people (accents, one-word names, a name that is a common word) and titles holding
# language and genre words.
_MOVIES = [
    ("Inception", ["Christopher Nolan"], ["Leonardo DiCaprio", "Tom Hardy"], 30000),
    ("Interstellar", ["Christopher Nolan"], ["Matthew McConaughey", "Anne Hathaway"], 28000),
    ("Drishyam", ["Jeethu Joseph"], ["Mohanlal", "Meena"], 900),
    ("Lucifer", ["Prithviraj Sukumaran"], ["Mohanlal", "Vivek Oberoi"], 400),
    ("Volver", ["Pedro Almodóvar"], ["Penélope Cruz", "Carmen Maura"], 2500),
    ("Parasite", ["Bong Joon-ho"], ["Song Kang-ho", "Cho Yeo-jeong"], 16000),
    ("Birdman", ["Alejandro González Iñárritu"], ["Michael Keaton"], 12000),
    ("Roja", ["Mani Ratnam"], ["Arvind Swamy"], 100),
    ("Forrest Gump", ["Robert Zemeckis"], ["Tom Hanks", "Robin Wright"], 27000),
    ("Big", ["Penny Marshall"], ["Tom Hanks"], 3000),
    ("Unforgiven", ["Clint Eastwood"], ["Clint Eastwood", "Gene Hackman"], 3000),
    ("Gran Torino", ["Clint Eastwood"], ["Clint Eastwood"], 3000),
    ("That Thing You Do!", ["Tom Hanks"], ["Tom Everett Scott", "Tom Hanks"], 700),
    ("Ninja Assassin", ["James McTeigue"], ["Rain", "Naomie Harris"], 1200),
    ("Speed Racer", ["Lana Wachowski"], ["Emile Hirsch", "Rain"], 1500),
    ("Bad Boys", ["Michael Bay"], ["Will Smith", "Martin Lawrence"], 5000),
    ("The English Patient", ["Anthony Minghella"], ["Ralph Fiennes"], 2000),
    ("French Kiss", ["Lawrence Kasdan"], ["Meg Ryan", "Kevin Kline"], 900),
    ("Scary Movie", ["Keenen Ivory Wayans"], ["Anna Faris"], 5000),
    ("Love Actually", ["Richard Curtis"], ["Hugh Grant"], 9000),
    ("The French Dispatch", ["Wes Anderson"], ["Bill Murray"], 3000),
    ("Spanish Affair", ["Emilio Martínez-Lázaro"], ["Dani Rovira"], 500),
    ("It", ["Andy Muschietti"], ["Bill Skarsgård"], 18000),
    ("Crime and Punishment", ["Aki Kaurismäki"], ["Markku Toikka"], 50),
    ("Korean Horror Stories", ["Min Kyu-dong"], ["Kim Ji-won"], 20),
    ("Ponniyin Selvan: I", ["Mani Ratnam"], ["Vikram", "Aishwarya Rai Bachchan"], 300),
    ("Kaadhal", ["Balaji Sakthivel"], ["Bharath"], 20),
    ("Selma", ["Ava DuVernay"], ["David Oyelowo", "Martin Luther"], 900),
    ("1917", ["Sam Mendes"], ["George MacKay"], 12000),
]
_RARE = {"mohanlal": 4, "rain": 900, "vikram": 5, "meena": 5, "big": 2000, "will": 5000, "bharath": 2}


def _vocabulary() -> Vocabulary:
    payload = pl.DataFrame(
        {
            "title": [m[0] for m in _MOVIES],
            "original_title": [m[0] for m in _MOVIES],
            "directors": [m[1] for m in _MOVIES],
            "cast": [m[2] for m in _MOVIES],
            "vote_count": [m[3] for m in _MOVIES],
        }
    )
    return Vocabulary(Gazetteer.from_payload(payload), 2025, lambda word: _RARE.get(word, 0))


VOCABULARY = _vocabulary()


def _sign(c: Constraint) -> str:
    """A constraint in a few characters: "language:ml", "years:1990-1999", "person:Tom Hanks/cast";
    "~" marks a soft one."""
    if c.kind in ("years", "runtime"):
        value = f"{'' if c.low is None else c.low}-{'' if c.high is None else c.high}"
    elif c.kind == "person":
        value = f"{c.value}/{c.role}"
    else:
        value = c.value
    return f"{c.kind}:{value}{'' if c.hard else '~'}"


def _read(query: str) -> str:
    return " ".join(_sign(c) for c in parse_query(query, VOCABULARY).constraints)


CASES = [
    # Languages with words between the name and the genre (none of these was read before).
    ("malayalam space adventure", "language:ml genre:Adventure"),
    ("korean high school horror", "language:ko genre:Horror"),
    ("german cold war spy thriller", "language:de genre:Thriller"),
    ("telugu big-budget action", "language:te genre:Action"),
    ("spanish prison drama", "language:es genre:Drama"),
    ("malayalam slow-burn thriller", "language:ml genre:Thriller"),
    ("tamil village revenge saga", "language:ta"),
    ("japanese samurai epic", "language:ja"),
    ("french heist comedy", "language:fr genre:Crime~ genre:Comedy"),
    ("italian mafia drama", "language:it genre:Crime~ genre:Drama"),
    ("hindi time travel romance", "language:hi genre:Romance"),
    ("danish small town crime", "language:da genre:Crime"),
    ("swedish vampire romance", "language:sv genre:Romance"),
    ("korean zombie train", "language:ko"),
    ("turkish family saga", "language:tr genre:Family"),
    ("russian submarine war movie", "language:ru genre:War"),
    ("thai boxing action", "language:th genre:Action"),
    ("cantonese triad movies", "language:cn"),
    ("persian family drama", "language:fa genre:Family genre:Drama"),
    ("kannada gangster", "language:kn genre:Crime~"),
    # Industries, scripts, places.
    ("Mollywood family drama", "language:ml genre:Family genre:Drama"),
    ("tollywood action", "language:te genre:Action"),
    ("bollywood romance", "language:hi genre:Romance"),
    ("Kollywood", "language:ta"),
    ("K-drama about a chef", "language:ko genre:Drama"),
    ("j-horror with a cursed tape", "language:ja genre:Horror"),
    ("anime coming of age", "language:ja"),
    ("日本語の映画", "language:ja"),
    ("हिन्दी फ़िल्म", "language:hi"),
    ("தமிழ் திரைப்படம்", "language:ta"),
    ("movies from Kerala", "language:ml"),
    ("films from tamil nadu", "language:ta"),
    ("Kerala movies", "language:ml"),
    ("thrillers from korea", "genre:Thriller language:ko"),  # in query order
    ("comedies from france", "genre:Comedy language:fr"),
    ("hollywood musicals", "language:en genre:Music"),
    ("a film set in Chennai", ""),  # a setting, not a language
    ("a thriller set in Seoul", "genre:Thriller"),
    ("set in tamil nadu", ""),
    ("a film set in hong kong", ""),
    ("movies in korean", "language:ko"),
    ("thrillers in hindi", "genre:Thriller language:hi"),
    ("korean movies", "language:ko"),
    ("hong kong action", "language:cn genre:Action"),
    # Known non-language uses, and titles from the catalogue.
    ("Korean War veterans", ""),
    ("French Kiss", "title:French Kiss~"),
    ("The English Patient", "title:The English Patient~"),
    ("english patient", ""),
    ("Spanish flu", ""),
    ("spanish flu documentary", "genre:Documentary"),
    ("the french connection", ""),
    ("greek tragedy", ""),
    ("russian roulette", ""),
    ("The French Dispatch", "title:The French Dispatch~"),
    ("Spanish Affair", "title:Spanish Affair~"),
    ("Irish drama", "genre:Drama"),
    ("Latin romance", "genre:Romance"),
    ("english", ""),
    ("komi can't communicate", ""),
    ("un film français", ""),
    ("Korean Horror Stories", "title:Korean Horror Stories~"),
    ("a korean horror film", "language:ko genre:Horror"),
    # Genres and their everyday synonyms.
    ("rom-com", "genre:Romance genre:Comedy"),
    ("romantic comedy in paris", "genre:Romance genre:Comedy"),
    ("sci-fi", "genre:Science Fiction"),
    ("scifi about robots", "genre:Science Fiction"),
    ("science fiction with aliens", "genre:Science Fiction"),
    ("a whodunit on a train", "genre:Mystery"),
    ("murder mystery", "genre:Mystery"),
    ("80s slasher", "years:1980-1989 genre:Horror"),
    ("biopic of a boxer", "genre:History|Drama"),
    ("creature feature", "genre:Horror|Science Fiction"),
    ("neo-noir", "genre:Crime|Thriller|Mystery"),
    ("film noir", "genre:Crime|Thriller|Mystery"),
    ("cartoon about a dog", "genre:Animation"),
    ("docu on climate", "genre:Documentary"),
    ("documentaries about space", "genre:Documentary"),
    ("westerns", "genre:Western"),
    ("war films", "genre:War"),
    ("cold war spy story", ""),
    ("star wars", ""),
    ("scary clowns", "genre:Horror~"),
    ("funny heist", "genre:Comedy~ genre:Crime~"),
    ("animated family adventure", "genre:Animation genre:Family genre:Adventure"),
    ("mafia crime family", "genre:Crime"),
    # Negations.
    ("comedy not horror", "genre:Comedy not_genre:Horror"),
    ("romance without musicals", "genre:Romance not_genre:Music"),
    ("no musicals", "not_genre:Music"),
    ("space movies but not sci-fi", "not_genre:Science Fiction"),
    ("family film with no animation", "genre:Family not_genre:Animation"),
    ("thriller, nothing too scary", "genre:Thriller not_genre:Horror~"),
    ("non-horror halloween movie", "not_genre:Horror"),
    ("drama except war", "genre:Drama not_genre:War"),
    ("horror without zombies", "genre:Horror not_words:zombies~"),  # not a genre: pushed down as text
    ("comedy with no subtitles", "genre:Comedy not_words:subtitles~"),
    ("thriller except serial killers", "genre:Thriller not_words:serial killers~"),
    ("No Country for Old Men", ""),  # "no" at the start is a title word
    ("not another teen movie", ""),
    # Time: years, decades, ranges, before/after/since, recent, classic.
    ("korean thriller after 2010", "language:ko genre:Thriller years:2011-"),
    ("horror before 1990", "genre:Horror years:-1989"),
    ("comedies since 2015", "genre:Comedy years:2015-"),
    ("90s action", "years:1990-1999 genre:Action"),
    ("'90s action", "years:1990-1999 genre:Action"),
    ("1960s westerns", "years:1960-1969 genre:Western"),
    ("the eighties", "years:1980-1989"),
    ("thrillers from the seventies", "genre:Thriller years:1970-1979"),
    ("early 2000s horror", "years:2000-2003 genre:Horror"),
    ("late 90s rom-com", "years:1996-1999 genre:Romance genre:Comedy"),
    ("mid 80s", "years:1983-1986"),
    ("2000s", "years:2000-2009"),
    ("films between 1990 and 1995", "years:1990-1995"),
    ("crime 1990-1995", "genre:Crime years:1990-1995"),
    ("from 2001 to 2005", "years:2001-2005"),
    ("movies from 1994", "years:1994-1994"),
    ("released in 1999", "years:1999-1999"),
    ("2019 horror", "years:2019-2019~ genre:Horror"),
    ("recent korean thrillers", "years:2021-~ language:ko genre:Thriller"),
    ("latest comedies", "years:2021-~ genre:Comedy"),
    ("classic westerns", "years:-1979~ genre:Western"),
    ("after the 90s", "years:2000-"),
    ("before the 80s", "years:-1979"),
    ("set in the 80s", ""),
    ("takes place in 1944", ""),
    ("before 1990 after 2010", "years:-1989 years:2011-"),
    ("the 20s", ""),  # the 1920s or the 2020s
    # Runtime.
    ("sci-fi under 90 minutes", "genre:Science Fiction runtime:-90"),
    ("comedy less than 2 hours", "genre:Comedy runtime:-120"),
    ("over 3 hours", "runtime:180-"),
    ("at least 150 minutes", "runtime:150-"),
    ("short films about grief", "runtime:-40"),
    ("a short comedy", "runtime:-95~ genre:Comedy"),
    ("epic-length war films", "runtime:150- genre:War"),
    ("under an hour", "runtime:-60"),
    ("90 minutes or less", "runtime:-90"),
    # People: directors and actors, role words, accents, one-word names, names that are words.
    ("films directed by Christopher Nolan", "person:Christopher Nolan/director"),
    ("christopher nolan movies", "person:Christopher Nolan/director"),
    ("Nolan's films", ""),  # a surname alone is not read
    ("Tom Hanks comedies", "person:Tom Hanks/cast genre:Comedy"),  # he mostly acts
    ("Clint Eastwood", "person:Clint Eastwood/"),  # he acts and directs alike: either
    ("movies starring Tom Hanks", "person:Tom Hanks/cast"),
    ("directed by tom hanks", "person:Tom Hanks/director"),
    ("penelope cruz", "person:Penélope Cruz/cast"),
    ("Penélope Cruz drama", "person:Penélope Cruz/cast genre:Drama"),
    ("PENELOPE CRUZ", "person:Penélope Cruz/cast"),
    ("alejandro gonzalez inarritu", "person:Alejandro González Iñárritu/director"),
    ("bong joon ho thriller", "person:Bong Joon-ho/director genre:Thriller"),
    ("Bong Joon-ho", "person:Bong Joon-ho/director"),
    ("mani ratnam romance 90s", "person:Mani Ratnam/director genre:Romance years:1990-1999"),
    ("Mohanlal thriller", "person:Mohanlal/cast genre:Thriller"),
    ("starring Mohanlal", "person:Mohanlal/cast"),
    ("movies with rain", ""),  # "rain" is a word before it is the actor
    ("starring Rain", "person:Rain/cast"),
    ("Will Smith action", "person:Will Smith/cast genre:Action"),
    ("a big adventure", "genre:Adventure"),
    ("Leonardo DiCaprio thriller 2010s", "person:Leonardo DiCaprio/cast genre:Thriller years:2010-2019"),
    ("Unknown Person drama", "genre:Drama"),
    ("tamil movies with vikram", "language:ta person:Vikram/cast"),
    # A one-word name, then more names after it: each one is read.
    (
        "starring Mohanlal and Meena, directed by Jeethu Joseph",
        "person:Mohanlal/cast person:Meena/cast person:Jeethu Joseph/director",
    ),
    # Seed titles: kept in the parse; their words are not read as other constraints.
    ("like Drishyam", "seed:Drishyam~"),
    ("like Drishyam but funnier", "seed:Drishyam~ genre:Comedy~"),
    ("similar to Inception", "seed:Inception~"),
    ("movies like The English Patient", "seed:The English Patient~"),
    ("something like Scary Movie", "seed:Scary Movie~"),
    ("films like Crime and Punishment", "seed:Crime and Punishment~"),
    ("like Love Actually but korean", "seed:Love Actually~ language:ko"),
    ("i like horror", "genre:Horror"),
    ("in the vein of Parasite", "seed:Parasite~"),
    ("like Korean Horror Stories", "seed:Korean Horror Stories~"),
    # Whole-query titles read no language or genre.
    ("Scary Movie", "genre:Horror~"),  # only generic words: read as asked, softly (the title still ranks)
    ("crime and punishment", "title:Crime and Punishment~"),  # the catalogue's spelling
    ("Love Actually", "title:Love Actually~"),
    # Many constraints at once, and odd text.
    (
        "korean crime thriller directed by bong joon ho after 2010 under 2 hours not horror",
        "language:ko genre:Crime genre:Thriller person:Bong Joon-ho/director years:2011- runtime:-120 "
        "not_genre:Horror",
    ),
    # Alternatives: "or" joins genres into one and makes people boosts; several decades are a union.
    ("comedy or drama", "genre:Comedy|Drama"),
    ("Tom Hanks or Will Smith", "person:Tom Hanks/cast~ person:Will Smith/cast~"),
    ("80s/90s thriller", "years:1980-1989 years:1990-1999 genre:Thriller"),
    ("japanese anime", "language:ja"),  # one language, however often named
    ("a mix of live action and animation", "genre:Animation"),
    ("Martin Luther King Jr. documentary", "genre:Documentary"),  # not the actor "Martin Luther"
    ("a film like Knight Rider", "seed:Knight Rider~"),
    ("something like a foggy town", ""),
    ("😀 horror 🎃", "genre:Horror"),
    ("ホラー movie", ""),
    ("korean 映画 thriller", "language:ko genre:Thriller"),
    ("!!!", ""),
    ("1917", ""),  # a title in this catalogue
    ("1984", "years:1984-1984~"),
    ("2012", "years:2012-2012~"),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_parse_table(query: str, expected: str) -> None:
    assert _read(query) == expected


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 150


def test_constraints_carry_words_confidence_and_label() -> None:
    parsed = parse_query("films directed by Christopher Nolan from the 90s", VOCABULARY)
    person, years = parsed.constraints
    assert (person.words, person.hard) == ("Christopher Nolan", True)
    assert person.label == "directed by Christopher Nolan"
    assert person.confidence >= 0.9 and years.words == "the 90s" and years.label == "1990–1999"
    # Role and year words steer; they are not for the retrievers. Names are (documents carry them).
    assert parsed.retriever_text == "films Christopher Nolan from" and parsed.rest == "films from"


def test_negations_and_steering_words_leave_the_retriever_text() -> None:
    parsed = parse_query("heist comedy not horror under 100 minutes after 2000", VOCABULARY)
    assert parsed.retriever_text == "heist comedy"


def test_seed_titles_are_kept_for_the_next_stage() -> None:
    parsed = parse_query("like Drishyam but funnier", VOCABULARY)
    assert parsed.seeds == ("Drishyam",) and parsed.retriever_text == "Drishyam but funnier"
    unknown = parse_query("like Nonexistent Film", VOCABULARY)
    assert unknown.seeds == ("Nonexistent Film",)
    assert any("not a title in this catalogue" in note for note in unknown.notes)


def test_contradictions_are_noted() -> None:
    parsed = parse_query("before 1990 after 2010", VOCABULARY)
    assert parsed.notes == ("the years contradict each other: no year is both >= 2011 and <= 1989",)
    clash = parse_query("horror but not horror", VOCABULARY)
    assert "Horror is both asked for and excluded" in clash.notes


def test_long_descriptions_make_every_constraint_soft() -> None:
    query = (
        "I watched this korean horror movie on TV in the 90s, a family moves into a house and the "
        "daughter starts seeing things in the basement, directed by Bong Joon-ho maybe"
    )
    parsed = parse_query(query, VOCABULARY)
    assert {c.kind for c in parsed.constraints} >= {"language", "genre", "years", "person"}
    assert not any(c.hard for c in parsed.constraints)


def test_without_a_vocabulary_no_people_or_titles_are_read() -> None:
    assert _sign_all(parse_query("Tom Hanks comedies")) == "genre:Comedy"
    assert _sign_all(parse_query("like Drishyam")) == "seed:Drishyam~"


def _sign_all(parsed: object) -> str:
    return " ".join(_sign(c) for c in parsed.constraints)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "query",
    ["", " ", "a" * 5000, "🎬" * 300, "\u0301\u0301", "1 2 3 4 5 6", "not not not", "like like like",
     "directed by", "starring", "before", "under minutes", "from from from", "ñ", "the the the 90s s s"],
)  # fmt: skip
def test_any_text_parses(query: str) -> None:
    """No text makes the parser raise: odd input reads as fewer constraints, never a traceback."""
    parsed = parse_query(query, VOCABULARY)
    assert isinstance(parsed.describe(), str)
