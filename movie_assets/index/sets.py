"""Versioned artifact sets behind one pointer: a new set is published in one atomic step, a reader pins
the set it opened, and an old set is removed only when no reader holds it.

On disk, for the artifacts path P (`$MOVIE_ASSETS_HOME/processed/artifacts`, DESIGN §3):

    P.sets/<set id>/           one complete set (manifest.json, text.index, ..., extras); never changed
    P.sets/<set id>/.readers   the file a reader holds a shared lock on while it uses the set
    P -> P.sets/<set id>       the pointer: a relative symbolic link, replaced by one rename (os.replace)
    .P.lock                    beside P: one writer at a time

P stays a path to a folder holding the current set's files, so users, tools and older readers that take
P keep working; a reader that reads several files resolves P once (`resolve_set`) and reads them all from
that one set folder, so a switch between two reads cannot mix sets, and there is never a moment without
a set. Set ids start with the UTC build time, so they sort oldest first.

After each switch the writer keeps the current set and the one before it (KEEP_SETS) and removes older
ones, except any that a reader still holds: a Searcher pins its set until it is garbage-collected.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from movie_assets.index.manifest import MANIFEST

KEEP_SETS = 2
READERS = ".readers"
_LEGACY = "00000000T000000000000Z-legacy"  # sorts before every built set: a migrated set is the oldest
_MAX_LINKS = 8
_GAP_WAIT_S, _GAP_TRIES = 0.05, 20


class SetGone(Exception):
    """The set a reader resolved was removed before the reader could pin it; resolve again."""


def sets_dir(out_dir: Path) -> Path:
    """Where the sets of the artifacts path `out_dir` live: its sibling `<name>.sets`."""
    return out_dir.with_name(f"{out_dir.name}.sets")


def new_set_id() -> str:
    """A fresh set id: the UTC time to the microsecond, then a random suffix (sorts by build time)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"


def _follow(path: Path) -> Path:
    # Only the last component is followed: the parents stay as the caller wrote them. A path that cannot
    # be looked at is returned as it is, and reading the manifest then says why.
    for _ in range(_MAX_LINKS):
        try:
            if not path.is_symlink():
                return path
            target = Path(os.readlink(path))
        except OSError:
            return path
        path = target if target.is_absolute() else path.parent / target
    return path


def resolve_set(folder: Path | str) -> Path:
    """The concrete set folder that `folder` names now: the pointer's target, or `folder` itself.

    A writer moving a folder of the old layout into its sets leaves a moment without P, once; the
    reader waits that moment out rather than report missing artifacts.
    """
    path = _follow(Path(folder))
    for _ in range(_GAP_TRIES):
        if os.path.lexists(path) or not os.path.isdir(sets_dir(Path(folder))):
            return path
        time.sleep(_GAP_WAIT_S)
        path = _follow(Path(folder))
    return path


def current_set_id(folder: Path | str) -> str:
    """A key for the set `folder` names now: its folder name and its manifest's time stamp ("" when there
    is none). It changes whenever a new set is published, and is read without opening anything."""
    path = resolve_set(folder)
    try:
        return f"{path.name}@{(path / MANIFEST).stat().st_mtime_ns}"
    except OSError:
        return ""


class Lease:
    """A shared lock on one set's readers file: while it is held, no writer removes the set."""

    def __init__(self, fd: int) -> None:
        self._finalizer = weakref.finalize(self, os.close, fd)

    @property
    def held(self) -> bool:
        return self._finalizer.alive

    def release(self) -> None:
        """Let writers remove the set (also done when the lease is garbage-collected)."""
        self._finalizer()


def take_lease(set_dir: Path) -> Lease | None:
    """Pin `set_dir` for reading; None for a set without a readers file (a folder of the old layout, or a
    copy), which no writer removes anyway.

    Raises:
        SetGone: the set was removed after it was resolved.
    """
    path = set_dir / READERS
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        if os.path.lexists(set_dir / MANIFEST):
            return None
        raise SetGone(str(set_dir)) from None
    except OSError:  # unreadable: opening the set will say so with the file's name
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a writer is deciding to remove this set
        same = os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        same = False
    except OSError:  # as above: opening the set will say what cannot be read
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    if not same:
        os.close(fd)
        raise SetGone(str(set_dir))
    return Lease(fd)


