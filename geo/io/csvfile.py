"""CSV with lon/lat (or WKT) columns, both ways, with the spreadsheet formula guard both ways.

Export prefixes a text cell that a spreadsheet would evaluate as a formula (`= + - @`, tab, CR)
with `'`; reading removes that prefix again, so a round trip is lossless.
"""

from __future__ import annotations

import math
from io import StringIO
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.config import Limits
from geo.crs import (
    STORAGE_CRS,
)
from geo.errors import Problem
from geo.io.common import RawFeatures, check_feature_count, fail, shown

LON_COLUMNS = ("lon", "lng", "long", "longitude", "x", "经度")


LAT_COLUMNS = ("lat", "latitude", "y", "纬度")


WKT_COLUMNS = ("wkt", "geometry", "geom", "几何")


# A spreadsheet evaluates a cell starting with these as a formula (CSV injection): export prefixes `'`.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# The text encodings Chinese offices' CSV files come in: UTF-8 (with or without a BOM), then GB18030
# (which reads GBK and GB2312 files too).
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
UNKNOWN_ENCODING = ("无法识别文字编码（应为 UTF-8 或 GBK）", "unknown text encoding (expected UTF-8 or GBK)")


def decode_text(data: bytes) -> str | None:
    """The text of a CSV file in one of TEXT_ENCODINGS, or None (the caller reports UNKNOWN_ENCODING)."""
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_csv(path: Path, spec: Any, limits: Limits, source: str) -> RawFeatures:
    """A table with lon/lat columns (or a WKT column), UTF-8 (BOM or not) or GBK, in WGS84/CGCS2000."""
    text = decode_text(path.read_bytes())
    if text is None:
        raise fail(source, *UNKNOWN_ENCODING)
    try:
        table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise fail(source, "CSV 没有内容", "the CSV has no content") from exc
    except pd.errors.ParserError as exc:
        raise fail(source, f"CSV 格式错误: {exc}", f"malformed CSV: {exc}") from exc
    check_feature_count(len(table), limits, source)
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
                            f"{zh}不是数字: {shown(text_value)}",
                            f"{en} is not a number: {shown(text_value)}",
                            number,
                            str(column),
                        )
                    )
                    continue
                if not math.isfinite(value):
                    problems.append(
                        Problem(
                            f"{zh}不是有限数值: {shown(text_value)}",
                            f"{en} is not finite: {shown(text_value)}",
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
                            f"WKT 几何无法解析: {shown(text_value)}",
                            f"cannot parse the WKT geometry: {shown(text_value)}",
                            number,
                            str(wkt),
                        )
                    )
                    reported.add(number)
            geometries.append(geometry)
        table = table.drop(columns=[wkt])
    else:
        raise fail(
            source,
            f"CSV 缺少经纬度列（经度列名可为 {'/'.join(LON_COLUMNS)}，纬度列名可为 {'/'.join(LAT_COLUMNS)}）或 WKT 列",
            f"the CSV has no lon/lat columns (lon: {'/'.join(LON_COLUMNS)}; lat: {'/'.join(LAT_COLUMNS)}) nor a WKT column",
        )
    frame = gpd.GeoDataFrame(table.astype(object), geometry=geometries, crs=STORAGE_CRS)
    return RawFeatures(frame, problems, reported)


def _unguard_formula(value: Any) -> Any:
    """Undo the `'` our CSV export puts before a cell a spreadsheet would run as a formula."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "".join(FORMULA_START):
        return value[1:]
    return value


def guard_formula(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(frame: gpd.GeoDataFrame, spec: Any, out: Path) -> None:
    """Points as lon/lat columns, other geometries as WKT; UTF-8 with BOM so spreadsheet tools read Chinese.

    Text that a spreadsheet would evaluate as a formula (=, +, -, @, tab, CR first) gets a leading `'`
    (CSV injection); reading a CSV back removes it.
    """
    table = pd.DataFrame(frame.drop(columns="geometry"))
    for column in table.columns:
        if not pd.api.types.is_numeric_dtype(table[column]):
            table[column] = table[column].map(guard_formula)
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
