"""What the TMDb emulator sends back: JSON bodies, TMDb's error envelope with its exact messages
(TMDB_API.md §2), the older `{"errors": [...]}` page-error shape and a CDN's HTML error page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

JSON_TYPE = "application/json;charset=utf-8"
HTML_TYPE = "text/html"

# code -> (HTTP status, exact status_message) as TMDb documents them.
ERRORS: dict[int, tuple[int, str]] = {
    5: (422, "Invalid parameters: Your request parameters are incorrect."),
    7: (401, "Invalid API key: You must be granted a valid key."),
    11: (500, "Internal error: Something went wrong, contact TMDB."),
    20: (422, "Invalid date range: Should be a range no longer than 14 days."),
    22: (400, "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer."),
    23: (400, "Invalid date: Format needs to be YYYY-MM-DD."),
    24: (504, "Your request to the backend server timed out. Try again."),
    25: (429, "Your request count (#) is over the allowed limit of (40)."),
    27: (400, "Too many append to response objects: The maximum number of remote calls is 20."),
    34: (404, "The resource you requested could not be found."),
    43: (502, "Couldn't connect to the backend server."),
}

# Errors made by the CDN in front of TMDb rather than by TMDb itself carry these headers (TMDB_API.md §0, §6).
CDN_ERROR_HEADERS: tuple[tuple[str, str], ...] = (("X-Cache", "Error from cloudfront"),)

_HTML_503 = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>openresty</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Reply:
    """One complete HTTP answer: status, body bytes, content type and extra headers."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()


class ApiError(Exception):
    """Raised inside a route to answer with an error reply instead of the normal body."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"HTTP {reply.status}")
        self.reply = reply

    @classmethod
    def of(cls, code: int, message: str | None = None) -> ApiError:
        return cls(error_reply(code, message))


def json_reply(payload: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status=status, body=body, headers=headers)


def error_reply(code: int, message: str | None = None, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """TMDb's envelope for `code`; `message` replaces the documented text (used for 429's real counts)."""
    status, text = ERRORS[code]
    payload = {"success": False, "status_code": code, "status_message": message or text}
    return json_reply(payload, status=status, headers=headers)


def legacy_page_error(message: str) -> Reply:
    """The pre-2019 page error: HTTP 422 with only an `errors` list (no status_code)."""
    return json_reply({"errors": [message]}, status=422)


def html_503() -> Reply:
    return Reply(
        status=503, body=_HTML_503.encode("ascii"), content_type=HTML_TYPE, headers=CDN_ERROR_HEADERS
    )


def rate_limited_reply(count: int, limit: float, retry_after: bool) -> Reply:
    """429 code 25 with the real counts filled into TMDb's template, as pre-2019 responses had them."""
    shown = int(limit) if float(limit).is_integer() else limit
    message = f"Your request count ({count}) is over the allowed limit of ({shown})."
    headers = CDN_ERROR_HEADERS + ((("Retry-After", "1"),) if retry_after else ())
    return error_reply(25, message, headers=headers)
