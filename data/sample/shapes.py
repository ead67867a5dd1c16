"""Geometry helpers of the sample, all in metres (EPSG:4548) and vectorised over features.

Shapes are built in metres and transformed to EPSG:4326 once per layer (`to_storage`), so large
scales stay fast. Every helper that draws takes the generator's `numpy.random.Generator` and draws
a fixed number of values for a given input, in the order written here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo.crs import MEASURE_CRS, STORAGE_CRS

_TO_METRES = Transformer.from_crs(STORAGE_CRS, MEASURE_CRS, always_xy=True)


def to_metres(lonlat) -> np.ndarray:
    """(n, 2) array of EPSG:4548 coordinates from (lon, lat) pairs (one pair or a sequence of them)."""
    pts = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    x, y = _TO_METRES.transform(pts[:, 0], pts[:, 1])
    return np.column_stack([x, y])


def to_storage(geoms, frame: dict) -> gpd.GeoDataFrame:
    """One GeoDataFrame in EPSG:4326 from metre geometries: the single pyproj call per layer."""
    metres = gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=MEASURE_CRS)
    return gpd.GeoDataFrame(frame, geometry=metres.to_crs(STORAGE_CRS).values, crs=STORAGE_CRS)


def polygonal(geom):
    """A valid Polygon or MultiPolygon from a clipped or repaired geometry (None if nothing is left)."""
    geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polygons = [q for p in parts for q in shapely.get_parts(p) if q.area > 1.0]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def clip_polygons(geoms: np.ndarray, outline) -> np.ndarray:
    """Clip polygons to the district; only those crossing the coast or border are recomputed."""
    out = geoms.copy()
    crossing = np.flatnonzero(~shapely.contains_properly(outline, geoms))
    if len(crossing):
        clipped = shapely.intersection(geoms[crossing], outline)
        for i, geom in zip(crossing, clipped, strict=True):
            out[i] = polygonal(geom)
    return out


def blobs(
    rng: np.random.Generator,
    centres: np.ndarray,
    areas_m2: np.ndarray,
    vertices: np.ndarray,
    roughness: float = 0.15,
    squareness: tuple[float, float] = (2.0, 5.0),
    elongation: tuple[float, float] = (1.0, 2.2),
) -> np.ndarray:
    """Irregular star-shaped polygons with exact areas, built for all features at once.

    Vertices go round the centre at strictly increasing angles with positive radii, so every
    ring is simple (valid); a rotated superellipse makes them blocky like land parcels.

    Parameters
    ----------
    centres : (n, 2) array of centres in metres.
    areas_m2 : (n,) exact area of each polygon in m².
    vertices : (n,) number of vertices of each polygon.
    roughness : standard deviation of the three harmonics that dent the outline.
    squareness, elongation : ranges of the superellipse power and of the aspect ratio.
    """
    n = len(centres)
    vertices = np.asarray(vertices, dtype=int)
    owner = np.repeat(np.arange(n), vertices)
    start = np.cumsum(vertices) - vertices
    k = np.arange(len(owner)) - start[owner]
    rotation = rng.uniform(0, np.pi, n)
    power = rng.uniform(*squareness, n)
    stretch = np.sqrt(rng.uniform(*elongation, n))
    harmonics = rng.normal(0, roughness, (n, 3))
    phases = rng.uniform(0, 2 * np.pi, (n, 3))
    jitter = rng.uniform(-0.35, 0.35, len(owner))

    phi = (k + jitter) * (2 * np.pi / vertices[owner])
    c, s = np.cos(phi), np.sin(phi)
    p = power[owner]
    radius = (np.abs(c) ** p + np.abs(s) ** p) ** (-1 / p)
    for h in range(3):
        radius = radius * (1 + harmonics[owner, h] * np.cos((h + 2) * phi + phases[owner, h]))
    radius = np.maximum(radius, 0.25)
    lx, ly = radius * c * stretch[owner], radius * s / stretch[owner]
    cr, sr = np.cos(rotation[owner]), np.sin(rotation[owner])
    x, y = lx * cr - ly * sr, lx * sr + ly * cr

    following = np.arange(len(owner)) + 1
    ends = start + vertices - 1
    following[ends] = start
    twice_area = np.bincount(owner, x * y[following] - x[following] * y, minlength=n)
    factor = np.sqrt(areas_m2 / (0.5 * np.abs(twice_area)))[owner]
    coords = np.column_stack([x * factor + centres[owner, 0], y * factor + centres[owner, 1]])
    return shapely.polygons(shapely.linearrings(coords, indices=owner))


def meander_lines(rng: np.random.Generator, courses: list[np.ndarray], spacing: float = 150.0) -> np.ndarray:
    """Wiggly lines along control polylines (metres): densified, with smooth sideways offsets."""
    pieces, owners = [], []
    for i, course in enumerate(courses):
        seg = np.diff(course, axis=0)
        seg_len = np.hypot(seg[:, 0], seg[:, 1])
        chainage = np.concatenate([[0.0], np.cumsum(seg_len)])
        along = np.linspace(0.0, chainage[-1], max(int(chainage[-1] / spacing), 8) + 1)
        x = np.interp(along, chainage, course[:, 0])
        y = np.interp(along, chainage, course[:, 1])
        dx, dy = np.gradient(x), np.gradient(y)
        norm = np.hypot(dx, dy)
        waves = rng.uniform(1500.0, 6000.0, 3)
        amplitude = rng.uniform(20.0, 120.0, 3)
        phase = rng.uniform(0, 2 * np.pi, 3)
        offset = (amplitude[:, None] * np.sin(2 * np.pi * along[None, :] / waves[:, None] + phase[:, None])).sum(0)
        pieces.append(np.column_stack([x - dy / norm * offset, y + dx / norm * offset]))
        owners.append(np.full(len(along), i))
    return shapely.linestrings(np.concatenate(pieces), indices=np.concatenate(owners))


def scatter(rng: np.random.Generator, outline, centres: np.ndarray, spread_m: np.ndarray) -> np.ndarray:
    """Points around `centres` (normal, clipped to 2.5 σ), redrawn until they fall inside `outline`."""
    points = centres.copy()
    pending = np.arange(len(centres))
    for _ in range(30):
        offset = np.clip(rng.normal(0, 1, (len(pending), 2)), -2.5, 2.5) * spread_m[pending, None]
        trial = centres[pending] + offset
        ok = shapely.contains_xy(outline, trial[:, 0], trial[:, 1])
        points[pending[ok]] = trial[ok]
        pending = pending[~ok]
        if not len(pending):
            break
    return points  # any still pending keep their (inside) area centre


def points_in(rng: np.random.Generator, polygons: np.ndarray) -> np.ndarray:
    """One uniformly random point inside each polygon (metres): bounding-box draws, redrawn until inside."""
    bounds = shapely.bounds(polygons)
    points = shapely.get_coordinates(shapely.point_on_surface(polygons))
    pending = np.arange(len(polygons))
    for _ in range(50):
        lo, hi = bounds[pending, :2], bounds[pending, 2:]
        trial = lo + rng.random((len(pending), 2)) * (hi - lo)
        ok = shapely.contains_xy(polygons[pending], trial[:, 0], trial[:, 1])
        points[pending[ok]] = trial[ok]
        pending = pending[~ok]
        if not len(pending):
            break
    return points  # any still pending keep a point on the polygon's surface


def unit_at(points: np.ndarray, units: list[tuple[str, object]], fallback_nearest: bool) -> np.ndarray:
    """Name of the unit polygon containing each point; the nearest unit where none does (if asked)."""
    names = np.full(len(points), None, dtype=object)
    for name, polygon in units:
        hit = (names == None) & shapely.contains_xy(polygon, points[:, 0], points[:, 1])  # noqa: E711
        names[hit] = name
    missing = np.flatnonzero(names == None)  # noqa: E711
    if fallback_nearest and len(missing):
        pts = shapely.points(points[missing])
        distances = np.column_stack([shapely.distance(polygon, pts) for _, polygon in units])
        names[missing] = [units[j][0] for j in distances.argmin(axis=1)]
    return names


def anchor_points(geoms: np.ndarray) -> np.ndarray:
    """A point per feature for unit look-ups: centroid of polygons, midpoint of lines."""
    lineal = np.isin(shapely.get_type_id(geoms), (1, 5))
    anchors = shapely.centroid(geoms)
    if lineal.any():
        anchors[lineal] = shapely.line_interpolate_point(geoms[lineal], 0.5, normalized=True)
    return shapely.get_coordinates(anchors)
