"""Pure logic of the Binhai portal; nothing here imports streamlit.

Packages, each imported in one direction (a package never imports one listed above it):

- the domain modules here — `stats` (indicator values, aggregation to 开发区/街镇), `assessment`
  (targets, the straight-line status, the park panel), `ledgers`, `zonal`, `classify`, `plan`
  (plan periods and the plan's fixed targets), `indicators`, `auth`, and `brief` (the meeting brief's
  PDF and map, rendered with matplotlib and reportlab);
- `geo.io` — one reader per file format, validation, datum checks, export writers;
- `geo.maps` — folium maps, the compact layer payload, popups, legend, basemaps, offline assets;
- `geo.store` — the only database opener (a DuckDB file, or PostgreSQL + PostGIS through `dialect`),
  migrations, every write, derived tables, backup, copy between stores;
- leaf modules every package may use — `config` (settings from the environment), `errors`
  (bilingual errors), `crs` (CRS rules, GCJ-02), `i18n`, `outfile` (safe, atomic file writes);
- `static_assets` — the server's middleware for Streamlit's own frontend files, and `tcp` — Nagle's
  algorithm off on the server's listening socket (both import nothing of geo).

Domain modules may import geo.store, geo.io and geo.maps; geo.io may import geo.store; geo.maps and
geo.store import only the leaf modules. Layer specs (the `layers` registry) arrive as arguments, or
are looked up inside a function (geo.ledgers), never at import time.
"""
