"""The poster cache against the emulator's image host over real HTTP: hits, misses, LRU eviction under the
size limit, one fetch per poster across threads, damaged files fetched again, failures drawn as
placeholders, and a writer killed mid-write leaving nothing a reader can see."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from movie_assets.posters import PosterCache, PosterFetcher
from movie_assets.posters.index import PosterIndex
from movie_assets.tmdb.emulator import Emulator, EmulatorConfig, poster_image
from movie_assets_tests.processes import python_at_once

FAULTY = {"/e404.jpg": "404", "/e500.jpg": "500", "/cut.jpg": "truncated", "/html.jpg": "wrong_type",
          "/noise.jpg": "corrupt", "/slow.jpg": "slow"}  # fmt: skip
MIB = 2**20


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    config = EmulatorConfig(image_fault_files=tuple(FAULTY.items()), slow_seconds=0.4)
    with Emulator([], config) as emu:
        yield emu


def requests_for(emu: Emulator) -> int:
    return emu.stats.by_kind.get("image", 0)


def open_cache(folder: Path, emu: Emulator, limit: int = MIB, **options: float) -> PosterCache:
    return PosterCache(folder, PosterFetcher(emu.image_url), limit_bytes=limit, **options)


def visible_files(folder: Path) -> dict[str, int]:
    """The poster files a reader could find: every file in the size folders but hidden temporary ones."""
    return {p.name: p.stat().st_size for p in folder.glob("*/*") if not p.name.startswith(".")}


def test_a_miss_is_fetched_once_then_served_from_disk(tmp_path: Path, emulator: Emulator) -> None:
    cache = open_cache(tmp_path, emulator)
    before = requests_for(emulator)
    first, second = cache.get("/hit.jpg"), cache.get("/hit.jpg")
    assert first == second == poster_image("w342", "/hit.jpg")
    assert requests_for(emulator) - before == 1
    assert (cache.stats().fetches, cache.stats().hits) == (1, 1)
    reopened = open_cache(tmp_path, emulator)  # another process, later: still on disk
    assert reopened.get("/hit.jpg") == first and requests_for(emulator) - before == 1


def test_the_least_recently_used_poster_goes_first(tmp_path: Path, emulator: Emulator) -> None:
    # Four posters; the largest (b) must be the one pushed out, so that d fits in its place alone.
    names = sorted((f"/lru{i}.jpg" for i in range(4)), key=lambda n: len(poster_image("w342", n)))
    d, a, c, b = names
    size = {n: len(poster_image("w342", n)) for n in names}
    cache = open_cache(tmp_path, emulator, limit=size[a] + size[b] + size[c])
    for name in (a, b, c, a):  # a read again: b is now the least recently used
        cache.get(name)
    cache.get(d)
    kept = [entry.key for entry in PosterIndex(tmp_path / "index.sqlite").entries()]
    assert kept == [f"w342{c}", f"w342{a}", f"w342{d}"]
    assert cache.stats().evictions == 1
    assert sum(visible_files(tmp_path).values()) == cache.size_bytes() <= cache.limit_bytes


def test_the_size_limit_holds_through_many_posters(tmp_path: Path, emulator: Emulator) -> None:
    limit = 150_000
    cache = open_cache(tmp_path, emulator, limit=limit)
    for i in range(40):
        assert cache.get(f"/many{i % 25}.jpg") == poster_image("w342", f"/many{i % 25}.jpg")
        on_disk = sum(visible_files(tmp_path).values())
        assert on_disk == cache.size_bytes() <= limit
    assert cache.stats().evictions > 0


def test_a_poster_over_the_whole_limit_is_served_but_not_kept(tmp_path: Path, emulator: Emulator) -> None:
    cache = open_cache(tmp_path, emulator, limit=1_000)
    assert cache.get("/big.jpg") == poster_image("w342", "/big.jpg")
    assert visible_files(tmp_path) == {} and cache.size_bytes() == 0


def test_threads_asking_for_one_poster_fetch_it_once(tmp_path: Path, emulator: Emulator) -> None:
    cache = open_cache(tmp_path, emulator)
    start = threading.Barrier(16)
    got: list[bytes | None] = []

    def ask() -> None:
        start.wait()
        got.append(cache.get("/slow.jpg"))  # the emulator takes 0.4 s: every thread asks meanwhile

    before = requests_for(emulator)
    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == [poster_image("w342", "/slow.jpg")] * 16
    assert requests_for(emulator) - before == 1
    stats = cache.stats()
    assert stats.fetches == 1 and stats.joined + stats.hits == 15


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: b"\x00" * len(data),  # bad magic, same length
        lambda data: data + b"x",  # not the recorded length
    ],
    ids=["truncated", "bad-magic", "longer"],
)
def test_a_damaged_cached_file_is_dropped_and_fetched_again(
    tmp_path: Path, emulator: Emulator, damage: Callable[[bytes], bytes]
) -> None:
    cache = open_cache(tmp_path, emulator)
    good = cache.get("/damaged.jpg")
    assert good is not None
    (stored,) = tmp_path.glob("w342/damaged.*.jpg")
    stored.write_bytes(damage(good))
    before = requests_for(emulator)
    assert cache.get("/damaged.jpg") == good
    assert requests_for(emulator) - before == 1 and cache.stats().dropped == 1
    assert not stored.exists() and len(list(tmp_path.glob("w342/damaged.*.jpg"))) == 1


@pytest.mark.parametrize("name", sorted(set(FAULTY) - {"/slow.jpg"}))
def test_a_failed_fetch_gives_none_and_keeps_nothing(tmp_path: Path, emulator: Emulator, name: str) -> None:
    cache = open_cache(tmp_path, emulator)
    before = requests_for(emulator)
    assert cache.get(name) is None
    assert cache.get(name) is None  # not asked again for a while
    assert requests_for(emulator) - before == 1
    assert visible_files(tmp_path) == {} and cache.stats().failures == 1


def test_a_failed_fetch_is_tried_again_after_a_while(tmp_path: Path, emulator: Emulator) -> None:
    cache = open_cache(tmp_path, emulator, retry_after=0.0)
    before = requests_for(emulator)
    assert cache.get("/e500.jpg") is None and cache.get("/e500.jpg") is None
    assert requests_for(emulator) - before == 2


def test_an_unreachable_host_draws_placeholders_quickly(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cache = PosterCache(tmp_path, PosterFetcher(f"http://127.0.0.1:{port}/t/p"), limit_bytes=MIB)
    started = time.perf_counter()
    assert [cache.get(f"/off{i}.jpg") for i in range(5)] == [None] * 5
    assert time.perf_counter() - started < 5
    assert cache.stats().failures == 1  # the first failure says the host is down; the rest wait


@pytest.mark.parametrize("path", [None, "", "a.jpg", "/../x.jpg", "/a.gif"])
def test_a_path_not_shaped_like_tmdbs_is_never_fetched(
    tmp_path: Path, emulator: Emulator, path: str | None
) -> None:
    cache = open_cache(tmp_path, emulator)
    before = requests_for(emulator)
    assert cache.get(path) is None and requests_for(emulator) == before


def test_get_many_fetches_a_page_of_posters(tmp_path: Path, emulator: Emulator) -> None:
    cache = open_cache(tmp_path, emulator)
    found = cache.get_many(["/m1.jpg", "/m2.jpg", None, "/m1.jpg", "/e500.jpg"])
    assert found == {"/m1.jpg": poster_image("w342", "/m1.jpg"), "/m2.jpg": poster_image("w342", "/m2.jpg"),
                     "/e500.jpg": None}  # fmt: skip


def test_two_caches_on_one_folder_keep_one_copy(tmp_path: Path, emulator: Emulator) -> None:
    """Two processes (two caches, two index connections) may both fetch a poster: the later write
    replaces the earlier one's copy, and the index keeps one."""
    first, second = open_cache(tmp_path, emulator), open_cache(tmp_path, emulator)
    assert first.get("/shared.jpg") == poster_image("w342", "/shared.jpg")
    second._store("w342/shared.jpg", "/shared.jpg", poster_image("w342", "/shared.jpg"))
    assert len(list(tmp_path.glob("w342/shared.*.jpg"))) == 1
    assert first.get("/shared.jpg") == second.get("/shared.jpg") == poster_image("w342", "/shared.jpg")
    assert first.size_bytes() == len(poster_image("w342", "/shared.jpg"))


