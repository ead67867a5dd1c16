"""Targets and their assessment: the straight-line status rule, ranked tables, target edits, the park panel.

A unit's status in a year compares its actual value with the straight line from its baseline to its
target (`assess`); `assessment` ranks every unit of a level worst first; `park_panel` gathers what the
cockpit shows for one park — its values, trend, target and status, and its 开发区's status, found
through the stored park → unit membership. All SQL is parameterised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import InputError, Problem
from geo.permissions import Actor, writes
from geo.plan import BASELINE_YEAR, TARGET_YEAR
from geo.stats import park_profile, park_trend, park_unit, park_values, unit_values
from geo.store import audit, history
from geo.store.db import Store

# Share of the straight-line path achieved: ≥ ON_TRACK on track, ≥ AT_RISK at risk, else behind.
ON_TRACK = 1.0
AT_RISK = 0.5
STATUSES = ("on_track", "at_risk", "behind", "no_data")
TARGET_LEVELS = {"district": ("district",), "zone": ("zone",), "town": ("street", "town"), "park": ("park",)}
HEADLINE_INDICATOR = "energy_intensity"  # the plan's headline target, shown for a park and its 开发区


@dataclass(frozen=True)
class Assessment:
    """A unit's status in a year: the expected value on the line, the share of the path achieved, the status code."""

    expected: float
    progress: float  # share of the straight-line path achieved by `year` (1.0 = exactly on it)
    status: str


def assess(baseline: float, target: float, actual: float, year: int, y0: int = BASELINE_YEAR, y1: int = TARGET_YEAR):
    """Status of a unit against the straight line from its baseline (y0) to its target (y1).

    expected(year) = baseline + (target − baseline)·(year − y0)/(y1 − y0)
    progress = (actual − baseline) / (expected − baseline)
    on_track: progress ≥ 1 or the final target is already met; at_risk: progress ≥ 0.5; else behind.
    Works for lower-is-better and higher-is-better targets alike (the sign of target − baseline).
    """
    values = (baseline, target, actual)
    if any(v is None or not np.isfinite(v) for v in values):
        return Assessment(np.nan, np.nan, "no_data")
    share = min(max((year - y0) / (y1 - y0), 0.0), 1.0)
    expected = baseline + (target - baseline) * share
    required = expected - baseline
    direction = np.sign(target - baseline)
    if direction == 0 or required == 0:
        progress = 1.0 if (actual - baseline) * (direction or -1) >= 0 or actual == baseline else 0.0
    else:
        progress = (actual - baseline) / required
    met_final = direction != 0 and (actual - target) * direction >= 0
    if progress >= ON_TRACK or met_final:
        status = "on_track"
    elif progress >= AT_RISK:
        status = "at_risk"
    else:
        status = "behind"
    return Assessment(float(expected), float(progress), status)


_TARGET_COLUMNS = "entity_id, level, indicator, baseline_year, baseline_value, target_year, target_value, unit, source"


def _targets_source(as_of: date | datetime | None) -> tuple[str, dict[str, Any]]:
    moment = history.as_of_moment(as_of)
    return history.source("targets", moment, _TARGET_COLUMNS), ({} if moment is None else {"as_of": moment})


def target_of(
    store: Store, entity_id: str, indicator: str, as_of: date | datetime | None = None, target_year: int = TARGET_YEAR
) -> dict | None:
    """The target row (for `target_year`, default the current plan's) of an entity for an indicator, or None."""
    source, extra = _targets_source(as_of)
    df = store.query(
        f"SELECT {_TARGET_COLUMNS} FROM {source} AS t "  # noqa: S608 - this module's SQL
        "WHERE entity_id = $entity AND indicator = $indicator AND target_year = $year",
        {"entity": entity_id, "indicator": indicator, "year": int(target_year), **extra},
    )
    return None if df.empty else df.iloc[0].to_dict()


