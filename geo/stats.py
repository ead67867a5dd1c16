"""Indicator queries and aggregation of parks to development zones / streets-towns / the district.

All SQL is parameterised and runs inside DuckDB (joins of statistics to park geometry included).

Aggregation of parks to a unit (开发区, 街镇, district) — a park belongs to the unit whose polygon
contains the park's point-on-surface:
  * totals (energy, value added, COD, NH3-N, NOx, VOCs, water use):  Σ value
  * energy intensity (tce/万元):  Σ energy / Σ value added  — identical to the value-added-weighted
    mean of park intensities, Σ(VAᵢ·Iᵢ)/Σ VAᵢ, because Iᵢ = Eᵢ/VAᵢ
  * circular-transformation progress (%):  park-area-weighted mean
  * "per km²":  Σ value / Σ park area (km², EPSG:4548);  "per 万元":  Σ value / Σ value added
"""

from __future__ import annotations

from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import STORAGE_CRS
from geo.indicators import INDICATORS
from geo.plan import BASELINE_YEAR
from geo.store import history
from geo.store.db import Store

NORMALISATIONS = ("total", "per_km2", "per_va")
# What the queries read of each table; as of a past moment they read the rows in effect then
# (geo/store/history.py), otherwise the current table itself.
_COLUMNS = {
    "statistics": "entity_id, year, indicator, value, unit",
    "parks": "id, name, zone, town, area_km2, geom",
    "admin_units": "id, name, kind, geom",
}
LEVEL_KINDS = {"zone": ("zone",), "town": ("street", "town"), "district": ("district",)}


def normalisations_for(indicator: str) -> tuple[str, ...]:
    """Which normalisations make sense: ratios and percentages are shown as they are."""
    if indicator == "energy_intensity" or INDICATORS[indicator].unit == "%" or INDICATORS[indicator].aggregate != "sum":
        return ("total",)
    if indicator == "value_added":
        return ("total", "per_km2")
    return NORMALISATIONS


def unit_of(indicator: str, normalisation: str) -> str:
    """The unit of an indicator in a basis (e.g. t, t/km², t/万元)."""
    base = INDICATORS[indicator].unit
    if normalisation == "per_km2":
        return f"{base}/km²"
    if normalisation == "per_va":
        return f"{base}/万元"
    return base


def _check(indicator: str, normalisation: str) -> None:
    if indicator not in INDICATORS:
        raise ValueError(f"未知指标 / unknown indicator {indicator!r}")
    if normalisation not in normalisations_for(indicator):
        raise ValueError(f"指标 {indicator} 不支持 {normalisation} / {indicator} cannot be shown {normalisation}")


def _sources(as_of: date | datetime | None) -> tuple[dict[str, str], dict[str, object]]:
    """FROM items for the tables the queries read, and the parameters they need, now or as of a date."""
    moment = history.as_of_moment(as_of)
    sources = {table: history.source(table, moment, cols) for table, cols in _COLUMNS.items()}
    return sources, ({} if moment is None else {"as_of": moment})


def years(store: Store, indicator: str | None = None, as_of: date | datetime | None = None) -> list[int]:
    """Years that have statistics (for one indicator when given), as known on `as_of` (default now)."""
    src, params = _sources(as_of)
    df = store.query(
        f"SELECT DISTINCT year FROM {src['statistics']} AS s "  # noqa: S608 - sources are this module's SQL
        "WHERE $indicator IS NULL OR indicator = $indicator ORDER BY year",
        {"indicator": indicator, **params},
    )
    return [int(y) for y in df["year"]]


# One scan of statistics for the value and the value added, pivoted per park (it was two scans).
_PARK_VALUES = """
WITH s AS (
    SELECT entity_id,
           max(value) FILTER (WHERE indicator = $indicator) AS value,
           max(value) FILTER (WHERE indicator = 'value_added') AS value_added
    FROM {statistics} AS st
    WHERE year = $year AND indicator IN ($indicator, 'value_added')
    GROUP BY entity_id
)
SELECT p.id, p.name, p.zone, p.town, p.area_km2,
       s.value AS raw_value,
       s.value_added,
       CASE $norm
            WHEN 'total' THEN s.value
            WHEN 'per_km2' THEN s.value / nullif(p.area_km2, 0)
            WHEN 'per_va' THEN s.value / nullif(s.value_added, 0)
       END AS value
       {geometry}
FROM {parks} AS p
LEFT JOIN s ON s.entity_id = p.id
WHERE $park IS NULL OR p.id = $park
ORDER BY p.id
"""


