"""The store's tables that are not layers: targets, water samples, and row counts of every table.

Statistics have their own module (`geo.store.statistics`) because their write order matters to reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geo.store import history
from geo.store.db import Session, Store

# Tables besides the layers that the CLI and the data page count.
RECORD_TABLES = ("statistics", "targets", "water_samples")
WRITE_MODES = ("append", "replace")  # append first: the default everywhere

TARGET_COLUMNS = (
    "entity_id",
    "level",
    "indicator",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "unit",
    "source",
)
WATER_SAMPLE_COLUMNS = (
    "water_body_id",
    "sampled_on",
    "point_no",
    "transparency_cm",
    "dissolved_oxygen_mg_l",
    "orp_mv",
    "nh3n_mg_l",
    "source",
)


def check_mode(mode: str) -> None:
    """Refuse a write mode other than `replace` / `append` (a programming error, not user input)."""
    if mode not in WRITE_MODES:
        raise ValueError(f"mode must be one of {WRITE_MODES}, got {mode!r}")


def _insert_rows(
    session: Session,
    table: str,
    columns: tuple[str, ...],
    rows: Any,
    mode: str,
    casts: dict[str, str] | None = None,
    *,
    now: datetime | None = None,
    changed_by: str = "system",
) -> int:
    check_mode(mode)
    names = list(rows.column_names) if hasattr(rows, "column_names") else list(rows.columns)
    missing = [c for c in columns if c not in names]
    if missing:
        raise ValueError(f"{table} rows lack columns {missing}")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    versioned = table in history.VERSIONED_TABLES
    if mode == "replace":
        if versioned:
            history.archive(session, table, "true", {}, now)
        else:
            session.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are this module's constants
    targets = list(columns)
    exprs = [(casts or {}).get(c, c) for c in columns]
    params: dict[str, Any] = {}
    if versioned:
        targets += ["valid_from", "changed_by"]
        exprs += ["CAST(valid_from AS TIMESTAMP)" if "valid_from" in names else "$now", "$by"]
        params = {"by": changed_by} | ({} if "valid_from" in names else {"now": now})
    session.register("incoming_rows", rows)
    try:
        session.execute(
            f"INSERT INTO {table} ({', '.join(targets)}) SELECT {', '.join(exprs)} FROM incoming_rows",  # noqa: S608
            params or None,
        )
    finally:
        session.unregister("incoming_rows")
    return len(rows)


def write_targets(
    session: Session, rows: Any, mode: str = "append", now: datetime | None = None, changed_by: str = "system"
) -> int:
    """Insert target rows (`TARGET_COLUMNS`, optional `valid_from`) inside the caller's transaction.

    `replace` closes every current target first (kept in `targets_history`). Returns rows written.
    """
    return _insert_rows(session, "targets", TARGET_COLUMNS, rows, mode, now=now, changed_by=changed_by)


def write_water_samples(session: Session, rows: Any, mode: str = "append") -> int:
    """Insert water-sample rows (`WATER_SAMPLE_COLUMNS`; `sampled_on` a date or ISO text) in the caller's transaction."""
    return _insert_rows(
        session, "water_samples", WATER_SAMPLE_COLUMNS, rows, mode, casts={"sampled_on": "CAST(sampled_on AS DATE)"}
    )


def table_counts(store: Store, names: tuple[str, ...] | list[str]) -> dict[str, int]:
    """Row count of each named table (0 for a table the store does not have, or no store at all).

    `names` come from the layer registry and `RECORD_TABLES`, never from a user; they are also checked
    against the store's catalogue before being used as identifiers.
    """
    counts = dict.fromkeys(names, 0)
    if not store.exists:  # never create the file just to count it
        return counts
    with store.session() as session:
        present = set(
            session.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")["table_name"]
        )
        for name in names:
            if name in present:
                counts[name] = int(session.scalar(f"SELECT count(*) FROM {name}"))  # noqa: S608
    return counts


def record_counts(store: Store) -> dict[str, int]:
    """Row counts of the non-layer tables the pages summarise."""
    return table_counts(store, RECORD_TABLES)
