"""What-if: measures on a park or a 开发区 and what they do to the target year's intensity and emissions.

Start (the "without measures" figures of the period's target year): the actual value when the target
year has one, else the forecast from the entity's own trend (`geo.forecast`), else the latest value.
Then, with coal = energy × coal share (a setting):

    coal cut   = min(coal, coal × cut% + boilers closed (t/h) × coal per t/h a year)
    energy′    = energy − coal cut            (closing / saving)
               = energy                       (converting: the same energy from natural gas)
    value added′ = value added × (1 + raise%)
    intensity  = energy ÷ value added;  CO₂ = coal × EF_coal + (energy − coal) × EF_other
    NOx′       = max(0, NOx − coal cut × NOx per tce of coal)

The district's intensity after the measure is (Σ energy − Δenergy) ÷ (Σ value added + Δvalue added).
Every coefficient is a setting (`geo/settings.py`, `whatif.*`) with its source, and is shown with
the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from geo.assessment import target_of
from geo.forecast import entity_series, linear_forecast
from geo.plan import PlanPeriod
from geo.settings import SETTINGS, current_settings
from geo.store.db import Store

FACTOR_KEYS = (
    "whatif.coal_share_pct",
    "whatif.coal_tce_per_t",
    "whatif.co2_coal_t_per_tce",
    "whatif.co2_other_t_per_tce",
    "whatif.nox_coal_t_per_tce",
    "whatif.boiler_tce_per_th",
)
WHATIF_LEVELS = ("park", "zone")
# The settings' sources in English (the settings name them in Chinese).
SOURCES_EN = {
    "whatif.coal_share_pct": "illustrative default: set it from the park's energy balance",
    "whatif.coal_tce_per_t": "GB/T 2589-2020 General rules for calculation of the comprehensive energy consumption",
    "whatif.co2_coal_t_per_tce": "Guidelines for provincial greenhouse gas inventories (trial), about 2.66 tCO₂/tce",
    "whatif.co2_other_t_per_tce": "IPCC 2006: natural gas 56.1 tCO₂/TJ × 29.3076 GJ/tce",
    "whatif.nox_coal_t_per_tce": "2nd national pollution source census, coal-fired industrial boilers: "
    "about 2.94 kg per t raw coal ÷ 0.7143",
    "whatif.boiler_tce_per_th": "illustrative: a 1 t/h boiler burns about 0.14 t raw coal an hour × 4,000 h a year × 0.7143",
}


@dataclass(frozen=True)
class Measures:
    """What the official sets: cut coal by a share, close boilers (t/h), convert instead of close, raise value added."""

    coal_cut_pct: float = 0.0
    boilers_closed_th: float = 0.0
    convert_to_gas: bool = False
    value_added_raise_pct: float = 0.0


@dataclass(frozen=True)
class Figures:
    """Energy (tce), value added (万元), NOx (t), coal (tce) and CO₂ (t) of one state."""

    energy: float
    value_added: float
    nox: float
    coal: float
    co2: float

    @property
    def intensity(self) -> float:
        return self.energy / self.value_added if self.value_added else float("nan")


def apply_measures(energy: float, value_added: float, nox: float, measures: Measures, factors: dict[str, float]):
    """(before, after) `Figures` for the measures, by the formulas of the module docstring."""
    share = factors["whatif.coal_share_pct"] / 100
    ef_coal, ef_other = factors["whatif.co2_coal_t_per_tce"], factors["whatif.co2_other_t_per_tce"]
    coal = energy * share
    before = Figures(energy, value_added, nox, coal, coal * ef_coal + (energy - coal) * ef_other)
    cut = min(
        coal, coal * measures.coal_cut_pct / 100 + measures.boilers_closed_th * factors["whatif.boiler_tce_per_th"]
    )
    energy_after = energy if measures.convert_to_gas else energy - cut
    coal_after = coal - cut
    nox_after = max(0.0, nox - cut * factors["whatif.nox_coal_t_per_tce"]) if np.isfinite(nox) else nox
    after = Figures(
        energy_after,
        value_added * (1 + measures.value_added_raise_pct / 100),
        nox_after,
        coal_after,
        coal_after * ef_coal + (energy_after - coal_after) * ef_other,
    )
    return before, after


@dataclass(frozen=True)
class WhatIfResult:
    """A what-if for one entity: the starting point, the figures before and after, the targets, the district."""

    entity_id: str
    level: str
    year: int
    basis: str  # actual | forecast | latest | none
    before: Figures | None
    after: Figures | None
    intensity_target: float | None
    nox_target: float | None
    district_before: float | None  # district energy intensity
    district_after: float | None
    factors: pd.DataFrame  # key, title_zh, title_en, value, unit, source

    def met(self, which: str) -> bool | None:
        """Whether the intensity target would be met before / after the measures (None without a target)."""
        figures = self.before if which == "before" else self.after
        if figures is None or self.intensity_target is None:
            return None
        return bool(figures.intensity <= self.intensity_target)


def factors_table(store: Store) -> pd.DataFrame:
    """The coefficients the what-if uses: key, titles, value, unit, source, source_en (the current settings)."""
    values = current_settings(store)
    return pd.DataFrame(
        [
            {
                "key": k,
                "title_zh": SETTINGS[k].title_zh,
                "title_en": SETTINGS[k].title_en,
                "value": values[k],
                "unit": SETTINGS[k].unit,
                "source": SETTINGS[k].source,
                "source_en": SOURCES_EN[k],
            }
            for k in FACTOR_KEYS
        ]
    )


def _start(store: Store, level: str, entity_id: str | None, indicator: str, year: int, as_of) -> tuple[float, str]:
    """The indicator's value in `year` for an entity (level park/zone/district): actual, forecast or latest."""
    series = entity_series(store, level, indicator, (year - 10, year), as_of=as_of)
    if entity_id is not None:
        series = series[series["entity_id"] == entity_id]
    series = series.dropna(subset=["value"])
    if series.empty:
        return float("nan"), "none"
    exact = series[series["year"] == year]
    if len(exact):
        return float(exact["value"].iloc[0]), "actual"
    f = linear_forecast(series["year"], series["value"].astype(float), year)
    if f.sufficient:
        return max(0.0, f.value), "forecast"
    return float(series.sort_values("year")["value"].iloc[-1]), "latest"


