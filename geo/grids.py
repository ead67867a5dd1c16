"""Concentration grids (PM2.5, NO2): checked GeoTIFF uploads, kept in the store, and their zonal statistics.

An upload is refused — with a message, nothing written — when it is larger than `Limits.max_raster_mb`,
is not a TIFF at all (e.g. a PNG renamed .tif), cannot be opened, declares more cells than
`Limits.max_raster_pixels` (checked on the header, before any cell is read), has no CRS, holds only
nodata, or lies entirely outside Binhai.

Zonal statistics of a grid, per park and per 街镇 (polygons reprojected to the grid's CRS):
`<pollutant>_mean` and `<pollutant>_max` over the cells whose centre lies inside (geo.zonal.zonal_stats,
the rasterstats rule, its fast path); `<pollutant>_awmean` weighted by the exact cell ∩ polygon areas
and `<pollutant>_coverage` = the share (%) of the polygon on valid cells (geo.zonal.coverage_stats).
They are written as statistics rows of the grid's year, so they act like every other indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.errors
import shapely
from affine import Affine
from rasterio.io import MemoryFile
from rasterio.warp import transform_bounds

from geo.config import Limits
from geo.crs import BINHAI_BOUNDS, STORAGE_CRS
from geo.errors import InputError, Problem
from geo.indicators import INDICATORS
from geo.permissions import Actor, writes
from geo.store import audit, history
from geo.store.db import Session, Store
from geo.store.facility_tables import GRID_COLUMNS, write_grids
from geo.store.statistics import write_statistics
from geo.zonal import coverage_stats, zonal_stats

POLLUTANTS = {"pm25": "PM2.5", "no2": "NO₂"}
UNIT = "μg/m³"
STATISTICS = ("mean", "max", "awmean", "coverage")
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
TOWN_KINDS = ("street", "town")


def indicator_codes(pollutant: str) -> list[str]:
    return [f"{pollutant}_{s}" for s in STATISTICS]


@dataclass(frozen=True)
class Grid:
    """One band of a grid: values, the affine transform, its CRS (as text), nodata, bounds in EPSG:4326."""

    values: np.ndarray
    transform: Affine
    crs: str
    nodata: float | None
    bounds_lonlat: tuple[float, float, float, float]

    @property
    def valid(self) -> np.ndarray:
        ok = np.ones(self.values.shape, dtype=bool) if self.nodata is None else self.values != self.nodata
        return ok & ~np.isnan(self.values) if np.issubdtype(self.values.dtype, np.floating) else ok


def _refuse(source: str, zh: str, en: str) -> InputError:
    return InputError(source, [Problem(zh, en)])


def read_grid(data: bytes, source: str, limits: Limits | None = None) -> Grid:
    """The first band of a GeoTIFF given as bytes, checked (see the module docstring); `InputError` otherwise."""
    limits = limits or Limits()
    if len(data) > limits.max_raster_mb * 1024 * 1024:
        raise _refuse(
            source,
            f"文件 {len(data) / 1048576:.1f} MB，超过 {limits.max_raster_mb:g} MB 上限",
            f"the file is {len(data) / 1048576:.1f} MB, over the {limits.max_raster_mb:g} MB limit",
        )
    if data[:4] not in TIFF_MAGIC:
        raise _refuse(
            source, "不是 GeoTIFF 文件（文件头不是 TIFF）", "not a GeoTIFF (the file does not start like a TIFF)"
        )
    try:
        with MemoryFile(data) as memory, memory.open() as src:
            pixels = int(src.width) * int(src.height)
            if pixels > limits.max_raster_pixels:
                raise _refuse(
                    source,
                    f"网格 {src.width} × {src.height} 共 {pixels:,} 个像元，超过 {limits.max_raster_pixels:,} 上限",
                    f"the grid is {src.width} × {src.height} = {pixels:,} cells, over the {limits.max_raster_pixels:,} limit",
                )
            if src.crs is None:
                raise _refuse(
                    source, "GeoTIFF 没有坐标系（CRS），无法定位", "the GeoTIFF has no CRS, so it cannot be placed"
                )
            values = src.read(1)
            nodata = None if src.nodata is None else float(src.nodata)
            crs = src.crs.to_string()
            transform = src.transform
            bounds = transform_bounds(src.crs, STORAGE_CRS, *src.bounds)
    except rasterio.errors.RasterioError as exc:
        raise _refuse(source, f"无法读取 GeoTIFF: {exc}", f"cannot read the GeoTIFF: {exc}") from None
    grid = Grid(values, transform, crs, nodata, tuple(float(b) for b in bounds))
    if not grid.valid.any():
        raise _refuse(source, "网格全部为无数据（nodata）", "every cell of the grid is nodata")
    if not shapely.box(*grid.bounds_lonlat).intersects(shapely.box(*BINHAI_BOUNDS)):
        x0, y0, x1, y1 = grid.bounds_lonlat
        raise _refuse(
            source,
            f"网格范围（{x0:.2f}, {y0:.2f}）–（{x1:.2f}, {y1:.2f}）完全在滨海新区之外",
            f"the grid ({x0:.2f}, {y0:.2f})–({x1:.2f}, {y1:.2f}) lies entirely outside Binhai",
        )
    return grid


def grid_bytes(values: np.ndarray, transform: Affine, crs: str, nodata: float | None) -> bytes:
    """A one-band, deflate-compressed GeoTIFF of `values` (float32) as bytes."""
    profile = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
    }
    with MemoryFile() as memory:
        with memory.open(**profile) as dst:
            dst.write(values.astype("float32"), 1)
        return memory.read()


def zonal_rows(grid: Grid, zones: gpd.GeoDataFrame, pollutant: str, year: int, source: str) -> pd.DataFrame:
    """Statistics rows (entity_id = the zone's id) of one grid over `zones` (id, geometry; any CRS)."""
    polygons = zones.to_crs(grid.crs).geometry.to_numpy() if len(zones) else np.array([], dtype=object)
    centre = zonal_stats(polygons, grid.values, grid.transform, grid.nodata)
    exact = coverage_stats(polygons, grid.values, grid.transform, grid.nodata)
    values = {
        "mean": centre["mean"].to_numpy(),
        "max": centre["max"].to_numpy(),
        "awmean": exact["weighted_mean"].to_numpy(),
        "coverage": exact["coverage"].to_numpy() * 100,
    }
    frames = [
        pd.DataFrame(
            {
                "entity_id": zones["id"].to_numpy(),
                "year": int(year),
                "indicator": f"{pollutant}_{name}",
                "value": np.round(column.astype(float), 3),
                "unit": INDICATORS[f"{pollutant}_{name}"].unit,
                "source": source,
            }
        )
        for name, column in values.items()
    ]
    rows = pd.concat(frames, ignore_index=True)
    return rows[rows["value"].notna()].reset_index(drop=True)


def _zones(session: Session) -> gpd.GeoDataFrame:
    df = session.query(
        "SELECT id, ST_AsWKB(geom) AS wkb FROM parks UNION ALL "
        "SELECT id, ST_AsWKB(geom) AS wkb FROM admin_units WHERE list_contains($kinds, kind)",
        {"kinds": list(TOWN_KINDS)},
    )
    geoms = shapely.from_wkb([bytes(b) for b in df.pop("wkb")])
    return gpd.GeoDataFrame(df, geometry=geoms, crs=STORAGE_CRS)


@writes("grids.upload", "stats_editor")
def upload_grid(
    store: Store,
    actor: Actor,
    data: bytes,
    source: str,
    pollutant: str,
    year: int,
    limits: Limits | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Check a GeoTIFF, keep it as the `pollutant`-`year` grid and store its zonal statistics per park and
    街镇 (replacing those of an earlier grid of that pollutant and year), all in one transaction.
    Returns the statistics rows written."""
    if pollutant not in POLLUTANTS:
        raise _refuse(source, f"未知污染物 {pollutant!r}", f"unknown pollutant {pollutant!r}")
    grid = read_grid(data, source, limits)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    grid_id = f"{pollutant}-{int(year)}"
    row = pd.DataFrame(
        [
            {
                "grid_id": grid_id,
                "pollutant": pollutant,
                "year": int(year),
                "name": source,
                "crs": grid.crs,
                "width": grid.values.shape[1],
                "height": grid.values.shape[0],
                "nodata": grid.nodata,
                "tiff": data,
                "source": source,
            }
        ]
    )[list(GRID_COLUMNS)]
    with store.transaction() as s:
        write_grids(s, row, now, actor.username)
        rows = zonal_rows(grid, _zones(s), pollutant, int(year), source)
        history.archive(
            s,
            "statistics",
            "year = $year AND list_contains($codes, indicator)",
            {"year": int(year), "codes": indicator_codes(pollutant)},
            now,
        )
        write_statistics(s, rows, "append", now, actor.username)
        after = {"grid": grid_id, "crs": grid.crs, "cells": int(grid.values.size), "statistics": len(rows)}
        audit.record(s, actor, "grids.upload", "grid", grid_id, None, after, now=now)
    return rows


def list_grids(store: Store) -> pd.DataFrame:
    """The grids held: grid_id, pollutant, year, name, crs, width, height (newest year first)."""
    return store.query(
        "SELECT grid_id, pollutant, year, name, crs, width, height FROM grids ORDER BY pollutant, year DESC"
    )


def load_grid(store: Store, grid_id: str) -> Grid | None:
    """A stored grid by id (None when there is none)."""
    data = store.scalar("SELECT tiff FROM grids WHERE grid_id = ?", [grid_id])
    return (
        None if data is None else read_grid(bytes(data), grid_id, Limits(max_raster_mb=1e6, max_raster_pixels=10**12))
    )