@contextlib.contextmanager
def writer_lock(out_dir: Path) -> Iterator[None]:
    """One writer at a time, so anything half-built found beside the sets is a leftover."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with (out_dir.parent / f".{out_dir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _recover_two_renames(out_dir)
        yield


def _recover_two_renames(out_dir: Path) -> None:
    # Writers before sets swapped P with two renames: one killed between them left the old set at
    # P.old-*, which is put back (and later migrated); half-built P.tmp-* folders are removed.
    asides = sorted(out_dir.parent.glob(f"{out_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not os.path.lexists(out_dir) and asides:
        os.replace(asides.pop(), out_dir)
    for leftover in [*asides, *out_dir.parent.glob(f"{out_dir.name}.tmp-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def new_set(out_dir: Path) -> Iterator[tuple[str, Path]]:
    """A fresh, empty set folder to build in; renamed to its id when the block ends cleanly, removed when
    it fails. Call under `writer_lock`."""
    set_id = new_set_id()
    building = sets_dir(out_dir) / f".tmp-{set_id}"
    building.mkdir(parents=True)
    try:
        (building / READERS).touch()
        yield set_id, building
        os.replace(building, sets_dir(out_dir) / set_id)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _migrate(out_dir: Path) -> None:
    # A real folder at P (the layout before sets) becomes the oldest set; rename cannot swap a folder for
    # a link, so this one switch has a moment without P, which `resolve_set` waits out.
    legacy = sets_dir(out_dir) / f"{_LEGACY}-{uuid.uuid4().hex[:8]}"
    os.replace(out_dir, legacy)
    _point(out_dir, legacy)


def _point(out_dir: Path, set_dir: Path) -> None:
    link = out_dir.with_name(f".{out_dir.name}.link-{uuid.uuid4().hex[:8]}")
    os.symlink(os.path.relpath(set_dir, out_dir.parent), link)
    try:
        os.replace(link, out_dir)
    except BaseException:
        link.unlink(missing_ok=True)
        raise


def publish(out_dir: Path, set_id: str) -> None:
    """Make the built set `set_id` the one `out_dir` names, in one rename; then prune old sets."""
    if out_dir.exists() and not out_dir.is_symlink():
        _migrate(out_dir)
    _point(out_dir, sets_dir(out_dir) / set_id)
    prune(out_dir)


def _remove_unless_held(set_dir: Path) -> bool:
    # Best effort: the new set is already published, so a set that cannot be removed now stays for the
    # next writer rather than fail this one.
    try:
        fd = os.open(set_dir / READERS, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = None  # a migrated folder of the old layout: its readers took no leases
    except OSError:
        return False
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
        # Renamed first: a reader resolving it from now on finds it gone and resolves again.
        trash = set_dir.with_name(f".trash-{set_dir.name}")
        os.replace(set_dir, trash)
        shutil.rmtree(trash, ignore_errors=True)
        return True
    except OSError:
        return False
    finally:
        if fd is not None:
            os.close(fd)


def prune(out_dir: Path, keep: int = KEEP_SETS) -> list[str]:
    """Remove leftovers of failed writers and the sets older than the newest `keep` (the current one
    included) that no reader holds; return the ids removed. Call under `writer_lock`."""
    root = sets_dir(out_dir)
    if not root.is_dir():
        return []
    for leftover in [*root.glob(".tmp-*"), *root.glob(".trash-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    if not out_dir.is_symlink():  # nothing published yet: no set is known to be current
        return []
    current = resolve_set(out_dir).name
    names = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
    older = [n for n in names if n < current]
    # A set newer than the current one was built but never published (its writer died): not needed.
    drop = older[: max(len(older) - (keep - 1), 0)] + [n for n in names if n > current]
    return [name for name in drop if _remove_unless_held(root / name)]
