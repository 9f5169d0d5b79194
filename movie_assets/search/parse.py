"""Reading a query into constraints, without a language model: `parse_query(text, vocabulary)`.

A constraint is what the query asks of a film beyond its plot words: an original language, a genre (or
not a genre, or not some words: "without zombies"), a year window, a runtime, a person (directed by,
starring), a seed title ("like Drishyam"), or the catalogue title the whole query is.
Each carries the words that signalled it, a confidence, and whether it is *hard* (a filter, topped up
with the rest when too few films pass) or *soft* (a boost). The words no constraint took go to the
retrievers, which still order the films that satisfy the constraints.

Readers run in a fixed order over the query's words, each taking the words it reads so that later ones
do not read them again: seed titles first (so "like The English Patient" names no language), then
years, runtime, negations ("not horror"), genres, people, and languages last.

Decisions worth knowing:

- "movies from Kerala" is Malayalam, "set in Chennai" is a setting: a place names a language only after
  "from" or before a film word ("Kerala movies"); after "set in" it is left to the retrievers.
- A language word counts whatever follows it ("malayalam space adventure", "german cold war spy
  thriller"), unless the phrase is a known non-language use ("Korean War", "French Kiss", "Spanish flu"),
  part of a catalogue title of two words or more, or a nationality that mostly names English films
  ("Irish drama"; those count only with film words or "in", as `movie_assets.search.query` says).
- In a long recalled description (more than LONG_QUERY words) every constraint is soft: the decade is as
  often when the film was seen as when it was made.
- "classic" and "recent" are soft; a bare year ("2019 horror") is soft (it may be when a story is set).
- "or" offers alternatives: genres joined by it are one any-of constraint, people joined by it boost;
  several closed year spans ("80s/90s") are their union, open bounds ("after 2000") narrow it.
- A one-word name counts as a person only after a role word ("starring Rain") or when the word is about
  as rare in the documents as the person's credits ("Mohanlal"); a surname alone ("Nolan") is not read.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from movie_assets.index import Gazetteer, Title, fold
from movie_assets.search.query import (
    LONG_QUERY,  # more words than this is a described memory: every constraint soft (see reading.py)
    LONG_QUERY_MIN_CONFIDENCE,
    language_name,
    spaceless_language,
    strong_language_at,
)

HARD_CONFIDENCE = 0.75  # a constraint at least this sure filters (in a short query); below, it boosts

KINDS = ("language", "genre", "not_genre", "not_words", "years", "runtime", "person", "seed", "title")

FUNCTION_WORDS = frozenset(
    "a an the and or of in on at to for from by with without about into over under as is are was were be "
    "been it its this that these those i me my we our you your he she they them his her their who whom "
    "what which where when why how all any some no not only very more most less much many few but so if "
    "than then just also yet though although because while can could would should will may might must "
    "do does did nor through across after before during between around against toward towards upon within "
    "among onto off out up down there here".split()
)
# Function words and everyday words that are also someone's name in the credits ("Rain", "Big"): a
# one-word name that is one of these is read only after a role word ("starring Rain").
STOPWORDS = FUNCTION_WORDS | frozenset(
    "one two three first last new old good best great big little film films movie movies cinema picture "
    "pictures show shows watch see find like love man men woman women boy girl kid kids life day night "
    "time world story stories star stars king queen home house city war black white red blue green "
    "gold golden dark light rain snow sun moon sea river lake hill hills wood woods stone rock young".split()
)
FILM_WORDS = frozenset(
    "film films movie movies cinema flick flicks picture pictures feature features title titles".split()
)


@dataclass(frozen=True)
class Constraint:
    """One thing the query asks of a film.

    :param kind: one of KINDS.
    :param value: a language code, a genre name (several joined by "|": any of them), a person's name as
        the catalogue spells it, or a seed title; "" for years and runtime.
    :param words: the query words that signalled it.
    :param confidence: how sure the reading is, in [0, 1].
    :param hard: filter (topped up when too few pass) rather than boost.
    :param low, high: inclusive bounds of years or minutes (None: open).
    :param role: for a person, "director", "cast" or "" (either).
    :param label: how front ends say it ("directed by Christopher Nolan", "not Horror", "1990–1999").
    """

    kind: str
    value: str
    words: str
    confidence: float
    hard: bool
    label: str
    low: int | None = None
    high: int | None = None
    role: str = ""

    @property
    def genres(self) -> tuple[str, ...]:
        """The genre names of a genre or not_genre constraint."""
        return tuple(self.value.split("|")) if self.kind in ("genre", "not_genre") else ()

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind, "value": self.value, "words": self.words, "confidence": self.confidence,
            "hard": self.hard, "label": self.label, "low": self.low, "high": self.high, "role": self.role,
        }  # fmt: skip


@dataclass(frozen=True)
class ParsedQuery:
    """How a query was read.

    :param text: the query as given (cleaned).
    :param constraints: what it asks of a film, in query order.
    :param rest: the words no constraint took (what the retrievers are really about).
    :param retriever_text: the text the retrievers read: the query without the words that only steer
        (years, runtimes, negations, role words such as "directed by", "like"); names, genres and
        languages stay, as the documents spell them too.
    :param title: a catalogue title the whole query names ("The English Patient"), or "".
    :param notes: remarks on the reading (contradictions, names not in the catalogue).
    :param unseeded_text: `retriever_text` without the seed titles either: what the text asks beyond
        resembling them ("funnier" in "like Drishyam but funnier"); the seeds' own vectors stand for them.
    """

    text: str
    constraints: tuple[Constraint, ...]
    rest: str
    retriever_text: str
    title: str = ""
    notes: tuple[str, ...] = ()
    unseeded_text: str = ""

    def of(self, kind: str) -> tuple[Constraint, ...]:
        """The constraints of one kind."""
        return tuple(c for c in self.constraints if c.kind == kind)

    @property
    def seeds(self) -> tuple[str, ...]:
        """The seed titles ("like Drishyam"), for the stage that acts on them."""
        return tuple(c.value for c in self.of("seed"))

    @property
    def seed_years(self) -> tuple[int | None, ...]:
        """The year given with each seed title ("like Drishyam (2013)"), None where none was."""
        return tuple(c.low for c in self.of("seed"))

    def describe(self) -> str:
        """One line: "language Korean · genre Thriller · years 2011–…", or "no constraints"."""
        parts = [
            f"{c.kind.replace('_', ' ')} {c.label}{'' if c.hard else ' (soft)'}" for c in self.constraints
        ]
        return " · ".join(parts) or "no constraints"

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text, "constraints": [c.to_dict() for c in self.constraints], "rest": self.rest,
            "retriever_text": self.retriever_text, "title": self.title, "notes": list(self.notes),
        }  # fmt: skip


@dataclass(frozen=True)
class Vocabulary:
    """What the parser knows of the catalogue.

    :param gazetteer: its people and titles (None: names and titles are not read).
    :param latest_year: its newest year ("recent" means the last RECENT_YEARS of it).
    :param document_frequency: how many movies' documents use a word: a one-word name ("Rain",
        "Mohanlal") counts as a person only when the word is about as rare as the person's credits.
    """

    gazetteer: Gazetteer | None = None
    latest_year: int | None = None
    document_frequency: Callable[[str], int] | None = None


RECENT_YEARS = 5
PARSE_MAX_WORDS = 250  # words of a query the readers look at (see parse_query)
CLASSIC_BEFORE = 1980

# -- the word lists ----------------------------------------------------------------------------------

# Phrase -> (TMDb genres, any of which satisfies it; confidence). Several genres joined by "|".
_GENRES: dict[str, tuple[str, float]] = {}


def _genre(phrases: str, genres: str, confidence: float) -> None:
    for phrase in phrases.split(","):
        _GENRES[phrase.strip()] = (genres, confidence)


_genre("action, actions, action movie, actioner, actioners", "Action", 0.9)
_genre("martial arts, kung fu, karate", "Action", 0.8)
_genre("adventure, adventures", "Adventure", 0.9)
_genre("animation, animated, cartoon, cartoons, animations", "Animation", 0.9)
_genre("comedy, comedies, comic", "Comedy", 0.9)
_genre("mockumentary, spoof, spoofs, parody, parodies, slapstick", "Comedy", 0.8)
_genre("funny, hilarious, funnier", "Comedy", 0.6)
_genre("crime, crimes", "Crime", 0.9)
_genre("gangster, gangsters, mafia, mob, heist, heists", "Crime", 0.6)
_genre("noir, noirs, film noir, neo noir", "Crime|Thriller|Mystery", 0.8)
_genre("documentary, documentaries, docu, docs, doc, docuseries, docudrama", "Documentary", 0.9)
_genre("drama, dramas", "Drama", 0.9)
_genre("tearjerker, tearjerkers, melodrama, melodramas", "Drama", 0.7)
_genre("family, family friendly, kids, children s, childrens, for kids", "Family", 0.8)
_genre("fantasy, fantasies", "Fantasy", 0.9)
_genre("history, historical, period piece, period drama", "History", 0.8)
_genre("biopic, biopics, biography, biographical", "History|Drama", 0.8)
_genre("horror, horrors", "Horror", 0.9)
_genre("slasher, slashers", "Horror", 0.9)
_genre("scary, creepy, spooky", "Horror", 0.6)
_genre("creature feature, creature features, monster movie, monster movies", "Horror|Science Fiction", 0.8)
_genre("musical, musicals, music", "Music", 0.9)
_genre("mystery, mysteries, whodunit, whodunits, whodunnit, whodunnits, murder mystery", "Mystery", 0.9)
_genre("romance, romances, romantic, love story, love stories", "Romance", 0.9)
_genre("science fiction, sci fi, scifi, sf", "Science Fiction", 0.9)
_genre("space opera", "Science Fiction", 0.8)
_genre("thriller, thrillers, suspense", "Thriller", 0.9)
_genre("tv movie, tv movies, made for tv", "TV Movie", 0.9)
_genre("war, war movie, war movies, war film, war films", "War", 0.8)
_genre("western, westerns, spaghetti western, spaghetti westerns", "Western", 0.9)
# A rom-com is both a romance and a comedy: two constraints from one phrase.
_BOTH = {
    "rom com": ("Romance", "Comedy"), "rom coms": ("Romance", "Comedy"), "romcom": ("Romance", "Comedy"),
    "romcoms": ("Romance", "Comedy"), "romantic comedy": ("Romance", "Comedy"),
    "romantic comedies": ("Romance", "Comedy"), "action comedy": ("Action", "Comedy"),
    "horror comedy": ("Horror", "Comedy"), "crime thriller": ("Crime", "Thriller"),
    "crime drama": ("Crime", "Drama"), "animated comedy": ("Animation", "Comedy"),
}  # fmt: skip
# "war" names an event, not the genre, after these words ("cold war spy thriller", "star wars").
_NOT_WAR = frozenset(
    "cold civil class drug gang trade price turf star culture holy tug korean vietnam gulf iraq boer trojan "
    "napoleonic opium falklands crimean spanish".split()
)
# Industry words that name a language and a genre at once.
_INDUSTRY_GENRES = {
    "k drama": ("ko", "Drama"), "k dramas": ("ko", "Drama"), "kdrama": ("ko", "Drama"),
    "kdramas": ("ko", "Drama"), "j horror": ("ja", "Horror"),
}  # fmt: skip
# Genre words that are other words after these ("family" in "crime family", "music" in "music video").
_NOT_GENRE_AFTER = {"family": frozenset("crime royal my his her their the a".split())}
_NEGATORS = ("not", "no", "non", "without", "except", "excluding", "minus", "nothing", "avoid", "never")
_NEGATION_FILLERS = frozenset("a an any the too much more overly so very really".split())

# Places that imply the language their films are in, read only after "from" or before a film word.
_PLACES: dict[str, str] = {
    "kerala": "ml", "tamil nadu": "ta", "chennai": "ta", "madras": "ta", "andhra": "te",
    "andhra pradesh": "te", "telangana": "te", "hyderabad": "te", "karnataka": "kn", "bangalore": "kn",
    "bengaluru": "kn", "west bengal": "bn", "bengal": "bn", "kolkata": "bn", "calcutta": "bn",
    "maharashtra": "mr", "punjab": "pa", "gujarat": "gu", "mumbai": "hi", "bombay": "hi",
    "korea": "ko", "south korea": "ko", "seoul": "ko", "japan": "ja", "tokyo": "ja", "china": "zh",
    "beijing": "zh", "shanghai": "zh", "taiwan": "zh", "hong kong": "cn", "france": "fr", "paris": "fr",
    "germany": "de", "berlin": "de", "austria": "de", "italy": "it", "rome": "it", "spain": "es",
    "madrid": "es", "mexico": "es", "argentina": "es", "colombia": "es", "chile": "es", "brazil": "pt",
    "portugal": "pt", "russia": "ru", "moscow": "ru", "iran": "fa", "turkey": "tr", "thailand": "th",
    "denmark": "da", "sweden": "sv", "norway": "no", "finland": "fi", "poland": "pl", "netherlands": "nl",
    "holland": "nl", "greece": "el", "israel": "he", "egypt": "ar", "indonesia": "id",
    "philippines": "tl", "vietnam": "vi",
}  # fmt: skip
_ROLE_BEFORE: dict[str, str] = {
    "directed by": "director", "director": "director", "dir": "director", "by director": "director",
    "from director": "director", "filmmaker": "director", "a film by": "director", "by": "director",
    "starring": "cast", "stars": "cast", "featuring": "cast", "feat": "cast", "with": "cast",
    "actor": "cast", "actress": "cast", "acted by": "cast", "cast": "cast", "played by": "cast",
}  # fmt: skip
_SEED_TRIGGERS = (
    "similar to",
    "movies like",
    "films like",
    "something like",
    "in the vein of",
    "in the style of",
    "reminds me of",
    "same as",
    "along the lines of",
    "comparable to",
    "like",
)
_SEED_FIRST_WORDS = frozenset(t.split()[0] for t in _SEED_TRIGGERS)
# After these, "like" is a verb ("I like horror"), not a comparison.
_LIKE_VERB_BEFORE = frozenset("i you we they he she people who would really do don t didn kids".split())
_SEED_STOP = frozenset(
    "but with and or from in set except only that which though without not although yet except where".split()
)
_SETTING_BEFORE = ("set in", "takes place in", "take place in", "taking place in", "happens in", "set during")

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "an": 1, "a": 1}
_WORDED_DECADES = {
    "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
    "seventies": 1970, "eighties": 1980, "nineties": 1990, "noughties": 2000,
}  # fmt: skip
_YEAR = r"(1[89]\d\d|20[0-4]\d)"
_DECADE = (
    r"(?:(early|mid|late)\s)?(?:the\s)?(?:(1[89]\d0|20[0-4]0|\d0)\s?s|(" + "|".join(_WORDED_DECADES) + "))"
)
_TIME_PATTERNS = (
    ("range", re.compile(rf"\b(?:between\s|from\s)?{_YEAR}\s(?:(?:and|to|till|until|through)\s)?{_YEAR}\b")),
    ("op_decade", re.compile(rf"\b(after|since|before|pre|post|until|till)\s{_DECADE}\b")),
    ("decade", re.compile(rf"\b{_DECADE}\b")),
    ("op_year", re.compile(rf"\b(after|since|before|pre|post|until|till|prior to|up to|later than|"
                           rf"earlier than|newer than|older than|from|released in|made in|in)\s{_YEAR}\b")),
    ("year", re.compile(rf"\b{_YEAR}\b")),
    ("recent", re.compile(r"\b(recent|recently released|latest|newest|this year s|current)\b")),
    ("classic", re.compile(r"\b(classic|classics|old school|golden age|vintage|oldies)\b")),
)  # fmt: skip
_UNIT = r"(minutes|minute|mins|min|m|hours|hour|hrs|hr|h)"
_AMOUNT = r"(\d+(?:\s\d)?|one|two|three|four|an|a)"
_RUNTIME_PATTERNS = (
    ("max", re.compile(rf"\b(?:under|less than|shorter than|below|within|at most|max|maximum|no longer than|"
                       rf"no more than|up to)\s(?:an?\s)?{_AMOUNT}\s{_UNIT}\b(?:\s(?:long|long movies?))?")),
    ("max", re.compile(rf"\b{_AMOUNT}\s{_UNIT}\s(?:or less|or shorter|or under|max|tops)\b")),
    ("min", re.compile(rf"\b(?:over|more than|longer than|at least|above|min|minimum)\s(?:an?\s)?{_AMOUNT}\s"
                       rf"{_UNIT}\b(?:\s(?:long))?")),
    ("short_film", re.compile(r"\b(short films?|short movies?|shorts)\b")),
    ("long", re.compile(r"\b(epic length|epic long|long movies?|long films?|lengthy|three hours? long|"
                        r"three hour)\b")),
    ("short", re.compile(r"\b(short|quick|brief)(?=\s(?:comedy|comedies|thriller|thrillers|drama|dramas|"
                         r"horror|watch|watches|animated|animation|action|romance|documentary))")),
)  # fmt: skip


# -- the words of a query ----------------------------------------------------------------------------


@dataclass
class _Words:
    """The query's words (folded keys and the surface form kept for the retrievers), which are taken."""

    keys: list[str]
    surface: list[str]
    taken: list[str]  # "" when free, else the kind of constraint that took it ("role" for role words)
    joined: str = ""
    starts: list[int] = field(default_factory=list)
    text: str = ""  # the text read (NFKC), punctuation and all
    spans: list[tuple[int, int]] = field(default_factory=list)  # each word's characters in `text`

    @classmethod
    def of(cls, text: str) -> _Words:
        text = unicodedata.normalize("NFKC", text)
        surface: list[str] = []
        spans: list[tuple[int, int]] = []
        begin = -1
        for at, ch in enumerate([*text, " "]):
            if unicodedata.category(ch)[0] in "LMN":
                begin = at if begin < 0 else begin
            elif begin >= 0:
                surface.append(text[begin:at])
                spans.append((begin, at))
                begin = -1
        keys = [fold(w) or w.lower() for w in surface]
        starts, at = [], 0
        for key in keys:
            starts.append(at)
            at += len(key) + 1
        return cls(keys, surface, [""] * len(keys), " ".join(keys), starts, text, spans)

    def without(self, kinds: frozenset[str]) -> str:
        """The text with the words taken by `kinds` cut out, its punctuation kept ("neo-noir" stays)."""
        cut = [span for span, taken in zip(self.spans, self.taken, strict=True) if taken in kinds]
        if not cut:
            return self.text
        pieces, at = [], 0
        for begin, end in cut:
            pieces.append(self.text[at:begin])
            at = end
        pieces.append(self.text[at:])
        return " ".join("".join(pieces).split())

    def __len__(self) -> int:
        return len(self.keys)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Word positions [i, j) of the joined text's characters [start, end)."""
        return bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)

    def free(self, i: int, j: int) -> bool:
        return 0 <= i < j <= len(self.keys) and not any(self.taken[i:j])

    def take(self, i: int, j: int, kind: str) -> str:
        for at in range(i, j):
            self.taken[at] = kind
        return " ".join(self.surface[i:j])

    def phrase(self, i: int, j: int) -> str:
        return " ".join(self.keys[i:j])