def park_values(
    store: Store,
    indicator: str,
    year: int,
    normalisation: str = "total",
    with_geometry: bool = False,
    park_id: str | None = None,
    as_of: date | datetime | None = None,
) -> pd.DataFrame | gpd.GeoDataFrame:
    """One row per park (parks without data included, value NaN) for an indicator-year; one park if `park_id`.

    Columns: id, name, zone, town, area_km2, raw_value, value_added, value (in `normalisation`), and
    geometry (EPSG:4326) when asked for. `as_of`: the parks and figures as they stood on that date.
    """
    _check(indicator, normalisation)
    src, extra = _sources(as_of)
    geometry = ", ST_AsWKB(p.geom) AS wkb" if with_geometry else ""
    sql = _PARK_VALUES.format(geometry=geometry, statistics=src["statistics"], parks=src["parks"])
    params = {"year": int(year), "indicator": indicator, "norm": normalisation, "park": park_id, **extra}
    df = store.query(sql, params)
    if not with_geometry:
        return df
    geoms = shapely.from_wkb([bytes(b) for b in df.pop("wkb")])
    return gpd.GeoDataFrame(df, geometry=geoms, crs=STORAGE_CRS)


# Sums per unit and year from the matching statistics rows; member counts and park areas per unit
# from the members alone (a park has several statistics rows a year: its area counts once).
# Membership comes from park_units (geo/store/membership.py), kept in step with the parks and units.
_MEMBERS_NOW = """
    SELECT m.park_id, p.area_km2, m.unit_id, a.name AS unit_name
    FROM park_units m
    JOIN parks p ON p.id = m.park_id
    JOIN admin_units a ON a.id = m.unit_id
    WHERE list_contains($kinds, m.unit_kind) AND ($units IS NULL OR list_contains($units, m.unit_id))
"""
# As of a past date the stored membership (kept for now) does not apply: the rule runs on that day's shapes.
_MEMBERS_AS_OF = """
    SELECT p.id AS park_id, p.area_km2, a.id AS unit_id, a.name AS unit_name
    FROM {parks} AS p JOIN {admin_units} AS a ON ST_Contains(a.geom, ST_PointOnSurface(p.geom))
    WHERE list_contains($kinds, a.kind) AND ($units IS NULL OR list_contains($units, a.id))
"""
_UNIT_VALUES = """
WITH members AS MATERIALIZED ({members}),
s AS MATERIALIZED (
    SELECT entity_id, year, indicator, value FROM {statistics} AS st
    WHERE indicator IN ($indicator, 'value_added', 'energy_consumption') AND year BETWEEN $y0 AND $y1
),
sums AS (
    SELECT m.unit_id, s.year,
           sum(CASE WHEN s.indicator = $indicator THEN s.value END) AS total,
           sum(CASE WHEN s.indicator = 'value_added' THEN s.value END) AS value_added,
           sum(CASE WHEN s.indicator = 'energy_consumption' THEN s.value END) AS energy,
           sum(CASE WHEN s.indicator = $indicator THEN s.value * m.area_km2 END)
               / nullif(sum(CASE WHEN s.indicator = $indicator THEN m.area_km2 END), 0) AS area_weighted
    FROM members m JOIN s ON s.entity_id = m.park_id
    GROUP BY ALL
),
units AS (
    SELECT unit_id, unit_name, count(DISTINCT park_id) AS parks, sum(area_km2) AS park_area_km2
    FROM members GROUP BY ALL
)
SELECT u.unit_id, u.unit_name, y.year, u.parks, u.park_area_km2,
       sums.total, sums.value_added, sums.energy, sums.area_weighted
FROM units u
CROSS JOIN (SELECT DISTINCT year FROM s) y
LEFT JOIN sums ON sums.unit_id = u.unit_id AND sums.year = y.year
ORDER BY u.unit_id, y.year
"""


def unit_values(
    store: Store,
    indicator: str,
    level: str,
    years_range: tuple[int, int],
    normalisation: str = "total",
    unit_ids: list[str] | None = None,
    as_of: date | datetime | None = None,
) -> pd.DataFrame:
    """Park indicators aggregated to units of a level (zone/town/district) for each year in range.

    Columns: unit_id, unit_name, year, parks, value (see the module docstring for the formulas).
    `unit_ids` limits the work to those units; `as_of` uses the parks, units and figures of that date.
    """
    _check(indicator, normalisation)
    if level not in LEVEL_KINDS:
        raise ValueError(f"level must be one of {list(LEVEL_KINDS)}, got {level!r}")
    params = {
        "kinds": list(LEVEL_KINDS[level]),
        "indicator": indicator,
        "y0": int(years_range[0]),
        "y1": int(years_range[1]),
        "units": None if unit_ids is None else [str(u) for u in unit_ids],
    }
    src, extra = _sources(as_of)
    members = _MEMBERS_NOW if not extra else _MEMBERS_AS_OF.format(parks=src["parks"], admin_units=src["admin_units"])
    sql = _UNIT_VALUES.format(members=members, statistics=src["statistics"])
    df = store.query(sql, {**params, **extra})
    df["value"] = aggregate_value(df, indicator, normalisation)
    return df[["unit_id", "unit_name", "year", "parks", "value"]]


