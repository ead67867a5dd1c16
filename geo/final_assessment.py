"""终期评估: at the end of a plan period, met / not met per district, 开发区, 街镇 and park, with the gap.

For a period whose target year has data, each entity's actual value in the target year is compared
with its target: a cut (target < baseline) is met when actual ≤ target, a rise when actual ≥ target.
gap = actual − target (in the indicator's unit; positive = above the target), gap_pct = gap ÷ target.
Rows are ranked not met first (largest relative shortfall first), then no data, then met.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from geo.assessment import TARGET_LEVELS, assessment
from geo.plan import PlanPeriod
from geo.stats import years
from geo.store.db import Store

RESULTS = ("not_met", "no_data", "met")
FINAL_LEVELS = ("district", "zone", "town", "park")


def has_final_data(store: Store, period: PlanPeriod, indicator: str, as_of: date | datetime | None = None) -> bool:
    """Whether the store holds figures of the period's target year (the final assessment can run)."""
    return period.target_year in years(store, indicator, as_of=as_of)


def met(baseline: float, target: float, actual: float) -> str:
    """met / not_met / no_data for one entity (the direction from baseline to target decides)."""
    if any(v is None or not np.isfinite(v) for v in (target, actual)):
        return "no_data"
    cut = not np.isfinite(baseline) or target <= baseline
    return "met" if (actual <= target if cut else actual >= target) else "not_met"


def final_assessment(
    store: Store, period: PlanPeriod, level: str, indicator: str, as_of: date | datetime | None = None
) -> pd.DataFrame:
    """One row per entity of a level with a target in the period: actual, target, gap, gap_pct, result; ranked."""
    if level not in TARGET_LEVELS:
        raise ValueError(f"level must be one of {list(TARGET_LEVELS)}, got {level!r}")
    table = assessment(store, level, indicator, period.target_year, as_of=as_of, target_year=period.target_year)
    table = table.assign(
        result=[
            met(b, t, a)
            for b, t, a in zip(table["baseline_value"], table["target_value"], table["actual"], strict=True)
        ]
    )
    table["gap"] = table["actual"] - table["target_value"]
    table["gap_pct"] = table["gap"] / table["target_value"].replace(0, np.nan) * 100
    # Worst first: not met by the largest shortfall in the target's direction, then no data, then met.
    direction = np.where(table["target_value"] <= table["baseline_value"].fillna(np.inf), 1.0, -1.0)
    shortfall = table["gap_pct"] * direction
    rank = table["result"].map({r: i for i, r in enumerate(RESULTS)})
    ordered = table.assign(_rank=rank, _short=-shortfall.fillna(0)).sort_values(["_rank", "_short", "entity_id"])
    columns = ["entity_id", "name", "level", "baseline_value", "target_value", "actual", "gap", "gap_pct", "result"]
    return ordered[columns].reset_index(drop=True)


def final_summary(
    store: Store, period: PlanPeriod, indicator: str, as_of: date | datetime | None = None
) -> pd.DataFrame:
    """level, met, not_met, no_data, total: the counts the district reports for each level."""
    rows = []
    for level in FINAL_LEVELS:
        table = final_assessment(store, period, level, indicator, as_of=as_of)
        counts = table["result"].value_counts()
        rows.append({"level": level, **{r: int(counts.get(r, 0)) for r in ("met", "not_met", "no_data")}})
    out = pd.DataFrame(rows, columns=["level", "met", "not_met", "no_data"])
    out["total"] = out[["met", "not_met", "no_data"]].sum(axis=1)
    return out