def test_opening_removes_strays_and_keeps_a_lowered_limit(tmp_path: Path, emulator: Emulator) -> None:
    cache = open_cache(tmp_path, emulator)
    for name in ("/t1.jpg", "/t2.jpg", "/t3.jpg"):
        cache.get(name)
    stray = tmp_path / "w342" / "renamed-before-a-crash.jpg"
    stray.write_bytes(b"x")
    old_tmp = tmp_path / ".staging" / "..t9.abcd.tmp"
    old_tmp.parent.mkdir(exist_ok=True)
    old_tmp.write_bytes(b"x")
    os.utime(old_tmp, (time.time() - 3600, time.time() - 3600))
    limit = len(poster_image("w342", "/t3.jpg"))
    reopened = open_cache(tmp_path, emulator, limit=limit)
    assert not stray.exists() and not old_tmp.exists()
    assert reopened.size_bytes() <= limit and list(visible_files(tmp_path)) == [
        p.name for p in tmp_path.glob("w342/t3.*.jpg")
    ]


def test_opening_passes_over_a_temporary_file_another_writer_moves_meanwhile(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers stage outside the index lock, so a file listed by `_tidy` may be renamed before it is
    looked at: opening must pass over it, not fail."""
    open_cache(tmp_path, emulator).get("/kept.jpg")
    moving = tmp_path / ".staging" / "..moving.abcd.tmp"
    moving.write_bytes(b"x")
    real_stat = Path.stat

    def renamed_first(path: Path, **kwargs: bool) -> os.stat_result:
        if path == moving and os.path.exists(path):
            os.replace(path, tmp_path / ".staging" / ".renamed")  # the other writer's rename wins the race
        return real_stat(path, **kwargs)

    monkeypatch.setattr(Path, "stat", renamed_first)
    reopened = open_cache(tmp_path, emulator)
    monkeypatch.undo()
    assert reopened.get("/kept.jpg") == poster_image("w342", "/kept.jpg")
    assert (tmp_path / ".staging" / ".renamed").exists()  # fresh: left to its writer


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from movie_assets.posters import PosterCache, PosterFetcher

class KilledMidWrite(PosterCache):
    def _write_file(self, tmp, data):
        with open(tmp, "wb") as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
        os.kill(os.getpid(), signal.SIGKILL)

KilledMidWrite(Path(sys.argv[1]), PosterFetcher(sys.argv[2]), limit_bytes=2**20).get("/killed.jpg")
"""


def test_a_writer_killed_mid_write_leaves_no_partial_poster(tmp_path: Path, emulator: Emulator) -> None:
    cache = open_cache(tmp_path, emulator)
    cache.get("/before.jpg")
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(tmp_path), emulator.image_url],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    half_written = [p for p in (tmp_path / ".staging").iterdir() if p.stat().st_size > 0]
    assert half_written, "the writer should have died with its temporary file half written"
    assert list(visible_files(tmp_path)) == [p.name for p in tmp_path.glob("w342/before.*.jpg")]
    assert [e.key for e in PosterIndex(tmp_path / "index.sqlite").entries()] == ["w342/before.jpg"]
    assert cache.get("/killed.jpg") == poster_image("w342", "/killed.jpg")  # fetched afresh, whole
    assert cache.get("/before.jpg") == poster_image("w342", "/before.jpg")  # the index survived the kill


