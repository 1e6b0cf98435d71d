"""FOI responses and official statistics tables (CSV, TSV, XLSX, ODS) -> cited statistics.

``TableLoader`` reads every sheet of a workbook (or the sheets a mapping file names), works
out each table's layout (see :mod:`loaders.tables.layout`), and returns one Facts per
sheet: Statistic entities with ABOUT relations to forces, regions or totals, or — for
tables listing individual cases — Allegation / Investigation / Outcome entities.
"""

from __future__ import annotations

from loaders.tables.loader import TableLoader

__all__ = ["TableLoader"]
