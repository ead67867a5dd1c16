"""Reading, validating and exporting layer files: the one import path the CLI and the pages share.

`read_features` turns a user's file (GeoJSON, GeoPackage, zipped Shapefile, KML, CSV) into a
GeoDataFrame shaped like the layer's table — `id`, the spec's fields, geometry in EPSG:4326, coded
values normalised — or raises `InputError` listing every problem with its feature number and field,
in Chinese and English. Only `import_features`/`write_features` write to the store, in one
transaction and only after the whole file has passed. `export_layer` writes the other way. Pure: no
streamlit.
"""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
import unicodedata
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape as _escape
from io import StringIO
from pathlib import Path, PurePosixPath
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET
import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely
from pyproj import CRS

from geo.config import Limits
from geo.crs import (
    BINHAI_BOUNDS,
    STORAGE_CRS,
    binhai_import_box,
    convert_gcj02_to_wgs84,
    gcj02_offset_m,
    ground_distance_m,
    to_storage_crs,
    wgs84_to_gcj02_xy,
)
from geo.errors import InputError, PortalError, Problem
from geo.outfile import atomic_write, checked_target, store_files
from geo.store.db import Store
from geo.store.features import log_import, read_layer, write_layer

SUPPORTED = {".geojson", ".json", ".gpkg", ".zip", ".kml", ".csv"}
EXPORT_FORMATS = ("geojson", "gpkg", "shp", "kml", "csv")
EXPORT_SUFFIX = {"geojson": "geojson", "gpkg": "gpkg", "shp": "zip", "kml": "kml", "csv": "csv"}

MAX_TEXT_LENGTH = 500
ID_COLUMNS = ("id", "编号")
LON_COLUMNS = ("lon", "lng", "long", "longitude", "x", "经度")
LAT_COLUMNS = ("lat", "latitude", "y", "纬度")
WKT_COLUMNS = ("wkt", "geometry", "geom", "几何")
DBF_NAME_LENGTH = 10  # dBase field names are cut to 10 characters
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj")
# Swapped lat/lon in Binhai: x would be a latitude (38–40) and y a longitude (117–118).
SWAPPED_X = (38.0, 40.0)
SWAPPED_Y = (117.0, 118.2)
_PYOGRIO_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)
_EXPECTED_DRIVER = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}
_GEOMETRY_ERRORS = (ValueError, TypeError, RecursionError, shapely.errors.GEOSException)
# Characters XML 1.0 forbids even when escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A tag or comment (`<img …>`, `</b>`, `<!-- …`): no name, town or id needs one, and refusing it keeps
# markup out of the store even though every page escapes what it shows. `A<B` or `<未命名>` pass.
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z][^<>]*>|<!--")
# A spreadsheet evaluates a cell starting with these as a formula (CSV injection): export prefixes `'`.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Words by which a CRS declaration, a coordinate-system column or a file name says its coordinates are
# offset: GCJ-02 (Amap/Tencent, "Mars coordinates") or Baidu's BD-09 (a further shift on top of it).
_GCJ02_WORDS = re.compile(r"gcj[-_ ]?0?2|火星|国测局|高德|amap|gaode|autonavi|腾讯|tencent|\bmars\b", re.IGNORECASE)
_BD09_WORDS = re.compile(r"bd[-_ ]?0?9|百度|baidu", re.IGNORECASE)
CRS_COLUMNS = (
    "crs",
    "srs",
    "coordsys",
    "coord_sys",
    "coord_type",
    "coordtype",
    "coordinate_system",
    "坐标系",
    "坐标系统",
    "坐标类型",
)
# Only the head of a GeoJSON is searched for a `crs` member (it comes before the features).
_HEAD_BYTES = 64 * 1024


class _GeometryTextError(ValueError):
    """A geometry written as text (KML) that cannot be read, said in both languages."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh = zh
        self.en = en


@dataclass
class _Raw:
    """What a reader found: features as read (any columns, CRS as declared) and problems met on the way."""

    frame: gpd.GeoDataFrame
    problems: list[Problem] = field(default_factory=list)
    # Features whose geometry a reader already reported (e.g. a CSV row with a non-numeric lon).
    geometry_reported: set[int] = field(default_factory=set)
    # The CRS as the file wrote it (a .prj, a GeoJSON `crs` member), when GDAL may not keep it.
    declared_crs: str = ""


def _fail(source: str, zh: str, en: str, **where: Any) -> InputError:
    return InputError(source, [Problem(zh, en, **where)])


def _printable(name: str) -> str:
    """A file name fit for a terminal or a page: control characters (e.g. ESC sequences) written as escapes."""
    return "".join(repr(ch)[1:-1] if unicodedata.category(ch) == "Cc" else ch for ch in name)


def _shown(value: Any, limit: int = 40) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


# -- reading -------------------------------------------------------------------------------------


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
    source = _printable(source_name or path.name)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        known = ", ".join(sorted(SUPPORTED))
        raise _fail(
            source,
            f"不支持的文件类型 {suffix or '（无扩展名）'}，可用: {known}",
            f"unsupported file type {suffix or '(none)'}; use one of: {known}",
        )
    if not path.is_file():
        raise _fail(source, "找不到文件", "file not found")
    size = path.stat().st_size
    if size == 0:
        raise _fail(source, "文件为空", "the file is empty")
    if size > limits.max_upload_mb * 1024 * 1024:
        mb = size / 1024 / 1024
        raise _fail(
            source,
            f"文件过大（{mb:.1f} MB），上限为 {limits.max_upload_mb:g} MB",
            f"file too large ({mb:.1f} MB); the limit is {limits.max_upload_mb:g} MB",
        )
    readers: dict[str, Callable[[Path, Any, Limits, str], _Raw]] = {
        ".geojson": _read_ogr,
        ".json": _read_ogr,
        ".gpkg": _read_ogr,
        ".zip": _read_zipped_shapefile,
        ".kml": _read_kml,
        ".csv": _read_csv,
    }
    try:
        raw = readers[suffix](path, spec, limits, source)
    except UnicodeDecodeError as exc:  # GDAL handed over text that is not in the encoding it claimed
        raise _fail(
            source,
            "文件中的文字编码无法识别（应为 UTF-8；Shapefile 可为 GBK 并附 .cpg）",
            "the text encoding is not recognised (expected UTF-8; a Shapefile may be GBK with a .cpg)",
        ) from exc
    return _validate(raw, spec, limits, source, from_gcj02)


def validate_frame(gdf: gpd.GeoDataFrame, spec: Any, limits: Limits, source_name: str) -> gpd.GeoDataFrame:
    """Validate and normalise features already in memory (a form, a drawn shape) like a file's."""
    return _validate(_Raw(gdf), spec, limits, _printable(source_name))


