"""Reports over the built data: the catalogue EDA (plots and a findings summary)."""

from __future__ import annotations

from movie_assets.report.eda import CatalogReport, catalog_findings, summary_markdown, write_catalog_report

__all__ = ["CatalogReport", "catalog_findings", "summary_markdown", "write_catalog_report"]