def targets_table(
    store: Store, level: str, indicator: str, as_of: date | datetime | None = None, target_year: int = TARGET_YEAR
) -> pd.DataFrame:
    """Targets for `target_year` of every unit at a level for one indicator, with the unit's name (as of a date)."""
    if level not in TARGET_LEVELS:
        raise ValueError(f"level must be one of {list(TARGET_LEVELS)}, got {level!r}")
    source, extra = _targets_source(as_of)
    moment = history.as_of_moment(as_of)
    admin = history.source("admin_units", moment, "id, name")
    parks = history.source("parks", moment, "id, name")
    return store.query(
        f"""
        SELECT t.entity_id, coalesce(a.name, p.name) AS name, t.level, t.indicator, t.baseline_year,
               t.baseline_value, t.target_year, t.target_value, t.unit, t.source
        FROM {source} AS t
        LEFT JOIN {admin} AS a ON a.id = t.entity_id
        LEFT JOIN {parks} AS p ON p.id = t.entity_id
        WHERE list_contains($levels, t.level) AND t.indicator = $indicator AND t.target_year = $target_year
        ORDER BY t.entity_id
        """,  # noqa: S608 - this module's SQL
        {"levels": list(TARGET_LEVELS[level]), "indicator": indicator, "target_year": int(target_year), **extra},
    )


def actual_values(
    store: Store,
    level: str,
    indicator: str,
    year: int,
    entity_ids: list[str] | None = None,
    as_of: date | datetime | None = None,
) -> pd.DataFrame:
    """entity_id, value of the indicator in `year` for every unit of a level (parks: as reported).

    `entity_ids` limits a unit level to those units (one 开发区 for a park's panel).
    """
    if level == "park":
        df = park_values(store, indicator, year, as_of=as_of)
        return df.rename(columns={"id": "entity_id"})[["entity_id", "value"]]
    units = unit_values(store, indicator, level, (year, year), unit_ids=entity_ids, as_of=as_of)
    return units.rename(columns={"unit_id": "entity_id"})[["entity_id", "value"]]


def assessment(
    store: Store,
    level: str,
    indicator: str,
    year: int,
    as_of: date | datetime | None = None,
    target_year: int = TARGET_YEAR,
) -> pd.DataFrame:
    """Targets (of the period ending in `target_year`) joined with actual values and the straight-line status,
    ranked worst first (as of a date)."""
    targets = targets_table(store, level, indicator, as_of=as_of, target_year=target_year)
    actual = actual_values(store, level, indicator, year, as_of=as_of)
    df = targets.merge(actual, on="entity_id", how="left").rename(columns={"value": "actual"})
    results = [
        assess(b, t, a, year, int(y0), int(y1))
        for b, t, a, y0, y1 in zip(
            df["baseline_value"], df["target_value"], df["actual"], df["baseline_year"], df["target_year"], strict=True
        )
    ]
    df["expected"] = [r.expected for r in results]
    df["progress"] = [r.progress for r in results]
    df["status"] = pd.Categorical([r.status for r in results], categories=list(STATUSES), ordered=True)
    df["change_pct"] = (df["actual"] - df["baseline_value"]) / df["baseline_value"].replace(0, np.nan) * 100
    rank = df["status"].astype(str).map({"behind": 0, "at_risk": 1, "no_data": 2, "on_track": 3})
    return df.assign(_rank=rank).sort_values(["_rank", "progress"]).drop(columns="_rank").reset_index(drop=True)


@writes("targets.update", "admin")
def update_targets(
    store: Store, actor: Actor, rows: pd.DataFrame, now: datetime | None = None, reason: str | None = None
) -> int:
    """Write edited target values (entity_id, indicator, target_year, target_value) in one audited transaction.

    Values must be finite and non-negative; otherwise nothing is written. Each changed target keeps
    its previous value in `targets_history` and gets one audit row (before/after value).
    """
    problems = []
    for i, row in enumerate(rows.itertuples(index=False), start=1):
        value = row.target_value
        if value is None or not np.isfinite(float(value)) or float(value) < 0:
            problems.append(
                Problem("目标值必须是非负数", "target must be a non-negative number", feature=i, field="target_value")
            )
    if problems:
        raise InputError("targets", problems)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    key = "entity_id = $entity AND indicator = $indicator AND target_year = $year"
    # The closed row, with the new value, becomes the current one.
    reinsert = (
        "INSERT INTO targets (entity_id, level, indicator, baseline_year, baseline_value, target_year, "  # noqa: S608
        "target_value, unit, source, valid_from, changed_by) "
        "SELECT entity_id, level, indicator, baseline_year, baseline_value, target_year, $value, unit, "
        f"source, $now, $by FROM targets_history WHERE {key} AND valid_to = $now"
    )
    written = 0
    with store.transaction() as s:
        for row in rows.itertuples(index=False):
            params = {"entity": str(row.entity_id), "indicator": str(row.indicator), "year": int(row.target_year)}
            before = s.execute(f"SELECT target_value FROM targets WHERE {key}", params).fetchone()  # noqa: S608
            if before is None:
                raise InputError(
                    "targets",
                    [Problem(f"没有目标 {params}", f"no such target {params}", feature=written + 1, field="entity_id")],
                )
            if float(before[0]) == float(row.target_value):
                continue
            history.archive(s, "targets", key, params, now)
            s.execute(reinsert, {**params, "value": float(row.target_value), "now": now, "by": actor.username})
            entity = f"{params['entity']}/{params['indicator']}/{params['year']}"
            audit.record(
                s,
                actor,
                "targets.update",
                "target",
                entity,
                {"target_value": float(before[0])},
                {"target_value": float(row.target_value)},
                now=now,
                reason=reason,
            )
            written += 1
    return written


