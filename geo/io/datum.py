"""Datum and location checks: a declared GCJ-02/BD-09 offset, swapped or projected coordinates, Binhai's extent.

GCJ-02 ("Mars coordinates", Amap/Tencent) is flagged from what a file says about itself, or from
its features sitting exactly one GCJ-02 shift from the stored ones; the user may convert it. Baidu's
BD-09 is refused.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import (
    BINHAI_BOUNDS,
    binhai_import_box,
    convert_gcj02_to_wgs84,
    gcj02_offset_m,
    ground_distance_m,
    to_storage_crs,
    wgs84_to_gcj02_xy,
)
from geo.errors import InputError, Problem
from geo.io.common import RawFeatures

# Swapped lat/lon in Binhai: x would be a latitude (38–40) and y a longitude (117–118).
SWAPPED_X = (38.0, 40.0)


SWAPPED_Y = (117.0, 118.2)


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


def declared_offset_datum(raw: RawFeatures, source: str) -> tuple[str, str, str] | None:
    """("GCJ-02" or "BD-09", where it says so in Chinese, in English) when the file names an offset datum.

    Looks at the CRS the file declares, columns named like a coordinate system (`坐标系`, `coord_type`…)
    and the file name. Coordinates alone cannot tell: see `refuse_gcj02_shifted_copies` for the
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


def offset_problem(datum: str, where_zh: str, where_en: str) -> Problem:
    """The bilingual problem for a GCJ-02 (convertible) or BD-09 (refused) offset found at `where`."""
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


def check_location(
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


def refuse_gcj02_shifted_copies(
    stored: dict[str, tuple[float, float]], features: gpd.GeoDataFrame, source_name: str
) -> None:
    """Refuse a file whose features sit one GCJ-02 shift away from the same ids already stored.

    `stored` maps the ids already in the store to their centroids (lon, lat in EPSG:4326). That is
    what a layer re-drawn on (or exported from) Amap/Tencent looks like; a genuine edit does not move
    most matched features by exactly that vector (≈ 550 m east-north-east in Binhai). Raises `InputError`.
    """
    if not stored:
        return
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
            offset_problem(
                "GCJ-02",
                f"{int(shifted.sum())} 个要素（如 {shown}）恰好位于库中同编号要素的火星坐标偏移处",
                f"{int(shifted.sum())} features (e.g. {shown}) sit exactly one GCJ-02 shift from the stored ones",
            )
        ],
    )
