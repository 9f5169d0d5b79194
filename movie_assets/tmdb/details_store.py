"""A details folder on disk: `batch-NNNNN.jsonl.gz` files, `tombstones.jsonl`, `checkpoint.json` and the
journal `pending.jsonl`.

The one place that knows the folder's format: the backfill (`details`) and the refresh's patches
(`movie_assets.refresh`) both go through `DetailsStore`. Every file is written to a temporary name and
renamed, so a kill never leaves a torn file, and a batch is listed in the checkpoint only once its file
is on disk. The exception is the journal: one line appended per id finished since the last batch, so a
killed backfill loses only its requests in flight; a torn last line is ignored, and its id fetched again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from movie_assets.files import write_bytes

CHECKPOINT = "checkpoint.json"
TOMBSTONES = "tombstones.jsonl"
PENDING = "pending.jsonl"
HARVESTED_AT = "_harvested_at"  # reserved field stamped on every record at fetch time
_BATCH = re.compile(r"^batch-(\d{5,})\.jsonl\.gz$")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ids_digest(ids: Sequence[int]) -> str:
    """sha256 of the sorted ids: the identity of a backfill, whatever order the ids came in."""
    return hashlib.sha256("\n".join(map(str, sorted(ids))).encode()).hexdigest()


def _next_batch(batches: Sequence[str]) -> int:
    """The number after the highest listed batch: numbers are never reused, so a new batch cannot
    overwrite a listed one before the checkpoint stops listing it."""
    return 1 + max((int(m.group(1)) for m in map(_BATCH.match, batches) if m), default=0)


def _jsonl(rows: Sequence[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows).encode()


class DetailsStore:
    """A details folder: `batch-NNNNN.jsonl.gz` files, `tombstones.jsonl` and `checkpoint.json`."""

    def __init__(self, dir: Path | str) -> None:
        self.dir = Path(dir)

    def __repr__(self) -> str:
        return f"DetailsStore({str(self.dir)!r})"

    def checkpoint(self) -> dict[str, Any] | None:
        path = self.dir / CHECKPOINT
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path} is not valid JSON ({exc}); delete {self.dir} to fetch afresh") from None
        if not isinstance(data, dict) or not isinstance(data.get("batches"), list):
            raise ValueError(f"{path} is not a details checkpoint; delete {self.dir} to fetch afresh")
        return data

    def write_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        write_bytes(json.dumps(checkpoint, indent=1).encode(), self.dir / CHECKPOINT)

    def started_by(self) -> str | None:
        """The label of whatever began the backfill on disk (for a Dagster asset: its run id), if recorded."""
        checkpoint = self.checkpoint()
        return checkpoint.get("started_by") if checkpoint else None

    def is_complete(self) -> bool:
        checkpoint = self.checkpoint()
        return checkpoint is not None and checkpoint.get("state") == "complete"

    def batches(self) -> list[str]:
        checkpoint = self.checkpoint()
        return list(checkpoint["batches"]) if checkpoint else []

    def write_batch(self, number: int, records: Sequence[Mapping[str, Any]]) -> str:
        name = f"batch-{number:05d}.jsonl.gz"
        # Level 6, not 9: this runs on the event loop, and level 9 stalled every request ~200 ms per batch.
        write_bytes(gzip.compress(_jsonl(records), compresslevel=6, mtime=0), self.dir / name)
        return name

    def append_batch(self, checkpoint: dict[str, Any], records: Sequence[Mapping[str, Any]]) -> str:
        """Write `records` as the batch after the last one `checkpoint` lists, and list it there.

        The checkpoint is changed in memory only: the caller saves it once the batch's companions
        (tombstones, counts) are on disk too.
        """
        name = self.write_batch(_next_batch(checkpoint["batches"]), records)
        checkpoint["batches"].append(name)
        return name

    def read_batch(self, name: str) -> list[dict[str, Any]]:
        path = self.dir / name
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return [json.loads(line) for line in fh if line.strip()]
        except (OSError, EOFError, ValueError) as exc:
            raise ValueError(f"{path} is unreadable ({exc}); delete {self.dir} to fetch afresh") from None

    def iter_records(self) -> Iterator[dict[str, Any]]:
        """Every stored details record, batch by batch (only batches the checkpoint lists)."""
        for name in self.batches():
            yield from self.read_batch(name)

    def write_tombstones(self, rows: Sequence[dict[str, Any]]) -> None:
        write_bytes(_jsonl(rows), self.dir / TOMBSTONES)

    def tombstones(self) -> list[dict[str, Any]]:
        path = self.dir / TOMBSTONES
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def tombstone_ids(self) -> list[int]:
        return sorted(row["id"] for row in self.tombstones())

    def note_pending(self, row: Mapping[str, Any], *, tombstone: bool) -> None:
        """Append one finished id (its record, or its tombstone row) to the journal of the next batch.

        Neither atomic nor synced, on purpose: one small write per id, and what the kernel has accepted
        outlives a killed process (only a machine crash can lose it, and then the id is fetched again).
        """
        entry = {"tombstone" if tombstone else "record": row}
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        with open(self.dir / PENDING, "ab") as fh:
            fh.write(line.encode())

    def pending(self) -> list[tuple[dict[str, Any], bool]]:
        """(row, is_tombstone) for each whole journal line, up to the first damaged one."""
        try:
            data = (self.dir / PENDING).read_bytes()
        except FileNotFoundError:
            return []
        entries = []
        for line in data.split(b"\n")[:-1]:  # after the last newline: a line cut short by a kill
            try:
                [(kind, row)] = json.loads(line).items()
            except (ValueError, AttributeError):
                break
            if (
                kind not in ("record", "tombstone")
                or not isinstance(row, dict)
                or type(row.get("id")) is not int
            ):
                break
            entries.append((row, kind == "tombstone"))
        return entries

    def clear_pending(self) -> None:
        (self.dir / PENDING).unlink(missing_ok=True)

    def clear(self) -> None:
        """Delete the store's files, the checkpoint first so a half-cleared folder never looks resumable."""
        for name in (CHECKPOINT, TOMBSTONES, PENDING):
            (self.dir / name).unlink(missing_ok=True)
        self.drop_unlisted(())

    def append(
        self, records: Sequence[Mapping[str, Any]], *, tombstones: Collection[int] = (), stamp: str
    ) -> None:
        """Add `records` as one more batch and `tombstones` (ids) to the tombstones of a finished backfill.

        For changes found later (a refresh): a reader keeps the last copy of an id, so an appended record
        replaces the earlier one. The checkpoint counts appended records until `compact` folds them in.
        """
        checkpoint = self.checkpoint()
        if checkpoint is None or checkpoint.get("state") != "complete":
            raise ValueError(f"{self.dir} holds no completed details backfill to append to")
        self.drop_unlisted(checkpoint["batches"])  # leftovers of a killed earlier write
        self.append_batch(checkpoint, records)
        if tombstones:
            known = set(self.tombstone_ids())
            dead = [{"id": i, HARVESTED_AT: stamp} for i in sorted(set(tombstones) - known)]
            self.write_tombstones(self.tombstones() + dead)
            checkpoint["tombstone_count"] = len(known | set(tombstones))
        checkpoint["patched_records"] = checkpoint.get("patched_records", 0) + len(records)
        checkpoint.update(updated_at=stamp, patched_at=stamp)
        self.write_checkpoint(checkpoint)  # lists the batch: only now does a reader see it

    def needs_compaction(self, share: float) -> bool:
        """True once the records appended since the last compaction reach `share` of the ids finished."""
        checkpoint = self.checkpoint() or {}
        return checkpoint.get("patched_records", 0) >= share * checkpoint.get("done_ids_count", 0)

    def compact(self, keep: Callable[[dict[str, Any]], bool], batch_size: int) -> None:
        """Rewrite the store as the last copy of each id that `keep` accepts, in new batches of `batch_size`.

        The new batches are numbered after the listed ones, so until the checkpoint switches to them a
        kill leaves the old store readable and whole; the old files are removed after the switch.
        """
        checkpoint = self.checkpoint()
        if checkpoint is None:
            raise ValueError(f"{self.dir} holds no details checkpoint to compact")
        latest = {record["id"]: record for record in self.iter_records()}
        records = [latest[i] for i in sorted(latest) if keep(latest[i])]
        first = _next_batch(checkpoint["batches"])
        checkpoint["batches"] = [
            self.write_batch(first + n, records[start : start + batch_size])
            for n, start in enumerate(range(0, len(records), batch_size))
        ]
        checkpoint.update(
            done_ids_count=len(records) + checkpoint.get("tombstone_count", 0), patched_records=0
        )
        self.write_checkpoint(checkpoint)
        self.drop_unlisted(checkpoint["batches"])

    def drop_unlisted(self, listed: Sequence[str]) -> None:
        """Remove temp files and batch files the checkpoint does not list (written just before a kill)."""
        if not self.dir.is_dir():
            return
        for path in list(self.dir.iterdir()):
            unlisted = _BATCH.match(path.name) and path.name not in listed
            if unlisted or (path.name.startswith(".") and path.name.endswith(".tmp")):
                path.unlink(missing_ok=True)
