"""A bounded disk cache of poster images, filled on first use from the image host.

- Bounded: the posters it holds never add up to more than `limit_bytes`; the least recently used go
  first (use order kept by the index, see `index`). A poster larger than the whole limit is served but
  not kept. The index file itself (a few hundred bytes per poster) is not counted.
- Atomic: each poster is written to a temporary file and flushed (`atomic_path`, into a hidden staging
  folder), then renamed into place under a name of its own inside the index's write transaction; a
  reader finds a poster only through the index, so it never sees a partial file, and a writer killed
  halfway leaves only a hidden file, which a later open removes. Posters being written (at most one per
  fetching thread) are not counted against the limit until they are renamed in.
- One fetch per poster: threads asking for the same missing poster wait for the first one's fetch
  (single flight). Across processes a duplicate fetch is accepted: each process writes its own copy and
  the last one's transaction wins; the copy it replaces is deleted in that transaction.
- Checked: a fetched body must be a whole JPEG, PNG or WebP (`fetch`); a cached file that is not (bad
  magic bytes, cut short, another length than recorded) is dropped and fetched again.
- Never raises into a page: `get` answers None (draw the placeholder) when the poster cannot be had. After
  a failed fetch it does not ask again for `retry_after` seconds, nor at all while the host is unreachable.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from movie_assets.config import PosterSettings
from movie_assets.files import atomic_path
from movie_assets.paths import DataPaths
from movie_assets.posters.fetch import PosterFetcher, PosterFetchError
from movie_assets.posters.images import image_type, is_poster_path
from movie_assets.posters.index import Entry, PosterIndex

LOG = logging.getLogger(__name__)
INDEX_NAME = "index.sqlite"
STAGING = ".staging"  # posters written and flushed, waiting to be renamed in (hidden, not counted)
STALE_TMP_S = 600.0  # a temporary or staged file this old belongs to no live writer


@dataclass(frozen=True)
class CacheStats:
    """What this process's cache did: posters served from disk, fetched, failed, pushed out, dropped as
    damaged, and requests that waited for another thread's fetch of the same poster."""

    hits: int = 0
    fetches: int = 0
    failures: int = 0
    evictions: int = 0
    dropped: int = 0
    joined: int = 0


