"""Indicators the plan tracks, with units and which way is better. Codes are what the store holds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    """An indicator code with its titles, unit and direction (lower is better or not)."""

    code: str
    title_zh: str
    title_en: str
    unit: str
    lower_is_better: bool = True
    decimals: int = 1  # how many decimals the pages show for a total of this indicator
    # How parks add up to a 开发区/街镇: "sum", or "area_weighted" (a concentration: the park-area-weighted mean).
    aggregate: str = "sum"

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def shown_decimals(self, normalisation: str = "total") -> int:
        """Decimals for a value in a basis: ratios per km² or per 万元 are smaller, so two more."""
        return self.decimals if normalisation == "total" else self.decimals + 2

    def format(self, value: float | None, normalisation: str = "total") -> str:
        """A value as the pages show it: this indicator's decimals, thousands grouped, '—' for none."""
        if value is None or value != value:
            return "—"
        return f"{value:,.{self.shown_decimals(normalisation)}f}"


PARK_INDICATORS: tuple[Indicator, ...] = (
    Indicator("energy_consumption", "综合能耗总量", "Energy consumption", "tce", decimals=0),
    Indicator("value_added", "工业增加值", "Industrial value added", "万元", lower_is_better=False, decimals=0),
    Indicator("energy_intensity", "能耗强度", "Energy intensity", "tce/万元", decimals=3),
    Indicator("cod", "化学需氧量（COD）排放量", "Chemical oxygen demand (COD) emissions", "t"),
    Indicator("nh3n", "氨氮（NH₃-N）排放量", "Ammonia nitrogen (NH₃-N) emissions", "t", decimals=2),
    Indicator("nox", "氮氧化物（NOx）排放量", "Nitrogen oxides (NOx) emissions", "t"),
    Indicator("vocs", "挥发性有机物（VOCs）排放量", "Volatile organic compounds (VOCs) emissions", "t"),
    Indicator("water_use", "用水量", "Water use", "万m³"),
    Indicator("circular_progress", "循环化改造完成度", "Circular transformation progress", "%", lower_is_better=False),
)
# Reported per street/town (entity_id = the admin unit's id), not per park: kept apart because code that
# builds park statistics iterates PARK_INDICATORS.
TOWN_INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "rural_sewage_treatment_rate",
        "农村生活污水治理率",
        "Rural domestic sewage treatment rate",
        "%",
        lower_is_better=False,
    ),
    # issue 14: residents per 街镇, for the expected sewage (geo/facilities.py coverage)
    Indicator("resident_population", "常住人口", "Resident population", "万人", lower_is_better=False, decimals=2),
)
# issue 14: zonal statistics of the concentration grids (geo/grids.py), per park and per 街镇; the cockpit
# offers them beside PARK_INDICATORS. Kept apart because they come from a grid, not from the parks' reports.
GRID_INDICATORS: tuple[Indicator, ...] = (
    Indicator("pm25_mean", "PM2.5 年均浓度（均值）", "PM2.5 annual mean", "μg/m³", aggregate="area_weighted"),
    Indicator("pm25_max", "PM2.5 年均浓度（最大值）", "PM2.5 annual maximum", "μg/m³", aggregate="area_weighted"),
    Indicator("pm25_awmean", "PM2.5 面积加权均值", "PM2.5 area-weighted mean", "μg/m³", aggregate="area_weighted"),
    Indicator(
        "pm25_coverage",
        "PM2.5 网格覆盖率",
        "PM2.5 grid coverage",
        "%",
        lower_is_better=False,
        aggregate="area_weighted",
    ),
    Indicator("no2_mean", "NO₂ 年均浓度（均值）", "NO₂ annual mean", "μg/m³", aggregate="area_weighted"),
    Indicator("no2_max", "NO₂ 年均浓度（最大值）", "NO₂ annual maximum", "μg/m³", aggregate="area_weighted"),
    Indicator("no2_awmean", "NO₂ 面积加权均值", "NO₂ area-weighted mean", "μg/m³", aggregate="area_weighted"),
    Indicator(
        "no2_coverage", "NO₂ 网格覆盖率", "NO₂ grid coverage", "%", lower_is_better=False, aggregate="area_weighted"
    ),
)
INDICATORS: dict[str, Indicator] = {i.code: i for i in (*PARK_INDICATORS, *TOWN_INDICATORS, *GRID_INDICATORS)}
