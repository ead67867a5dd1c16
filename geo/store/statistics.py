"""Writing statistics rows (entity × year × indicator) into the store, in the order the reads need.

The pages read one indicator-year across all parks (the choropleth, the 开发区/街镇 aggregation) and
one park across all years (its panel and trend). DuckDB keeps min/max per column for every row group
of 122,880 rows and skips the groups a filter rules out, so rows are written sorted by
`STATISTICS_ORDER`: a one-year query then reads the few row groups of that year, and within a year
the rows of one park sit together, so the per-park reads still skip most groups. Statistics arrive
year by year (the yearly statistical reports), so appending keeps this order without a rewrite.
"""

from __future__ import annotations

from typing import Any

from geo.store.db import Session
from geo.store.tables import check_mode

COLUMNS = ("entity_id", "year", "indicator", "value", "unit", "source")
STATISTICS_ORDER = "year, entity_id, indicator"


def write_statistics(session: Session, rows: Any, mode: str = "append") -> int:
    """Insert statistics rows (a DataFrame or Arrow table with `COLUMNS`) inside the caller's transaction.

    `replace` empties the table first; `append` adds rows, and a row that repeats an existing
    (entity_id, year, indicator) aborts the caller's transaction (the primary key). Returns rows written.
    """
    check_mode(mode)
    names = list(rows.column_names) if hasattr(rows, "column_names") else list(rows.columns)  # Arrow or pandas
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ValueError(f"statistics rows lack columns {missing}")
    if mode == "replace":
        session.execute("DELETE FROM statistics")
    cols = ", ".join(COLUMNS)
    session.register("incoming_statistics", rows)
    try:
        session.execute(
            f"INSERT INTO statistics ({cols}) SELECT {cols} FROM incoming_statistics ORDER BY {STATISTICS_ORDER}"  # noqa: S608 - constants
        )
    finally:
        session.unregister("incoming_statistics")
    return len(rows)
