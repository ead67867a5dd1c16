"""Ledgers for the officials' cockpit: 两高 projects, online monitoring of key energy-using units,
rural domestic sewage treatment by street/town, and circular transformation of qualifying parks.

Pure functions over the store, each returning pandas frames. Values are bound parameters; table
names come from the registry's specs (plain identifiers, checked by LayerSpec: hence `noqa: S608`).

  * 两高 summary, per (stage, sector):  projects = count;  energy_use_tce = Σ energy_use_tce
    (projects without a reported figure are counted but add nothing; NaN when none reported)
  * monitoring, per status:  share = units with the status / all units — the `connected` row's
    share is how much of the ledger reports to the online energy-monitoring platform
  * rural sewage, per street/town in `year`:  gap = rate − target;  meets_target = rate ≥ target;
    status = geo.assessment.assess(baseline, target, rate, year) on the straight line from the baseline
    year (2020) to the target year (2025); the target is the unit's targets row, else the plan's 90 %
  * circular transformation:  qualifying = parks of level national or municipal (市级以上重点产业园区)
    whose status is not 不适用 (the plan's 符合条件);  share_done = done / qualifying;
    all_done = at least one park qualifies and every qualifying park is done (the plan: all by 2025)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.assessment import assess
from geo.plan import BASELINE_YEAR, RURAL_SEWAGE, RURAL_SEWAGE_TARGET, TARGET_YEAR
from geo.store.db import Store

RURAL_SEWAGE_KINDS = ("street", "town")
QUALIFYING_PARK_LEVELS = ("national", "municipal")  # 市级以上
CIRCULAR_NOT_REQUIRED = "not_required"  # 不适用: the park does not qualify (不符合条件)

PROJECTS, UNITS, PARKS, ADMIN = "two_high_projects", "key_energy_units", "parks", "admin_units"


def _spec(name: str):
    """A layer's spec, looked up when a ledger is read: geo/ does not import the registry at import time."""
    from layers import get_spec

    return get_spec(name)


def _choice_filter(spec, field: str, value: str | None) -> str | None:
    """A filter value as the stored code (code, zh or en label accepted); unknown text stays as data."""
    if value is None:
        return None
    return spec.get_field(field).normalise_choice(str(value)) or str(value)


def _choice_order(spec, field: str, values: pd.Series) -> pd.Series:
    """Sort key: position of a value in the field's choices (unknown values last)."""
    order = {code: i for i, code in enumerate(spec.get_field(field).allowed)}
    return values.map(lambda v: order.get(v, len(order)))


# -- 两高 projects -------------------------------------------------------------------------------


def two_high_summary(store: Store) -> pd.DataFrame:
    """Projects and total annual energy use (tce) per stage × sector that occurs, in the choices' order.

    Columns: stage, sector, projects, energy_use_tce.
    """
    df = store.query(
        f"SELECT stage, sector, count(*) AS projects, sum(energy_use_tce) AS energy_use_tce "  # noqa: S608
        f"FROM {PROJECTS} GROUP BY stage, sector"
    )
    df["projects"] = df["projects"].astype(int)
    df["energy_use_tce"] = df["energy_use_tce"].astype(float)
    return df.sort_values(
        ["stage", "sector"],
        key=lambda col: _choice_order(_spec(PROJECTS), col.name, col),
        kind="stable",
    ).reset_index(drop=True)


def two_high_table(store: Store, stage: str | None = None, sector: str | None = None) -> pd.DataFrame:
    """The 两高 ledger, optionally filtered by stage and/or sector (codes or zh/en labels), ordered by id.

    Columns: id, name, stage, sector, energy_use_tce, approval_status, park, town, company, lon, lat.
    """
    params = {
        "stage": _choice_filter(_spec(PROJECTS), "stage", stage),
        "sector": _choice_filter(_spec(PROJECTS), "sector", sector),
    }
    return store.query(
        f"""
        SELECT id, name, stage, sector, energy_use_tce, approval_status, park, town, company,
               ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat
        FROM {PROJECTS}
        WHERE (CAST($stage AS VARCHAR) IS NULL OR stage = $stage)
          AND (CAST($sector AS VARCHAR) IS NULL OR sector = $sector)
        ORDER BY id
        """,  # noqa: S608
        params,
    )


# -- key energy-using units ------------------------------------------------------------------------


def monitoring_summary(store: Store) -> pd.DataFrame:
    """One row per monitoring status (all statuses, zeros included), in the choices' order.

    Columns: monitoring_status, units, share (of all units; NaN when there are none),
    annual_energy_tce (Σ of the units' annual energy use).
    """
    df = store.query(
        f"SELECT monitoring_status, count(*) AS units, sum(annual_energy_tce) AS annual_energy_tce "  # noqa: S608
        f"FROM {UNITS} GROUP BY monitoring_status"
    ).set_index("monitoring_status")
    statuses = list(_spec(UNITS).get_field("monitoring_status").allowed)
    statuses += sorted(set(df.index) - set(statuses))  # imported codes outside the choices stay visible
    df = df.reindex(statuses)
    df["units"] = df["units"].fillna(0).astype(int)
    df["annual_energy_tce"] = df["annual_energy_tce"].fillna(0.0).astype(float)
    total = df["units"].sum()
    df["share"] = df["units"] / total if total else np.nan
    return df.rename_axis("monitoring_status").reset_index()[
        ["monitoring_status", "units", "share", "annual_energy_tce"]
    ]


