"""Cell-level parsing for the CSV dump import: dates, name lists, mis-decoded text and synthetic ids.

A malformed cell raises `RowError`; the importer reports the row with that reason instead of guessing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date

# Synthetic ids live in [2**40, 2**41): far above every real TMDb person/keyword/company id (a few million
# today) and far below 2**53, so JSON readers in any language keep them exact. 40 bits keep the chance of a
# collision among ~100k names below 1 in 100.
SYNTHETIC_ID_BASE = 1 << 40
_SYNTHETIC_ID_SPAN = 1 << 40

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MDY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")


class RowError(ValueError):
    """A cell that cannot be read; the message says which column and value."""


def normalise_name(name: str) -> str:
    """The identity of a name: NFKC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def synthetic_id(kind: str, name: str) -> int:
    """A stable id for a names-only entity; `kind` keeps people, keywords and companies apart.

    sha256, not `hash()`: the latter is salted per process, so ids would change between runs.
    """
    digest = hashlib.sha256(f"{kind}\x00{normalise_name(name)}".encode()).digest()
    return SYNTHETIC_ID_BASE + int.from_bytes(digest[:8], "big") % _SYNTHETIC_ID_SPAN


def synthetic_credit_id(movie_id: int, person_id: int, job: str) -> str:
    """TMDb credit ids are 24 hex digits; derive one from what identifies the credit."""
    return hashlib.sha256(f"{movie_id}:{person_id}:{job}".encode()).hexdigest()[:24]


def split_names(cell: str, sep: str) -> list[str]:
    """Split a separated list of names, dropping blanks and repeats (first occurrence wins)."""
    names: list[str] = []
    seen: set[str] = set()
    for part in cell.split(sep):
        name = " ".join(part.split())
        key = normalise_name(name)
        if name and key not in seen:
            seen.add(key)
            names.append(name)
    return names


def _checked_date(column: str, raw: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise RowError(f"{column} {raw!r} is not a calendar date") from None


def parse_iso_date(raw: str, column: str = "release_date") -> date | None:
    """`YYYY-MM-DD`; an empty cell is no date."""
    raw = raw.strip()
    if not raw:
        return None
    match = _ISO_DATE.match(raw)
    if match is None:
        raise RowError(f"{column} {raw!r} is not YYYY-MM-DD")
    year, month, day = (int(g) for g in match.groups())
    return _checked_date(column, raw, year, month, day)


def parse_mdy_date(raw: str, release_year: str) -> date | None:
    """`M/D/YYYY` or `M/D/YY`, checked against the `release_year` column.

    Two-digit years are ambiguous (the dumps span 1902-2022), so the century comes from `release_year`.
    """
    raw = raw.strip()
    if not raw:
        return None
    match = _MDY_DATE.match(raw)
    if match is None:
        raise RowError(f"release_date {raw!r} is not M/D/YYYY")
    month, day, year = (int(g) for g in match.groups())
    known_year = int(release_year) if release_year.strip().isdigit() else None
    if len(match.group(3)) == 2:
        if known_year is None:
            raise RowError(f"release_date {raw!r} has a two-digit year and release_year is empty")
        if known_year % 100 != year:
            raise RowError(f"release_date {raw!r} disagrees with release_year {known_year}")
        year = known_year
    elif known_year is not None and known_year != year:
        raise RowError(f"release_date {raw!r} disagrees with release_year {known_year}")
    return _checked_date("release_date", raw, year, month, day)


def parse_int(raw: str, column: str) -> int | None:
    """An integer cell, tolerating a float spelling (`104.0`); empty → None."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RowError(f"{column} {raw!r} is not a number") from None
    if not value.is_integer():
        raise RowError(f"{column} {raw!r} is not a whole number")
    return int(value)


def parse_float(raw: str, column: str) -> float | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise RowError(f"{column} {raw!r} is not a number") from None


def _cp1252_byte_map() -> dict[str, int]:
    # The five bytes cp1252 leaves undefined decode as C1 controls in lenient decoders, so map those too.
    table: dict[str, int] = {}
    for byte in range(256):
        try:
            table[bytes([byte]).decode("cp1252")] = byte
        except UnicodeDecodeError:
            table[chr(byte)] = byte
    return table


_CP1252_BYTES = _cp1252_byte_map()
_TRUNCATED_CLOSING_QUOTE = re.compile(rb"\xe2\x80(?![\x80-\xbf])")
# A C1 control (U+0080-U+009F) in text is a cp1252 byte that was read as Latin-1: `\x93` was `“`. The five
# bytes cp1252 leaves undefined have no such meaning and are left for `clean_text` to refuse.
_C1_AS_CP1252 = {
    byte: bytes([byte]).decode("cp1252")
    for byte in range(0x80, 0xA0)
    if bytes([byte]).decode("cp1252", errors="replace") != "\ufffd"
}
# Control characters (Unicode category Cc) that text never needs: every C0 control but tab, line feed and
# carriage return, DEL, and the C1 controls. A NUL truncates strings in C readers, the rest garble terminals
# and logs, so a cell holding one is refused rather than guessed at.
_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"\r\n?")
_CONTROL_WHITESPACE = re.compile(r"\s*[\t\n\r]\s*")


def repair_mojibake(text: str) -> tuple[str, bool]:
    """Undo UTF-8 text that was decoded as cp1252 (`AutÃ³mata` → `Autómata`); returns (text, lossy).

    The mis-decoding dropped the bytes cp1252 does not define, so some sequences cannot be restored:
    those become U+FFFD. The lossy form is only accepted when at least as many non-ASCII characters
    decode as fail, which keeps genuine cp1252 text such as `Café` (whose bytes are not UTF-8) unchanged.
    """
    if text.isascii():
        return text, False
    try:
        raw = bytes(_CP1252_BYTES[ch] for ch in text)
    except KeyError:
        return text, False  # holds characters outside cp1252, so it was decoded correctly
    # Of the characters whose last byte was dropped, the closing quote (E2 80 9D) is the one prose uses.
    raw = _TRUNCATED_CLOSING_QUOTE.sub(b"\xe2\x80\x9d", raw)
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    lenient = raw.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    good = sum(1 for ch in lenient if not ch.isascii() and ch != "\ufffd")
    if good >= max(bad, 1):
        return lenient, True
    return text, False


def repair_c1(text: str) -> str:
    """Turn C1 controls that stand for cp1252 characters back into them (`Alice\\x92s` → `Alice’s`)."""
    if text.isascii():
        return text
    return text.translate(_C1_AS_CP1252)


def clean_text(text: str, column: str, *, multiline: bool) -> str:
    """Text without control characters: tab, CR and LF are the only ones kept, and only in prose.

    Prose (`multiline`, e.g. an overview) keeps its tabs and paragraph breaks, with CR LF and a lone CR
    made LF: a lone CR sends a terminal back to the start of the line, overprinting what came before.
    Anything else (titles, names, codes) is one line, so a tab or line break in it becomes one space.
    Any other control character raises `RowError` naming the column, the character and where it is.
    """
    bad = _FORBIDDEN_CONTROL.search(text)
    if bad is not None:
        start = max(bad.start() - 20, 0)
        raise RowError(
            f"{column} holds the control character U+{ord(bad.group()):04X} at position {bad.start()} "
            f"({text[start : bad.start() + 20]!r}); remove it from the file and import again"
        )
    if multiline:
        return _LINE_BREAK.sub("\n", text)
    return _CONTROL_WHITESPACE.sub(" ", text)
