"""GeoJSON, GeoPackage and single Shapefiles read through GDAL (pyogrio), and GeoJSON/GPKG written back.

The driver is pinned by the file's extension; a file whose content is another format, a GeoJSON
cut short or not JSON at all, and geometries GEOS cannot build are each named, never a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely

from geo.config import Limits
from geo.errors import InputError, Problem
from geo.io.common import HEAD_BYTES, RawFeatures, check_feature_count, fail

_PYOGRIO_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)


_EXPECTED_DRIVER = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}


def read_ogr(path: Path, spec: Any, limits: Limits, source: str, encoding: str | None = None) -> RawFeatures:
    """GeoJSON, GeoPackage or one Shapefile through GDAL, with the driver pinned by extension."""
    layer = _pick_gpkg_layer(path, spec, source) if path.suffix.lower() == ".gpkg" else None
    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding)
    except _PYOGRIO_ERRORS as exc:
        raise unreadable(source, path) from exc
    expected = _EXPECTED_DRIVER[path.suffix.lower()]
    if info["driver"] != expected:
        raise fail(
            source,
            f"文件内容不是 {expected} 格式（识别为 {info['driver']}）",
            f"the content is not {expected} (GDAL sees {info['driver']})",
        )
    check_feature_count(int(info["features"]), limits, source)
    problems: list[Problem] = []
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except _PYOGRIO_ERRORS as exc:
        raise unreadable(source, path) from exc
    except shapely.errors.GEOSException:
        # GDAL handed over a geometry GEOS cannot build (an unclosed ring, a ring of two points):
        # read again keeping the features, and name each one that has no usable geometry.
        frame, problems = _read_ogr_with_broken_geometries(path, layer, encoding)
    declared = _geojson_crs_member(path) if path.suffix.lower() in (".geojson", ".json") else ""
    return RawFeatures(frame, problems, {p.feature for p in problems if p.feature}, declared_crs=declared)


def _read_ogr_with_broken_geometries(
    path: Path, layer: str | None, encoding: str | None
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding, on_invalid="ignore")
    _, _, wkb, _ = pyogrio.raw.read(path, layer=layer, encoding=encoding, columns=[])
    problems = []
    for number, (raw, geometry) in enumerate(zip(wkb, frame.geometry, strict=True), start=1):
        if raw is None or geometry is not None:
            continue
        try:
            shapely.from_wkb(raw)
            reason = "unknown"
        except shapely.errors.GEOSException as exc:
            reason = str(exc).removeprefix("IllegalArgumentException: ")
        if "closed linestring" in reason:
            zh, en = (
                "面的环未闭合（首尾坐标应相同）",
                "a polygon ring is not closed (its first and last points must be equal)",
            )
        else:
            zh, en = f"几何无法构建: {reason}", f"the geometry cannot be built: {reason}"
        problems.append(Problem(zh, en, number, "geometry"))
    return frame, problems


def unreadable(source: str, path: Path | None = None) -> InputError:
    """GDAL could not open the file; for GeoJSON, say whether it is not JSON at all or cut short."""
    if path is not None and path.suffix.lower() in (".geojson", ".json"):
        head, tail = _head_and_tail(path)
        if not head.startswith((b"{", b"[")):
            return fail(
                source,
                "无法读取文件：内容不是 JSON（GeoJSON 文件应以 { 开头）",
                "cannot read the file: the content is not JSON (a GeoJSON file starts with {)",
            )
        if not tail.endswith((b"}", b"]")):
            return fail(
                source,
                "无法读取文件：GeoJSON 不完整，文件似乎被截断（结尾缺少 }）",
                "cannot read the file: the GeoJSON is incomplete, the file looks truncated (no closing })",
            )
    return fail(
        source,
        "无法读取文件：格式无法识别或文件已损坏",
        "cannot read the file: the format is not recognised or the file is damaged",
    )


def _head_and_tail(path: Path, size: int = 256) -> tuple[bytes, bytes]:
    """The first and last non-blank bytes of a file (a UTF-8 BOM skipped), read without loading it."""
    with path.open("rb") as f:
        head = f.read(size)
        f.seek(max(path.stat().st_size - size, 0))
        tail = f.read(size)
    return head.removeprefix(b"\xef\xbb\xbf").lstrip(), tail.rstrip()


def _geojson_crs_member(path: Path) -> str:
    """The text of a GeoJSON's `crs` member: GDAL drops a name it does not know (e.g. "GCJ-02")."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES).decode("utf-8", errors="replace")
    found = re.search(r'"crs"\s*:\s*(\{[^{}]*(\{[^{}]*\}[^{}]*)*\})', head)
    return found.group(1) if found else ""


def _pick_gpkg_layer(path: Path, spec: Any, source: str) -> str:
    """The layer named like the spec (name or title), else the first layer with geometry."""
    try:
        listed = pyogrio.list_layers(path)
    except _PYOGRIO_ERRORS as exc:
        raise unreadable(source) from exc
    spatial = [str(name) for name, geometry_type in listed if geometry_type]
    if not spatial:
        raise fail(source, "GeoPackage 中没有含几何的图层", "the GeoPackage has no layer with geometry")
    wanted = {spec.name.casefold(), spec.title_zh.casefold(), spec.title_en.casefold()}
    for name in spatial:
        if name.casefold() in wanted:
            return name
    return spatial[0]


def write_geojson(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    """The layer as RFC 7946 GeoJSON (EPSG:4326)."""
    out.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, out, driver="GeoJSON", layer=spec.name, RFC7946=True)


def write_gpkg(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    """The layer as one GeoPackage table named after the layer (multi-parts promoted where mixed)."""
    out.unlink(missing_ok=True)
    geometry_type, promote = ogr_type(frame, spec.geometry)
    pyogrio.write_dataframe(
        frame, out, driver="GPKG", layer=spec.name, geometry_type=geometry_type, promote_to_multi=promote
    )


def ogr_type(frame: gpd.GeoDataFrame, families: tuple[str, ...]) -> tuple[str, bool]:
    """The layer type GDAL should declare, and whether single parts must be promoted to multi."""
    if len(families) > 1:
        return "Unknown", False
    family = families[0]
    if frame.geometry.geom_type.eq(family).all():
        return family, False
    return f"Multi{family}", True
