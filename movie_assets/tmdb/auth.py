"""How a TMDb credential travels with a request, and how it is kept out of every message and log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "***"

# A query-string value ends at the next parameter, but also at whitespace or a quote: log lines such as
# httpx's `HTTP Request: GET <url> "HTTP/1.1 200 OK"` carry more text after the URL.
_API_KEY_PARAM = re.compile(r"(api_key=)[^&\s\"'#]*", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',;]+", re.IGNORECASE)


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
    if looks_like_jwt(token):
        return {"Authorization": f"Bearer {token}"}, {}
    return {}, {"api_key": token}


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace each secret in `text` (raw or URL-encoded), any `api_key=` value and Bearer token by ***."""
    forms: set[str] = set()
    for secret in secrets:
        for value in (secret, secret.strip() if secret else None):
            if value:
                forms.update((value, quote(value, safe="")))
    # Longest first, so a secret that contains another is not left half-replaced.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    text = _API_KEY_PARAM.sub(rf"\g<1>{REDACTED}", text)
    return _BEARER.sub(rf"\g<1>{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a log record so that no `api_key=` value or Bearer token survives in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
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
