"""The store: the one DuckDB opener and everything that writes to it.

- `db` — `Store` / `Session`: short-lived connections, bound parameters, transactions, the data version;
- `migrations` — forward-only, numbered schema steps;
- `features` — layer features read and written (by a `LayerSpec`); `statistics` — yearly indicator
  rows in read order; `tables` — targets, water samples and row counts;
- `membership` — the derived park → unit table, recomputed before each commit that needs it;
- `backup` — a verified copy of the whole store, and its restore.

Every SQL statement of the project lives here or in a domain module's query functions (geo/stats.py,
geo/ledgers.py). Modules here may import geo's leaf modules (config, errors, crs, outfile) and each
other; never geo.io, geo.maps, the domain modules, `layers` or streamlit.
"""

from geo.store.db import Session, Store

__all__ = ["Session", "Store"]
