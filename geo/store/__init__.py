"""The store: the one database opener and everything that writes to it.

- `db` — `Store` / `Session`: short-lived connections, bound parameters, transactions, the data version
  (a DuckDB file, the embedded default);
- `postgis` — `PgStore`: the same surface on PostgreSQL + PostGIS (`BINHAI_DB_URL`), with `dialect`,
  the one place where the two SQL dialects differ;
- `migrations` — forward-only, numbered schema steps;
- `features` — layer features read and written (by a `LayerSpec`); `statistics` — yearly indicator
  rows in read order; `tables` — targets, water samples and row counts;
- `membership` — the derived park → unit table, recomputed before each commit that needs it;
- `backup` — a verified copy of the whole store, and its restore; `copy` — every table from one
  store to another (DuckDB ↔ PostGIS).

Every SQL statement of the project lives here or in a domain module's query functions (geo/stats.py,
geo/ledgers.py). Modules here may import geo's leaf modules (config, errors, crs, outfile) and each
other; never geo.io, geo.maps, the domain modules, `layers` or streamlit.
"""

from pathlib import Path

from geo.store.db import Session, Store


def open_store(location: str | Path) -> Store:
    """The store at `location`: a `postgresql://…` URL (optionally `#schema`) or a DuckDB file path."""
    from geo.store.postgis import PgStore, is_postgres_url

    if is_postgres_url(location):
        url, _, schema = str(location).partition("#")
        return PgStore(url, schema or "main")
    return Store(location)


__all__ = ["Session", "Store", "open_store"]
