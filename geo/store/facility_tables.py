"""Tables of the wastewater plants and the concentration grids (migration 12), and their writers.

- `facility_monthly`: one row per plant and month — treated volume (万m³ in the month) and the
  monthly mean effluent concentrations (mg/L) with the water temperature (°C).
- `facility_service`: which 街镇 (admin units) and parks a plant serves, and the share of its
  capacity that serves each (a mapping table, importable).
- `grids`: concentration grids (PM2.5, NO2, …) as the GeoTIFF bytes the user or the generator gave,
  with their pollutant, year, CRS and size.

All three keep history (`valid_from`, `changed_by`, `<table>_history`) like the statistics.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from geo.store import history

if TYPE_CHECKING:  # db imports migrations, which take this module's DDL
    from geo.store.db import Session

MONTHLY_COLUMNS = (
    "facility_id",
    "month",
    "volume_10k_m3",
    "cod",
    "bod5",
    "ss",
    "tn",
    "nh3n",
    "tp",
    "water_temp_c",
    "source",
)
SERVICE_COLUMNS = ("facility_id", "served_kind", "served_id", "share", "source")
GRID_COLUMNS = (
    "grid_id",
    "pollutant",
    "year",
    "name",
    "crs",
    "width",
    "height",
    "nodata",
    "tiff",
    "source",
)
VERSION_COLUMNS = ("valid_from TIMESTAMP NOT NULL", "changed_by VARCHAR NOT NULL")

_MONTHLY = """
    facility_id VARCHAR NOT NULL,
    month DATE NOT NULL,
    volume_10k_m3 DOUBLE,
    cod DOUBLE, bod5 DOUBLE, ss DOUBLE, tn DOUBLE, nh3n DOUBLE, tp DOUBLE,
    water_temp_c DOUBLE,
    source VARCHAR NOT NULL"""
_SERVICE = """
    facility_id VARCHAR NOT NULL,
    served_kind VARCHAR NOT NULL,
    served_id VARCHAR NOT NULL,
    share DOUBLE NOT NULL,
    source VARCHAR NOT NULL"""
_GRIDS = """
    grid_id VARCHAR NOT NULL,
    pollutant VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    crs VARCHAR NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    nodata DOUBLE,
    tiff BLOB NOT NULL,
    source VARCHAR NOT NULL"""


def _ddl(table: str, body: str, key: str) -> list[str]:
    versioned = ",\n    ".join(VERSION_COLUMNS)
    plain = ",\n    ".join(c.replace(" NOT NULL", "") for c in VERSION_COLUMNS)
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ({body},\n    {versioned},\n    PRIMARY KEY ({key}))",
        f"CREATE TABLE IF NOT EXISTS {table}_history ({body.replace(' NOT NULL', '')},\n    {plain},\n"
        "    valid_to TIMESTAMP NOT NULL)",
    ]


DDL = [
    *_ddl("facility_monthly", _MONTHLY, "facility_id, month"),
    *_ddl("facility_service", _SERVICE, "facility_id, served_kind, served_id"),
    *_ddl("grids", _GRIDS, "grid_id"),
]
TABLES = ("facility_monthly", "facility_service", "grids")


def _write(
    session: Session,
    table: str,
    columns: tuple[str, ...],
    rows: Any,
    key: tuple[str, ...],
    now: datetime,
    changed_by: str,
    casts: dict[str, str] | None = None,
) -> int:
    """Upsert rows (a DataFrame with `columns`, optional `valid_from`): rows with the same key are closed first."""
    names = list(rows.columns)
    missing = [c for c in columns if c not in names]
    if missing:
        raise ValueError(f"{table} rows lack columns {missing}")
    if not len(rows):
        return 0
    exprs = [(casts or {}).get(c, c) for c in columns]
    valid_from = "CAST(valid_from AS TIMESTAMP)" if "valid_from" in names else "$now"
    session.register("incoming_facility_rows", rows)
    try:
        # The same key in the store: archive it (kept in <table>_history), then insert the new row.
        same_key = " AND ".join(
            f"i.{k} = {table}.{k}" if k not in (casts or {}) else f"CAST(i.{k} AS DATE) = {table}.{k}" for k in key
        )
        history.archive(session, table, f"EXISTS (SELECT 1 FROM incoming_facility_rows AS i WHERE {same_key})", {}, now)  # noqa: S608 - constants
        session.execute(
            f"INSERT INTO {table} ({', '.join(columns)}, valid_from, changed_by) "  # noqa: S608 - constants
            f"SELECT {', '.join(exprs)}, {valid_from}, $by FROM incoming_facility_rows",
            {"by": changed_by} | ({} if "valid_from" in names else {"now": now}),
        )
    finally:
        session.unregister("incoming_facility_rows")
    return len(rows)


def write_monthly(session: Session, rows: Any, now: datetime, changed_by: str = "system") -> int:
    """Monthly plant figures (`MONTHLY_COLUMNS`; month a date or ISO text): a (plant, month) already held is replaced."""
    return _write(
        session,
        "facility_monthly",
        MONTHLY_COLUMNS,
        rows,
        ("facility_id", "month"),
        now,
        changed_by,
        casts={"month": "CAST(month AS DATE)"},
    )


def write_service(session: Session, rows: Any, now: datetime, changed_by: str = "system", replace: bool = False) -> int:
    """Service mapping rows (`SERVICE_COLUMNS`); `replace` closes the whole current mapping first."""
    if replace:
        history.archive(session, "facility_service", "true", {}, now)
    return _write(
        session, "facility_service", SERVICE_COLUMNS, rows, ("facility_id", "served_kind", "served_id"), now, changed_by
    )


def write_grids(session: Session, rows: Any, now: datetime, changed_by: str = "system") -> int:
    """Grid rows (`GRID_COLUMNS`, `tiff` as bytes): a grid id already held is replaced (the old one kept in history)."""
    return _write(session, "grids", GRID_COLUMNS, rows, ("grid_id",), now, changed_by)


def write_sample_tables(session: Session, tables: dict[str, Any], now: datetime, changed_by: str) -> dict[str, int]:
    """The generator's tables (facility_monthly, facility_service, grids, zonal_statistics); rows per table."""
    from geo.store.statistics import write_statistics

    writers = {"facility_monthly": write_monthly, "facility_service": write_service, "grids": write_grids}
    counts = {}
    for name, rows in tables.items():
        if name == "zonal_statistics":
            counts[name] = write_statistics(session, rows, "append", now, changed_by)
        else:
            counts[name] = writers[name](session, rows, now, changed_by)
    return counts