class PosterCache:
    """Posters of one size under `folder`, at most `limit_bytes` of them, fetched through `fetcher`."""

    def __init__(
        self,
        folder: Path,
        fetcher: PosterFetcher,
        *,
        size: str = "w342",
        limit_bytes: int,
        retry_after: float = 30.0,
    ) -> None:
        if limit_bytes <= 0:
            raise ValueError(f"limit_bytes must be positive, got {limit_bytes}")
        self.folder = folder
        self.size = size
        self.limit_bytes = limit_bytes
        self.retry_after = retry_after
        self._fetcher = fetcher
        self._index = PosterIndex(folder / INDEX_NAME)
        self._flights: dict[str, Future[bytes | None]] = {}
        self._flights_lock = threading.Lock()
        self._failed: dict[str, float] = {}
        self._offline_until = 0.0
        self._counts = dict.fromkeys(CacheStats.__dataclass_fields__, 0)
        self._counts_lock = threading.Lock()
        self._tidy()

    @classmethod
    def open(
        cls, folder: Path, settings: PosterSettings, *, transport: httpx.BaseTransport | None = None
    ) -> PosterCache:
        fetcher = PosterFetcher(settings.base_url, transport=transport)
        return cls(folder, fetcher, size=settings.size, limit_bytes=settings.limit_bytes)

    @classmethod
    def in_home(cls, home: Path, settings: PosterSettings) -> PosterCache:
        """The cache under the data root `home` (`DataPaths.poster_cache_dir`)."""
        return cls.open(DataPaths(home).poster_cache_dir, settings)

    @classmethod
    def from_env(cls) -> PosterCache:
        """The cache under MOVIE_ASSETS_HOME, with the POSTER_* settings (ValueError names a bad one)."""
        return cls.in_home(DataPaths.from_env().root, PosterSettings.from_env())

    # -- reading ---------------------------------------------------------------------------------------

    def get(self, poster_path: str | None) -> bytes | None:
        """The poster's image bytes, from disk or fetched now; None when it cannot be had (draw one)."""
        if poster_path is None or not is_poster_path(poster_path):
            return None
        key = self.size + poster_path
        try:
            data = self._read(key)
            if data is not None:
                self._count("hits")
                return data
            return self._fetch_once(key, poster_path)
        except Exception:  # a broken disk or index must not break the page: it gets a drawn poster
            LOG.warning("poster cache: %s failed", key, exc_info=True)
            return None

    def get_many(self, poster_paths: Iterable[str | None], workers: int = 8) -> dict[str, bytes | None]:
        """`get` for several posters at once (a page of results), fetched in parallel."""
        wanted = [p for p in dict.fromkeys(poster_paths) if p]
        if not wanted:
            return {}
        with ThreadPoolExecutor(max_workers=min(workers, len(wanted))) as pool:
            return dict(zip(wanted, pool.map(self.get, wanted), strict=True))

    def stats(self) -> CacheStats:
        with self._counts_lock:
            return CacheStats(**self._counts)

    def size_bytes(self) -> int:
        """The bytes of the posters the index holds now."""
        return self._index.total_bytes()

    def close(self) -> None:
        self._fetcher.close()
        self._index.close()

    def _read(self, key: str) -> bytes | None:
        entry = self._index.lookup(key)
        if entry is None:
            return None
        try:
            data = (self.folder / entry.file).read_bytes()
        except FileNotFoundError:  # pushed out by another process since the lookup
            return None
        if len(data) != entry.bytes or image_type(data) is None:
            LOG.warning("poster cache: %s is damaged on disk; fetching it again", entry.file)
            self._drop(entry)
            return None
        try:
            self._index.touch(key)
        except sqlite3.OperationalError:  # the index stayed locked too long: only the use order suffers
            LOG.debug("poster cache: could not mark %s as used", key, exc_info=True)
        return data

    # -- fetching --------------------------------------------------------------------------------------

    def _fetch_once(self, key: str, poster_path: str) -> bytes | None:
        with self._flights_lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = Future()
        if not leader:
            self._count("joined")
            return flight.result()
        data: bytes | None = None
        try:
            # A flight that ended between this thread's miss and its taking the lead has stored it.
            data = self._read(key) or self._fetch_and_store(key, poster_path)
        finally:
            with self._flights_lock:
                del self._flights[key]
            flight.set_result(data)
        return data

    def _fetch_and_store(self, key: str, poster_path: str) -> bytes | None:
        now = time.monotonic()
        if now < self._offline_until or now < self._failed.get(key, 0.0):
            return None
        try:
            data = self._fetcher.fetch(self.size, poster_path)
        except PosterFetchError as exc:
            self._count("failures")
            self._failed[key] = now + self.retry_after
            if exc.offline:
                self._offline_until = now + self.retry_after
            LOG.info("poster cache: %s", exc)
            return None
        self._count("fetches")
        self._failed.pop(key, None)
        try:
            self._store(key, poster_path, data)
        except Exception:  # the poster is good; only keeping it failed (disk full, read-only folder)
            LOG.warning("poster cache: could not keep %s", key, exc_info=True)
        return data

    # -- writing ---------------------------------------------------------------------------------------

    def _store(self, key: str, poster_path: str, data: bytes) -> None:
        if len(data) > self.limit_bytes:
            return
        name = Path(poster_path)
        entry = Entry(key, f"{self.size}/{name.stem}.{uuid.uuid4().hex[:12]}{name.suffix}", len(data))
        # Written and flushed to disk outside the transaction (other threads keep reading meanwhile),
        # under a hidden staging name; inside it only a rename on the same file system moves it in.
        staged = self.folder / STAGING / f".{uuid.uuid4().hex}"
        with atomic_path(staged) as tmp:
            self._write_file(tmp, data)
        try:
            with self._index.writing() as writer:
                old = writer.lookup(key)
                if old is not None and writer.remove(old):  # another process stored it meanwhile
                    (self.folder / old.file).unlink(missing_ok=True)
                for victim in writer.victims(len(data), self.limit_bytes):
                    writer.remove(victim)
                    (self.folder / victim.file).unlink(missing_ok=True)
                    self._count("evictions")
                (self.folder / entry.file).parent.mkdir(parents=True, exist_ok=True)
                staged.replace(self.folder / entry.file)
                writer.put(entry)
        finally:
            staged.unlink(missing_ok=True)  # left only when the transaction failed before the rename

    def _write_file(self, tmp: Path, data: bytes) -> None:
        tmp.write_bytes(data)

    def _drop(self, entry: Entry) -> None:
        with self._index.writing() as writer:
            if writer.remove(entry):
                (self.folder / entry.file).unlink(missing_ok=True)
                self._count("dropped")

    def _tidy(self) -> None:
        """Remove what no reader can reach: copies renamed in just before a crash (no index entry),
        temporary files of writers that died, and posters over a limit lowered since the last run."""
        with self._index.writing() as writer:
            known = writer.files()
            now = time.time()
            for path in self.folder.glob("*/*"):
                rel = path.relative_to(self.folder).as_posix()
                if path.name.startswith("."):
                    try:
                        modified = path.stat().st_mtime
                    except FileNotFoundError:  # a live writer in another process renamed it meanwhile
                        continue
                    if now - modified > STALE_TMP_S:
                        path.unlink(missing_ok=True)
                elif rel not in known:
                    path.unlink(missing_ok=True)
            for victim in writer.victims(0, self.limit_bytes):
                writer.remove(victim)
                (self.folder / victim.file).unlink(missing_ok=True)

    def _count(self, name: str) -> None:
        with self._counts_lock:
            self._counts[name] += 1
