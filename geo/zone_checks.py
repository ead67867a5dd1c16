"""Checks a prohibited-zone boundary must pass before it is saved: pure functions on shapely geometries.

Every check takes geometries in EPSG:4326 and the tolerances (admin settings, `Tolerances`) and returns
`Finding`s: a code, whether it blocks saving, the reason in Chinese and English, the offending part
(drawn on the page) and its area in km² computed in EPSG:4548. Nothing here reads the store; the
caller passes the district outline and the zones in force (geo/zones.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geo.crs import BINHAI_BOUNDS, MEASURE_CRS, STORAGE_CRS, convert_gcj02_to_wgs84

_TO_METRES = Transformer.from_crs(STORAGE_CRS, MEASURE_CRS, always_xy=True)


@dataclass(frozen=True)
class Tolerances:
    """Thresholds of the checks (admin settings `zones.*`, see geo/settings.py)."""

    overlap_pct: float = 1.0  # overlap with a zone in force above this share of the draft is refused
    min_area_km2: float = 0.01  # a zone, a part, a hole or a gap smaller than this is a sliver
    outside_pct: float = 0.5  # more of the draft outside the district than this needs clipping
    max_vertices: int = 50_000
    gcj02_match: float = 0.9  # draft shifted back from GCJ-02 overlaps a stored zone this well (IoU)


@dataclass(frozen=True)
class Finding:
    """One result of a check: `blocking` findings stop a save; `part` is what the map draws."""

    code: str
    blocking: bool
    zh: str
    en: str
    part: BaseGeometry | None = None
    area_km2: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def to_metres(geom: BaseGeometry) -> BaseGeometry:
    """A lon/lat geometry in EPSG:4548 (metres)."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_METRES.transform(xy[:, 0], xy[:, 1])))


def area_km2(geom: BaseGeometry | None) -> float:
    """Area of a lon/lat geometry in km², computed in EPSG:4548 (0 for None or empty)."""
    if geom is None or geom.is_empty:
        return 0.0
    return float(to_metres(geom).area) / 1e6


def polygonal(geom: BaseGeometry | None) -> BaseGeometry:
    """Only the polygon parts of a geometry (a collection from make_valid or an intersection)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    flat = [p for g in parts for p in shapely.get_parts(g)]
    if not flat:
        return shapely.Polygon()
    return flat[0] if len(flat) == 1 else shapely.MultiPolygon(flat)


def vertex_count(geom: BaseGeometry) -> int:
    return int(shapely.get_num_coordinates(geom))


# -- single checks ---------------------------------------------------------------------------------


def check_shape_kind(geom: BaseGeometry | None, tol: Tolerances) -> list[Finding]:
    """An empty geometry, a line or point instead of an area, or too many vertices."""
    if geom is None or geom.is_empty:
        return [Finding("empty", True, "没有边界：请绘制或上传一个面", "no boundary: draw or upload an area")]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return [
            Finding(
                "not_area",
                True,
                f"禁燃区必须是面，收到的是 {geom.geom_type}（线或点不围成区域）",
                f"a prohibited zone must be an area, got a {geom.geom_type} (a line or point encloses nothing)",
                part=geom,
            )
        ]
    n = vertex_count(geom)
    if n > tol.max_vertices:
        return [
            Finding(
                "too_many_vertices",
                True,
                f"顶点过多（{n:,} 个，上限 {tol.max_vertices:,}），请先在 GIS 软件中简化",
                f"too many vertices ({n:,}; the limit is {tol.max_vertices:,}): simplify it in a GIS first",
            )
        ]
    return []


def check_crs(geom: BaseGeometry, zones_in_force: Sequence[BaseGeometry], tol: Tolerances) -> list[Finding]:
    """Coordinates that look projected, swapped (lat, lon), or GCJ-02-shifted copies of a zone in force."""
    x0, y0, x1, y1 = geom.bounds
    bx0, by0, bx1, by1 = BINHAI_BOUNDS
    if by0 - 1 <= x0 and x1 <= by1 + 1 and bx0 - 1 <= y0 and y1 <= bx1 + 1:
        return [
            Finding(
                "crs_swapped",
                True,
                "经纬度顺序颠倒（应为经度, 纬度）",
                "coordinates look like lat, lon (expected lon, lat)",
            )
        ]
    if max(abs(x0), abs(x1)) > 180 or max(abs(y0), abs(y1)) > 90:
        return [
            Finding(
                "crs_projected",
                True,
                f"坐标看起来是投影坐标（如 {x0:.0f}, {y0:.0f}），不是经纬度；请以 EPSG:4490/4326 提供",
                f"coordinates look projected (e.g. {x0:.0f}, {y0:.0f}), not lon/lat: supply EPSG:4490/4326",
            )
        ]
    if not shapely.is_valid(geom):  # overlays of an invalid shape throw; check_validity reports it first
        return []
    shifted_back = convert_gcj02_to_wgs84(np.array([geom], dtype=object))[0]
    for zone in zones_in_force:
        if not shapely.intersects(shifted_back, zone):
            continue
        as_given = _iou(geom, zone)
        corrected = _iou(shifted_back, zone)
        if corrected >= tol.gcj02_match and corrected > as_given + 0.05:
            return [
                Finding(
                    "crs_gcj02",
                    False,
                    f"疑似 GCJ-02（火星坐标）偏移：按 GCJ-02 纠正后与现行禁燃区重合度 {corrected:.0%}（原为 {as_given:.0%}）",
                    f"looks GCJ-02 shifted: corrected as GCJ-02 it matches a zone in force by {corrected:.0%} "
                    f"(as given {as_given:.0%})",
                    part=shifted_back,
                    extra={"corrected": shifted_back},
                )
            ]
    return []


def _iou(a: BaseGeometry, b: BaseGeometry) -> float:
    union = shapely.union(a, b).area
    return float(shapely.intersection(a, b).area / union) if union else 0.0


def check_validity(geom: BaseGeometry) -> list[Finding]:
    """Self-intersections and other invalid geometry, with `make_valid`'s repair and what it changed."""
    if shapely.is_valid(geom):
        return []
    reason = shapely.is_valid_reason(geom)
    repaired = polygonal(shapely.make_valid(geom))
    before, after = area_km2(shapely.buffer(geom, 0)), area_km2(repaired)
    location = _reason_point(reason)
    self_crossing = "Self-intersection" in reason
    what_zh = "边界自相交" if self_crossing else "几何无效"
    what_en = "the boundary crosses itself" if self_crossing else "invalid geometry"
    parts = len(shapely.get_parts(repaired))
    return [
        Finding(
            "self_intersection" if self_crossing else "invalid",
            True,
            f"{what_zh}（{reason}）。可用 make_valid 修复：修复后 {parts} 个部分，面积 {after:.4f} km²",
            f"{what_en} ({reason}). make_valid can repair it: {parts} part(s), {after:.4f} km² after repair",
            part=location,
            area_km2=after,
            extra={"repaired": repaired, "area_before_km2": before, "parts_after": parts},
        )
    ]


