"""The district, its 21 streets and towns (街镇) and its development zones (开发区): the `admin_units` layer.

The geography does not depend on `seed`: every sample has the same district, only parks, water
bodies and numbers vary. Real names at approximate positions; the boundaries are invented.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import shapely

from data.sample.context import Geography, SampleContext, feature_ids
from data.sample.shapes import blobs, polygonal, to_metres, to_storage
from layers import admin_units

NOTE = "示意边界，非法定界线 / illustrative boundary, not the legal one"
DISTRICT = "滨海新区"
DISTRICT_CODE = "120116"  # codes of the 街镇 are this plus a sequence number, not the real ones

# The district outline (lon, lat), clockwise from the north-west; the coast is the eastern side.
# Smoothly perturbed with a fixed generator so it does not depend on `seed`.
_OUTLINE_LONLAT = (
    (117.66, 39.30), (117.72, 39.345), (117.80, 39.345), (117.90, 39.33), (117.94, 39.27),
    (117.90, 39.20), (117.86, 39.15), (117.85, 39.10), (117.86, 39.06), (117.88, 39.02),
    (117.84, 38.99), (117.80, 38.97), (117.79, 38.91), (117.74, 38.87), (117.68, 38.84),
    (117.66, 38.78), (117.62, 38.72), (117.57, 38.65), (117.54, 38.58), (117.48, 38.555),
    (117.40, 38.57), (117.345, 38.62), (117.335, 38.72), (117.34, 38.82), (117.345, 38.90),
    (117.42, 38.92), (117.50, 38.93), (117.53, 38.97), (117.52, 39.03), (117.50, 39.08),
    (117.52, 39.14), (117.60, 39.16), (117.65, 39.20), (117.64, 39.26),
)  # fmt: skip
_GEOGRAPHY_SEED = 120116  # the district's administrative code


class Place(NamedTuple):
    """A named place at an approximate position (degrees, EPSG:4326)."""

    name: str
    lon: float
    lat: float


class ZonePart(NamedTuple):
    """One blob of a development zone: its centre (degrees) and area."""

    lon: float
    lat: float
    area_km2: float


class Zone(NamedTuple):
    name: str
    parts: tuple[ZonePart, ...]


# The 16 streets and 5 towns (real names, approximate centres) — Voronoi seeds for the tiling.
STREETS = (
    Place("塘沽街道", 117.655, 39.025), Place("杭州道街道", 117.668, 39.047), Place("新河街道", 117.632, 39.003),
    Place("大沽街道", 117.690, 38.982), Place("新北街道", 117.640, 39.068), Place("北塘街道", 117.730, 39.110),
    Place("胡家园街道", 117.575, 39.060), Place("新港街道", 117.712, 39.012), Place("新村街道", 117.678, 39.024),
    Place("泰达街道", 117.702, 39.047), Place("汉沽街道", 117.800, 39.250), Place("寨上街道", 117.830, 39.222),
    Place("茶淀街道", 117.735, 39.275), Place("大港街道", 117.460, 38.840), Place("古林街道", 117.505, 38.775),
    Place("海滨街道", 117.540, 38.690),
)  # fmt: skip
TOWNS = (
    Place("新城镇", 117.620, 38.930), Place("杨家泊镇", 117.870, 39.310), Place("太平镇", 117.390, 38.645),
    Place("小王庄镇", 117.405, 38.760), Place("中塘镇", 117.370, 38.860),
)  # fmt: skip
# Development zones; where zones overlap, later zones give way to earlier ones.
ZONES = (
    Zone("天津经济技术开发区", (ZonePart(117.700, 39.050, area_km2=30.0), ZonePart(117.605, 39.095, area_km2=22.0))),
    # 南港工业区 is managed with TEDA but assessed on its own (the plan's officials ask about it by name).
    Zone("南港工业区", (ZonePart(117.540, 38.770, area_km2=110.0),)),
    Zone("天津港保税区", (ZonePart(117.765, 38.995, area_km2=14.0), ZonePart(117.735, 38.930, area_km2=60.0))),
    Zone("滨海高新区", (ZonePart(117.545, 39.130, area_km2=30.0), ZonePart(117.630, 39.078, area_km2=10.0))),
    Zone("东疆综合保税区", (ZonePart(117.815, 39.025, area_km2=30.0),)),
    Zone("中新天津生态城", (ZonePart(117.784, 39.153, area_km2=31.0),)),
)


def town_centres() -> dict[str, tuple[float, float]]:
    """(lon, lat) of every street and town by name."""
    return {place.name: (place.lon, place.lat) for place in (*STREETS, *TOWNS)}


def _district_outline() -> object:
    rng = np.random.default_rng(_GEOGRAPHY_SEED)
    corners = to_metres(_OUTLINE_LONLAT)
    ring = np.vstack([corners, corners[:1]])
    seg = np.diff(ring, axis=0)
    seg_len = np.hypot(seg[:, 0], seg[:, 1])
    chainage = np.concatenate([[0.0], np.cumsum(seg_len)])
    along = np.arange(0.0, chainage[-1], 800.0)
    x, y = np.interp(along, chainage, ring[:, 0]), np.interp(along, chainage, ring[:, 1])
    dx, dy = np.gradient(x), np.gradient(y)
    norm = np.hypot(dx, dy)
    offset = sum(
        a * np.sin(2 * np.pi * along / w + p)
        for a, w, p in zip(rng.uniform(150, 450, 3), rng.uniform(4e3, 15e3, 3), rng.uniform(0, 6.3, 3), strict=True)
    )
    # Keep the named corners where they are so the outline still passes through them.
    offset = offset * np.clip(np.min(np.abs(along[:, None] - chainage[None, :]), axis=1) / 1500.0, 0, 1)
    outline = shapely.Polygon(np.column_stack([x - dy / norm * offset, y + dx / norm * offset]))
    return outline if outline.is_valid else polygonal(outline)


def build_geography() -> Geography:
    """The district: its outline, 街镇 as Voronoi cells of their centres clipped to it, and the zones."""
    outline = _district_outline()
    shapely.prepare(outline)
    named = [(p.name, "street", p.lon, p.lat) for p in STREETS] + [(p.name, "town", p.lon, p.lat) for p in TOWNS]
    seeds = to_metres([(lon, lat) for _, _, lon, lat in named])
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline.buffer(20_000), ordered=True)
    )
    streets = []
    for (name, kind, _, _), cell in zip(named, cells, strict=True):
        polygon = polygonal(shapely.intersection(cell, outline))
        shapely.prepare(polygon)
        streets.append((name, kind, polygon))

    rng = np.random.default_rng(_GEOGRAPHY_SEED + 1)
    zones, taken = [], shapely.Polygon()
    for zone in ZONES:
        centres = to_metres([(part.lon, part.lat) for part in zone.parts])
        areas_m2 = np.array([part.area_km2 for part in zone.parts]) * 1e6
        parts = blobs(rng, centres, areas_m2, np.full(len(zone.parts), 28), 0.08)
        polygon = polygonal(shapely.difference(shapely.intersection(shapely.union_all(parts), outline), taken))
        shapely.prepare(polygon)
        zones.append((zone.name, polygon))
        taken = shapely.union(taken, polygon)
    return Geography(outline, streets, zones)


def admin_layer(ctx: SampleContext) -> gpd.GeoDataFrame:
    """The `admin_units` layer: the district, its 21 街镇 and the zones (draws nothing from `ctx.rng`)."""
    geo = ctx.geography
    rows = [(DISTRICT, "district", DISTRICT_CODE, geo.outline)]
    rows += [(name, kind, f"{DISTRICT_CODE}{i:03d}", polygon) for i, (name, kind, polygon) in enumerate(geo.streets, 1)]
    rows += [(name, "zone", None, polygon) for name, polygon in geo.zones]
    frame = {
        "id": feature_ids(admin_units.SPEC, len(rows)),
        "name": [r[0] for r in rows],
        "kind": [r[1] for r in rows],
        "code": [r[2] for r in rows],
        "note": [NOTE] * len(rows),
    }
    return to_storage([r[3] for r in rows], frame)