def _read_ogr(path: Path, spec: Any, limits: Limits, source: str, encoding: str | None = None) -> _Raw:
    """GeoJSON, GeoPackage or one Shapefile through GDAL, with the driver pinned by extension."""
    layer = _pick_gpkg_layer(path, spec, source) if path.suffix.lower() == ".gpkg" else None
    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding)
    except _PYOGRIO_ERRORS as exc:
        raise _unreadable(source, path) from exc
    expected = _EXPECTED_DRIVER[path.suffix.lower()]
    if info["driver"] != expected:
        raise _fail(
            source,
            f"文件内容不是 {expected} 格式（识别为 {info['driver']}）",
            f"the content is not {expected} (GDAL sees {info['driver']})",
        )
    _check_feature_count(int(info["features"]), limits, source)
    problems: list[Problem] = []
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except _PYOGRIO_ERRORS as exc:
        raise _unreadable(source, path) from exc
    except shapely.errors.GEOSException:
        # GDAL handed over a geometry GEOS cannot build (an unclosed ring, a ring of two points):
        # read again keeping the features, and name each one that has no usable geometry.
        frame, problems = _read_ogr_with_broken_geometries(path, layer, encoding)
    declared = _geojson_crs_member(path) if path.suffix.lower() in (".geojson", ".json") else ""
    return _Raw(frame, problems, {p.feature for p in problems if p.feature}, declared_crs=declared)


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