def _reason_point(reason: str) -> BaseGeometry | None:
    if "[" not in reason:
        return None
    try:
        x, y = (float(v) for v in reason[reason.index("[") + 1 : reason.index("]")].split()[:2])
    except ValueError:
        return None
    return shapely.Point(x, y)


def check_size(geom: BaseGeometry, tol: Tolerances) -> list[Finding]:
    """The zone, any of its parts, or any hole smaller than the minimum area (slivers)."""
    total = area_km2(geom)
    if total < tol.min_area_km2:
        return [
            Finding(
                "too_small",
                True,
                f"面积仅 {total:.6f} km²，小于最小面积 {tol.min_area_km2:g} km²",
                f"area is only {total:.6f} km², below the minimum {tol.min_area_km2:g} km²",
                part=geom,
                area_km2=total,
            )
        ]
    found = []
    parts = list(shapely.get_parts(geom))
    small_parts = [p for p in parts if area_km2(p) < tol.min_area_km2]
    if small_parts and len(parts) > 1:
        part = shapely.MultiPolygon(small_parts) if len(small_parts) > 1 else small_parts[0]
        a = area_km2(part)
        found.append(
            Finding(
                "sliver",
                True,
                f"{len(small_parts)} 个碎片部分小于 {tol.min_area_km2:g} km²（共 {a:.6f} km²）",
                f"{len(small_parts)} sliver part(s) below {tol.min_area_km2:g} km² ({a:.6f} km² in all)",
                part=part,
                area_km2=a,
            )
        )
    holes = [shapely.Polygon(r) for p in parts for r in p.interiors]
    small_holes = [h for h in holes if area_km2(h) < tol.min_area_km2]
    if small_holes:
        part = shapely.MultiPolygon(small_holes) if len(small_holes) > 1 else small_holes[0]
        a = area_km2(part)
        found.append(
            Finding(
                "gap",
                True,
                f"{len(small_holes)} 个内部空洞小于 {tol.min_area_km2:g} km²（共 {a:.6f} km²），多为绘制误差",
                f"{len(small_holes)} hole(s) below {tol.min_area_km2:g} km² ({a:.6f} km²), usually a drawing slip",
                part=part,
                area_km2=a,
            )
        )
    return found