def monitoring_table(store: Store, status: str | None = None) -> pd.DataFrame:
    """Key energy-using units, optionally of one monitoring status (code or zh/en label), ordered by id.

    Columns: id, name, industry, annual_energy_tce, monitoring_status, last_data_on, park, town, lon, lat.
    """
    return store.query(
        f"""
        SELECT id, name, industry, annual_energy_tce, monitoring_status, last_data_on, park, town,
               ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat
        FROM {UNITS}
        WHERE CAST($status AS VARCHAR) IS NULL OR monitoring_status = $status
        ORDER BY id
        """,  # noqa: S608
        {"status": _choice_filter(_spec(UNITS), "monitoring_status", status)},
    )


# -- rural domestic sewage -------------------------------------------------------------------------

_RURAL_SEWAGE_SQL = """
WITH s AS (SELECT entity_id, year, value FROM statistics WHERE indicator = $indicator),
     t AS (SELECT entity_id, baseline_year, baseline_value, target_year, target_value FROM targets
           WHERE indicator = $indicator AND target_year = $target_year)
SELECT a.id AS unit_id, a.name AS unit_name, a.kind,
       cur.value AS rate,
       coalesce(t.target_value, $default_target) AS target,
       coalesce(t.baseline_year, $baseline_year) AS baseline_year,
       coalesce(t.baseline_value, base.value) AS baseline,
       coalesce(t.target_year, $target_year) AS target_year
FROM {admin} a
LEFT JOIN t ON t.entity_id = a.id
LEFT JOIN s cur ON cur.entity_id = a.id AND cur.year = $year
LEFT JOIN s base ON base.entity_id = a.id AND base.year = coalesce(t.baseline_year, $baseline_year)
WHERE list_contains($kinds, a.kind)
  AND (t.entity_id IS NOT NULL OR a.id IN (SELECT entity_id FROM s))
ORDER BY a.id
"""


def rural_sewage_by_town(store: Store, year: int) -> pd.DataFrame:
    """Rural domestic sewage treatment rate (%) of every street/town that reports it or has a target.

    Columns: unit_id, unit_name, kind, rate (NaN when the unit has no figure for `year`), target,
    gap, meets_target, baseline_year, baseline, expected (on the straight line in `year`),
    progress, status (on_track / at_risk / behind / no_data, from geo.assessment.assess).
    """
    params = {
        "indicator": RURAL_SEWAGE,
        "year": int(year),
        "target_year": TARGET_YEAR,
        "baseline_year": BASELINE_YEAR,
        "default_target": RURAL_SEWAGE_TARGET,
        "kinds": list(RURAL_SEWAGE_KINDS),
    }
    df = store.query(_RURAL_SEWAGE_SQL.format(admin=ADMIN), params)
    for column in ("rate", "target", "baseline"):
        df[column] = df[column].astype(float)
    df["gap"] = df["rate"] - df["target"]
    df["meets_target"] = (df["rate"] >= df["target"]).astype(bool)  # False when there is no figure
    assessments = [
        assess(baseline, target, rate, int(year), y0=int(y0), y1=int(y1))
        for baseline, target, rate, y0, y1 in zip(
            df["baseline"], df["target"], df["rate"], df["baseline_year"], df["target_year"], strict=True
        )
    ]
    df["expected"] = [a.expected for a in assessments]
    df["progress"] = [a.progress for a in assessments]
    df["status"] = [a.status for a in assessments]
    columns = ["unit_id", "unit_name", "kind", "rate", "target", "gap", "meets_target", "baseline_year", "baseline"]
    return df[[*columns, "expected", "progress", "status"]]


# -- circular transformation of parks ----------------------------------------------------------------


@dataclass(frozen=True)
class CircularTransformation:
    """Qualifying parks and where they stand against 'all qualifying parks by 2025'."""

    parks: pd.DataFrame  # id, name, zone, town, level, industry, circular_status, progress, progress_year
    by_status: pd.DataFrame  # circular_status, parks (every status of the field, zeros included)
    qualifying: int
    done: int
    share_done: float  # NaN when no park qualifies
    all_done: bool


def circular_transformation(store: Store) -> CircularTransformation:
    """Circular-transformation status of the qualifying parks, with their latest reported progress (%)."""
    parks = store.query(
        f"""
        WITH latest AS (
            SELECT entity_id, arg_max(value, year) AS progress, max(year) AS progress_year
            FROM statistics WHERE indicator = 'circular_progress' AND value IS NOT NULL
            GROUP BY entity_id)
        SELECT p.id, p.name, p.zone, p.town, p.level, p.industry, p.circular_status,
               l.progress, l.progress_year
        FROM {PARKS} p LEFT JOIN latest l ON l.entity_id = p.id
        WHERE list_contains($levels, p.level) AND p.circular_status IS DISTINCT FROM $not_required
        ORDER BY p.id
        """,  # noqa: S608
        {"levels": list(QUALIFYING_PARK_LEVELS), "not_required": CIRCULAR_NOT_REQUIRED},
    )
    statuses = [s for s in _spec(PARKS).get_field("circular_status").allowed if s != CIRCULAR_NOT_REQUIRED]
    counts = parks["circular_status"].fillna("unknown").value_counts()
    statuses += sorted(set(counts.index) - set(statuses))
    by_status = counts.reindex(statuses, fill_value=0).astype(int).rename("parks")
    by_status = by_status.rename_axis("circular_status").reset_index()
    qualifying = len(parks)
    done = int((parks["circular_status"] == "done").sum())
    return CircularTransformation(
        parks=parks,
        by_status=by_status,
        qualifying=qualifying,
        done=done,
        share_done=done / qualifying if qualifying else float("nan"),
        all_done=qualifying > 0 and done == qualifying,
    )
