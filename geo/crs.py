"""CRS rules: data is stored in EPSG:4326, CGCS2000 (4490) is accepted, measures use EPSG:4548.

GCJ-02 ("Mars coordinates", used by Amap/Tencent-style web maps) is not a CRS PROJ knows: the
conversion below implements the published formulas. Whether a file *is* GCJ-02 cannot be told from
its coordinates alone (the shift is a smooth ≈ 550 m in Binhai); geo/io/datum.py flags files that say so
(CRS text, a coordinate-system column, the file name) or whose features sit exactly one shift away
from the same ids already stored.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

STORAGE_CRS = "EPSG:4326"
MEASURE_CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
CGCS2000 = "EPSG:4490"
# Binhai New Area's extent (lon/lat) and a margin for imports: features outside are rejected.
BINHAI_BOUNDS = (117.33, 38.55, 117.95, 39.35)
IMPORT_MARGIN_DEG = 0.15


def to_storage_crs(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326; CGCS2000 is relabelled, not shifted (sub-metre difference)."""
    if gdf.crs is None:
        raise ValueError("GeoDataFrame has no CRS")
    epsg = gdf.crs.to_epsg()
    if epsg == 4326:
        return gdf
    if epsg == 4490:
        return gdf.set_crs(STORAGE_CRS, allow_override=True)
    return gdf.to_crs(STORAGE_CRS)


def measures_km(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Area (km²) and length (km) of each geometry, computed in EPSG:4548 — never in degrees.

    Area is NaN for non-polygons; length is the line length for lines and the perimeter is not
    reported for polygons (NaN) to avoid mixing the two meanings.
    """
    projected = geoms.to_crs(MEASURE_CRS)
    types = shapely.get_type_id(projected.values)
    polygonal = np.isin(types, (3, 6))
    lineal = np.isin(types, (1, 2, 5))
    area = np.where(polygonal, shapely.area(projected.values) / 1e6, np.nan)
    length = np.where(lineal, shapely.length(projected.values) / 1e3, np.nan)
    return area, length


def binhai_import_box() -> shapely.Polygon:
    """The district's bounds widened by `IMPORT_MARGIN_DEG`: where imported features must lie (EPSG:4326)."""
    x0, y0, x1, y1 = BINHAI_BOUNDS
    m = IMPORT_MARGIN_DEG
    return shapely.box(x0 - m, y0 - m, x1 + m, y1 + m)


# -- GCJ-02 ("Mars coordinates") -----------------------------------------------------------------
# GCJ-02 is the obfuscated datum of Chinese web maps (Amap/高德, Tencent, Google China; Baidu adds a
# further BD-09 shift on top). It has no EPSG code and PROJ cannot convert it. These are the standard
# published formulas (Krasovsky ellipsoid constants); the inverse is solved by fixed-point iteration,
# which converges to well under a centimetre. A point outside mainland China is not shifted.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)


def _gcj_shift(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS84 positions; zero outside China."""
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * pi)
    d_lon = (d_lon * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad) * pi)
    x0, y0, x1, y1 = _CHINA_BOX
    outside = (lon < x0) | (lon > x1) | (lat < y0) | (lat > y1)
    return np.where(outside, 0.0, d_lon), np.where(outside, 0.0, d_lat)


def wgs84_to_gcj02_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat arrays → GCJ-02 (what a Chinese web map would show for them)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _gcj_shift(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84_xy(lon: np.ndarray, lat: np.ndarray, tolerance_deg: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat arrays → WGS84, by iterating the forward shift until it maps back onto the input."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = lon.copy(), lat.copy()
    for _ in range(30):
        g_lon, g_lat = wgs84_to_gcj02_xy(w_lon, w_lat)
        e_lon, e_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if np.nanmax(np.abs(np.concatenate([e_lon.ravel(), e_lat.ravel(), [0.0]]))) < tolerance_deg:
            break
    return w_lon, w_lat


def convert_gcj02_to_wgs84(geoms: Any) -> Any:
    """Shapely geometries (an array or a GeoSeries) whose lon/lat are GCJ-02 → the same shapes in WGS84."""

    def shift(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84_xy(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    if isinstance(geoms, gpd.GeoSeries):
        return gpd.GeoSeries(shapely.transform(geoms.values, shift), index=geoms.index, crs=geoms.crs)
    return shapely.transform(np.asarray(geoms, dtype=object), shift)


def gcj02_offset_m(lon: float, lat: float) -> float:
    """Length in metres of the GCJ-02 shift at a WGS84 position (≈ 100–700 m in mainland China)."""
    g_lon, g_lat = wgs84_to_gcj02_xy(np.array([lon]), np.array([lat]))
    return float(ground_distance_m(lon, lat, g_lon[0], g_lat[0]))


def ground_distance_m(lon0: Any, lat0: Any, lon1: Any, lat1: Any) -> Any:
    """Approximate ground distance in metres between lon/lat positions (equirectangular, fine below 10 km)."""
    k = 111_320.0
    mid = np.radians((np.asarray(lat0) + np.asarray(lat1)) / 2.0)
    return np.hypot((np.asarray(lon1) - np.asarray(lon0)) * k * np.cos(mid), (np.asarray(lat1) - np.asarray(lat0)) * k)


def map_bounds(frame: gpd.GeoDataFrame | None) -> tuple[float, float, float, float]:
    """(west, south, east, north) in EPSG:4326 to frame a map: the frame's extent, else the district's."""
    if frame is None or not len(frame) or frame.geometry.is_empty.all():
        return BINHAI_BOUNDS
    return tuple(float(v) for v in frame.total_bounds)
