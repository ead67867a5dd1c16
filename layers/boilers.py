"""Coal and heavy-oil boilers (燃煤锅炉): the plan's boiler conversion and closure work (issue 12).

Which fuels a prohibited zone's class bans is data (`fuel_catalogue_2017.json`, after the 2017
高污染燃料目录), read by geo/zones.py to list the boilers in a zone that must convert first.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from layers.base import Field, LayerSpec, Style, choices

FUELS = choices(
    ("coal", "燃煤", "Coal"),
    ("heavy_oil", "重油", "Heavy oil"),
    ("biomass", "生物质", "Biomass"),
    ("gas", "燃气", "Gas"),
    ("electric", "电", "Electric"),
)
STATUSES = choices(
    ("in_use", "在用", "In use"),
    ("converted", "改燃", "Converted"),
    ("closed", "关停", "Closed"),
    ("removed", "拆除", "Removed"),
)
CAPACITY_UNITS = choices(("t_h", "t/h", "t/h"), ("mw", "MW", "MW"))
# 1 t/h of steam ≈ 0.7 MW of heat: how a capacity in MW compares with the catalogue's t/h thresholds.
MW_PER_T_H = 0.7
CATALOGUE = json.loads((Path(__file__).with_name("fuel_catalogue_2017.json")).read_text(encoding="utf-8"))

SPEC = LayerSpec(
    name="boilers",
    title_zh="燃煤锅炉",
    title_en="Coal and heavy-oil boilers",
    geometry=("Point",),
    id_prefix="BL",
    draw_order=75,
    editor_role="planner",
    sample="layers.boilers:sample_boilers",
    sample_order=100,
    shown_by_default=False,
    fields=(
        Field("name", "使用单位", "Unit", required=True, aliases=("使用单位", "单位名称", "名称"), in_tooltip=True),
        Field("capacity", "额定出力", "Capacity", type="float", minimum=0, aliases=("额定出力", "出力", "容量")),
        Field("capacity_unit", "出力单位", "Capacity unit", choices=CAPACITY_UNITS, aliases=("出力单位", "单位")),
        Field("fuel", "燃料", "Fuel", required=True, choices=FUELS, aliases=("燃料", "燃料类型"), in_tooltip=True),
        Field("status", "状态", "Status", required=True, choices=STATUSES, aliases=("状态",), in_tooltip=True),
        Field("deadline", "改造完成时限", "Conversion deadline", type="date", aliases=("完成时限", "改造完成时限")),
        Field("town", "所在街镇", "Street/town", aliases=("所在街镇", "街镇")),
    ),
    style=Style(
        color="#4d4d4d",
        fill_color="#878787",
        weight=1.0,
        fill_opacity=0.9,
        radius=5,
        category_field="fuel",
        category_colors=(("coal", "#252525"), ("heavy_oil", "#8c510a"), ("biomass", "#35978f")),
    ),
    description_zh="燃煤、重油等锅炉及其改燃、关停、拆除情况（示意数据）。",
    description_en="Coal, heavy-oil and other boilers and their conversion or closure (illustrative data).",
)


def sample_boilers(ctx) -> gpd.GeoDataFrame:
    """About 60 boilers (×scale): two in five inside the sample prohibited zones, the rest anywhere in the district."""
    from data.sample.context import feature_ids
    from data.sample.shapes import points_in, to_storage, unit_at

    rng = ctx.stream(210)
    n = int(round(60 * ctx.scale))
    zones = ctx.layer("prohibited_zones")
    zone_metres = zones.to_crs("EPSG:4548").geometry.values
    inside = int(n * 0.4)
    chosen_zones = zone_metres[rng.integers(0, len(zone_metres), inside)]
    outline = np.array([ctx.geography.outline] * (n - inside), dtype=object)
    points = np.vstack([points_in(rng, chosen_zones), points_in(rng, outline)])
    fuel = rng.choice(["coal", "heavy_oil", "biomass", "gas", "electric"], n, p=[0.45, 0.15, 0.15, 0.2, 0.05])
    status = rng.choice(["in_use", "converted", "closed", "removed"], n, p=[0.55, 0.2, 0.15, 0.1])
    unit = rng.choice(["t_h", "mw"], n, p=[0.8, 0.2])
    capacity = np.round(
        np.where(unit == "t_h", rng.choice([4, 6, 10, 20, 35, 75], n), rng.choice([2.8, 7, 14, 29], n)), 1
    )
    deadline = [
        date(int(y), int(m), 1) for y, m in zip(rng.integers(2021, 2026, n), rng.integers(1, 13, n), strict=True)
    ]
    kinds = ("供热站", "热电厂", "化工厂", "食品厂", "洗染厂", "医院", "学校", "物流园")
    towns = unit_at(points, [(name, polygon) for name, _, polygon in ctx.geography.streets], fallback_nearest=True)
    frame = {
        "id": feature_ids(SPEC, n),
        "name": [f"{towns[i]}{kinds[i % len(kinds)]}{i + 1}号锅炉（示意）" for i in range(n)],
        "capacity": capacity,
        "capacity_unit": unit,
        "fuel": fuel,
        "status": status,
        "deadline": deadline,
        "town": towns,
    }
    return to_storage(shapely.points(points), frame)
