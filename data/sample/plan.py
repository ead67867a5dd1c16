"""2025 actuals of every park (the 十四五 final year) and illustrative 十五五 targets for 2030 (示意).

Added after the other generators (sample order 110) and drawn from their own streams, so every
value generated before is unchanged. A park's 2025 figure continues its own 2020–2024 path (its
mean yearly change, bounded to ±15 %, plus noise); a park that did not report 2024 does not report
2025 either. Energy intensity is energy ÷ value added, as for the other years. The 十五五 targets
cut 2025 energy intensity by `FYP15_ENERGY_INTENSITY_CUT` and each emission by 8–12 %, for parks
and for the units holding them (the same rule as the 2025 targets, `parks._targets`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.sample.context import SOURCE, SampleContext
from data.sample.parks import _targets
from geo.indicators import INDICATORS, PARK_INDICATORS
from geo.plan import FYP14, FYP15, FYP15_ENERGY_INTENSITY_CUT
from layers import admin_units, parks

_ACTUALS_STREAM = 220
_TARGETS_STREAM = 221
# Totals continued from their trend, with the decimals the other years are rounded to.
_TOTALS = {"energy_consumption": 1, "value_added": 1, "cod": 2, "nh3n": 3, "nox": 2, "vocs": 2, "water_use": 2}


def fyp14_final_and_fyp15_targets(ctx: SampleContext) -> None:
    """Add 2025 park statistics and the 2030 targets to the context's tables; belongs to no layer."""
    park_frame = ctx.layer(parks.SPEC.name)
    admin = ctx.layer(admin_units.SPEC.name)
    codes = [i.code for i in PARK_INDICATORS]
    stats = pd.concat(ctx.statistics, ignore_index=True)
    stats = stats[stats["indicator"].isin(codes) & stats["entity_id"].isin(park_frame["id"])]
    actuals = _actuals_2025(ctx.stream(_ACTUALS_STREAM), park_frame["id"].to_numpy(), stats)
    ctx.statistics.append(actuals)
    targets = _targets(
        ctx.stream(_TARGETS_STREAM),
        park_frame,
        admin,
        pd.concat([stats, actuals], ignore_index=True),
        baseline_year=FYP15.baseline_year,
        target_year=FYP15.target_year,
        intensity_cut=FYP15_ENERGY_INTENSITY_CUT,
    )
    ctx.targets.append(targets[targets["target_value"].notna()].reset_index(drop=True))


def _actuals_2025(rng: np.random.Generator, ids: np.ndarray, stats: pd.DataFrame) -> pd.DataFrame:
    last_year = FYP14.target_year - 1
    wide = {
        code: stats[stats["indicator"] == code].pivot(index="entity_id", columns="year", values="value")
        for code in INDICATORS
    }
    reported = wide["energy_consumption"].reindex(ids)[last_year].notna().to_numpy()
    values: dict[str, np.ndarray] = {}
    for code, decimals in _TOTALS.items():
        table = wide[code].reindex(ids)
        last = table[last_year].to_numpy(dtype=float)
        first = table[FYP14.baseline_year].to_numpy(dtype=float)
        span = last_year - FYP14.baseline_year
        mean_change = np.clip(np.log(last / first) / span, -0.15, 0.15)
        noise = rng.normal(0, 0.02, len(ids))
        values[code] = np.round(last * np.exp(np.nan_to_num(mean_change) + noise), decimals)
    values["energy_intensity"] = values["energy_consumption"] / values["value_added"]
    progress = wide["circular_progress"].reindex(ids)[last_year].to_numpy(dtype=float)
    step = rng.uniform(0, 15, len(ids))
    values["circular_progress"] = np.round(np.where(progress > 0, np.minimum(100.0, progress + step), progress), 1)
    order = {code: i for i, code in enumerate(INDICATORS)}
    parts = [
        pd.DataFrame({"entity_id": ids, "year": FYP14.target_year, "indicator": code, "value": v, "order": order[code]})
        for code, v in values.items()
    ]
    out = pd.concat(parts, ignore_index=True)
    keep = np.tile(reported, len(parts)) & out["value"].notna().to_numpy()
    out = out[keep].sort_values(["entity_id", "order"], kind="stable").drop(columns="order")
    out["unit"] = out["indicator"].map({code: INDICATORS[code].unit for code in INDICATORS})
    out["source"] = SOURCE
    return out.reset_index(drop=True)