def check_district(geom: BaseGeometry, district: BaseGeometry | None, tol: Tolerances) -> list[Finding]:
    """Parts outside the district: refused above the tolerance, with the clipped shape to consent to."""
    if district is None or district.is_empty:
        return []
    outside = polygonal(shapely.difference(geom, district))
    out_km2, total = area_km2(outside), area_km2(geom)
    if total == 0 or out_km2 / total * 100 <= tol.outside_pct:
        return []
    clipped = polygonal(shapely.intersection(geom, district))
    share = out_km2 / total
    return [
        Finding(
            "outside",
            True,
            f"{share:.0%} 的面积（{out_km2:.3f} km²）在滨海新区范围外；可裁剪到区界内（剩 {area_km2(clipped):.3f} km²）",
            f"{share:.0%} of the area ({out_km2:.3f} km²) lies outside the district; it can be clipped to it "
            f"({area_km2(clipped):.3f} km² left)",
            part=outside,
            area_km2=out_km2,
            extra={"clipped": clipped, "share": share},
        )
    ]


def check_overlap(
    geom: BaseGeometry,
    zones_in_force: Sequence[tuple[str, str, BaseGeometry]],
    tol: Tolerances,
    previous: BaseGeometry | None = None,
) -> list[Finding]:
    """Overlap with each zone in force (id, name, geometry) above the tolerance share of the draft's area.

    For a change of an existing zone (`previous`, its boundary now) only overlap the change adds counts:
    an overlap that was already in force is not the planner's to answer for in this edit.
    """
    total = area_km2(geom)
    found = []
    for zone_id, name, zone in zones_in_force:
        if not shapely.intersects(geom, zone):
            continue
        shared = polygonal(shapely.intersection(geom, zone))
        if previous is not None:
            shared = polygonal(shapely.difference(shared, previous))
        a = area_km2(shared)
        if total and a / total * 100 > tol.overlap_pct:
            found.append(
                Finding(
                    "overlap",
                    True,
                    f"与现行禁燃区「{name}」（{zone_id}）重叠 {a:.3f} km²，占本区 {a / total:.0%}（容差 {tol.overlap_pct:g}%）",
                    f"overlaps the zone in force “{name}” ({zone_id}) by {a:.3f} km², {a / total:.0%} of this zone "
                    f"(tolerance {tol.overlap_pct:g} %)",
                    part=shared,
                    area_km2=a,
                    extra={"zone_id": zone_id},
                )
            )
    return found


def check_gaps_to_neighbours(
    geom: BaseGeometry, zones_in_force: Sequence[tuple[str, str, BaseGeometry]], tol: Tolerances
) -> list[Finding]:
    """Small empty pockets left between the draft and touching zones in force (a warning: snap to them)."""
    near = [z for _, _, z in zones_in_force if shapely.dwithin(geom, z, 0.002)]
    if not near:
        return []
    before = shapely.union_all(near)
    after = shapely.union_all([geom, *near])
    pockets = [
        shapely.Polygon(r)
        for p in shapely.get_parts(after)
        for r in p.interiors
        if area_km2(shapely.Polygon(r)) < tol.min_area_km2
    ]
    old = shapely.union_all([shapely.Polygon(r) for p in shapely.get_parts(before) for r in p.interiors])
    pockets = [p for p in pockets if not shapely.within(p, old)]
    if not pockets:
        return []
    part = shapely.MultiPolygon(pockets) if len(pockets) > 1 else pockets[0]
    a = area_km2(part)
    return [
        Finding(
            "gap",
            False,
            f"与相邻现行禁燃区之间留有 {len(pockets)} 处小空隙（共 {a:.6f} km²）",
            f"{len(pockets)} small gap(s) left against neighbouring zones in force ({a:.6f} km² in all)",
            part=part,
            area_km2=a,
        )
    ]


def check_zone(
    geom: BaseGeometry | None,
    district: BaseGeometry | None,
    zones_in_force: Sequence[tuple[str, str, BaseGeometry]],
    tol: Tolerances,
    previous: BaseGeometry | None = None,
) -> list[Finding]:
    """Every check in order; stops early where later checks would be meaningless (no area, bad CRS, invalid)."""
    found = check_shape_kind(geom, tol)
    if found:
        return found
    found = check_crs(geom, [z for _, _, z in zones_in_force], tol)
    if any(f.blocking for f in found):
        return found
    validity = check_validity(geom)
    if validity:
        return found + validity
    found += check_size(geom, tol)
    found += check_district(geom, district, tol)
    found += check_overlap(geom, zones_in_force, tol, previous)
    found += check_gaps_to_neighbours(geom, zones_in_force, tol)
    return found


def blocking(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]
