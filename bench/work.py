"""Benchmark inputs, generated deterministically and cached under bench/.work/.

* `district_stores()` — two stores of the sample data at scale 250 (10,000 parks), every park
  redrawn with 60 vertices, and 10 million statistics rows (10,000 parks × 25 years × 40 indicator
  codes): "yearly", written as they arrive, one year's report at a time, through
  `geo.store.statistics.write_statistics`; "parkwise", the same rows inserted park by park, bypassing the
  store's write path: the least favourable layout for a one-year query. Both start from one copy
  of the layers, built once.
* `sample_store(scale)` — `python -m layers seed --scale N` as a user would run it.
* `zonal_inputs()` — a 5,000 × 5,000 float32 GeoTIFF over the district and 10,000 polygons on it.

A cached file is reused while its recipe (`RECIPE`) is unchanged; `--fresh` rebuilds everything.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin

import layers
from data.sample import FIXED_TIMESTAMP, seed_store
from data.sample.shapes import blobs
from geo.config import ROOT
from geo.crs import MEASURE_CRS, STORAGE_CRS
from geo.store.db import Store
from geo.store.features import read_layer, write_layer
from geo.store.statistics import write_statistics

WORK = ROOT / "bench" / ".work"
SEED = 2025
DISTRICT_SCALE = 250  # 40 parks per scale unit → 10,000 parks
PARK_VERTICES = 60
YEARS = [2000, 2024]  # 25 years
OTHER_INDICATORS = 31  # synthetic codes next to the 9 park indicators: 40 codes in all
RASTER_SIZE = 5000
ZONAL_POLYGONS = 10_000
RECIPE = {"version": 2, "seed": SEED, "scale": DISTRICT_SCALE, "vertices": PARK_VERTICES, "years": YEARS}
LAYOUTS = ("yearly", "parkwise")

# code, unit, SQL value expression (p: park factors, y: year). Magnitudes follow data/sample/parks.py.
_INDICATOR_SQL = [
    ("value_added", "万元", "p.va * pow(1.06, y.year - 2000)"),
    ("energy_consumption", "tce", "p.va * pow(1.06, y.year - 2000) * p.ei * pow(0.97, y.year - 2000)"),
    ("energy_intensity", "tce/万元", "p.ei * pow(0.97, y.year - 2000)"),
    ("cod", "t", "p.va * 1e-3 * p.r * pow(0.96, y.year - 2000)"),
    ("nh3n", "t", "p.va * 1e-4 * p.r * pow(0.96, y.year - 2000)"),
    ("nox", "t", "p.va * 2e-3 * p.r * pow(0.95, y.year - 2000)"),
    ("vocs", "t", "p.va * 1.5e-3 * p.r * pow(0.95, y.year - 2000)"),
    ("water_use", "万m³", "p.va * 2e-4 * p.r * pow(0.98, y.year - 2000)"),
    ("circular_progress", "%", "least(100.0, greatest(0.0, (y.year - 2012) * 8.0 * p.r))"),
]


def _fresh(path: Path, recipe: dict) -> bool:
    stamp = path.with_suffix(path.suffix + ".json")
    return path.exists() and stamp.exists() and json.loads(stamp.read_text()) == recipe


def _stamp(path: Path, recipe: dict) -> None:
    path.with_suffix(path.suffix + ".json").write_text(json.dumps(recipe))


def _remove(path: Path) -> None:
    for p in (path, path.with_suffix(path.suffix + ".wal"), path.with_suffix(path.suffix + ".json")):
        p.unlink(missing_ok=True)


def sixty_vertex_parks(parks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same parks (centre, area, attributes) redrawn as 60-vertex polygons."""
    metres = parks.geometry.to_crs(MEASURE_CRS).values
    centres = shapely.get_coordinates(shapely.centroid(metres))
    rng = np.random.default_rng(SEED)
    polygons = blobs(rng, centres, shapely.area(metres), np.full(len(parks), PARK_VERTICES))
    redrawn = gpd.GeoSeries(polygons, crs=MEASURE_CRS).to_crs(STORAGE_CRS).values
    return parks.set_geometry(redrawn)


