"""Targets of a plan period from a workbook, read and matched exactly as statistics are (`geo.stats_import`).

The file gives target values: wide (one row per park or unit, one column per indicator, e.g.
`能耗强度（吨标准煤/万元）`) or long (`entity, indicator, value, unit`). A year column or a sheet named
after a year, if present, must be the period's target year. The baseline is the entity's actual value
in the period's baseline year as the store holds it (parks as reported, units aggregated), so the
straight-line status runs at once. Writing is an admin's audited transaction; a replaced target
stays in `targets_history`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from geo.assessment import actual_values
from geo.errors import InputError, Problem
from geo.indicators import INDICATORS
from geo.permissions import Actor, writes
from geo.plan import PlanPeriod
from geo.stats_import import _problem, entity_index, match_names, read_cells, read_sheets, unit_factor
from geo.store import audit, history
from geo.store.db import Store
from geo.store.tables import TARGET_COLUMNS, write_targets

KIND_LEVEL = {"park": "park", "zone": "zone", "street": "town", "town": "town", "district": "district"}


@dataclass
class TargetsPlan:
    """What a targets import would write: one row per (entity, indicator) with old → new target."""

    source_name: str
    period: PlanPeriod
    rows: pd.DataFrame  # entity_id, name, level, indicator, baseline_year, baseline_value, target_year,
    # target_value, unit, old_target, change (new / changed / unchanged)

    def counts(self) -> dict[str, int]:
        change = self.rows["change"].value_counts()
        return {k: int(change.get(k, 0)) for k in ("new", "changed", "unchanged")}


def plan_targets(
    store: Store, path: Path, period: PlanPeriod, source_name: str | None = None, max_rows: int = 50_000
) -> TargetsPlan:
    """Read, check and match a targets file for `period`; nothing is written. `InputError` lists every problem."""
    name = source_name or path.name
    cells, problems = read_cells(read_sheets(path, name), period.target_year, max_rows)
    for c in cells:
        if c.year not in (None, period.target_year):
            problems.append(
                _problem(
                    c.sheet,
                    c.row,
                    None,
                    f"目标年 {c.year} 不是{period.title_zh}的目标年 {period.target_year}",
                    f"target year {c.year} is not {period.title_en}'s target year {period.target_year}",
                )
            )
            break
    entities = entity_index(store)
    found, ambiguous = match_names([c.entity for c in cells], entities)
    for entity in dict.fromkeys(c.entity for c in cells):
        if entity in ambiguous or entity not in found:
            first = next(c for c in cells if c.entity == entity)
            problems.append(
                _problem(
                    first.sheet,
                    first.row,
                    None,
                    f"找不到或无法唯一确定 {entity!r}",
                    f"{entity!r} matches no or several entities",
                )
            )
    if not cells and not problems:
        problems.append(Problem("文件中没有任何目标值", "the file holds no target values"))
    if problems:
        raise InputError(name, problems)
    kinds = dict(zip(entities["id"], entities["kind"], strict=True))
    rows = pd.DataFrame(
        {
            "entity_id": [found[c.entity].entity_id for c in cells],
            "name": [found[c.entity].name for c in cells],
            "level": [KIND_LEVEL.get(kinds[found[c.entity].entity_id], "park") for c in cells],
            "indicator": [c.indicator for c in cells],
            "target_value": [c.value * (unit_factor(c.indicator, c.unit_written) or 1.0) for c in cells],
        }
    )
    if rows.duplicated(["entity_id", "indicator"]).any():
        dup = rows[rows.duplicated(["entity_id", "indicator"])].iloc[0]
        raise InputError(
            name,
            [
                Problem(
                    f"{dup['name']} 的 {dup['indicator']} 目标出现多次",
                    f"{dup['name']} {dup['indicator']} appears twice",
                )
            ],
        )
    rows["baseline_year"] = period.baseline_year
    rows["target_year"] = period.target_year
    rows["unit"] = rows["indicator"].map(lambda code: INDICATORS[code].unit)
    rows["baseline_value"] = [_baseline(store, r.level, r.indicator, r.entity_id, period) for r in rows.itertuples()]
    old = store.query(
        "SELECT entity_id, indicator, target_value AS old_target FROM targets WHERE target_year = $year",
        {"year": period.target_year},
    )
    rows = rows.merge(old, on=["entity_id", "indicator"], how="left")
    same = np.isclose(rows["target_value"], rows["old_target"], rtol=1e-12, atol=0) & rows["old_target"].notna()
    rows["change"] = np.where(rows["old_target"].isna(), "new", np.where(same, "unchanged", "changed"))
    return TargetsPlan(name, period, rows)


def _baseline(store: Store, level: str, indicator: str, entity_id: str, period: PlanPeriod) -> float:
    ids = None if level == "park" else [entity_id]
    values = actual_values(store, level, indicator, period.baseline_year, entity_ids=ids)
    match = values[values["entity_id"] == entity_id]["value"]
    return float(match.iloc[0]) if len(match) and pd.notna(match.iloc[0]) else float("nan")


@writes("targets.import", "admin")
def import_targets(
    store: Store, actor: Actor, plan: TargetsPlan, reason: str | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Write the plan's new and changed targets in one audited transaction (replaced ones kept in history)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    written = plan.rows[plan.rows["change"] != "unchanged"].assign(source=plan.source_name)
    with store.transaction() as s:
        changed = written[written["change"] == "changed"][["entity_id", "indicator", "target_year"]]
        s.register("import_target_keys", changed)
        try:
            history.archive(
                s,
                "targets",
                "EXISTS (SELECT 1 FROM import_target_keys k WHERE k.entity_id = targets.entity_id "
                "AND k.indicator = targets.indicator AND k.target_year = targets.target_year)",
                {},
                now,
            )
        finally:
            s.unregister("import_target_keys")
        write_targets(s, written[list(TARGET_COLUMNS)], "append", now, actor.username)
        after = {"file": plan.source_name, "period": plan.period.code, **plan.counts()}
        audit.record(s, actor, "targets.import", "targets", plan.source_name, None, after, now=now, reason=reason)
    return plan.counts()
