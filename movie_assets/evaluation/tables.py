"""The evaluation as Markdown: one table per query set, one row per method."""

from __future__ import annotations

from typing import Any


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown_table(scores: dict[str, dict[str, Any]], first: str = "method") -> str:
    """One row per method, one column per metric (in the first method's order)."""
    if not scores:
        return "(no methods were scored)"
    columns = list(next(iter(scores.values())))
    rows = [[first, *columns], ["---"] * (len(columns) + 1)]
    rows += [[name, *(_cell(row.get(c)) for c in columns)] for name, row in scores.items()]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in rows)


def results_markdown(results: dict[str, Any]) -> str:
    """The evaluation as Markdown: a proxy table, a relevance table (or why there is none) and notes."""
    config = results.get("config", {})
    k = config.get("k", "k")
    proxy = dict(results["proxy"])
    if proxy and results.get("proxy_chance"):
        proxy["(random hits)"] = results["proxy_chance"]
    parts = [
        f"### Proxy metrics: {results.get('proxy_queries', 0)} title queries, k={k}",
        markdown_table(proxy),
    ]
    relevance = results.get("relevance")
    if relevance:
        tot = results.get("labelled", {})
        parts += [f"### Relevance: {tot.get('used', 0)} labelled queries", markdown_table(relevance)]
    for method, reason in results.get("skipped", {}).items():
        parts.append(f"- skipped `{method}`: {reason}")
    parts += [f"- {note}" for note in results.get("notes", [])]
    return "\n\n".join(parts) + "\n"
