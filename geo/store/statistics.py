"""Writing statistics rows (entity × year × indicator) into the store, in the order the reads need.

The pages read one indicator-year across all parks (the choropleth, the 开发区/街镇 aggregation) and
one park across all years (its panel and trend). DuckDB keeps min/max per column for every row group
of 122,880 rows and skips the groups a filter rules out, so rows are written sorted by
`STATISTICS_ORDER`: a one-year query then reads the few row groups of that year, and within a year
the rows of one park sit together, so the per-park reads still skip most groups. Statistics arrive
year by year (the yearly statistical reports), so appending keeps this order without a rewrite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geo.store import history
from geo.store.db import Session
from geo.store.tables import check_mode

COLUMNS = ("entity_id", "year", "indicator", "value", "unit", "source")
STATISTICS_ORDER = "year, entity_id, indicator"


def write_statistics(
    session: Session,
    rows: Any,
    mode: str = "append",
    now: datetime | None = None,
    changed_by: str = "system",
) -> int:
    """Insert statistics rows (a DataFrame or Arrow table with `COLUMNS`) inside the caller's transaction.

    `replace` closes every current row first (kept in `statistics_history`); `append` adds rows, and a
    row that repeats an existing (entity_id, year, indicator) aborts the caller's transaction (the
    primary key). A `valid_from` column says when each row became known (default `now`). Returns
    rows written.
    """
    check_mode(mode)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    names = list(rows.column_names) if hasattr(rows, "column_names") else list(rows.columns)  # Arrow or pandas
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ValueError(f"statistics rows lack columns {missing}")
    if mode == "replace":
        history.archive(session, "statistics", "true", {}, now)
    cols = ", ".join(COLUMNS)
    valid_from = "CAST(valid_from AS TIMESTAMP)" if "valid_from" in names else "$now"
    session.register("incoming_statistics", rows)
    try:
        session.execute(
            f"INSERT INTO statistics ({cols}, valid_from, changed_by) "  # noqa: S608 - constants
            f"SELECT {cols}, {valid_from}, $by FROM incoming_statistics ORDER BY {STATISTICS_ORDER}",
            {"now": now, "by": changed_by} if valid_from == "$now" else {"by": changed_by},
        )
    finally:
        session.unregister("incoming_statistics")
    return len(rows)
