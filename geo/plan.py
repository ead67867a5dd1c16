"""The plan being assessed: its period (baseline → target year) and the targets the plan text fixes.

《滨海新区"十四五"节能减排工作实施方案》 runs from the 2020 baseline to 2025. A plan period is a
record so that later periods (十五五, 2025 → 2030) are data beside it, not new constants.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanPeriod:
    """A plan period: status runs along the straight line from `baseline_year` to `target_year`."""

    code: str
    title_zh: str
    title_en: str
    baseline_year: int
    target_year: int

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def years(self) -> range:
        """Every year of the period, baseline and target included."""
        return range(self.baseline_year, self.target_year + 1)


FYP14 = PlanPeriod("fyp14", "十四五", "14th Five-Year Plan", 2020, 2025)
CURRENT_PERIOD = FYP14
BASELINE_YEAR = CURRENT_PERIOD.baseline_year
TARGET_YEAR = CURRENT_PERIOD.target_year

# Indicators with district-set targets that the assessment pages offer (energy intensity, the four pollutants).
TARGET_INDICATORS = ("energy_intensity", "cod", "nh3n", "nox", "vocs")
# Tianjin 14th FYP: energy intensity −14.5 % by 2025 vs 2020.
ENERGY_INTENSITY_CUT = 0.145
# 农村生活污水治理率达到90%以上 (a street/town indicator, % by the target year).
RURAL_SEWAGE = "rural_sewage_treatment_rate"
RURAL_SEWAGE_TARGET = 90.0
