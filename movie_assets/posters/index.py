"""The poster cache's bookkeeping: which file holds each poster, its size, and when it was last used.

One SQLite file beside the images (stdlib `sqlite3`, WAL journal), shared by every process that opens the
cache. Use order is a counter the index keeps itself (each read or write takes the next number), not the
file system's access times, which `noatime`/`relatime` mounts do not keep. A change of files (a new
poster renamed in, the ones it pushes out deleted) happens inside one write transaction, which SQLite
gives to one process at a time: the index and the folder never disagree about what is cached, except
for a poster renamed in just before a crash, which `orphans` finds.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS posters (
    key TEXT PRIMARY KEY,      -- "{size}{poster_path}"
    file TEXT NOT NULL,        -- relative to the cache folder, unique per stored copy
    bytes INTEGER NOT NULL,
    used INTEGER NOT NULL      -- the index's own use counter: higher is more recent
);
CREATE INDEX IF NOT EXISTS posters_used ON posters(used);
"""


@dataclass(frozen=True)
class Entry:
    key: str
    file: str
    bytes: int


class PosterIndex:
    """The index of one cache folder. One connection per instance, used by one thread at a time."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE) where they are needed.
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL stays consistent through a crash; only the last few use
            # counts can be lost, which only changes the order of eviction a little.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def lookup(self, key: str) -> Entry | None:
        with self._lock:
            row = self._db.execute("SELECT file, bytes FROM posters WHERE key = ?", (key,)).fetchone()
        return Entry(key, row[0], row[1]) if row else None

    def touch(self, key: str) -> None:
        """Mark `key` as just used."""
        with self._lock:
            self._db.execute(
                "UPDATE posters SET used = (SELECT COALESCE(MAX(used), 0) + 1 FROM posters) WHERE key = ?",
                (key,),
            )

    @contextlib.contextmanager
    def writing(self) -> Iterator[Writer]:
        """One write transaction: other threads and processes wait for it; it commits when the block
        ends cleanly and rolls back otherwise."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Writer(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def total_bytes(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COALESCE(SUM(bytes), 0) FROM posters").fetchone()[0])

    def entries(self) -> list[Entry]:
        """Every entry, least recently used first."""
        with self._lock:
            rows = self._db.execute("SELECT key, file, bytes FROM posters ORDER BY used").fetchall()
        return [Entry(*row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Writer:
    """What a write transaction may do."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def lookup(self, key: str) -> Entry | None:
        row = self._db.execute("SELECT file, bytes FROM posters WHERE key = ?", (key,)).fetchone()
        return Entry(key, row[0], row[1]) if row else None

    def victims(self, room_for: int, limit: int) -> list[Entry]:
        """The least recently used entries to remove so that `room_for` more bytes fit under `limit`."""
        total = int(self._db.execute("SELECT COALESCE(SUM(bytes), 0) FROM posters").fetchone()[0])
        out: list[Entry] = []
        if total + room_for <= limit:
            return out
        for key, file, size in self._db.execute("SELECT key, file, bytes FROM posters ORDER BY used"):
            out.append(Entry(key, file, size))
            total -= size
            if total + room_for <= limit:
                break
        return out

    def remove(self, entry: Entry) -> bool:
        """Remove `entry` if the index still holds that copy of it (not a newer one); True if it did."""
        cursor = self._db.execute("DELETE FROM posters WHERE key = ? AND file = ?", (entry.key, entry.file))
        return cursor.rowcount > 0

    def put(self, entry: Entry) -> None:
        self._db.execute(
            "INSERT INTO posters (key, file, bytes, used) "
            "VALUES (?, ?, ?, (SELECT COALESCE(MAX(used), 0) + 1 FROM posters)) "
            "ON CONFLICT(key) DO UPDATE SET "
            "file = excluded.file, bytes = excluded.bytes, used = excluded.used",
            (entry.key, entry.file, entry.bytes),
        )

    def files(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT file FROM posters")}
