"""Every version of every row: the current ones in their table, the closed ones in `<table>_history`.

A versioned table carries `valid_from` (when the row took effect) and `changed_by` (who wrote it);
layer tables also carry `version` (1, 2, … per feature id), which single-feature edits check.
Changing or removing a row first copies it to `<table>_history` with `valid_to` = the moment of the
change (`archive`), then removes it from the current table — so reads of "now" touch exactly the
rows they touched before history existed, and a read "as of" a moment unions the current rows
already in effect with the closed rows that were in effect then (`as_of_source`).

Table names here come from the registry or from this module's constants, never from a user.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # db imports migrations, which read VERSIONED_TABLES
    from geo.store.db import Session

SUFFIX = "_history"
# Non-layer tables kept with history, and the key that names one of their rows.
VERSIONED_TABLES: dict[str, tuple[str, ...]] = {
    "statistics": ("entity_id", "year", "indicator"),
    "targets": ("entity_id", "indicator", "target_year"),
    "settings": ("key",),
}
LAYER_VERSION_COLUMNS = ("valid_from", "version", "changed_by")


def history_table(table: str) -> str:
    return f"{table}{SUFFIX}"


def as_of_moment(as_of: date | datetime | None) -> datetime | None:
    """The instant a date stands for: the end of that day (what was in force on it); None stays None."""
    if as_of is None or isinstance(as_of, datetime):
        return as_of
    return datetime.combine(as_of, time.max)


def columns_of(session: Session, table: str) -> list[str]:
    """The table's columns in their order (from the catalogue)."""
    rows = session.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def archive(session: Session, table: str, where: str, params: dict[str, Any], now: datetime) -> int:
    """Close the rows of `table` matching `where` (SQL over bound `params`): copy to history, then delete.

    Returns the number of rows closed. `where` is written by this package's callers, never by a user.
    """
    cols = ", ".join(columns_of(session, table))
    moved = session.execute(
        f"INSERT INTO {history_table(table)} ({cols}, valid_to) "  # noqa: S608 - names from the registry
        f"SELECT {cols}, $archived_at FROM {table} WHERE {where}",
        {**params, "archived_at": now},
    ).fetchone()
    session.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608
    return int(moved[0]) if moved else 0


def as_of_source(table: str, columns: str) -> str:
    """SQL for the rows of `table` in effect at `$as_of` (a bound parameter), usable as a FROM item."""
    return (
        f"(SELECT {columns} FROM {table} WHERE valid_from <= $as_of "  # noqa: S608 - registry names
        f"UNION ALL SELECT {columns} FROM {history_table(table)} "
        f"WHERE valid_from <= $as_of AND valid_to > $as_of)"
    )


def source(table: str, as_of: datetime | None, columns: str) -> str:
    """The table itself for "now", else its as-of union (bind `$as_of` when `as_of` is given)."""
    return table if as_of is None else as_of_source(table, columns)
