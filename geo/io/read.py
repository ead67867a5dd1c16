"""The import path's entry: a user's file → validated features of a layer (nothing is written)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.config import Limits
from geo.io.common import RawFeatures, fail, printable
from geo.io.csvfile import read_csv
from geo.io.kml import read_kml
from geo.io.ogr import read_ogr
from geo.io.shapefile import read_zipped_shapefile
from geo.io.validate import validate

SUPPORTED = {".geojson", ".json", ".gpkg", ".zip", ".kml", ".csv"}


def read_features(
    path: Path, spec: Any, limits: Limits, source_name: str | None = None, from_gcj02: bool = False
) -> gpd.GeoDataFrame:
    """Read and validate a file for layer `spec`.

    Returns a GeoDataFrame with `id` (None where the file has none), the spec's fields (coded values
    normalised to their codes) and geometry in EPSG:4326. Raises `InputError` naming the file and
    listing every problem found (feature number, field, Chinese and English text). Guards against
    oversized input (file size, zip checks, feature and total vertex counts) stop at the first breach;
    the size is read from the file system before a byte of the file is. `from_gcj02` converts
    coordinates the user says are GCJ-02 to WGS84 before they are checked against Binhai.
    """
    path = Path(path)
    source = printable(source_name or path.name)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        known = ", ".join(sorted(SUPPORTED))
        raise fail(
            source,
            f"不支持的文件类型 {suffix or '（无扩展名）'}，可用: {known}",
            f"unsupported file type {suffix or '(none)'}; use one of: {known}",
        )
    if not path.is_file():
        raise fail(source, "找不到文件", "file not found")
    size = path.stat().st_size
    if size == 0:
        raise fail(source, "文件为空", "the file is empty")
    if size > limits.max_upload_mb * 1024 * 1024:
        mb = size / 1024 / 1024
        raise fail(
            source,
            f"文件过大（{mb:.1f} MB），上限为 {limits.max_upload_mb:g} MB",
            f"file too large ({mb:.1f} MB); the limit is {limits.max_upload_mb:g} MB",
        )
    readers: dict[str, Callable[[Path, Any, Limits, str], RawFeatures]] = {
        ".geojson": read_ogr,
        ".json": read_ogr,
        ".gpkg": read_ogr,
        ".zip": read_zipped_shapefile,
        ".kml": read_kml,
        ".csv": read_csv,
    }
    try:
        raw = readers[suffix](path, spec, limits, source)
    except UnicodeDecodeError as exc:  # GDAL handed over text that is not in the encoding it claimed
        raise fail(
            source,
            "文件中的文字编码无法识别（应为 UTF-8；Shapefile 可为 GBK 并附 .cpg）",
            "the text encoding is not recognised (expected UTF-8; a Shapefile may be GBK with a .cpg)",
        ) from exc
    return validate(raw, spec, limits, source, from_gcj02)


def validate_frame(gdf: gpd.GeoDataFrame, spec: Any, limits: Limits, source_name: str) -> gpd.GeoDataFrame:
    """Validate and normalise features already in memory (a form, a drawn shape) like a file's."""
    return validate(RawFeatures(gdf), spec, limits, printable(source_name))