def _lookup_longest(
    words: _Words, start: int, table: Iterable[str] | dict[str, object], longest: int = 4
) -> int:
    """The end of the longest free phrase at `start` that is a key of `table` (start when none)."""
    for size in range(min(longest, len(words) - start), 0, -1):
        if words.free(start, start + size) and words.phrase(start, start + size) in table:
            return start + size
    return start


# -- the readers -------------------------------------------------------------------------------------


@dataclass
class _Reading:
    words: _Words
    vocabulary: Vocabulary
    long: bool
    found: list[tuple[int, Constraint]] = field(default_factory=list)  # (first word, constraint)
    notes: list[str] = field(default_factory=list)
    title: str = ""

    def add(self, at: int, constraint: Constraint) -> None:
        if self.long and constraint.hard:
            constraint = replace(constraint, hard=False)
        self.found.append((at, constraint))


_SEED_YEAR = re.compile(r"1[89]\d\d|20\d\d")


def _shown_title(found: Title, w: _Words, i: int, j: int) -> str:
    """How a title read from words i..j is shown: as the catalogue titles its film ("Yuya no Kamigami" is
    "The Bathhouse Spirits"), unless that spelling is another title of several films, each titled its own
    way: then as typed, and the films it names are found by it."""
    if found.count > 1 and fold(found.title) != w.phrase(i, j):
        return " ".join(w.surface[i:j])
    return found.title