def _unreadable(source: str, path: Path | None = None) -> InputError:
    """GDAL could not open the file; for GeoJSON, say whether it is not JSON at all or cut short."""
    if path is not None and path.suffix.lower() in (".geojson", ".json"):
        head, tail = _head_and_tail(path)
        if not head.startswith((b"{", b"[")):
            return _fail(
                source,
                "无法读取文件：内容不是 JSON（GeoJSON 文件应以 { 开头）",
                "cannot read the file: the content is not JSON (a GeoJSON file starts with {)",
            )
        if not tail.endswith((b"}", b"]")):
            return _fail(
                source,
                "无法读取文件：GeoJSON 不完整，文件似乎被截断（结尾缺少 }）",
                "cannot read the file: the GeoJSON is incomplete, the file looks truncated (no closing })",
            )
    return _fail(
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
        head = f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    found = re.search(r'"crs"\s*:\s*(\{[^{}]*(\{[^{}]*\}[^{}]*)*\})', head)
    return found.group(1) if found else ""


def _pick_gpkg_layer(path: Path, spec: Any, source: str) -> str:
    """The layer named like the spec (name or title), else the first layer with geometry."""
    try:
        listed = pyogrio.list_layers(path)
    except _PYOGRIO_ERRORS as exc:
        raise _unreadable(source) from exc
    spatial = [str(name) for name, geometry_type in listed if geometry_type]
    if not spatial:
        raise _fail(source, "GeoPackage 中没有含几何的图层", "the GeoPackage has no layer with geometry")
    wanted = {spec.name.casefold(), spec.title_zh.casefold(), spec.title_en.casefold()}
    for name in spatial:
        if name.casefold() in wanted:
            return name
    return spatial[0]


def _check_feature_count(count: int, limits: Limits, source: str) -> None:
    if count > limits.max_features:
        raise _fail(
            source,
            f"要素过多（{count} 个），上限为 {limits.max_features} 个",
            f"too many features ({count}); the limit is {limits.max_features}",
        )


# -- zipped Shapefile ----------------------------------------------------------------------------


def _read_zipped_shapefile(path: Path, spec: Any, limits: Limits, source: str) -> _Raw:
    """Check the archive before extracting anything, then read each Shapefile in it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, NotImplementedError, EOFError) as exc:  # NotImplementedError: a mangled version
        raise _fail(source, "不是有效的 zip 压缩包", "not a valid zip archive") from exc
    with archive, tempfile.TemporaryDirectory(prefix="binhai-import-") as tmp:
        shapefiles = _extract_shapefiles(archive, path, limits, source, Path(tmp))
        frames = []
        declared = ""
        for shp in shapefiles:
            raw = _read_shapefile(shp, spec, limits, source)
            frames.append(raw.frame)
            declared = declared or raw.declared_crs
            _check_feature_count(sum(len(f) for f in frames), limits, source)
    crs = {f.crs for f in frames}
    if len(crs) > 1:
        raise _fail(source, "压缩包内各 Shapefile 的坐标系不一致", "the Shapefiles in the zip use different CRSs")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _Raw(gpd.GeoDataFrame(frame, geometry="geometry", crs=frames[0].crs), declared_crs=declared)


def _extract_shapefiles(archive: zipfile.ZipFile, path: Path, limits: Limits, source: str, into: Path) -> list[Path]:
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise _fail(
            source,
            f"压缩包内文件过多（{len(members)} 个），上限为 {limits.max_zip_members} 个",
            f"too many files in the zip ({len(members)}); the limit is {limits.max_zip_members}",
        )
    unsafe = [m.filename for m in members if _unsafe_member(m.filename)]
    if unsafe:
        raise _fail(
            source,
            f"压缩包含有不安全的路径（绝对路径或 ..）: {', '.join(map(_shown, unsafe[:5]))}",
            f"the zip holds unsafe paths (absolute or ..): {', '.join(map(_shown, unsafe[:5]))}",
        )
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), path.stat().st_size, 1)
    if unpacked > limits.max_zip_ratio * packed:
        raise _fail(
            source,
            f"压缩包解压后过大（{unpacked} 字节，压缩比超过 {limits.max_zip_ratio:g}），疑似压缩炸弹",
            f"the zip expands too much ({unpacked} bytes, ratio over {limits.max_zip_ratio:g}); refusing a zip bomb",
        )
    # Group the members of each Shapefile by their path without suffix (case-insensitive).
    sets: dict[str, dict[str, zipfile.ZipInfo]] = defaultdict(dict)
    for m in members:
        p = PurePosixPath(m.filename.replace("\\", "/"))
        if m.is_dir() or p.name.startswith("._") or "__MACOSX" in p.parts:
            continue
        suffix = p.suffix.lower()
        if suffix in (*SHAPEFILE_PARTS, ".cpg"):
            sets[str(p.with_suffix("")).casefold()][suffix] = m
    with_shp = {stem: parts for stem, parts in sets.items() if ".shp" in parts}
    if not with_shp:
        missing = [s for s in (".shp", ".shx", ".dbf") if not any(s in parts for parts in sets.values())]
        missing = missing or [".shp"]
        raise _fail(
            source,
            f"压缩包中不是完整的 Shapefile，缺少 {', '.join(missing)}",
            f"the zip does not hold a complete Shapefile: missing {', '.join(missing)}",
        )
    extracted = []
    for number, (_, parts) in enumerate(sorted(with_shp.items()), start=1):
        label = parts[".shp"].filename
        missing = [s for s in (".shx", ".dbf") if s not in parts]
        if missing:
            raise _fail(
                source,
                f"{label} 缺少 {', '.join(missing)}",
                f"{label} is missing {', '.join(missing)}",
            )
        if ".prj" not in parts:
            raise _fail(
                source,
                f"{label} 缺少 .prj，无法确定坐标系",
                f"{label} has no .prj: the coordinate system is unknown",
            )
        # Members are written under names we choose, so nothing in the archive picks a path.
        base = into / f"layer{number}"
        for suffix, member in parts.items():
            _copy_member(archive, member, base.with_suffix(suffix), source)
        extracted.append(base.with_suffix(".shp"))
    return extracted


def _copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, source: str) -> None:
    """Copy one member, never writing more than the size it declares (the bomb check relied on it)."""
    written = 0
    with _reading_member(member, source):
        src = archive.open(member)
    with src, open(target, "wb") as dst:
        while True:
            with _reading_member(member, source):
                chunk = src.read(1 << 20)
            if not chunk:
                break
            written += len(chunk)
            if written > member.file_size:
                raise _fail(
                    source,
                    f"{member.filename} 解压后大于其声明的大小，已拒绝",
                    f"{member.filename} expands beyond its declared size; refused",
                )
            dst.write(chunk)


@contextlib.contextmanager
def _reading_member(member: zipfile.ZipInfo, source: str) -> Iterator[None]:
    """zipfile's errors for a damaged, encrypted or exotic member, said as the user's problem.

    Only opening and reading the member are wrapped: a full disk while writing stays the server's error.
    """
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:  # OSError: a seek to a bad offset
        raise _fail(source, f"压缩包已损坏: {member.filename}", f"the zip is damaged: {member.filename}") from exc
    except (NotImplementedError, RuntimeError) as exc:  # zipfile's words for encrypted or exotic members
        raise _fail(
            source,
            f"{member.filename} 使用了不支持的压缩方式或已加密，请用普通 zip（deflate）重新压缩",
            f"{member.filename} is encrypted or uses an unsupported compression; re-zip it as a plain (deflate) zip",
        ) from exc


def _unsafe_member(name: str) -> bool:
    normal = name.replace("\\", "/")
    if normal.startswith("/") or re.match(r"^[A-Za-z]:", normal):
        return True
    return ".." in normal.split("/")


def _read_shapefile(shp: Path, spec: Any, limits: Limits, source: str) -> _Raw:
    """GDAL honours a .cpg; without one (or when it is wrong) try UTF-8, then GBK (common in Chinese GIS)."""
    # None lets GDAL decode by the .cpg; the explicit ones make pyogrio decode the raw .dbf bytes.
    attempts = [None, "UTF-8", "GBK"] if shp.with_suffix(".cpg").exists() else ["UTF-8", "GBK"]
    prj = shp.with_suffix(".prj")
    declared = prj.read_bytes()[:_HEAD_BYTES].decode("utf-8", errors="replace") if prj.exists() else ""
    for encoding in attempts:
        try:
            raw = _read_ogr(shp, spec, limits, source, encoding=encoding)
        except UnicodeDecodeError:
            continue
        raw.declared_crs = declared
        return raw
    raise _fail(
        source,
        "无法识别 .dbf 的文字编码（应为 UTF-8 或 GBK），请附带正确的 .cpg 文件",
        "cannot tell the .dbf text encoding (expected UTF-8 or GBK); add a correct .cpg file",
    )


# -- KML -----------------------------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if _local(c.tag) == name]


def _read_kml(path: Path, spec: Any, limits: Limits, source: str) -> _Raw:
    """Placemarks via defusedxml only: DTDs and entities (XXE, billion laughs) are refused outright."""
    try:
        root = SafeET.parse(path, forbid_dtd=True, forbid_entities=True, forbid_external=True).getroot()
    except defusedxml.DefusedXmlException as exc:
        raise _fail(source, *_kml_dtd_refusal(path)) from exc
    except SafeET.ParseError as exc:
        raise _fail(source, f"KML 不是有效的 XML: {exc}", f"the KML is not well-formed XML: {exc}") from exc
    if _local(root.tag) != "kml":
        raise _fail(source, "不是 KML 文件（根元素应为 kml）", "not a KML file (the root element must be kml)")
    rows: list[dict[str, Any]] = []
    geometries: list[Any] = []
    problems: list[Problem] = []
    reported: set[int] = set()
    for number, placemark in enumerate((e for e in root.iter() if _local(e.tag) == "Placemark"), start=1):
        _check_feature_count(number, limits, source)
        row: dict[str, Any] = {}
        for child in placemark:
            tag = _local(child.tag)
            if tag == "name":
                row["name"] = (child.text or "").strip()
            elif tag == "ExtendedData":
                row.update(_kml_extended_data(child))
        geometry = None
        node = next((c for c in placemark if _local(c.tag) in _KML_GEOMETRIES), None)
        if node is not None:
            try:
                geometry = _kml_geometry(node)
            except _GEOMETRY_ERRORS as exc:
                zh = exc.zh if isinstance(exc, _GeometryTextError) else str(exc)
                problems.append(Problem(f"几何无法解析: {zh}", f"cannot parse the geometry: {exc}", number, "geometry"))
                reported.add(number)
        rows.append(row)
        geometries.append(geometry)
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, dtype=object), geometry=geometries, crs=STORAGE_CRS)
    return _Raw(frame, problems, reported)


def _kml_dtd_refusal(path: Path) -> tuple[str, str]:
    """Name what a refused DTD was up to; the refusal itself is defusedxml's, before any entity is expanded."""
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    if re.search(r"<!ENTITY[^>]*\b(SYSTEM|PUBLIC)\b", head):
        return (
            "KML 引用了外部实体（XXE 攻击，可读取服务器文件），已拒绝",
            "the KML references an external entity (XXE: it could read files on the server); refused",
        )
    if "<!ENTITY" in head:
        return (
            "KML 声明了实体（可能是“十亿笑声”实体膨胀攻击），已拒绝",
            "the KML declares entities (a possible billion laughs expansion attack); refused",
        )
    return "KML 含有 DTD 声明（KML 不需要），已拒绝", "the KML has a DTD (KML needs none); refused"


def _kml_extended_data(element: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in element.iter():
        tag = _local(node.tag)
        if tag == "Data" and node.get("name"):
            value = next((c for c in node if _local(c.tag) == "value"), None)
            found[node.get("name")] = None if value is None else (value.text or "")
        elif tag == "SimpleData" and node.get("name"):
            found[node.get("name")] = node.text or ""
    return found


def _kml_coordinates(element: Any) -> list[tuple[float, ...]]:
    node = next((c for c in element if _local(c.tag) == "coordinates"), None)
    if node is None or not (node.text or "").strip():
        raise _GeometryTextError("缺少 <coordinates>", "missing <coordinates>")
    points = []
    for item in node.text.split():
        try:
            values = tuple(float(v) for v in item.split(",") if v != "")
        except ValueError:
            raise _GeometryTextError(
                f"坐标 {_shown(item)} 不是数字", f"coordinate {_shown(item)} is not numeric"
            ) from None
        if len(values) < 2:
            raise _GeometryTextError(f"坐标 {_shown(item)} 应为 经度,纬度", f"coordinate {_shown(item)} needs lon,lat")
        points.append(values[:2])
    return points


def _kml_ring(boundary: Any) -> list[tuple[float, ...]]:
    ring = next((c for c in boundary if _local(c.tag) == "LinearRing"), None)
    if ring is None:
        raise _GeometryTextError("面的边界缺少 <LinearRing>", "a polygon boundary has no <LinearRing>")
    return _kml_coordinates(ring)


def _kml_geometry(element: Any) -> Any:
    tag = _local(element.tag)
    if tag == "Point":
        return shapely.Point(_kml_coordinates(element)[0])
    if tag == "LineString":
        return shapely.LineString(_kml_coordinates(element))
    if tag == "LinearRing":
        return shapely.Polygon(_kml_coordinates(element))
    if tag == "Polygon":
        outer = _children(element, "outerBoundaryIs")
        if not outer:
            raise _GeometryTextError("面缺少 <outerBoundaryIs>", "a polygon has no <outerBoundaryIs>")
        holes = [_kml_ring(b) for b in _children(element, "innerBoundaryIs")]
        return shapely.Polygon(_kml_ring(outer[0]), holes)
    parts = [_kml_geometry(c) for c in element if _local(c.tag) in _KML_GEOMETRIES]
    flat = [g for p in parts for g in (p.geoms if isinstance(p, shapely.geometry.base.BaseMultipartGeometry) else [p])]
    kinds = {g.geom_type for g in flat}
    if kinds == {"Point"}:
        return shapely.MultiPoint(flat)
    if kinds == {"LineString"}:
        return shapely.MultiLineString(flat)
    if kinds == {"Polygon"}:
        return shapely.MultiPolygon(flat)
    return shapely.GeometryCollection(flat)


_KML_GEOMETRIES = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry")


# -- CSV -----------------------------------------------------------------------------------------


def _read_csv(path: Path, spec: Any, limits: Limits, source: str) -> _Raw:
    """A table with lon/lat columns (or a WKT column), UTF-8 (BOM or not) or GBK, in WGS84/CGCS2000."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _fail(source, "无法识别文字编码（应为 UTF-8 或 GBK）", "unknown text encoding (expected UTF-8 or GBK)")
    try:
        table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise _fail(source, "CSV 没有内容", "the CSV has no content") from exc
    except pd.errors.ParserError as exc:
        raise _fail(source, f"CSV 格式错误: {exc}", f"malformed CSV: {exc}") from exc
    _check_feature_count(len(table), limits, source)
    table = table.map(_unguard_formula)
    by_key = {str(c).strip().casefold(): c for c in table.columns}
    lon = next((by_key[k] for k in LON_COLUMNS if k in by_key), None)
    lat = next((by_key[k] for k in LAT_COLUMNS if k in by_key), None)
    wkt = next((by_key[k] for k in WKT_COLUMNS if k in by_key), None)
    problems: list[Problem] = []
    reported: set[int] = set()
    geometries: list[Any] = []
    if lon is not None and lat is not None:
        for number, (x_text, y_text) in enumerate(zip(table[lon], table[lat], strict=True), start=1):
            point = None
            coords = []
            for column, text_value, zh, en in ((lon, x_text, "经度", "longitude"), (lat, y_text, "纬度", "latitude")):
                try:
                    value = float(text_value)
                except ValueError:
                    problems.append(
                        Problem(
                            f"{zh}不是数字: {_shown(text_value)}",
                            f"{en} is not a number: {_shown(text_value)}",
                            number,
                            str(column),
                        )
                    )
                    continue
                if not math.isfinite(value):
                    problems.append(
                        Problem(
                            f"{zh}不是有限数值: {_shown(text_value)}",
                            f"{en} is not finite: {_shown(text_value)}",
                            number,
                            str(column),
                        )
                    )
                    continue
                coords.append(value)
            if len(coords) == 2:
                point = shapely.Point(coords)
            else:
                reported.add(number)
            geometries.append(point)
        table = table.drop(columns=[lon, lat])
    elif wkt is not None:
        for number, text_value in enumerate(table[wkt], start=1):
            geometry = None
            if text_value.strip():
                try:
                    geometry = shapely.from_wkt(text_value)
                except shapely.errors.GEOSException:
                    problems.append(
                        Problem(
                            f"WKT 几何无法解析: {_shown(text_value)}",
                            f"cannot parse the WKT geometry: {_shown(text_value)}",
                            number,
                            str(wkt),
                        )
                    )
                    reported.add(number)
            geometries.append(geometry)
        table = table.drop(columns=[wkt])
    else:
        raise _fail(
            source,
            f"CSV 缺少经纬度列（经度列名可为 {'/'.join(LON_COLUMNS)}，纬度列名可为 {'/'.join(LAT_COLUMNS)}）或 WKT 列",
            f"the CSV has no lon/lat columns (lon: {'/'.join(LON_COLUMNS)}; lat: {'/'.join(LAT_COLUMNS)}) nor a WKT column",
        )
    frame = gpd.GeoDataFrame(table.astype(object), geometry=geometries, crs=STORAGE_CRS)
    return _Raw(frame, problems, reported)


def _unguard_formula(value: Any) -> Any:
    """Undo the `'` our CSV export puts before a cell a spreadsheet would run as a formula."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "".join(_FORMULA_START):
        return value[1:]
    return value


# -- validation ----------------------------------------------------------------------------------


def _accepted_names(spec: Any) -> dict[str, tuple[str, ...]]:
    """For `id` and each field, the column names a file may use (compared case-insensitively)."""
    cut = Counter(f.name[:DBF_NAME_LENGTH] for f in spec.fields)
    names: dict[str, tuple[str, ...]] = {"id": ID_COLUMNS}
    for f in spec.fields:
        candidates = [f.name, *f.aliases, f.title_zh]
        if cut[f.name[:DBF_NAME_LENGTH]] == 1:
            candidates.append(f.name[:DBF_NAME_LENGTH])  # a Shapefile's truncated column name
        names[f.name] = tuple(candidates)
    return names


def _column_map(columns: Iterable[Any], spec: Any) -> dict[str, Any]:
    """Target (`id` or field name) → the file's column; exact names win over aliases."""
    by_key: dict[str, Any] = {}
    for column in columns:
        by_key.setdefault(str(column).strip().casefold(), column)
    accepted = _accepted_names(spec)
    mapping: dict[str, Any] = {}
    used: set[str] = set()
    for rank in range(max(len(c) for c in accepted.values())):
        for target, candidates in accepted.items():
            if target in mapping or rank >= len(candidates):
                continue
            key = candidates[rank].casefold()
            if key in by_key and key not in used:
                mapping[target] = by_key[key]
                used.add(key)
    return mapping


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code read as a number: 120116.0 → "120116"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _coerce(f: Any, value: Any) -> tuple[Any, tuple[str, str] | None]:
    """One field value → (stored value, None) or (None, (zh, en) problem)."""
    if f.choices:
        text = _as_text(value)
        code = f.normalise_choice(text)
        if code is None:
            zh = "，".join(f"{c}（{z}）" for c, z, _ in f.choices)
            en = ", ".join(f"{c} ({e})" for c, _, e in f.choices)
            return None, (
                f"取值 {_shown(text)} 不在可选范围内，可选: {zh}",
                f"value {_shown(text)} is not allowed; choose one of: {en}",
            )
        return code, None
    if f.type == "text":
        text = _as_text(value)
        if len(text) > MAX_TEXT_LENGTH:
            return None, (
                f"文字过长（{len(text)} 字），上限 {MAX_TEXT_LENGTH} 字",
                f"text too long ({len(text)} characters); the limit is {MAX_TEXT_LENGTH}",
            )
        if _MARKUP.search(text):
            return None, _markup_problem(text)
        return text, None
    if f.type in ("int", "float"):
        number = _as_number(value)
        if number is None or (f.type == "int" and not float(number).is_integer()):
            kind_zh, kind_en = ("整数", "a whole number") if f.type == "int" else ("数字", "a number")
            return None, (f"应为{kind_zh}，实际为 {_shown(value)}", f"expected {kind_en}, got {_shown(value)}")
        number = int(number) if f.type == "int" else float(number)
        if f.minimum is not None and number < f.minimum or f.maximum is not None and number > f.maximum:
            low = "-∞" if f.minimum is None else f"{f.minimum:g}"
            high = "∞" if f.maximum is None else f"{f.maximum:g}"
            return None, (f"数值 {number:g} 超出范围 {low}–{high}", f"value {number:g} is outside {low}–{high}")
        return number, None
    if f.type == "date":
        day = _as_date(value)
        if day is None:
            return None, (
                f"日期格式应为 YYYY-MM-DD，实际为 {_shown(value)}",
                f"expected a date as YYYY-MM-DD, got {_shown(value)}",
            )
        return day, None
    raise ValueError(f"field {f.name}: unknown type {f.type!r}")


def _markup_problem(text: str) -> tuple[str, str]:
    return (
        f"文字中含有 HTML/脚本标记 {_shown(text)}，不予接受（请去掉 <…> 标记）",
        f"the text contains HTML/script markup {_shown(text)}; it is not accepted (remove the <…> tags)",
    )


def _as_number(value: Any) -> float | int | None:
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        number = float(value) if isinstance(value, float | np.floating) else float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()  # pandas Timestamp is a datetime
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _check_attributes(frame: pd.DataFrame, spec: Any, problems: list[Problem]) -> dict[str, list[Any]]:
    mapping = _column_map((c for c in frame.columns if c != frame.geometry.name), spec)
    n = len(frame)
    out: dict[str, list[Any]] = {}
    ids: list[Any] = [None] * n
    if "id" in mapping:
        for i, value in enumerate(frame[mapping["id"]].tolist()):
            if _is_missing(value):
                continue
            text = _as_text(value)
            if len(text) > 100:
                problems.append(Problem("编号过长（上限 100 字）", "id too long (limit 100 characters)", i + 1, "id"))
            elif _MARKUP.search(text):
                problems.append(Problem(*_markup_problem(text), i + 1, "id"))
            ids[i] = text
    out["id"] = ids
    for f in spec.fields:
        column = mapping.get(f.name)
        if column is None:
            if f.required:
                names = ", ".join(_accepted_names(spec)[f.name][:4])
                problems.append(
                    Problem(
                        f"缺少必填列（可用列名: {names}）",
                        f"the required column is missing (accepted names: {names})",
                        field=f.name,
                    )
                )
            out[f.name] = [None] * n
            continue
        values: list[Any] = []
        for i, value in enumerate(frame[column].tolist()):
            if _is_missing(value):
                if f.required:
                    problems.append(Problem("必填字段为空", "required value is empty", i + 1, f.name))
                values.append(None)
                continue
            stored, problem = _coerce(f, value)
            if problem:
                problems.append(Problem(problem[0], problem[1], i + 1, f.name))
            values.append(stored)
        out[f.name] = values
    return out


def _check_duplicate_ids(ids: list[Any], problems: list[Problem]) -> None:
    rows: dict[str, list[int]] = defaultdict(list)
    for number, value in enumerate(ids, start=1):
        if value is not None:
            rows[value].append(number)
    for value, numbers in rows.items():
        if len(numbers) > 1:
            shown = ", ".join(map(str, numbers))
            problems.append(
                Problem(
                    f"编号 {_shown(value)} 重复（第 {shown} 个要素）",
                    f"id {_shown(value)} is repeated (features {shown})",
                    numbers[1],
                    "id",
                )
            )


def _validate(raw: _Raw, spec: Any, limits: Limits, source: str, from_gcj02: bool = False) -> gpd.GeoDataFrame:
    frame = raw.frame
    problems = list(raw.problems)
    n = len(frame)
    if n == 0:
        raise _fail(source, "文件中没有要素", "the file holds no features")
    _check_feature_count(n, limits, source)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    counts = shapely.get_num_coordinates(geoms)
    total = int(counts.sum())
    if total > limits.max_vertices:
        raise _fail(
            source,
            f"顶点总数过多（{total} 个），上限为 {limits.max_vertices} 个",
            f"too many vertices in total ({total}); the limit is {limits.max_vertices}",
        )
    columns = _check_attributes(frame, spec, problems)
    _check_duplicate_ids(columns["id"], problems)

    # Geometry, feature by feature: present, the layer's type, finite, not too big, valid.
    wanted = " / ".join(spec.geometry_types)
    usable = np.zeros(n, dtype=bool)  # may go on to the location checks
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    non_finite = set(np.unique(owner[~np.isfinite(coords).all(axis=1)]).tolist())
    for i, geom in enumerate(geoms):
        number = i + 1
        if number in raw.geometry_reported:
            continue
        if geom is None or geom.is_empty:
            problems.append(Problem("几何为空", "the geometry is missing or empty", number, "geometry"))
            continue
        if geom.geom_type not in spec.geometry_types:
            problems.append(
                Problem(
                    f"几何类型为 {geom.geom_type}，本图层需要 {wanted}",
                    f"geometry type is {geom.geom_type}; this layer takes {wanted}",
                    number,
                    "geometry",
                )
            )
            continue
        if i in non_finite:
            problems.append(Problem("坐标含 NaN 或无穷值", "coordinates contain NaN or infinity", number, "geometry"))
            continue
        if counts[i] > limits.max_vertices_per_feature:
            problems.append(
                Problem(
                    f"顶点过多（{counts[i]} 个），单个要素上限为 {limits.max_vertices_per_feature} 个",
                    f"too many vertices ({counts[i]}); the limit per feature is {limits.max_vertices_per_feature}",
                    number,
                    "geometry",
                )
            )
            continue
        if not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            problems.append(
                Problem(
                    f"几何无效（如自相交）: {reason}",
                    f"invalid geometry (e.g. self-intersection): {reason}",
                    number,
                    "geometry",
                )
            )
        usable[i] = True

    offset = _declared_offset_datum(raw, source)
    if offset is not None and (offset[0] == "BD-09" or not from_gcj02):
        problems.append(_offset_problem(*offset))
    stored = _check_location(frame, geoms, usable, source, problems, from_gcj02)
    if problems:
        problems.sort(key=lambda p: p.feature or 0)
        raise InputError(source, problems)
    result = gpd.GeoDataFrame(
        {name: pd.Series(values, dtype=_dtype(spec, name)) for name, values in columns.items()},
        geometry=shapely.force_2d(stored),
        crs=STORAGE_CRS,
    )
    return result


def _dtype(spec: Any, name: str) -> str:
    if name == "id":
        return "object"
    return {"int": "Int64", "float": "Float64"}.get(spec.get_field(name).type, "object")


def _declared_offset_datum(raw: _Raw, source: str) -> tuple[str, str, str] | None:
    """("GCJ-02" or "BD-09", where it says so in Chinese, in English) when the file names an offset datum.

    Looks at the CRS the file declares, columns named like a coordinate system (`坐标系`, `coord_type`…)
    and the file name. Coordinates alone cannot tell: see `_refuse_gcj02_shifted_copies` for the
    check against features already stored.
    """
    frame = raw.frame
    places: list[tuple[str, str, str]] = []
    if raw.declared_crs:
        places.append(("坐标系声明", "the declared CRS", raw.declared_crs))
    if frame.crs is not None:
        places.append(("坐标系声明", "the declared CRS", CRS.from_user_input(frame.crs).name))
    for column in frame.columns:
        if column != frame.geometry.name and str(column).strip().casefold() in CRS_COLUMNS:
            values = " ".join(str(v) for v in pd.unique(frame[column].dropna().astype(str))[:20])
            places.append((f"列 {column}", f"column {column}", values))
    places.append(("文件名", "the file name", source))
    for zh, en, text in places:
        for datum, words in (("BD-09", _BD09_WORDS), ("GCJ-02", _GCJ02_WORDS)):
            found = words.search(text)
            if found:
                return datum, f"{zh}含“{found.group(0)}”", f"{en} says {found.group(0)!r}"
    return None


def _offset_problem(datum: str, where_zh: str, where_en: str) -> Problem:
    if datum == "BD-09":
        return Problem(
            f"疑似 BD-09（百度坐标）偏移（{where_zh}）：本门户不转换百度坐标，请在原软件中导出 WGS84 或 CGCS2000 坐标",
            f"looks BD-09 (Baidu) offset ({where_en}): the portal does not convert Baidu coordinates; "
            "export WGS84 or CGCS2000 coordinates from the source tool",
            field="geometry",
        )
    x0, y0, x1, y1 = BINHAI_BOUNDS
    metres = gcj02_offset_m((x0 + x1) / 2, (y0 + y1) / 2)
    return Problem(
        f"疑似 GCJ-02（火星坐标）偏移（{where_zh}）：高德、腾讯等网络地图的坐标在滨海新区约偏 {metres:.0f} 米。"
        "若确为 GCJ-02，请用 python -m layers import（或 validate）加 --from-gcj02 转换后导入"
        "（页面上勾选“数据为 GCJ-02（火星坐标），转换后导入”），或在原软件中导出 WGS84/CGCS2000 坐标；"
        "若数据其实已是 WGS84/CGCS2000，请改正上述声明或文件名",
        f'looks GCJ-02 ("Mars coordinates") offset ({where_en}): coordinates from Amap/Tencent-style web maps '
        f"sit about {metres:.0f} m off in Binhai. If they are GCJ-02, convert them with `python -m layers import` "
        "(or validate) `--from-gcj02` (on the page: tick “Data is GCJ-02”), or export WGS84/CGCS2000 from the source tool; "
        "if they already are WGS84/CGCS2000, correct that declaration or file name",
        field="geometry",
    )


def _check_location(
    frame: gpd.GeoDataFrame,
    geoms: np.ndarray,
    usable: np.ndarray,
    source: str,
    problems: list[Problem],
    from_gcj02: bool = False,
) -> np.ndarray:
    """Resolve the CRS to EPSG:4326 and check each usable feature lies in Binhai; returns stored geometries."""
    crs = frame.crs
    if crs is None:
        problems.append(
            Problem(
                "文件未声明坐标系（如 Shapefile 缺 .prj、GPKG 无 SRS）",
                "the file declares no coordinate system",
                field="geometry",
            )
        )
        return geoms
    bounds = shapely.bounds(geoms)
    if CRS.from_user_input(crs).is_geographic:
        swapped = (
            usable
            & (bounds[:, 0] >= SWAPPED_X[0])
            & (bounds[:, 2] <= SWAPPED_X[1])
            & (bounds[:, 1] >= SWAPPED_Y[0])
            & (bounds[:, 3] <= SWAPPED_Y[1])
        )
        for i in np.flatnonzero(swapped):
            problems.append(
                Problem(
                    "经纬度顺序颠倒（应为经度, 纬度）",
                    "coordinates look like lat, lon (expected lon, lat)",
                    int(i) + 1,
                    "geometry",
                )
            )
        usable = usable & ~swapped
        beyond = usable & ((np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1))
        if beyond.any():
            declared = _crs_label(crs)
            first = ", ".join(str(int(i) + 1) for i in np.flatnonzero(beyond)[:5])
            problems.append(
                Problem(
                    f"坐标看起来是投影坐标却声明为 {declared}（如第 {first} 个要素）",
                    f"coordinates look projected but the file declares {declared} (e.g. features {first})",
                    field="geometry",
                )
            )
            usable = usable & ~beyond
    elif (
        usable.any()
        and (np.abs(bounds[usable][:, [0, 2]]) <= 180).all()
        and (np.abs(bounds[usable][:, [1, 3]]) <= 90).all()
    ):
        declared = _crs_label(crs)
        problems.append(
            Problem(
                f"坐标看起来是经纬度却声明为投影坐标系 {declared}",
                f"coordinates look like degrees but the file declares the projected CRS {declared}",
                field="geometry",
            )
        )
        return geoms
    # Reproject only what passed, so nonsense coordinates never reach PROJ.
    subset = gpd.GeoSeries(np.where(usable, geoms, None), crs=crs)
    stored = np.asarray(to_storage_crs(gpd.GeoDataFrame(geometry=subset)).geometry.array, dtype=object)
    if from_gcj02:
        stored = convert_gcj02_to_wgs84(stored)
    box = binhai_import_box()
    x0, y0, x1, y1 = box.bounds
    inside = shapely.covered_by(stored, box)
    for i in np.flatnonzero(usable & ~np.asarray(inside, dtype=bool)):
        problems.append(
            Problem(
                f"不在滨海新区范围内（经度 {x0:.2f}–{x1:.2f}，纬度 {y0:.2f}–{y1:.2f}）",
                f"outside Binhai New Area (lon {x0:.2f}–{x1:.2f}, lat {y0:.2f}–{y1:.2f})",
                int(i) + 1,
                "geometry",
            )
        )
    return stored


def _crs_label(crs: Any) -> str:
    epsg = CRS.from_user_input(crs).to_epsg()
    return f"EPSG:{epsg}" if epsg else CRS.from_user_input(crs).name


# -- importing -----------------------------------------------------------------------------------


def import_features(
    store: Store,
    spec: Any,
    path: Path,
    mode: str,
    limits: Limits,
    now: datetime | None = None,
    source_name: str | None = None,
) -> int:
    """Validate `path`, then write it and an import_log row in one transaction; returns features written.

    Any problem raises before the store is touched; a failure while writing rolls everything back.
    """
    path = Path(path)
    features = read_features(path, spec, limits, source_name)
    return write_features(store, spec, features, mode, source_name or path.name, now)


def write_features(
    store: Store, spec: Any, features: gpd.GeoDataFrame, mode: str, source_name: str, now: datetime | None = None
) -> int:
    """Write features that passed `read_features`/`validate_frame`, plus their import_log row, in one transaction.

    Features without an id get `<id_prefix>-<next free number>` (numbers already used in the store,
    unless replacing, and in the file are skipped).
    """
    now = now or datetime.now(UTC).replace(tzinfo=None)
    features = features.copy()
    with store.transaction() as session:
        _refuse_gcj02_shifted_copies(session, spec, features, source_name)
        missing = features["id"].isna().to_numpy()
        if missing.any():
            taken = set(features["id"].dropna())
            if mode == "append":
                rows = session.execute(
                    f"SELECT id FROM {spec.name} WHERE starts_with(id, ?)",  # noqa: S608
                    [spec.id_prefix],
                ).fetchall()
                taken |= {r[0] for r in rows}
            features.loc[missing, "id"] = _new_ids(spec.id_prefix, taken, int(missing.sum()))
        try:
            written = write_layer(session, spec, features, mode, now)
        except InputError as err:  # ids already stored: name the user's file, not the table
            raise InputError(source_name, err.problems) from err
        log_import(session, spec.name, mode, source_name, written, now)
    return written


def _refuse_gcj02_shifted_copies(session: Any, spec: Any, features: gpd.GeoDataFrame, source_name: str) -> None:
    """Refuse a file whose features sit one GCJ-02 shift away from the same ids already stored.

    That is what a layer re-drawn on (or exported from) Amap/Tencent looks like; a genuine edit does
    not move most matched features by exactly that vector (≈ 550 m east-north-east in Binhai).
    """
    ids = [str(i) for i in features["id"].dropna()]
    if not ids:
        return
    rows = session.execute(
        f"SELECT id, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM {spec.name} "  # noqa: S608
        "WHERE id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ).fetchall()
    if not rows:
        return
    stored = {r[0]: (r[1], r[2]) for r in rows}
    matched = features[features["id"].isin(list(stored))]
    old_lon = np.array([stored[i][0] for i in matched["id"]], dtype=float)
    old_lat = np.array([stored[i][1] for i in matched["id"]], dtype=float)
    centres = shapely.centroid(np.asarray(matched.geometry.array, dtype=object))
    new_lon, new_lat = shapely.get_x(centres), shapely.get_y(centres)
    gcj_lon, gcj_lat = wgs84_to_gcj02_xy(old_lon, old_lat)
    shift = ground_distance_m(old_lon, old_lat, gcj_lon, gcj_lat)
    miss = ground_distance_m(gcj_lon, gcj_lat, new_lon, new_lat)
    shifted = (shift > 50) & (miss < np.maximum(30.0, 0.1 * shift))
    if not shifted.any() or shifted.sum() * 2 < len(matched):
        return
    shown = ", ".join(str(i) for i in matched["id"][shifted][:5])
    raise InputError(
        source_name,
        [
            _offset_problem(
                "GCJ-02",
                f"{int(shifted.sum())} 个要素（如 {shown}）恰好位于库中同编号要素的火星坐标偏移处",
                f"{int(shifted.sum())} features (e.g. {shown}) sit exactly one GCJ-02 shift from the stored ones",
            )
        ],
    )


def _new_ids(prefix: str, taken: set[str], count: int) -> list[str]:
    pattern = re.compile(rf"^{re.escape(prefix)}-?(\d+)$")
    numbers = [int(m.group(1)) for t in taken if (m := pattern.match(t))]
    start = max(numbers, default=0) + 1
    return [f"{prefix}-{n:04d}" for n in range(start, start + count)]


# -- exporting -----------------------------------------------------------------------------------


def export_layer(store: Store, spec: Any, fmt: str, out: Path | str, force: bool = False) -> Path:
    """Write every feature of a layer to `out` as geojson, gpkg, shp (a .zip), kml or csv; returns the path.

    The target is checked first (`geo.outfile.checked_target`: never the store, its WAL or a backup;
    an existing file only with `force`) and written atomically: an interrupted export leaves no half
    file under the final name. Raises `PortalError` (or its `OutputError`) naming what is wrong.
    """
    fmt = fmt.lower().strip()
    if fmt not in EXPORT_FORMATS:
        raise PortalError(
            f"不支持的导出格式 {fmt!r}，可选: {', '.join(EXPORT_FORMATS)}",
            f"unsupported export format {fmt!r}; choose one of: {', '.join(EXPORT_FORMATS)}",
        )
    target = checked_target(out, store_files(store.path), force=force)
    if not store.exists:
        raise PortalError(
            f"数据库 {store.path} 不存在，请先运行 python -m layers seed 或导入数据",
            f"the store {store.path} does not exist; run `python -m layers seed` or import data first",
        )
    try:
        layer = read_layer(store, spec)
    except duckdb.CatalogException:  # a store made before this layer existed: an empty layer
        layer = _empty_layer(spec)
    features = _export_frame(layer, spec)
    writers = {
        "geojson": _write_geojson,
        "gpkg": _write_gpkg,
        "shp": _write_shapefile_zip,
        "kml": _write_kml,
        "csv": _write_csv,
    }
    with atomic_write(target) as partial:
        writers[fmt](features, spec, partial)
    return target


def _empty_layer(spec: Any) -> gpd.GeoDataFrame:
    columns = {name: pd.Series([], dtype=object) for name in ("id", *spec.field_names)}
    columns |= {"area_km2": pd.Series([], dtype=float), "length_km": pd.Series([], dtype=float)}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))


def _export_frame(layer: gpd.GeoDataFrame, spec: Any) -> gpd.GeoDataFrame:
    """id, fields, measures; ints as nullable ints and dates as ISO text so every format writes them alike."""
    frame = layer[["id", *spec.field_names, "area_km2", "length_km", "geometry"]].copy()
    for f in spec.fields:
        if f.type == "int":
            frame[f.name] = pd.array([None if _is_missing(v) else int(v) for v in frame[f.name]], dtype="Int64")
        elif f.type == "date":
            frame[f.name] = pd.Series(
                [None if _is_missing(v) else _as_date(v).isoformat() for v in frame[f.name]],
                dtype=object,
                index=frame.index,
            )
    return frame


def _write_geojson(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    out.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, out, driver="GeoJSON", layer=spec.name, RFC7946=True)


def _write_gpkg(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    out.unlink(missing_ok=True)
    geometry_type, promote = _ogr_type(frame, spec.geometry)
    pyogrio.write_dataframe(
        frame, out, driver="GPKG", layer=spec.name, geometry_type=geometry_type, promote_to_multi=promote
    )


def _ogr_type(frame: gpd.GeoDataFrame, families: tuple[str, ...]) -> tuple[str, bool]:
    """The layer type GDAL should declare, and whether single parts must be promoted to multi."""
    if len(families) > 1:
        return "Unknown", False
    family = families[0]
    if frame.geometry.geom_type.eq(family).all():
        return family, False
    return f"Multi{family}", True


def _write_shapefile_zip(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    """One Shapefile per geometry family (a Shapefile holds one type), UTF-8 with a .cpg, zipped.

    Field names are cut to the 10 characters dBase allows; reading accepts the cut names back.
    """
    frame = frame.rename(columns={f.name: f.name[:DBF_NAME_LENGTH] for f in spec.fields})
    kinds = frame.geometry.geom_type
    present = [fam for fam in spec.geometry if kinds.isin((fam, f"Multi{fam}")).any()]
    with tempfile.TemporaryDirectory(prefix="binhai-export-") as tmp:
        written: list[Path] = []
        for family in present or list(spec.geometry):
            name = spec.name if len(spec.geometry) == 1 else f"{spec.name}_{family.lower()}"
            part = frame[kinds.isin((family, f"Multi{family}"))]
            geometry_type, promote = _ogr_type(part, (family,))
            pyogrio.write_dataframe(
                part,
                Path(tmp) / f"{name}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                geometry_type=geometry_type,
                promote_to_multi=promote,
            )
            written += sorted(Path(tmp).glob(f"{name}.*"))
        out.unlink(missing_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in written:
                archive.write(member, arcname=member.name)


def _xml(value: Any) -> str:
    return _escape(_XML_ILLEGAL.sub("", str(value)), quote=True)


def _kml_color(hex_color: str | None, opacity: float = 1.0) -> str:
    """#rrggbb → KML's aabbggrr."""
    colour = (hex_color or "#3388ff").lstrip("#")
    return f"{round(opacity * 255):02x}{colour[4:6]}{colour[2:4]}{colour[0:2]}"


def _kml_coords(coords: Iterable[Iterable[float]]) -> str:
    return " ".join(f"{float(c[0])!r},{float(c[1])!r}" for c in coords)


def _kml_geometry_xml(geom: Any) -> str:
    kind = geom.geom_type
    if kind == "Point":
        return f"<Point><coordinates>{_kml_coords(geom.coords)}</coordinates></Point>"
    if kind == "LineString":
        return f"<LineString><coordinates>{_kml_coords(geom.coords)}</coordinates></LineString>"
    if kind == "Polygon":
        rings = [
            f"<outerBoundaryIs><LinearRing><coordinates>{_kml_coords(geom.exterior.coords)}</coordinates></LinearRing></outerBoundaryIs>"
        ]
        rings += [
            f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(r.coords)}</coordinates></LinearRing></innerBoundaryIs>"
            for r in geom.interiors
        ]
        return f"<Polygon>{''.join(rings)}</Polygon>"
    return f"<MultiGeometry>{''.join(_kml_geometry_xml(g) for g in geom.geoms)}</MultiGeometry>"


def _write_kml(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    """KML 2.2 written by hand: every text and attribute value is XML-escaped."""
    style = spec.style
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        "<Document>",
        f"<name>{_xml(spec.title_zh)} / {_xml(spec.title_en)}</name>",
        '<Style id="layer">'
        f"<LineStyle><color>{_kml_color(style.color)}</color><width>{style.weight:g}</width></LineStyle>"
        f"<PolyStyle><color>{_kml_color(style.fill_color or style.color, style.fill_opacity)}</color></PolyStyle>"
        "</Style>",
    ]
    for row in frame.itertuples(index=False):
        record = row._asdict()
        data = "".join(
            f'<Data name="{_xml(name)}"><value>{_xml(record[name])}</value></Data>'
            for name in ("id", *spec.field_names, "area_km2", "length_km")
            if not _is_missing(record[name])
        )
        name = "" if _is_missing(record.get("name")) else _xml(record["name"])
        lines.append(
            f"<Placemark><name>{name}</name><styleUrl>#layer</styleUrl>"
            f"<ExtendedData>{data}</ExtendedData>{_kml_geometry_xml(record['geometry'])}</Placemark>"
        )
    lines += ["</Document>", "</kml>", ""]
    out.write_text("\n".join(lines), encoding="utf-8")


def _guard_formula(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    """Points as lon/lat columns, other geometries as WKT; UTF-8 with BOM so spreadsheet tools read Chinese.

    Text that a spreadsheet would evaluate as a formula (=, +, -, @, tab, CR first) gets a leading `'`
    (CSV injection); reading a CSV back removes it.
    """
    table = pd.DataFrame(frame.drop(columns="geometry"))
    for column in table.columns:
        if not pd.api.types.is_numeric_dtype(table[column]):
            table[column] = table[column].map(_guard_formula)
    geoms = frame.geometry
    if len(frame) and (geoms.geom_type == "Point").all():
        table["lon"] = geoms.x.to_numpy()
        table["lat"] = geoms.y.to_numpy()
    elif set(spec.geometry) == {"Point"} and not len(frame):
        table["lon"] = pd.Series(dtype=float)
        table["lat"] = pd.Series(dtype=float)
    else:
        table["wkt"] = shapely.to_wkt(geoms.to_numpy(), rounding_precision=-1)
    table.to_csv(out, index=False, encoding="utf-8-sig")
