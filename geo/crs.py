"""CRS rules: data is stored in EPSG:4326, CGCS2000 (4490) is accepted, measures use EPSG:4548."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

STORAGE_CRS = "EPSG:4326"
MEASURE_CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
CGCS2000 = "EPSG:4490"
# Binhai New Area's extent (lon/lat) and a margin for imports: features outside are rejected.
BINHAI_BOUNDS = (117.33, 38.55, 117.95, 39.35)
IMPORT_MARGIN_DEG = 0.15


def is_geographic_like_wgs84(crs: CRS | str | None) -> bool:
    """True for WGS84/CGCS2000 lon/lat CRSs, which differ by under a metre here (treated as equal)."""
    if crs is None:
        return False
    c = CRS.from_user_input(crs)
    return c.is_geographic and c.to_epsg() in (4326, 4490, 4610, 4214, None) and c.ellipsoid is not None


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
    x0, y0, x1, y1 = BINHAI_BOUNDS
    m = IMPORT_MARGIN_DEG
    return shapely.box(x0 - m, y0 - m, x1 + m, y1 + m)
