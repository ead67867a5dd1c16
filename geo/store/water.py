"""The water bureau's tables beside the `water_bodies` layer: sampling points, rounds, stage events, evidence.

Migration 8 creates them and gives `water_samples` the positions of its points (`lon`, `lat`), the
sampler and who recorded a round when (`recorded_at` is NULL for rows from before: they count as
known "always"). Rows of `water_samples`, `water_points`, `water_stage_events` and `water_evidence`
are only ever added — a decision on a proposal fills its decision columns once — so every past state
can be read back from the timestamps; `water_body_info` (责任单位, 河长, completion date) keeps
its closed versions in `water_body_info_history`.

A store made before migration 8 gets fixed sampling points placed along each body (`place_points`)
and its existing sample rows the positions of their point numbers; no sample value changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import shapely

POINTS = "water_points"
INFO = "water_body_info"
EVENTS = "water_stage_events"
EVIDENCE = "water_evidence"

DDL = [
    "ALTER TABLE water_samples ADD COLUMN IF NOT EXISTS lon DOUBLE",
    "ALTER TABLE water_samples ADD COLUMN IF NOT EXISTS lat DOUBLE",
    "ALTER TABLE water_samples ADD COLUMN IF NOT EXISTS sampler VARCHAR",
    "ALTER TABLE water_samples ADD COLUMN IF NOT EXISTS recorded_at TIMESTAMP",
    "ALTER TABLE water_samples ADD COLUMN IF NOT EXISTS recorded_by VARCHAR",
    f"""CREATE TABLE IF NOT EXISTS {POINTS} (
        water_body_id VARCHAR NOT NULL,
        point_no INTEGER NOT NULL,
        lon DOUBLE NOT NULL,
        lat DOUBLE NOT NULL,
        created_at TIMESTAMP NOT NULL,
        created_by VARCHAR NOT NULL,
        PRIMARY KEY (water_body_id, point_no))""",
    f"""CREATE TABLE IF NOT EXISTS {INFO} (
        water_body_id VARCHAR PRIMARY KEY,
        responsible_unit VARCHAR,
        river_chief VARCHAR,
        completed_on DATE,
        valid_from TIMESTAMP NOT NULL,
        changed_by VARCHAR NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS {INFO}_history (
        water_body_id VARCHAR,
        responsible_unit VARCHAR,
        river_chief VARCHAR,
        completed_on DATE,
        valid_from TIMESTAMP,
        changed_by VARCHAR,
        valid_to TIMESTAMP NOT NULL)""",
    "CREATE SEQUENCE IF NOT EXISTS water_stage_events_seq",
    f"""CREATE TABLE IF NOT EXISTS {EVENTS} (
        event_id BIGINT PRIMARY KEY DEFAULT nextval('water_stage_events_seq'),
        water_body_id VARCHAR NOT NULL,
        from_stage VARCHAR NOT NULL,
        to_stage VARCHAR NOT NULL,
        note VARCHAR NOT NULL,
        proposed_by VARCHAR NOT NULL,
        proposed_at TIMESTAMP NOT NULL,
        base_version INTEGER NOT NULL,
        status VARCHAR NOT NULL,
        decided_by VARCHAR,
        decided_at TIMESTAMP,
        decision_reason VARCHAR,
        round_date DATE)""",
    "CREATE SEQUENCE IF NOT EXISTS water_evidence_seq",
    f"""CREATE TABLE IF NOT EXISTS {EVIDENCE} (
        evidence_id BIGINT PRIMARY KEY DEFAULT nextval('water_evidence_seq'),
        event_id BIGINT NOT NULL,
        file_name VARCHAR NOT NULL,
        media_type VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL,
        sha256 VARCHAR NOT NULL,
        content BLOB NOT NULL,
        uploaded_by VARCHAR NOT NULL,
        uploaded_at TIMESTAMP NOT NULL)""",
]


def place_points(geom: Any, n: int) -> list[tuple[float, float]]:
    """`n` fixed sampling positions (lon, lat) on a water body: spread along a line, inside a polygon.

    A line gets them at (k − ½)/n of its length; a polygon on its outline pulled 60 % of the way to a
    point inside it (kept only if that lands inside, else the inside point itself).
    """
    if geom is None or geom.is_empty or n < 1:
        return []
    fractions = (np.arange(n) + 0.5) / n
    if geom.geom_type in ("LineString", "MultiLineString"):
        line = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
        if line.geom_type == "MultiLineString":
            line = max(line.geoms, key=lambda g: g.length)
        return [(p.x, p.y) for p in (line.interpolate(f, normalized=True) for f in fractions)]
    inside = geom.representative_point()
    shape = max(geom.geoms, key=lambda g: g.area) if geom.geom_type == "MultiPolygon" else geom
    placed = []
    for f in fractions:
        edge = shape.exterior.interpolate(f, normalized=True)
        candidate = shapely.Point(inside.x + 0.4 * (edge.x - inside.x), inside.y + 0.4 * (edge.y - inside.y))
        chosen = candidate if geom.contains(candidate) else inside
        placed.append((chosen.x, chosen.y))
    return placed


def fill_sample_positions(session: Any) -> None:
    """Give sample rows without a position the position of their body's stored point of that number."""
    session.execute(
        f"UPDATE water_samples AS s SET lon = p.lon, lat = p.lat FROM {POINTS} AS p "  # noqa: S608 - constants
        "WHERE s.lon IS NULL AND p.water_body_id = s.water_body_id AND p.point_no = s.point_no"
    )


def points_for_existing_samples(session: Any) -> None:
    """Migration 8 on a store that already holds bodies and samples: place their points, fill positions."""
    tables = {
        r[0]
        for r in session.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    if "water_bodies" not in tables:
        return  # a fresh store: the layer table comes after the migrations, the seed writes points
    counts = session.execute(
        "SELECT s.water_body_id, max(s.point_no), "
        "(SELECT ST_AsWKB(b.geom) FROM water_bodies AS b WHERE b.id = s.water_body_id) FROM water_samples AS s "
        "WHERE EXISTS (SELECT 1 FROM water_bodies AS b WHERE b.id = s.water_body_id) AND NOT EXISTS (SELECT 1 FROM water_points AS p WHERE p.water_body_id = s.water_body_id) "
        "GROUP BY s.water_body_id ORDER BY s.water_body_id"
    ).fetchall()
    now = datetime(1970, 1, 1)
    rows = []
    for body_id, n, wkb in counts:
        for no, (lon, lat) in enumerate(place_points(shapely.from_wkb(bytes(wkb)), int(n)), start=1):
            rows.append([body_id, no, round(lon, 6), round(lat, 6), now, "system"])
    if rows:
        session.executemany(f"INSERT INTO {POINTS} VALUES (?, ?, ?, ?, ?, ?)", rows)  # noqa: S608
    fill_sample_positions(session)


def write_points(session: Any, rows: Any, now: datetime, by: str) -> int:
    """Insert sampling points (water_body_id, point_no, lon, lat) inside the caller's transaction."""
    session.register("incoming_points", rows)
    try:
        session.execute(
            f"INSERT INTO {POINTS} SELECT water_body_id, point_no, lon, lat, $now, $by FROM incoming_points",  # noqa: S608
            {"now": now, "by": by},
        )
    finally:
        session.unregister("incoming_points")
    return len(rows)


def write_info(session: Any, rows: Any, valid_from: datetime, by: str) -> int:
    """Insert body records (water_body_id, responsible_unit, river_chief, completed_on) in the caller's transaction."""
    session.register("incoming_info", rows)
    try:
        session.execute(
            f"INSERT INTO {INFO} SELECT water_body_id, responsible_unit, river_chief, "  # noqa: S608
            "CAST(completed_on AS DATE), $valid_from, $by FROM incoming_info",
            {"valid_from": valid_from, "by": by},
        )
    finally:
        session.unregister("incoming_info")
    return len(rows)
