"""Which park lies in which admin unit (district, 开发区, 街镇): a table kept in step with the layers.

The rule: a park belongs to every unit whose polygon contains the park's point-on-surface (a
point-on-surface always lies inside the park, unlike a centroid of a crescent-shaped park).

Evaluating the rule is a spatial join that needs the spatial extension (≈ 200 ms to load into a
connection) and ≈ 35 ms a level at district scale (10,000 parks). Parks and units change when a
layer is written, indicators are read on every page view: so `refresh` runs once before the
commit of each transaction that writes `parks` or `admin_units` (`follow_write`, called by
geo/store/features) and the indicator queries read `park_units` as a plain table. A PostGIS backend would keep it as a materialised view.
"""

from __future__ import annotations

from typing import Any

TABLE = "park_units"
# Layers whose writes change membership.
SOURCES = ("parks", "admin_units")

DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    park_id VARCHAR NOT NULL,
    unit_id VARCHAR NOT NULL,
    unit_kind VARCHAR NOT NULL,
    PRIMARY KEY (park_id, unit_id))"""

# The rule itself: also what tests compare the stored table against.
RULE_SQL = """
SELECT p.id AS park_id, a.id AS unit_id, a.kind AS unit_kind
FROM parks p JOIN admin_units a ON ST_Contains(a.geom, ST_PointOnSurface(p.geom))
"""


def _sources_exist(session: Any) -> bool:
    found = session.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND list_contains(?, table_name)",
        [list(SOURCES)],
    )
    return int(found) == len(SOURCES)


def refresh(session: Any) -> int:
    """Recompute the membership table inside the caller's transaction; returns its row count."""
    session.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - constant name
    if not _sources_exist(session):  # a store being created: the layer tables come after migrations
        return 0
    session.execute(f"INSERT INTO {TABLE} (park_id, unit_id, unit_kind) {RULE_SQL}")  # noqa: S608 - constant SQL
    return int(session.scalar(f"SELECT count(*) FROM {TABLE}"))  # noqa: S608 - constant name


def follow_write(session: Any, layer: str) -> None:
    """After a write to `layer`: recompute membership before the commit if it derives from that layer."""
    if layer in SOURCES:
        session.before_commit(TABLE, refresh)
