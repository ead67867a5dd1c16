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

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


PARK_INDICATORS: tuple[Indicator, ...] = (
    Indicator("energy_consumption", "综合能耗总量", "Energy consumption", "tce"),
    Indicator("value_added", "工业增加值", "Industrial value added", "万元", lower_is_better=False),
    Indicator("energy_intensity", "能耗强度", "Energy intensity", "tce/万元"),
    Indicator("cod", "化学需氧量排放量", "COD emissions", "t"),
    Indicator("nh3n", "氨氮排放量", "NH3-N emissions", "t"),
    Indicator("nox", "氮氧化物排放量", "NOx emissions", "t"),
    Indicator("vocs", "挥发性有机物排放量", "VOCs emissions", "t"),
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
)
INDICATORS: dict[str, Indicator] = {i.code: i for i in (*PARK_INDICATORS, *TOWN_INDICATORS)}