@dataclass(frozen=True)
class HeadlineRow:
    """The headline indicator's status for one entity (the park, or the 开发区 holding it)."""

    level: str  # "park" | "zone"
    entity_id: str
    name: str
    actual: float
    target: float
    result: Assessment


@dataclass(frozen=True)
class ParkPanel:
    """What the cockpit shows for a selected park in one indicator, basis and year."""

    park: dict[str, Any]  # id, name, zone, town, area_km2, value (in the chosen basis)
    profile: pd.DataFrame  # every indicator in `year`: indicator, unit, value, baseline, change_pct
    trend: pd.DataFrame  # year, value in the chosen basis
    target: dict[str, Any] | None  # the chosen indicator's target row (total basis only)
    result: Assessment | None  # the park against that target in `year`
    headline: list[HeadlineRow]  # energy intensity: the park, then its 开发区


def park_panel(
    store: Store,
    park_id: str,
    indicator: str,
    normalisation: str,
    year: int,
    as_of: date | datetime | None = None,
) -> ParkPanel | None:
    """Everything the park panel shows, in one call; None when the store has no such park (on `as_of`).

    The 开发区 is the one whose polygon holds the park (the stored membership), not a name match,
    and only that unit's aggregate is computed.
    """
    with store.reading():  # nine small reads on one connection: ≈ 0.09 s instead of 0.39 s at 10,000 parks
        return _park_panel(store, park_id, indicator, normalisation, year, as_of)


def _park_panel(
    store: Store, park_id: str, indicator: str, normalisation: str, year: int, as_of: date | datetime | None
) -> ParkPanel | None:
    row = park_values(store, indicator, year, normalisation, park_id=park_id, as_of=as_of)
    if row.empty:
        return None
    park = row.iloc[0].to_dict()
    target = target_of(store, park_id, indicator, as_of) if normalisation == "total" else None
    result = _assess_against(target, park["value"], year) if target else None
    headline: list[HeadlineRow] = []
    park_target = target_of(store, park_id, HEADLINE_INDICATOR, as_of)
    if park_target:
        actual = park_values(store, HEADLINE_INDICATOR, year, park_id=park_id, as_of=as_of)["value"].iloc[0]
        headline.append(_headline("park", park_id, park["name"], actual, park_target, year))
    zone = park_unit(store, park_id, "zone", as_of)
    zone_target = target_of(store, zone["id"], HEADLINE_INDICATOR, as_of) if zone else None
    if zone and zone_target:
        actual = actual_values(store, "zone", HEADLINE_INDICATOR, year, entity_ids=[zone["id"]], as_of=as_of)["value"]
        headline.append(
            _headline("zone", zone["id"], zone["name"], actual.iloc[0] if len(actual) else np.nan, zone_target, year)
        )
    return ParkPanel(
        park=park,
        profile=park_profile(store, park_id, year, as_of),
        trend=park_trend(store, park_id, indicator, normalisation, as_of),
        target=target,
        result=result,
        headline=headline,
    )


def _assess_against(target: dict[str, Any], actual: float, year: int) -> Assessment:
    """`assess` with a target row's own baseline and target years."""
    return assess(
        target["baseline_value"],
        target["target_value"],
        actual,
        year,
        int(target["baseline_year"]),
        int(target["target_year"]),
    )


def _headline(level: str, entity_id: str, name: str, actual: float, target: dict[str, Any], year: int) -> HeadlineRow:
    result = _assess_against(target, actual, year)
    return HeadlineRow(level, entity_id, name, float(actual), float(target["target_value"]), result)
