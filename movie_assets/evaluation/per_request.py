"""Where each labelled request's answer landed, per method: the table to study misses with.

One row per request (its id, the gold TMDb ids, the IMDb id, the opening of its text) and one column per
scored method holding the answer's 1-based rank in that method's hits, empty when it was not in them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from movie_assets.evaluation.tomt import ToTQuery
from movie_assets.files import write_text

REQUESTS_FILE = "search_eval_requests.csv"
OPENING = 200  # characters of the request kept in the table, enough to recognise it


def gold_rank(ranked: Sequence[int], gold: frozenset[int]) -> int | None:
    """The 1-based rank of the first gold id in `ranked`, or None."""
    return next((i for i, movie_id in enumerate(ranked, start=1) if movie_id in gold), None)


def requests_table(queries: Sequence[ToTQuery], ranks: Mapping[str, Sequence[int | None]]) -> list[dict]:
    """Rows of the per-request table; `ranks` maps a method label to one rank (or None) per query."""
    rows = []
    for i, query in enumerate(queries):
        row: dict[str, object] = {
            "request_id": query.query_id,
            "gold_movie_ids": " ".join(str(g) for g in sorted(query.gold)),
            "imdb_id": query.imdb_id,
            "request": " ".join(query.text.split())[:OPENING],
        }
        row.update({label: ranked[i] for label, ranked in ranks.items()})
        rows.append(row)
    return rows


def write_requests_table(rows: Sequence[Mapping[str, object]], out_dir: Path) -> Path:
    """Write the table as CSV (replaced in one step); a rank that is None is an empty cell."""
    buffer = io.StringIO()
    fields = list(rows[0]) if rows else ["request_id", "gold_movie_ids", "imdb_id", "request"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return write_text(buffer.getvalue(), Path(out_dir) / REQUESTS_FILE)