def aggregate_value(df: pd.DataFrame, indicator: str, normalisation: str) -> pd.Series:
    """Apply the aggregation formulas to per-unit sums (columns total, value_added, energy, park_area_km2)."""
    if indicator == "energy_intensity":
        value = df["energy"] / df["value_added"].replace(0, np.nan)
    elif indicator == "circular_progress" or INDICATORS[indicator].aggregate == "area_weighted":
        value = df["area_weighted"]
    elif normalisation == "per_km2":
        value = df["total"] / df["park_area_km2"].replace(0, np.nan)
    elif normalisation == "per_va":
        value = df["total"] / df["value_added"].replace(0, np.nan)
    else:
        value = df["total"]
    return value.astype(float)


def park_profile(store: Store, park_id: str, year: int, as_of: date | datetime | None = None) -> pd.DataFrame:
    """Every indicator of one park in `year`, with the 2020 baseline and the change in % (for the side panel)."""
    src, extra = _sources(as_of)
    df = store.query(
        f"""
        SELECT s.indicator, s.unit,
               max(CASE WHEN s.year = $year THEN s.value END) AS value,
               max(CASE WHEN s.year = $base THEN s.value END) AS baseline
        FROM {src["statistics"]} AS s
        WHERE s.entity_id = $park AND s.year IN ($year, $base)
        GROUP BY ALL
        """,  # noqa: S608 - sources are this module's SQL
        {"park": park_id, "year": int(year), "base": BASELINE_YEAR, **extra},
    )
    order = {code: i for i, code in enumerate(INDICATORS)}
    df["change_pct"] = (df["value"] - df["baseline"]) / df["baseline"].replace(0, np.nan) * 100
    return df.sort_values("indicator", key=lambda s: s.map(order)).reset_index(drop=True)


def park_trend(
    store: Store, park_id: str, indicator: str, normalisation: str = "total", as_of: date | datetime | None = None
) -> pd.DataFrame:
    """Yearly values of one park (year, value) in the chosen normalisation."""
    _check(indicator, normalisation)
    src, extra = _sources(as_of)
    stats_src, parks_src = src["statistics"], src["parks"]
    return store.query(
        f"""
        WITH s AS (SELECT year, value FROM {stats_src} AS a WHERE entity_id = $park AND indicator = $indicator),
             va AS (SELECT year, value FROM {stats_src} AS b WHERE entity_id = $park AND indicator = 'value_added')
        SELECT s.year,
               CASE $norm WHEN 'total' THEN s.value
                          WHEN 'per_km2' THEN s.value / nullif(p.area_km2, 0)
                          WHEN 'per_va' THEN s.value / nullif(va.value, 0) END AS value
        FROM s JOIN {parks_src} AS p ON p.id = $park LEFT JOIN va USING (year)
        ORDER BY s.year
        """,  # noqa: S608 - sources are this module's SQL
        {"park": park_id, "indicator": indicator, "norm": normalisation, **extra},
    )


def park_unit(store: Store, park_id: str, level: str, as_of: date | datetime | None = None) -> dict[str, str] | None:
    """The unit (id, name) of a level that holds the park (the stored membership; as of a date, the rule
    on that day's shapes); None if none does."""
    if level not in LEVEL_KINDS:
        raise ValueError(f"level must be one of {list(LEVEL_KINDS)}, got {level!r}")
    src, extra = _sources(as_of)
    members = _MEMBERS_NOW if not extra else _MEMBERS_AS_OF.format(parks=src["parks"], admin_units=src["admin_units"])
    df = store.query(
        f"SELECT unit_id AS id, unit_name AS name FROM ({members}) AS m WHERE park_id = $park "  # noqa: S608
        "ORDER BY unit_id LIMIT 1",
        {"park": park_id, "kinds": list(LEVEL_KINDS[level]), "units": None, **extra},
    )
    return None if df.empty else {"id": str(df["id"].iloc[0]), "name": str(df["name"].iloc[0])}


def park_change(
    store: Store,
    indicator: str,
    base_year: int,
    year: int,
    normalisation: str = "total",
    with_geometry: bool = False,
    as_of: date | datetime | None = None,
) -> pd.DataFrame | gpd.GeoDataFrame:
    """Each park's value in `base_year` and `year` and the change between them (the change map).

    Columns: those of `park_values` for `year`, plus value_base, change (value − value_base) and
    change_pct (change ÷ |value_base| × 100; NaN where either year is missing or the base is 0).
    """
    now = park_values(store, indicator, year, normalisation, with_geometry=with_geometry, as_of=as_of)
    base = park_values(store, indicator, base_year, normalisation, as_of=as_of)[["id", "value"]]
    out = now.merge(base.rename(columns={"value": "value_base"}), on="id", how="left")
    out["change"] = out["value"] - out["value_base"]
    out["change_pct"] = out["change"] / out["value_base"].abs().replace(0, np.nan) * 100
    return gpd.GeoDataFrame(out, geometry="geometry", crs=STORAGE_CRS) if with_geometry else out