def _read_seeds(r: _Reading) -> None:
    w, gazetteer = r.words, r.vocabulary.gazetteer
    triggers = {t: len(t.split()) for t in _SEED_TRIGGERS}
    i = 0
    while i < len(w):
        if w.keys[i] not in _SEED_FIRST_WORDS:  # most words: a long description has hundreds
            i += 1
            continue
        size = next((n for t, n in triggers.items() if w.free(i, i + n) and w.phrase(i, i + n) == t), 0)
        if not size or i + size >= len(w):
            i += 1
            continue
        if w.keys[i] == "like" and i > 0 and w.keys[i - 1] in _LIKE_VERB_BEFORE and size == 1:
            i += 1
            continue
        begin = i + size
        end, title = begin, ""
        if gazetteer is not None:
            for stop in range(min(len(w), begin + 10), begin, -1):
                found = gazetteer.title(w.phrase(begin, stop))
                # One short common word ("it", "up", "her") is a title only when nothing else follows.
                if found and (stop - begin > 1 or w.keys[begin] not in STOPWORDS or stop == len(w)):
                    end, title = stop, _shown_title(found, w, begin, stop)
                    break
        if not title:
            if r.long:
                i += 1
                continue
            # A title the catalogue lacks is read only as typed with capitals ("like Knight Rider"), up
            # to a connecting word; "like a foggy town" is a description, not a seed.
            end = begin
            while end < len(w) and w.keys[end] not in _SEED_STOP and end - begin < 6:
                capital = w.surface[end][:1].isupper() or w.surface[end][:1].isdigit()
                if not capital and not (w.keys[end] in ("of", "the", "a", "an") and end > begin):
                    break
                end += 1
            while end > begin and w.keys[end - 1] in ("of", "the", "a", "an"):
                end -= 1
            if end == begin or all(k in STOPWORDS for k in w.keys[begin:end]):
                i += 1
                continue
            title = " ".join(w.surface[begin:end])
        known = gazetteer is not None and gazetteer.title(w.phrase(begin, end)) is not None
        if gazetteer is not None and not known:
            r.notes.append(f"{title!r} is not a title in this catalogue; read as a film to resemble")
        # A year right after a known title picks one film of that title ("like Drishyam (2013)").
        year = None
        if known and w.free(end, end + 1) and _SEED_YEAR.fullmatch(w.keys[end]):
            year, end = int(w.keys[end]), end + 1
        w.take(i, begin, "role")
        words = w.take(begin, end, "seed")
        label = f"like {title}" + (f" ({year})" if year else "")
        r.add(i, Constraint("seed", title, words, 0.9 if known else 0.5, False, label, year, year))
        i = end


