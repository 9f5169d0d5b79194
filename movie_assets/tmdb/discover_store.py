"""A discover folder on disk: `movies.jsonl.gz`, `windows.json`, `source.json` and `discover.json`.

The one place that knows the folder's format. `discover.json` is the marker: written last, after the
other files, and removed first when the folder is rewritten, so a folder with a marker holds one whole
harvest. The marker records what was harvested (the `identity`: server and scope) and a label of
whatever started it (for a Dagster asset: the run id), so a later run can tell whether the files belong
to a run that failed after them (reuse them) or to one that succeeded (fetch the year afresh).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from movie_assets.files import read_json, write_json
from movie_assets.tmdb.catalogue import iter_catalogue, write_catalogue
from movie_assets.tmdb.details_store import utc_now
from movie_assets.tmdb.discover import DiscoverResult
from movie_assets.tmdb.provenance import DataSource, record_source
from movie_assets.tmdb.scope import merge_discovered

MOVIES_FILE = "movies.jsonl.gz"
WINDOWS_FILE = "windows.json"
MARKER = "discover.json"


class DiscoverStore:
    """A year's discover folder: the movies found, how each window went, the source and the marker."""

    MOVIES_FILE = MOVIES_FILE

    def __init__(self, dir: Path | str) -> None:
        self.dir = Path(dir)

    def __repr__(self) -> str:
        return f"DiscoverStore({str(self.dir)!r})"

    def marker(self) -> dict[str, Any] | None:
        """The marker of the harvest on disk, or None when no whole harvest is there."""
        path = self.dir / MARKER
        if not path.is_file():
            return None
        try:
            marker = read_json(path)
        except ValueError:  # written atomically, so only damage from outside: harvest the year again
            return None
        return marker if isinstance(marker, dict) and marker.get("state") == "complete" else None

    def finished(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        """The marker, when the folder holds a whole harvest of `identity` (same server, same scope)."""
        marker = self.marker()
        return marker if marker is not None and marker.get("identity") == dict(identity) else None

    def write(
        self,
        results: Sequence[DiscoverResult],
        *,
        identity: Mapping[str, Any],
        base_url: str,
        source: DataSource,
        started_by: str | None = None,
    ) -> dict[str, Any]:
        """Replace the folder's harvest with `results` (merged by id); returns the new marker."""
        (self.dir / MARKER).unlink(missing_ok=True)  # first: a half-rewritten folder never looks whole
        movies = merge_discovered(results)
        write_catalogue(movies, self.dir / MOVIES_FILE)
        write_json([result.to_json() for result in results], self.dir / WINDOWS_FILE)
        record_source(self.dir, base_url, source)
        marker = {
            "state": "complete",
            "identity": dict(identity),
            "started_by": started_by,
            "movies": len(movies),
            "requests": sum(result.requests for result in results),
            "finished_at": utc_now(),
        }
        write_json(marker, self.dir / MARKER)
        return marker

    def movie_ids(self) -> list[int]:
        return [movie["id"] for movie in iter_catalogue(self.dir / MOVIES_FILE)]

    def results(self) -> list[dict[str, Any]]:
        """Each scoped query's summary and window reports, as `DiscoverResult.to_json` wrote them."""
        return list(read_json(self.dir / WINDOWS_FILE))

    def incomplete_windows(self) -> list[str]:
        return [w["window"] for r in self.results() for w in r["window_reports"] if not w["complete"]]
