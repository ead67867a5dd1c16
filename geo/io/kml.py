"""KML read and written: placemarks parsed with defusedxml only (no DTD, no entities), written escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape as _escape
from pathlib import Path
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET
import geopandas as gpd
import pandas as pd
import shapely

from geo.config import Limits
from geo.crs import (
    STORAGE_CRS,
)
from geo.errors import Problem
from geo.io.common import HEAD_BYTES, GeometryTextError, RawFeatures, check_feature_count, fail, is_missing, shown

# Characters XML 1.0 forbids even when escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


GEOMETRY_ERRORS = (ValueError, TypeError, RecursionError, shapely.errors.GEOSException)


_KML_GEOMETRIES = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if _local(c.tag) == name]


def read_kml(path: Path, spec: Any, limits: Limits, source: str) -> RawFeatures:
    """Placemarks via defusedxml only: DTDs and entities (XXE, billion laughs) are refused outright."""
    try:
        root = SafeET.parse(path, forbid_dtd=True, forbid_entities=True, forbid_external=True).getroot()
    except defusedxml.DefusedXmlException as exc:
        raise fail(source, *_kml_dtd_refusal(path)) from exc
    except SafeET.ParseError as exc:
        raise fail(source, f"KML 不是有效的 XML: {exc}", f"the KML is not well-formed XML: {exc}") from exc
    if _local(root.tag) != "kml":
        raise fail(source, "不是 KML 文件（根元素应为 kml）", "not a KML file (the root element must be kml)")
    rows: list[dict[str, Any]] = []
    geometries: list[Any] = []
    problems: list[Problem] = []
    reported: set[int] = set()
    for number, placemark in enumerate((e for e in root.iter() if _local(e.tag) == "Placemark"), start=1):
        check_feature_count(number, limits, source)
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
            except GEOMETRY_ERRORS as exc:
                zh = exc.zh if isinstance(exc, GeometryTextError) else str(exc)
                problems.append(Problem(f"几何无法解析: {zh}", f"cannot parse the geometry: {exc}", number, "geometry"))
                reported.add(number)
        rows.append(row)
        geometries.append(geometry)
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, dtype=object), geometry=geometries, crs=STORAGE_CRS)
    return RawFeatures(frame, problems, reported)


def _kml_dtd_refusal(path: Path) -> tuple[str, str]:
    """Name what a refused DTD was up to; the refusal itself is defusedxml's, before any entity is expanded."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES).decode("utf-8", errors="replace")
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
        raise GeometryTextError("缺少 <coordinates>", "missing <coordinates>")
    points = []
    for item in node.text.split():
        try:
            values = tuple(float(v) for v in item.split(",") if v != "")
        except ValueError:
            raise GeometryTextError(
                f"坐标 {shown(item)} 不是数字", f"coordinate {shown(item)} is not numeric"
            ) from None
        if len(values) < 2:
            raise GeometryTextError(f"坐标 {shown(item)} 应为 经度,纬度", f"coordinate {shown(item)} needs lon,lat")
        points.append(values[:2])
    return points


def _kml_ring(boundary: Any) -> list[tuple[float, ...]]:
    ring = next((c for c in boundary if _local(c.tag) == "LinearRing"), None)
    if ring is None:
        raise GeometryTextError("面的边界缺少 <LinearRing>", "a polygon boundary has no <LinearRing>")
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
            raise GeometryTextError("面缺少 <outerBoundaryIs>", "a polygon has no <outerBoundaryIs>")
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


def write_kml(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
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
            if not is_missing(record[name])
        )
        name = "" if is_missing(record.get("name")) else _xml(record["name"])
        lines.append(
            f"<Placemark><name>{name}</name><styleUrl>#layer</styleUrl>"
            f"<ExtendedData>{data}</ExtendedData>{_kml_geometry_xml(record['geometry'])}</Placemark>"
        )
    lines += ["</Document>", "</kml>", ""]
    out.write_text("\n".join(lines), encoding="utf-8")