def _statistics_sql(where: str) -> str:
    """SELECT of the synthetic statistics rows matching `where` (a constant of this module)."""
    known = "\n".join(f"            WHEN '{code}' THEN {expr}" for code, _unit, expr in _INDICATOR_SQL)
    codes = [(code, unit) for code, unit, _ in _INDICATOR_SQL]
    codes += [(f"bench_{k:02d}", "—") for k in range(1, OTHER_INDICATORS + 1)]
    values = ", ".join(f"('{code}', '{unit}')" for code, unit in codes)
    # hash() gives each park (and each row of the synthetic codes) a fixed pseudo-random factor.
    return f"""
        WITH p AS (
            SELECT id,
                   2e4 + (hash(id, 'va') % 100000) * 5.0 AS va,
                   0.05 + (hash(id, 'ei') % 1000) / 1000.0 * 1.2 AS ei,
                   0.5 + (hash(id, 'r') % 1000) / 1000.0 AS r
            FROM parks),
        y AS (SELECT range::INTEGER AS year FROM range({YEARS[0]}, {YEARS[1] + 1})),
        i AS (SELECT * FROM (VALUES {values}) AS t(code, unit))
        SELECT p.id AS entity_id, y.year, i.code AS indicator,
               round(CASE i.code
{known}
                     ELSE 10.0 + (hash(p.id, i.code, y.year) % 100000) / 100.0
               END, 3) AS value,
               i.unit, 'bench: synthetic' AS source
        FROM p, y, i
        WHERE {where}
    """  # noqa: S608 - every piece is a constant of this module


def _write_yearly(store: Store) -> None:
    """One transaction per year's report, through the store's own write path (as imports will)."""
    for year in range(YEARS[0], YEARS[1] + 1):
        with store.transaction() as s:
            rows = s.execute(_statistics_sql("y.year = $year"), {"year": year}).arrow().read_all()
            write_statistics(s, rows, mode="append")


def _write_parkwise(store: Store) -> None:
    """All rows in one INSERT sorted park by park, bypassing `write_statistics` (the worst case)."""
    with store.transaction() as s:
        s.execute(
            "INSERT INTO statistics (entity_id, year, indicator, value, unit, source) "
            + _statistics_sql("true")
            + " ORDER BY p.id, y.year, i.code"
        )


def _district_layers(fresh: bool, log) -> Path:
    """The seeded layers at district scale with 60-vertex parks and no statistics (shared by both layouts)."""
    path = WORK / "district-layers.duckdb"
    if fresh or not _fresh(path, RECIPE):
        WORK.mkdir(parents=True, exist_ok=True)
        _remove(path)
        store = Store(path)
        started = time.perf_counter()
        seed_store(store, seed=SEED, scale=DISTRICT_SCALE)
        parks_spec = layers.get_spec("parks")
        parks = sixty_vertex_parks(read_layer(store, parks_spec))
        with store.transaction() as s:
            write_layer(s, parks_spec, parks, "replace", now=FIXED_TIMESTAMP)
            s.execute("DELETE FROM statistics")
        with store.session() as s:
            s.execute("CHECKPOINT")
        _stamp(path, RECIPE)
        log(f"  built {path.name} in {time.perf_counter() - started:.0f} s")
    return path


def district_stores(fresh: bool = False, log=print) -> dict[str, Store]:
    """{layout: store} for every layout in `LAYOUTS` (built once, then reused)."""
    stores = {}
    base = None
    for layout in LAYOUTS:
        path = WORK / ("district.duckdb" if layout == "yearly" else f"district-{layout}.duckdb")
        recipe = {**RECIPE, "layout": layout}
        if fresh or not _fresh(path, recipe):
            base = base or _district_layers(fresh, log)
            _remove(path)
            started = time.perf_counter()
            shutil.copy(base, path)
            store = Store(path)
            (_write_yearly if layout == "yearly" else _write_parkwise)(store)
            with store.session() as s:
                s.execute("CHECKPOINT")
            _stamp(path, recipe)
            log(f"  built {path.name} in {time.perf_counter() - started:.0f} s")
        stores[layout] = Store(path)
    return stores