MANY_PROCESSES = """
import json, random, sys
from pathlib import Path
from movie_assets.posters import PosterCache, PosterFetcher
from movie_assets.tmdb.emulator import poster_image

folder, url, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
cache = PosterCache(folder, PosterFetcher(url), limit_bytes=200_000)
rng = random.Random(seed)
wrong = 0
for _ in range(60):
    name = f"/proc{rng.randrange(20)}.jpg"
    wrong += cache.get(name) != poster_image("w342", name)
print(json.dumps({"wrong": wrong, "largest": cache.size_bytes(), **vars(cache.stats())}))
"""


def test_processes_sharing_one_folder_keep_its_limit(tmp_path: Path, emulator: Emulator) -> None:
    results = python_at_once(MANY_PROCESSES, [[str(tmp_path), emulator.image_url, str(s)] for s in range(3)])
    assert [r["wrong"] for r in results] == [0, 0, 0]
    assert sum(r["evictions"] for r in results) > 0
    index = PosterIndex(tmp_path / "index.sqlite")
    assert index.total_bytes() <= 200_000
    # The folder holds exactly the copies the index names: no stray, no missing, no partial file.
    assert sorted(visible_files(tmp_path)) == sorted(Path(e.file).name for e in index.entries())
    assert all(
        (tmp_path / e.file).read_bytes() == poster_image("w342", e.key.removeprefix("w342"))
        for e in index.entries()
    )
