"""The words several readers know: function words and stop words (never a person's name on their own),
film words, the genre phrases (each with the TMDb genres it asks for) and number words."""

from __future__ import annotations

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

# Phrase -> (TMDb genres, any of which satisfies it; confidence). Several genres joined by "|".
GENRE_PHRASES: dict[str, tuple[str, float]] = {}


def _genre(phrases: str, genres: str, confidence: float) -> None:
    for phrase in phrases.split(","):
        GENRE_PHRASES[phrase.strip()] = (genres, confidence)


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

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "an": 1, "a": 1}