def generator_digest() -> str:
    """A digest of the sample generator's code (data/sample/*.py): a change of it makes new sample stores."""
    digest = hashlib.sha256()
    for source in sorted((ROOT / "data" / "sample").glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def sample_store(scale: int, fresh: bool = False, log=print) -> Store:
    """The illustrative sample at a scale, as `python -m layers seed --scale N` writes it.

    Rebuilt when the generator changes: a store cached before the wastewater plants' monthly figures
    were generated had none, and the bench could not draw 污水处理's plant map.
    """
    path = WORK / f"sample-{scale}.duckdb"
    recipe = {"version": 1, "seed": SEED, "scale": scale, "generator": generator_digest()}
    if fresh or not _fresh(path, recipe):
        WORK.mkdir(parents=True, exist_ok=True)
        _remove(path)
        started = time.perf_counter()
        seed_store(Store(path), seed=SEED, scale=scale)
        _stamp(path, recipe)
        log(f"  built {path.name} in {time.perf_counter() - started:.0f} s")
    return Store(path)


def zonal_inputs(fresh: bool = False, log=print) -> tuple[Path, np.ndarray]:
    """(GeoTIFF path, polygons in its CRS): 5,000² float32 cells of 18 m over the district, EPSG:4548.

    The polygons are 60-vertex parcels on a 100 × 100 grid, one per cell, so they rarely meet; one in
    forty is drawn large enough to overlap a neighbour (≈ 2.5 %), so the overlap path is measured too.
    """
    path = WORK / "zonal.tif"
    recipe = {"version": 1, "seed": SEED, "size": RASTER_SIZE, "polygons": ZONAL_POLYGONS}
    x0, y0, cell = 515_000.0, 4_362_000.0, 18.0  # top-left corner (EPSG:4548) and cell size (m)
    side = RASTER_SIZE * cell
    if fresh or not _fresh(path, recipe):
        WORK.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        rng = np.random.default_rng(SEED)
        rows, cols = np.mgrid[0:RASTER_SIZE, 0:RASTER_SIZE].astype(np.float32) / RASTER_SIZE
        field = 20 + 8 * np.sin(6 * rows) * np.cos(4 * cols) + 4 * np.sin(25 * cols + 3 * rows)
        field = (field + rng.normal(0, 1.5, field.shape)).astype(np.float32)
        field[:, -300:] = -9999.0  # a nodata strip at sea
        profile = {
            "driver": "GTiff",
            "width": RASTER_SIZE,
            "height": RASTER_SIZE,
            "count": 1,
            "dtype": "float32",
            "crs": MEASURE_CRS,
            "transform": from_origin(x0, y0, cell, cell),
            "nodata": -9999.0,
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
        }
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(field, 1)
        _stamp(path, recipe)
        log(f"  built {path.name} in {time.perf_counter() - started:.0f} s")
    per_side = int(round(ZONAL_POLYGONS**0.5))
    grid = side / per_side
    rng = np.random.default_rng([SEED, 4])
    k = np.arange(per_side * per_side)
    centres = np.column_stack([x0 + (k % per_side + 0.5) * grid, y0 - side + (k // per_side + 0.5) * grid])
    centres += rng.uniform(-0.1, 0.1, centres.shape) * grid
    radius = np.where(k % 40 == 0, 0.75, rng.uniform(0.2, 0.38, len(k))) * grid
    polygons = blobs(rng, centres, np.pi * radius**2, np.full(len(k), PARK_VERTICES))
    return path, polygons
