"""A layer exported as GeoJSON, GeoPackage, zipped Shapefile, KML or CSV, to a checked target, atomically."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.crs import (
    STORAGE_CRS,
)
from geo.errors import PortalError
from geo.io.common import as_date, is_missing
from geo.io.csvfile import write_csv
from geo.io.kml import write_kml
from geo.io.ogr import write_geojson, write_gpkg
from geo.io.shapefile import write_shapefile_zip
from geo.outfile import atomic_write, checked_target
from geo.store.db import Store
from geo.store.features import read_layer

EXPORT_FORMATS = ("geojson", "gpkg", "shp", "kml", "csv")


EXPORT_SUFFIX = {"geojson": "geojson", "gpkg": "gpkg", "shp": "zip", "kml": "kml", "csv": "csv"}


def export_layer(
    store: Store, spec: Any, fmt: str, out: Path | str, force: bool = False, as_of: date | None = None
) -> Path:
    """Write every feature of a layer to `out` as geojson, gpkg, shp (a .zip), kml or csv; returns the path.

    `as_of` exports the layer as it was on that date (history kept by the store).

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
    target = checked_target(out, store.files(), force=force)
    if not store.exists:
        raise PortalError(
            f"数据库 {store.label} 不存在，请先运行 python -m layers seed 或导入数据",
            f"the store {store.label} does not exist; run `python -m layers seed` or import data first",
        )
    if spec.name in store.tables():
        layer = read_layer(store, spec, as_of=as_of)
    else:  # a store made before this layer existed: an empty layer
        layer = _empty_layer(spec)
    features = _export_frame(layer, spec)
    writers = {
        "geojson": write_geojson,
        "gpkg": write_gpkg,
        "shp": write_shapefile_zip,
        "kml": write_kml,
        "csv": write_csv,
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
            frame[f.name] = pd.array([None if is_missing(v) else int(v) for v in frame[f.name]], dtype="Int64")
        elif f.type == "date":
            frame[f.name] = pd.Series(
                [None if is_missing(v) else as_date(v).isoformat() for v in frame[f.name]],
                dtype=object,
                index=frame.index,
            )
    return frame
