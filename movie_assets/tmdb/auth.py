"""How a TMDb credential travels with a request, and how it is kept out of every message and log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "***"
# The shortest credential accepted. A real v3 key has 32 hex digits and a read token is a long JWT, so a
# shorter one is a placeholder or a typo; and a short key is an ordinary word (redacting "the" blanks every
# "the" in a log) that anyone could guess.
MIN_KEY_LENGTH = 8
# What a key is made of, for telling a whole key from the same letters inside a longer token. Only letters
# and digits glue: a key next to `=`, `&`, `.`, `/`, a quote or whitespace is still the key.
_KEY_GLUE = "A-Za-z0-9"

# A query-string value ends at the next parameter, but also at whitespace or a quote: log lines such as
# httpx's `HTTP Request: GET <url> "HTTP/1.1 200 OK"` carry more text after the URL.
_API_KEY_PARAM = re.compile(r"(api_key=)[^&\s\"'#]*", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',;]+", re.IGNORECASE)


def length_of(key: str) -> str:
    """`7 characters`: how a message describes a key it must not show."""
    return f"{len(key)} character{'' if len(key) == 1 else 's'}"


def looks_like_jwt(credential: str) -> bool:
    """True for a v4 API Read Access Token: a JWT (base64url JSON header, so `eyJ`, and three dot-parts)."""
    return credential.startswith("eyJ") and credential.count(".") == 2


def auth_for(credential: str) -> tuple[dict[str, str], dict[str, str]]:
    """Return the (headers, query params) that carry `credential` to TMDb.

    A JWT-looking read-access token goes as `Authorization: Bearer`, which keeps it out of URLs (and so out
    of proxy logs); anything else is a v3 API key, which TMDb accepts only as the `api_key` parameter.
    """
    token = credential.strip()
    if not token:
        raise ValueError(
            "TMDB_API_KEY is empty: set it to a TMDb API key or API Read Access Token "
            "(https://www.themoviedb.org/settings/api)"
        )
    if len(token) < MIN_KEY_LENGTH:
        # The length, never the key: this message reaches logs and run metadata.
        raise ValueError(
            f"TMDB_API_KEY is {length_of(token)} long, shorter than any TMDb credential (at least "
            f"{MIN_KEY_LENGTH}; a v3 API key has 32). Set it to your API key or API Read Access Token "
            "(https://www.themoviedb.org/settings/api)"
        )
    if looks_like_jwt(token):
        return {"Authorization": f"Bearer {token}"}, {}
    return {}, {"api_key": token}


def _whole(form: str) -> str:
    """A pattern for `form` as a whole token: not glued to a letter or digit on a side where it has one.

    A letter or digit right before the key still counts as a boundary when it ends a `%XX` escape, as in an
    URL-encoded URL (`...%3Dkey%26...`) logged inside another.
    """
    pattern = re.escape(form)
    if form[0].isascii() and form[0].isalnum():
        pattern = rf"(?:(?<![{_KEY_GLUE}])|(?<=%[0-9A-Fa-f]{{2}})){pattern}"
    if form[-1].isascii() and form[-1].isalnum():
        pattern = rf"{pattern}(?![{_KEY_GLUE}])"
    return pattern


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace each secret in `text` (raw or URL-encoded), any `api_key=` value and Bearer token by ***.

    A secret is replaced where it stands as a whole token (a query value, a header value, a word), not
    inside a longer run of letters and digits: `redact("the key", ["e"])` leaves "the key" alone.
    """
    forms: set[str] = set()
    for secret in secrets:
        for value in (secret, secret.strip() if secret else None):
            if value:
                forms.update((value, quote(value, safe="")))
    if forms:
        # Longest first, so a secret that contains another is replaced whole, not half.
        alternatives = "|".join(_whole(form) for form in sorted(forms, key=len, reverse=True))
        text = re.sub(alternatives, REDACTED, text)
    text = _API_KEY_PARAM.sub(rf"\g<1>{REDACTED}", text)
    return _BEARER.sub(rf"\g<1>{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a log record so that no `api_key=` value, Bearer token or given secret survives in it."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def quiet_httpx_logging() -> None:
    """Keep request URLs (which carry `api_key`) out of the logs that httpx writes.

    httpx logs every request's full URL at INFO on the "httpx" logger, and orchestrators often route INFO
    to their event logs, so the level is raised to WARNING; the filter also redacts URLs for anyone who
    turns the level back down to debug.
    """
    logger = logging.getLogger("httpx")
    if logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)
    if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
        logger.addFilter(RedactingFilter())