def _non_latin(word: str) -> bool:
    """Whether a word is written in another script than Latin ("ദൃശ്യം", "東京物語", "Брат")."""
    return any(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN") for ch in word)


def _read_whole_title(r: _Reading) -> None:
    """A query that is a catalogue title of two words or more ("The English Patient", "Love Actually")
    asks for that film: its words name no language or genre. So does one word of another script than
    Latin ("ദൃശ്യം", "東京物語": one word, as such scripts write whole titles without spaces); one Latin
    word ("Heat", "Crash") may as well be a description, and is read as one. A title of generic words only
    ("Scary Movie") is read as asked, softly, so the title still ranks on its words."""
    gazetteer, w = r.vocabulary.gazetteer, r.words
    if gazetteer is None or r.long or not len(w) or any(w.taken):
        return
    end = len(w)
    while end > 1 and w.keys[end - 1] in FILM_WORDS:
        end -= 1
    found = gazetteer.title(w.phrase(0, end))
    plain_words = all(k in STOPWORDS or k in _GENRES or k in FILM_WORDS for k in w.keys[:end])
    if found is not None and (end >= 2 or _non_latin(w.surface[0])) and not plain_words:
        r.title = _shown_title(found, w, 0, end)
        words = w.take(0, end, "title")
        r.add(0, Constraint("title", r.title, words, 0.9, False, f"titled {r.title}"))


def _setting_before(w: _Words, i: int, j: int | None = None) -> bool:
    """Whether a setting phrase ("set in", "takes place in") ends before word `i` or before word `j - 1`
    (the last word of a match that starts with "in")."""
    if j is not None and j - 1 > i and _setting_before(w, j - 1):
        return True
    before = w.joined[: w.starts[i]] if i < len(w) else w.joined
    return before.rstrip().endswith(_SETTING_BEFORE) or before.rstrip().endswith(
        tuple(f"{s} the" for s in _SETTING_BEFORE)
    )


def _decade_bounds(modifier: str | None, digits: str | None, worded: str | None) -> tuple[int, int]:
    if worded:
        low = _WORDED_DECADES[worded]
    elif digits and len(digits) == 4:
        low = int(digits)
    else:
        value = int(digits or "0")
        low = (1900 if value >= 30 else 2000) + value
    if modifier == "early":
        return low, low + 3
    if modifier == "mid":
        return low + 3, low + 6
    if modifier == "late":
        return low + 6, low + 9
    return low, low + 9


def _span_label(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    return f"{low}–" if low is not None else f"–{high}"


def _read_time(r: _Reading) -> None:
    w = r.words
    latest = r.vocabulary.latest_year
    for kind, pattern in _TIME_PATTERNS:
        for m in pattern.finditer(w.joined):
            i, j = w.span(m.start(), m.end())
            if not w.free(i, j) or _setting_before(w, i, j):
                continue
            low: int | None
            high: int | None
            confidence, hard = 0.9, True
            if kind == "range":
                low, high = sorted((int(m.group(1)), int(m.group(2))))
            elif kind in ("op_decade", "decade"):
                groups = m.groups()[1:] if kind == "op_decade" else m.groups()
                low, high = _decade_bounds(*groups)
                if kind == "op_decade":
                    op = m.group(1)
                    low, high = (
                        (high + 1, None)
                        if op in ("after", "post")
                        else ((low, None) if op == "since" else (None, low - 1))
                    )
                if m.group(0).strip() in ("20s", "the 20s"):  # the 1920s or the 2020s: not read
                    continue
            elif kind == "op_year":
                op, year = m.group(1), int(m.group(2))
                if op in ("after", "post", "later than", "newer than"):
                    low, high = year + 1, None
                elif op == "since":
                    low, high = year, None
                elif op in ("before", "pre", "prior to", "earlier than", "older than"):
                    low, high = None, year - 1
                elif op in ("until", "till", "up to"):
                    low, high = None, year
                elif op == "in":
                    low, high, confidence, hard = year, year, 0.6, False
                else:  # from, released in, made in
                    low, high = year, year
            elif kind == "year":
                gazetteer = r.vocabulary.gazetteer
                if len(w) == 1 and gazetteer is not None and gazetteer.title(w.keys[0]) is not None:
                    continue  # "1917" alone, in a catalogue that holds it, is a title query
                low, high, confidence, hard = int(m.group(1)), int(m.group(1)), 0.6, False
            elif kind == "recent":
                if latest is None:
                    continue
                low, high, confidence, hard = latest - RECENT_YEARS + 1, None, 0.6, False
            else:  # classic
                low, high, confidence, hard = None, CLASSIC_BEFORE - 1, 0.5, False
            words = w.take(i, j, "years")
            r.add(i, Constraint("years", "", words, confidence, hard, _span_label(low, high), low, high))


def _minutes(amount: str, unit: str) -> int:
    if amount in _NUMBER_WORDS:
        value = float(_NUMBER_WORDS[amount])
    else:
        whole, _, tenth = amount.partition(" ")
        value = float(whole) + (float(f"0.{tenth}") if tenth else 0.0)
    return int(round(value * 60)) if unit.startswith("h") else int(round(value))


def _read_runtime(r: _Reading) -> None:
    w = r.words
    for kind, pattern in _RUNTIME_PATTERNS:
        for m in pattern.finditer(w.joined):
            i, j = w.span(m.start(), m.end())
            if not w.free(i, j):
                continue
            confidence, hard = 0.9, True
            if kind == "max":
                low, high = None, _minutes(m.group(1), m.group(2))
            elif kind == "min":
                low, high = _minutes(m.group(1), m.group(2)), None
            elif kind == "short_film":
                low, high = None, 40
            elif kind == "long":
                low, high, confidence = 150, None, 0.8
            else:  # "short comedy": shorter than most, not a short film
                low, high, confidence, hard = None, 95, 0.6, False
            if (low is not None and low > 1000) or (high is not None and high > 1000):
                continue
            words = w.take(i, j, "runtime")
            label = f"under {high} min" if low is None else f"at least {low} min"
            r.add(i, Constraint("runtime", "", words, confidence, hard, label, low, high))


def _genre_at(w: _Words, i: int) -> tuple[int, tuple[str, ...], float]:
    """The genre phrase at word `i`: its end, its genre groups (one per constraint) and confidence."""
    end = _lookup_longest(w, i, _BOTH, 2)
    if end > i:
        return end, _BOTH[w.phrase(i, end)], 0.9
    end = _lookup_longest(w, i, _GENRES, 3)
    if end == i:
        return i, (), 0.0
    key = w.phrase(i, end)
    if key in ("war", "wars") and i > 0 and w.keys[i - 1] in _NOT_WAR:
        return i, (), 0.0
    if key == "action" and i > 0 and w.keys[i - 1] == "live":
        return i, (), 0.0  # "live action": filmed, not animated
    if i > 0 and w.keys[i - 1] in _NOT_GENRE_AFTER.get(key, ()):
        return i, (), 0.0
    if key in ("doc", "docs", "sf", "mob", "comic", "kids") and len(w) > 3:
        return i, (), 0.0  # short words that are other words in a longer query
    genres, confidence = _GENRES[key]
    return end, (genres,), confidence


def _excluded_words(w: _Words, negator: int, at: int) -> int:
    """The end of the words a negator excludes when they are not a genre ("without zombies", "with no
    subtitles"): up to three free words that are not function words. Only "without", "except",
    "excluding", "minus" anywhere, or "no"/"not" after "with", "but" or "and": "No Country for Old Men"
    and "Not Another Teen Movie" stay titles."""
    key = w.keys[negator]
    plain = key in ("without", "except", "excluding", "minus")
    after_link = key in ("no", "not") and negator > 0 and w.keys[negator - 1] in ("with", "but", "and")
    if not (plain or after_link):
        return at
    end = at
    while end < len(w) and end - at < 3 and w.free(end, end + 1) and w.keys[end] not in FUNCTION_WORDS:
        end += 1
    return end


def _read_genres(r: _Reading) -> None:
    w = r.words
    i = 0
    while i < len(w):
        negator = w.keys[i] in _NEGATORS and w.free(i, i + 1)
        if negator:
            at = i + 1
            while at < len(w) and w.keys[at] in _NEGATION_FILLERS and at - i <= 2:
                at += 1
            end, groups, confidence = _genre_at(w, at) if at < len(w) else (at, (), 0.0)
            if groups:
                words = w.take(i, end, "not_genre")
                for genres in groups:
                    label = f"not {genres.replace('|', ' or ')}"
                    r.add(
                        i,
                        Constraint(
                            "not_genre", genres, words, confidence, confidence >= HARD_CONFIDENCE, label
                        ),
                    )
                i = end
                continue
            end = _excluded_words(w, i, at)
            if end > at:
                words = w.take(i, end, "not_words")
                label = f"not about {' '.join(w.surface[at:end])}"
                r.add(i, Constraint("not_words", w.phrase(at, end), words, 0.6, False, label))
                i = end
                continue
        end, groups, confidence = _genre_at(w, i) if w.free(i, i + 1) else (i, (), 0.0)
        if groups:
            words = w.take(i, end, "genre")
            for genres in groups:
                label = genres.replace("|", " or ")
                r.add(i, Constraint("genre", genres, words, confidence, confidence >= HARD_CONFIDENCE, label))
            i = end
            continue
        i += 1


def _role_before(w: _Words, i: int) -> tuple[int, str]:
    """The start and role of a free role phrase that ends just before word `i` ((i, "") when none)."""
    for size in (3, 2, 1):
        start = i - size
        if start >= 0 and w.free(start, i) and w.phrase(start, i) in _ROLE_BEFORE:
            return start, _ROLE_BEFORE[w.phrase(start, i)]
    return i, ""


def _common(word: str) -> bool:
    return word in STOPWORDS or word in _GENRES or word in FILM_WORDS or word in _NUMBER_WORDS


def _read_people(r: _Reading) -> None:
    w, gazetteer, frequency = r.words, r.vocabulary.gazetteer, r.vocabulary.document_frequency
    if gazetteer is None:
        return
    # Every phrase of up to four words looked up at once; only the names found are read one by one.
    names = gazetteer.people_among(
        list({w.phrase(i, i + size) for i in range(len(w)) for size in range(1, min(4, len(w) - i) + 1)})
    )
    i = 0
    while i < len(w):
        match = None
        for size in range(min(4, len(w) - i), 0, -1):
            if not w.free(i, i + size) or w.keys[i + size - 1].isdigit():
                continue
            phrase = w.phrase(i, i + size)
            person = gazetteer.person(phrase) if phrase in names else None
            if person is not None:
                match = (size, person)
                break
        if match is None:
            i += 1
            continue
        size, person = match
        after = i + size
        going_on = after < len(w) and w.surface[after][:1].isupper()
        plain = going_on and w.keys[after] in FUNCTION_WORDS | FILM_WORDS | _GENRES.keys()
        if going_on and not plain:
            # "Martin Luther King Jr.": the name typed goes on past the one in the credits.
            i += 1
            continue
        role_start, role = _role_before(w, i)
        if size == 1:
            word = w.keys[i]
            # A one-word name is read only when the role says so or the word is about as rare in the
            # documents as the person's credits ("Mohanlal"), never a common word ("Rain", "Will").
            rare = frequency is not None and frequency(word) <= 3 * person.credits + 3
            named = role_start < i and w.phrase(role_start, i) not in ("with", "by")
            usable = word not in FUNCTION_WORDS and word not in _GENRES and word not in FILM_WORDS
            if len(word) < 3 or not usable or not (named or (rare and not _common(word))):
                i += 1
                continue
            confidence = 0.85 if named else 0.8
        else:
            if all(_common(k) for k in w.keys[i : i + size]):
                i += 1
                continue
            confidence = 0.95 if role_start < i else (0.9 if person.credits >= 2 else 0.8)
        directed, acted = person.directed.size > 0, person.acted.size > 0
        if role == "director" and not directed and acted:
            role = "cast"  # "by Tom Hanks": he acted, so read as an actor
        elif role == "cast" and not acted and directed:
            role = "director"
        if not role:
            # No role word: the role the person mostly has ("John Carpenter" directs, "Tom Hanks" acts);
            # either when neither dominates ("Woody Allen", "Clint Eastwood").
            made, played = person.directed.size, person.acted.size
            role = "director" if made >= 3 * played else ("cast" if played >= 3 * made else "")
        if role_start < i:
            w.take(role_start, i, "role")
        words = w.take(i, i + size, "person")
        label = {"director": f"directed by {person.name}", "cast": f"starring {person.name}"}.get(
            role, f"with {person.name}"
        )
        # A trailing possessive ("Nolan's") is part of the name.
        if i + size < len(w) and w.keys[i + size] == "s" and w.free(i + size, i + size + 1):
            w.take(i + size, i + size + 1, "person")
        r.add(
            role_start,
            Constraint(
                "person", person.name, words, confidence, confidence >= HARD_CONFIDENCE, label, role=role
            ),
        )
        i += size


def _read_industry_genres(r: _Reading) -> None:
    w = r.words
    for i in range(len(w)):
        end = _lookup_longest(w, i, _INDUSTRY_GENRES, 2)
        if end > i:
            code, genre = _INDUSTRY_GENRES[w.phrase(i, end)]
            words = w.take(i, end, "language")
            r.add(i, Constraint("language", code, words, 0.95, True, language_name(code) or code))
            r.add(i, Constraint("genre", genre, words, 0.9, True, genre))


def _read_languages(r: _Reading) -> None:
    w, gazetteer = r.words, r.vocabulary.gazetteer
    free = [not t for t in w.taken]  # kept in step with w.taken below (one list, not one per word)
    for i in range(len(w)):
        if not w.free(i, i + 1):
            continue
        # Places: "movies from Kerala", "Kerala movies"; never "set in Chennai".
        end = _lookup_longest(w, i, _PLACES, 2) if not r.long else i  # a memory's places are settings
        if end > i:
            after = w.keys[end] if end < len(w) else ""
            if (i > 0 and w.keys[i - 1] == "from") or after in FILM_WORDS:
                code = _PLACES[w.phrase(i, end)]
                free[i:end] = [False] * (end - i)
                words = w.take(i, end, "language")
                r.add(i, Constraint("language", code, words, 0.8, True, language_name(code) or code))
                continue
        found = strong_language_at(w.keys, i, free=free)
        if found is None:
            continue
        code, size, confidence = found
        if r.long and confidence < LONG_QUERY_MIN_CONFIDENCE:
            continue
        if gazetteer is not None and _inside_title(w, i, size, gazetteer):
            continue
        free[i : i + size] = [False] * size
        words = w.take(i, i + size, "language")
        r.add(i, Constraint("language", code, words, confidence, True, language_name(code) or code))
    if not any(c.kind == "language" for _, c in r.found):
        intent = spaceless_language([k for k, t in zip(w.keys, w.taken, strict=True) if not t])
        if intent is not None:
            r.add(0, Constraint("language", intent.code, intent.cue, 0.9, True, intent.name))


def _inside_title(w: _Words, i: int, size: int, gazetteer: Gazetteer) -> bool:
    """Whether words i..i+size are part of a catalogue title of two words or more that goes beyond film
    and genre words ("The English Patient" is a title; "French Film" reads as a language first)."""
    for start in range(max(0, i - 3), i + 1):
        for end in range(i + size, min(len(w), start + 6) + 1):
            if end - start < 2 or not w.free(start, end):
                continue
            others = [k for at, k in enumerate(w.keys[start:end], start) if not i <= at < i + size]
            if all(k in FILM_WORDS or k in _GENRES or k in STOPWORDS for k in others):
                continue
            if gazetteer.title(w.phrase(start, end)) is not None:
                return True
    return False


def year_window(years: Iterable[Constraint]) -> tuple[int | None, int | None]:
    """The years several year constraints allow together: closed spans ("80s/90s", "1990s or 2000s")
    are alternatives, so their union; open bounds ("after 2000", "before 2010") narrow it. A low above
    the high is a contradiction, left for the caller to say."""
    years = list(years)
    closed = [c for c in years if c.low is not None and c.high is not None]
    low = min(c.low for c in closed) if closed else None  # type: ignore[type-var]
    high = max(c.high for c in closed) if closed else None  # type: ignore[type-var]
    for c in years:
        if c in closed:
            continue
        if c.low is not None:
            low = c.low if low is None else max(low, c.low)
        if c.high is not None:
            high = c.high if high is None else min(high, c.high)
    return low, high


def _notes(constraints: list[Constraint]) -> list[str]:
    notes = []
    low, high = year_window(c for c in constraints if c.kind == "years" and c.hard)
    if low is not None and high is not None and low > high:
        notes.append(f"the years contradict each other: no year is both >= {low} and <= {high}")
    included = {g for c in constraints if c.kind == "genre" for g in c.genres}
    excluded = {g for c in constraints if c.kind == "not_genre" for g in c.genres}
    for genre in sorted(included & excluded):
        notes.append(f"{genre} is both asked for and excluded")
    languages = {c.value for c in constraints if c.kind == "language"}
    if len(languages) > 1:
        notes.append(f"several languages named ({', '.join(sorted(languages))}); the first is used")
    return notes


def _alternatives(constraints: list[Constraint]) -> list[Constraint]:
    """A query with "or" offers alternatives ("comedy or drama", "Helen Hunt or Jodie Foster"): its
    genres become one constraint any of which satisfies, its people boosts rather than filters."""
    genres = [c for c in constraints if c.kind == "genre"]
    people = [c for c in constraints if c.kind == "person"]
    out = [c for c in constraints if c.kind != "person" and (c.kind != "genre" or len(genres) < 2)]
    if len(genres) >= 2:
        names = "|".join(dict.fromkeys(g for c in genres for g in c.genres))
        sure = min(c.confidence for c in genres)
        words = ", ".join(c.words for c in genres)
        hard = all(c.hard for c in genres)
        out.append(Constraint("genre", names, words, sure, hard, names.replace("|", " or ")))
    out += people if len(people) < 2 else [replace(c, hard=False) for c in people]
    return out


def _merged(constraints: list[Constraint]) -> list[Constraint]:
    """One constraint per genre (or excluded genre): "gangster crime" asks for Crime once, as surely as
    its surest word."""
    out: list[Constraint] = []
    seen: dict[tuple[str, str], int] = {}
    for c in constraints:
        key = (c.kind, c.value)
        if c.kind not in ("genre", "not_genre", "language") or key not in seen:
            seen[key] = len(out)
            out.append(c)
            continue
        kept = out[seen[key]]
        best = kept if kept.confidence >= c.confidence else c
        out[seen[key]] = replace(best, words=f"{kept.words}, {c.words}", hard=kept.hard or c.hard)
    return out


_STEER = frozenset({"years", "runtime", "not_genre", "not_words", "role"})  # words the retrievers do not read


def parse_query(text: str, vocabulary: Vocabulary | None = None) -> ParsedQuery:
    """Read `text` into constraints (see the module docstring); never raises on any text.

    Args:
        text: the query (cleaned by the caller: `clean_query`).
        vocabulary: what the parser knows of the catalogue (people, titles, its newest year); None reads
            languages, genres, years and runtimes only.
    """
    vocabulary = vocabulary or Vocabulary()
    # A long description is read for its opening only (where askers put what they know); the rest of its
    # words go to the retrievers unread, so a 20,000-character request costs about a millisecond.
    split = text.split()
    words = _Words.of(" ".join(split[:PARSE_MAX_WORDS]))
    unread = split[PARSE_MAX_WORDS:]
    r = _Reading(words, vocabulary, long=len(text.split()) > LONG_QUERY)
    for reader in (_read_seeds, _read_whole_title, _read_industry_genres, _read_time, _read_runtime,
                   _read_genres, _read_people, _read_languages):  # fmt: skip
        reader(r)
    constraints = _merged([c for _, c in sorted(r.found, key=lambda pair: pair[0])])
    if "or" in words.keys:
        constraints = _alternatives(constraints)
    rest = " ".join([*(s for s, t in zip(words.surface, words.taken, strict=True) if not t), *unread])
    # The retrievers read the query as typed (punctuation, hyphens) less the steering words.
    kept = " ".join([words.without(_STEER), *unread]).strip()
    notes = r.notes + _notes(constraints)
    if r.title:
        notes.append(f"read as the title {r.title!r}")
    # Punctuation left around a cut seed ("like Drishyam (2013)") is dropped with it.
    cut = words.without(_STEER | {"seed"}).split()
    unseeded = " ".join([*(t for t in cut if any(ch.isalnum() for ch in t)), *unread])
    return ParsedQuery(
        text, tuple(constraints), rest, kept or text, r.title, tuple(dict.fromkeys(notes)), unseeded
    )