def what_if(
    store: Store,
    level: str,
    entity_id: str,
    period: PlanPeriod,
    measures: Measures,
    as_of: date | datetime | None = None,
) -> WhatIfResult:
    """The measures' effect on `entity_id` (a park or a 开发区) in the period's target year, and on the district."""
    if level not in WHATIF_LEVELS:
        raise ValueError(f"level must be one of {WHATIF_LEVELS}, got {level!r}")
    year = period.target_year
    table = factors_table(store)
    factors: dict[str, Any] = dict(zip(table["key"], table["value"], strict=True))
    energy, basis = _start(store, level, entity_id, "energy_consumption", year, as_of)
    value_added, _ = _start(store, level, entity_id, "value_added", year, as_of)
    nox, _ = _start(store, level, entity_id, "nox", year, as_of)
    before = after = None
    district_before = district_after = None
    if np.isfinite(energy) and np.isfinite(value_added) and value_added > 0:
        before, after = apply_measures(energy, value_added, nox, measures, factors)
        district_energy, _ = _start(store, "district", None, "energy_consumption", year, as_of)
        district_va, _ = _start(store, "district", None, "value_added", year, as_of)
        if np.isfinite(district_energy) and np.isfinite(district_va) and district_va > 0:
            district_before = district_energy / district_va
            district_after = (district_energy - (before.energy - after.energy)) / (
                district_va + (after.value_added - before.value_added)
            )
    intensity = target_of(store, entity_id, "energy_intensity", as_of, target_year=year)
    nox_target = target_of(store, entity_id, "nox", as_of, target_year=year)
    return WhatIfResult(
        entity_id,
        level,
        year,
        basis if before is not None else "none",
        before,
        after,
        None if intensity is None else float(intensity["target_value"]),
        None if nox_target is None else float(nox_target["target_value"]),
        district_before,
        district_after,
        table,
    )
